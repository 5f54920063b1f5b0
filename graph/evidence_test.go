package graph

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store/sqlite"
)

// The saved name carries the extension of the type found in the bytes, not
// the one the client claimed.
func TestNameForType(t *testing.T) {
	for _, tt := range []struct{ name, ct, want string }{
		{"box.jpg", "image/jpeg", "box.jpg"},
		{"invoice.pdf        .html", "text/plain; charset=utf-8", "invoice.pdf.txt"},
		{"invoice.cmd", "text/plain; charset=utf-8", "invoice.txt"},
		{"g.js", "image/gif", "g.gif"},
		{"scan", "application/pdf", "scan.pdf"},
		{".pdf", "application/pdf", "evidence.pdf"},
		{"a   b.png", "image/png", "a b.png"},
	} {
		if got := NameForType(tt.name, tt.ct); got != tt.want {
			t.Errorf("NameForType(%q, %q) = %q, want %q", tt.name, tt.ct, got, tt.want)
		}
	}
}

// An upload whose first bytes are of no allowed type is refused before the
// rest is read; an allowed one is read whole, and an over-long one stops at
// the limit.
func TestReadUpload(t *testing.T) {
	exe := append([]byte("MZ\x90\x00"), bytes.Repeat([]byte{0}, 600)...)
	rest := &countingReader{r: bytes.NewReader(exe)}
	if _, err := readUpload(rest, int64(len(exe)), 1<<20); returns.ErrorCodeOf(err) != codeUnsupportedMedia {
		t.Errorf("an executable: %v, want %s", err, codeUnsupportedMedia)
	}
	if rest.n > 512 {
		t.Errorf("read %d bytes of a refused upload, want at most 512", rest.n)
	}
	text := []byte(strings.Repeat("a line of a chat excerpt\n", 100))
	got, err := readUpload(bytes.NewReader(text), -1, 1<<20)
	if err != nil || !bytes.Equal(got, text) {
		t.Errorf("plain text: %d bytes, %v", len(got), err)
	}
	short := []byte("%PDF-1.4\n%%EOF\n")
	if got, err := readUpload(bytes.NewReader(short), int64(len(short)), 1<<20); err != nil || !bytes.Equal(got, short) {
		t.Errorf("a short file: %q, %v", got, err)
	}
	big := bytes.Repeat([]byte("x"), 2000)
	limited := http.MaxBytesReader(nil, ioNopCloser{bytes.NewReader(big)}, 1000)
	var mbe *http.MaxBytesError
	if _, err := readUpload(limited, -1, 1000); !errors.As(err, &mbe) {
		t.Errorf("over the limit: %v, want a MaxBytesError", err)
	}
}

type countingReader struct {
	r interface{ Read([]byte) (int, error) }
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

type ioNopCloser struct{ *bytes.Reader }

func (ioNopCloser) Close() error { return nil }

// Uploads beyond MaxUploads wait for a slot, then are refused with 503 BUSY
// without their bodies being read: memory stays bounded.
func TestUploadsBeyondTheLimitAreRefused(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "ev.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := NewResolver(Deps{Store: st, Evidence: st, Platforms: adapters.NewRegistry()})
	h := NewEvidenceHandler(r, EvidenceOptions{MaxUploads: 1, UploadWait: 10 * time.Millisecond})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		h.ServeHTTP(w, req.WithContext(WithOrg(req.Context(), "ev-org")))
	}))
	defer srv.Close()
	url := srv.URL + "/evidence?case=" + CaseID(returns.CaseKey{Platform: returns.XHS, PlatformCaseID: "R1"}) + "&kind=PHOTO&name=a.txt"

	// The first upload takes the only slot and trickles its body.
	pr, pw := io.Pipe()
	first := make(chan int, 1)
	go func() {
		resp, err := http.Post(url, "text/plain", pr)
		if err != nil {
			first <- 0
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	if _, err := pw.Write([]byte(strings.Repeat("chat excerpt ", 100))); err != nil { // read by the handler: the slot is held
		t.Fatal(err)
	}
	resp, err := http.Post(url, "text/plain", strings.NewReader("another"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), codeBusy) || resp.Header.Get("Retry-After") == "" {
		t.Errorf("a second upload while the slot is held: %d %s", resp.StatusCode, body)
	}
	pw.Close()
	if code := <-first; code == 0 || code >= 500 {
		t.Errorf("the first upload answered %d", code)
	}
}

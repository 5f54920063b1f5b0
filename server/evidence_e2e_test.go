package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/auth"
	"github.com/returnsgw/returnsgw/store/postgres/pgtest"
)

var (
	pngFile  = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{7}, 100)...)
	pdfFile  = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
	htmlFile = []byte("<html><body><script>alert(document.cookie)</script></body></html>")
)

type evidenceAnswer struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

// upload POSTs a file as evidence on the case, with the key (testKey when "").
func upload(t *testing.T, m *Main, key, caseID, kind, name string, data []byte) evidenceAnswer {
	t.Helper()
	q := url.Values{"case": {caseID}, "kind": {kind}, "name": {name}}
	req, _ := http.NewRequest(http.MethodPost, m.URL()+"/evidence?"+q.Encode(), bytes.NewReader(data))
	req.Header.Set("Content-Type", "image/jpeg") // a claim the gateway must not trust
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return doEvidence(t, req)
}

func doEvidence(t *testing.T, req *http.Request) evidenceAnswer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := evidenceAnswer{status: resp.StatusCode, header: resp.Header, raw: raw}
	if resp.StatusCode >= 500 {
		t.Fatalf("HTTP %d: %s", resp.StatusCode, raw)
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &a.body); err != nil {
			t.Fatalf("not JSON: %s", raw)
		}
	}
	return a
}

func (a evidenceAnswer) code() string { s, _ := a.body["code"].(string); return s }
func (a evidenceAnswer) id() string   { s, _ := a.body["id"].(string); return s }

func someCase(t *testing.T, m *Main, platform string) caseView {
	t.Helper()
	var d struct {
		ReturnCases struct{ Nodes []caseView } `json:"returnCases"`
	}
	gql(t, m, `query($f: ReturnCaseFilter) { returnCases(first: 1, filter: $f) { nodes { `+caseFields+` } } }`,
		map[string]any{"f": map[string]any{"platforms": []string{platform}}}, &d)
	if len(d.ReturnCases.Nodes) == 0 {
		t.Fatalf("no %s case", platform)
	}
	return d.ReturnCases.Nodes[0]
}

func TestEvidenceUploadAndDownload(t *testing.T) {
	m := startGateway(t)
	c := someCase(t, m, "XHS")
	up := upload(t, m, "", c.ID, "PHOTO", "../../etc/passwd", pngFile)
	if up.status != http.StatusCreated || up.body["fileName"] != "passwd.png" || up.body["contentType"] != "image/png" ||
		up.body["size"] != float64(len(pngFile)) || up.body["url"] != "/evidence/"+up.id() || up.body["case"] != c.ID {
		t.Fatalf("upload: %d %s", up.status, up.raw)
	}
	// The download serves the bytes as an attachment that no browser runs.
	req, _ := http.NewRequest(http.MethodGet, m.URL()+"/evidence/"+up.id(), nil)
	down := doEvidence(t, req)
	h := down.header
	if down.status != http.StatusOK || !bytes.Equal(down.raw, pngFile) || h.Get("Content-Type") != "image/png" ||
		h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Disposition") != `attachment; filename=passwd.png` ||
		!strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("download: %d %v", down.status, h)
	}
	// The case lists it.
	var d struct {
		Node struct {
			Evidence []struct {
				ID, Kind, FileName, ContentType, Sha256, URL string
				Size                                         int
			} `json:"evidence"`
		} `json:"node"`
	}
	r := gql(t, m, `query($id: ID!) { node(id: $id) { ... on ReturnCase { evidence { id kind fileName contentType size sha256 url } } } }`,
		map[string]any{"id": c.ID}, &d)
	if len(r.Errors) > 0 || len(d.Node.Evidence) != 1 || d.Node.Evidence[0].ID != up.id() || d.Node.Evidence[0].Kind != "PHOTO" ||
		d.Node.Evidence[0].Size != len(pngFile) || d.Node.Evidence[0].Sha256 != up.body["sha256"] {
		t.Fatalf("ReturnCase.evidence: %+v %+v", d, r.Errors)
	}
	// Unknown and malformed ids are 404; other methods 405.
	for _, path := range []string{"/evidence/ev_00000000000000000000000000000000", "/evidence/..%2F..%2Fetc%2Fpasswd", "/evidence/x/y"} {
		req, _ := http.NewRequest(http.MethodGet, m.URL()+path, nil)
		if a := doEvidence(t, req); a.status != http.StatusNotFound || a.code() != "NOT_FOUND" {
			t.Errorf("GET %s: %d %s", path, a.status, a.raw)
		}
	}
	req, _ = http.NewRequest(http.MethodDelete, m.URL()+"/evidence/"+up.id(), nil)
	if a := doEvidence(t, req); a.status != http.StatusMethodNotAllowed {
		t.Errorf("DELETE: %d", a.status)
	}
}

func TestEvidenceLimits(t *testing.T) {
	m := startGateway(t, "--evidence-max-bytes", "1000", "--evidence-quota-bytes", "1500")
	ctx := context.Background()
	c := someCase(t, m, "ALIEXPRESS")
	small := pngFile // 116 bytes
	tests := []struct {
		name, key, caseID, kind, file string
		data                          []byte
		status                        int
		code                          string
	}{
		{"Oversize", "", c.ID, "PHOTO", "big.png", append(append([]byte{}, pngFile...), make([]byte, 1000)...), 413, "TOO_LARGE"},
		{"HTMLDisguisedAsJPEG", "", c.ID, "PHOTO", "photo.jpg", htmlFile, 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"SVG", "", c.ID, "PHOTO", "logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"ScriptInText", "", c.ID, "CHAT_EXCERPT", "chat.txt", []byte("hello\n<script>alert(1)</script>"), 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"Executable", "", c.ID, "OTHER", "invoice.pdf", append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 64)...), 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"Empty", "", c.ID, "PHOTO", "a.png", nil, 400, "INVALID"},
		{"NULInName", "", c.ID, "PHOTO", "a\x00.png", small, 400, "INVALID"},
		{"OnlyDots", "", c.ID, "PHOTO", "../..", small, 400, "INVALID"},
		{"UnknownKind", "", c.ID, "SELFIE", "a.png", small, 400, "INVALID"},
		{"MalformedCase", "", "not-an-id", "PHOTO", "a.png", small, 400, "INVALID"},
		{"UnknownCase", "", "UmV0dXJuQ2FzZTpYSFM6bm9wZQ", "PHOTO", "a.png", small, 404, "NOT_FOUND"},
		{"NoKey", "-", c.ID, "PHOTO", "a.png", small, 401, "UNAUTHORIZED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := tt.key
			if key == "-" {
				key = "wrong"
			}
			a := upload(t, m, key, tt.caseID, tt.kind, tt.file, tt.data)
			if a.status != tt.status || a.code() != tt.code || a.body["message"] == "" {
				t.Errorf("%d %s, want %d %s", a.status, a.raw, tt.status, tt.code)
			}
		})
	}
	// Nothing refused was stored.
	if n, _ := m.db.EvidenceUsage(ctx, "demo"); n != 0 {
		t.Fatalf("usage %d after refusals", n)
	}
	// A key without the write scope may not upload (but may download).
	ro, _, err := m.Auth.CreateKey(ctx, "demo", "read only", []auth.Scope{auth.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	if a := upload(t, m, ro, c.ID, "PHOTO", "a.png", small); a.status != http.StatusForbidden || a.code() != "UNAUTHORIZED" {
		t.Errorf("read-only key: %d %s", a.status, a.raw)
	}
	// Another organisation's case is not found, and its evidence neither.
	if err := m.Auth.EnsureOrg(ctx, "rival", "Rival"); err != nil {
		t.Fatal(err)
	}
	rival, _, err := m.Auth.CreateKey(ctx, "rival", "rival", auth.AllScopes)
	if err != nil {
		t.Fatal(err)
	}
	if a := upload(t, m, rival, c.ID, "PHOTO", "a.png", small); a.status != http.StatusNotFound || a.code() != "NOT_FOUND" {
		t.Errorf("another org's case: %d %s", a.status, a.raw)
	}
	mine := upload(t, m, "", c.ID, "PHOTO", "a.png", small)
	if mine.status != http.StatusCreated {
		t.Fatalf("upload: %d %s", mine.status, mine.raw)
	}
	req, _ := http.NewRequest(http.MethodGet, m.URL()+"/evidence/"+mine.id(), nil)
	req.Header.Set("Authorization", "Bearer "+rival)
	if a := doEvidence(t, req); a.status != http.StatusNotFound {
		t.Errorf("another org's download: %d", a.status)
	}
	// The quota: 1500 bytes, 116 used. A 900-byte file fits (484 left); of
	// two 300-byte files racing for the rest exactly one passes.
	sized := func(n int) []byte { return append(append([]byte{}, pngFile...), make([]byte, n-len(pngFile))...) }
	big, mid := sized(1000), sized(900)
	if a := upload(t, m, "", c.ID, "PHOTO", "mid.png", mid); a.status != http.StatusCreated {
		t.Fatalf("mid: %d %s", a.status, a.raw)
	}
	third := sized(300)
	var wg sync.WaitGroup
	answers := make([]evidenceAnswer, 2)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = upload(t, m, "", c.ID, "PHOTO", "race.png", third)
		}()
	}
	wg.Wait()
	created, refused := 0, 0
	for _, a := range answers {
		switch {
		case a.status == http.StatusCreated:
			created++
		case a.status == http.StatusRequestEntityTooLarge && a.code() == "QUOTA_EXCEEDED":
			refused++
		default:
			t.Errorf("racing upload: %d %s", a.status, a.raw)
		}
	}
	if created != 1 || refused != 1 {
		t.Errorf("%d created and %d refused at the quota's edge, want 1 and 1", created, refused)
	}
	if a := upload(t, m, "", c.ID, "PHOTO", "big.png", big); a.status != http.StatusRequestEntityTooLarge || a.code() != "QUOTA_EXCEEDED" {
		t.Errorf("past the quota: %d %s", a.status, a.raw)
	}
	if n, _ := m.db.EvidenceUsage(ctx, "demo"); n != 116+900+300 {
		t.Errorf("usage %d, want %d", n, 116+900+300)
	}
}

// On PostgreSQL: large files go through, and of many uploads racing for an
// organisation's quota exactly as many pass as fit.
func TestEvidenceOnPostgres(t *testing.T) {
	m := startGateway(t, "--db", pgtest.FreshURL(t, ""), "--evidence-max-bytes", "4194304", "--evidence-quota-bytes", "10000000")
	ctx := context.Background()
	c := someCase(t, m, "ALIBABA")
	sized := func(n int) []byte { return append(append([]byte{}, pngFile...), make([]byte, n-len(pngFile))...) }
	start := time.Now()
	large := upload(t, m, "", c.ID, "PHOTO", "large.png", sized(3<<20))
	took := time.Since(start)
	if large.status != http.StatusCreated {
		t.Fatalf("3 MiB upload: %d %s", large.status, large.raw)
	}
	start = time.Now()
	req, _ := http.NewRequest(http.MethodGet, m.URL()+"/evidence/"+large.id(), nil)
	if a := doEvidence(t, req); a.status != http.StatusOK || len(a.raw) != 3<<20 {
		t.Fatalf("download: %d, %d bytes", a.status, len(a.raw))
	}
	t.Logf("3 MiB: upload %v, download %v", took, time.Since(start))
	// 10,000,000 - 3 MiB = 6,854,272 bytes left: 6 of 10 one-MB files fit.
	const n, size = 10, 1000000
	var wg sync.WaitGroup
	var created, refused atomic.Int64
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := upload(t, m, "", c.ID, "PHOTO", "race.png", sized(size))
			switch {
			case a.status == http.StatusCreated:
				created.Add(1)
			case a.status == http.StatusRequestEntityTooLarge && a.code() == "QUOTA_EXCEEDED":
				refused.Add(1)
			default:
				t.Errorf("racing upload: %d %s", a.status, a.raw)
			}
		}()
	}
	wg.Wait()
	if created.Load() != 6 || refused.Load() != 4 {
		t.Errorf("%d created, %d refused; want 6 and 4", created.Load(), refused.Load())
	}
	if u, _ := m.db.EvidenceUsage(ctx, "demo"); u != 3<<20+6*size {
		t.Errorf("usage %d, want %d", u, 3<<20+6*size)
	}
}

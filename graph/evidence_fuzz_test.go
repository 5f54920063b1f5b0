package graph

import (
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/returnsgw/returnsgw/returns"
)

// safeName checks what SanitizeFileName promises of a name it accepts.
func safeName(t *testing.T, in, got string) {
	t.Helper()
	switch {
	case got == "" || len(got) > maxFileName || !utf8.ValidString(got):
		t.Fatalf("SanitizeFileName(%q) = %q: empty, too long or not UTF-8", in, got)
	case strings.ContainsAny(got, `/\`) || strings.HasPrefix(got, ".") || got == "..":
		t.Fatalf("SanitizeFileName(%q) = %q: a path", in, got)
	}
	for _, r := range got {
		if unicode.IsControl(r) {
			t.Fatalf("SanitizeFileName(%q) = %q: a control character", in, got)
		}
	}
	again, err := SanitizeFileName(got)
	if err != nil || again != got {
		t.Fatalf("SanitizeFileName is not stable on %q: %q %v", got, again, err)
	}
}

func FuzzUploadParams(f *testing.F) {
	id := CaseID(returns.CaseKey{Platform: returns.XHS, PlatformCaseID: "R1"})
	for _, q := range []string{
		"case=" + id + "&kind=PHOTO&name=box.jpg",
		"case=" + id + "&kind=PHOTO&name=..%2F..%2Fetc%2Fpasswd",
		"case=" + id + "&kind=INVOICE&name=a%00b.pdf",
		"case=" + id + "&kind=PHOTO&name=%E2%80%AEgpj.exe",
		"case=" + id + "&kind=PHOTO&name=" + strings.Repeat("%C3%A9", 300) + ".png",
		"case=x&kind=PHOTO&name=a", "kind=PHOTO&kind=OTHER", "%zz", "",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		p, err := parseUploadParams(q)
		if err != nil {
			if p != nil {
				t.Fatal("params with an error")
			}
			return
		}
		if !p.Kind.Valid() || !p.Case.Platform.Valid() || p.Case.PlatformCaseID == "" {
			t.Fatalf("accepted %q as %+v", q, p)
		}
		v, _ := url.ParseQuery(q)
		safeName(t, v.Get("name"), p.Name)
	})
}

func FuzzSanitizeFileName(f *testing.F) {
	for _, s := range []string{"photo.jpg", "../../etc/passwd", `..\..\windows\system32`, "a\x00.png", ".htaccess",
		"  .. ", "café.PNG", strings.Repeat("x", 200) + ".jpeg", "<script>.txt", "\u202egpj.exe", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := SanitizeFileName(s)
		if err != nil {
			return
		}
		safeName(t, s, got)
	})
}

func TestSanitizeFileName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"photo.jpg", "photo.jpg"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\me\Desktop\box.png`, "box.png"},
		{".htaccess", "htaccess"},
		{"my photo (1).jpg", "my photo (1).jpg"},
		{"in<voice>.pdf", "in_voice_.pdf"},
		{"café.png", "café.png"},
		{strings.Repeat("a", 300) + ".jpeg", strings.Repeat("a", maxFileName-5) + ".jpeg"},
		{"a\x00.png", ""}, {"a\nb.png", ""}, {"", ""}, {"../..", ""}, {"///", ""}, {"\xff.png", ""}, {"???", ""},
	}
	for _, tt := range tests {
		got, err := SanitizeFileName(tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("SanitizeFileName(%q) = %q, want refused", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("SanitizeFileName(%q) = %q %v, want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestSniffEvidence(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string // "" refused
	}{
		{"jpeg", "\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"},
		{"png", "\x89PNG\r\n\x1a\n\x00", "image/png"},
		{"gif", "GIF89a\x01\x00", "image/gif"},
		{"webp", "RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"},
		{"pdf", "%PDF-1.7\n", "application/pdf"},
		{"text", "The buyer wrote: it fits.\n", "text/plain; charset=utf-8"},
		{"html", "<!DOCTYPE html><p>x", ""},
		{"html in a jpg's clothes", "<html><script>x</script>", ""},
		{"svg", `<svg xmlns="http://www.w3.org/2000/svg"/>`, ""},
		{"xml", `<?xml version="1.0"?><a/>`, ""},
		{"script later in text", "note\n\n<script>alert(1)</script>", ""},
		{"javascript url", "click javascript:alert(1)", ""},
		{"executable", "MZ\x90\x00\x03\x00\x00\x00\x04\x00", ""},
		{"elf", "\x7fELF\x02\x01\x01", ""},
		{"zip", "PK\x03\x04\x14\x00", ""},
		{"latin-1 text", "caf\xe9 au lait", ""},
		{"shell script", "#!/bin/sh\nrm -rf /\n", ""},
	}
	for _, tt := range tests {
		got, err := SniffEvidence([]byte(tt.data))
		if tt.want == "" {
			if err == nil || string(returns.ErrorCodeOf(err)) != codeUnsupportedMedia {
				t.Errorf("%s: %q %v, want UNSUPPORTED_MEDIA_TYPE", tt.name, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: %q %v, want %q", tt.name, got, err, tt.want)
		}
	}
}

package graph

import (
	"bytes"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// leanString must write exactly what graphql.MarshalString writes.
func FuzzLeanString(f *testing.F) {
	for _, s := range []string{"", "plain", `q"uo\te`, "\t\r\n\x00\x1f\x7f", "中文 \u2028", "bad \xff\xfe utf-8", "é\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want, got bytes.Buffer
		graphql.MarshalString(s).MarshalGQL(&want)
		v := leanString(s)
		(&v).MarshalGQL(&got)
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("leanString(%q) = %s, graphql.MarshalString = %s", s, got.Bytes(), want.Bytes())
		}
	})
}

func TestLeanStringDoesNotAllocate(t *testing.T) {
	var b bytes.Buffer
	b.Grow(1 << 10)
	v := leanString("a \"quoted\"\tline\n")
	var m graphql.Marshaler = &v
	if n := testing.AllocsPerRun(100, func() { b.Reset(); m.MarshalGQL(&b) }); n != 0 {
		t.Fatalf("%v allocations per string", n)
	}
}

// leanWriter gives back exactly what was written, across chunk boundaries,
// and can be used again after Bytes.
func FuzzLeanWriter(f *testing.F) {
	f.Add([]byte("{}"), 1)
	f.Add(bytes.Repeat([]byte("x"), leanChunkSize-1), 3)
	f.Fuzz(func(t *testing.T, part []byte, times int) {
		times = times%64 + 1
		var w leanWriter
		var want bytes.Buffer
		for range 2 { // twice: Bytes leaves the writer empty and usable
			want.Reset()
			for i := range times {
				if i%2 == 0 {
					w.Write(part)
				} else {
					w.WriteString(string(part))
				}
				want.Write(part)
			}
			if got := w.Bytes(); !bytes.Equal(got, want.Bytes()) || len(got) != cap(got) {
				t.Fatalf("got %d bytes (cap %d), want %d", len(got), cap(got), want.Len())
			}
		}
	})
}

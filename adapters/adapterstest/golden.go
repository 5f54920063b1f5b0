package adapterstest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// GoldenWant is the name of the section of a golden file that holds the
// expected normalized output.
const GoldenWant = "want.json"

// Golden runs one subtest per txtar file matching pattern: normalize turns
// the archive (the platform's raw answers, in sections named by the adapter)
// into the normalized output, which is compared, as indented JSON, with the
// archive's want.json section. With update, want.json is rewritten instead.
// Adapters keep their decoding; the file handling, comparison and rewriting
// are shared.
func Golden(t *testing.T, pattern string, update bool, normalize func(t *testing.T, ar *txtar.Archive) any) {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files match %s: %v", pattern, err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(normalize(t, ar), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			want := Section(ar, GoldenWant)
			if update {
				setSection(ar, GoldenWant, got)
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want == nil {
				t.Fatalf("%s has no %s section (run with -update to write it)", file, GoldenWant)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("normalized output differs from %s (run with -update to accept):\n%s", file, diffLines(string(want), string(got)))
			}
		})
	}
}

// Section returns the data of the archive's section with the name, or nil.
func Section(ar *txtar.Archive, name string) []byte {
	for _, f := range ar.Files {
		if f.Name == name {
			return f.Data
		}
	}
	return nil
}

func setSection(ar *txtar.Archive, name string, data []byte) {
	for i := range ar.Files {
		if ar.Files[i].Name == name {
			ar.Files[i].Data = data
			return
		}
	}
	ar.Files = append(ar.Files, txtar.File{Name: name, Data: data})
}

// diffLines shows the first lines that differ.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < len(w) || i < len(g); i++ {
		var x, y string
		if i < len(w) {
			x = w[i]
		}
		if i < len(g) {
			y = g[i]
		}
		if x != y {
			b.WriteString("- " + x + "\n+ " + y + "\n")
			if shown++; shown > 20 {
				break
			}
		}
	}
	return b.String()
}

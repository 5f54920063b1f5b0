package aliexpress_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/returnsgw/returnsgw/adapters/aliexpress"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aewire"
	"github.com/returnsgw/returnsgw/returns"
)

var update = flag.Bool("update", false, "rewrite the expected output of golden files")

// goldenOutput is what a golden file expects: the normalized case, the
// unknown values reported, the actions it allows, and its negotiation.
type goldenOutput struct {
	Case         *returns.Case              `json:"case"`
	Unknown      []aliexpress.Unknown       `json:"unknown,omitempty"`
	Actions      []returns.Action           `json:"actions"`
	SellerCentre []returns.Action           `json:"sellerCentre"`
	Negotiation  []returns.NegotiationEntry `json:"negotiation"`
}

var goldenShop = returns.Shop{ID: "ae-golden", Platform: returns.AliExpress, Name: "Golden shop", Market: returns.MarketCrossBorderDirect}

func goldenCatalog(id string) returns.Category {
	if id == "1005002456789012" {
		return returns.CategoryHygiene
	}
	return returns.CategoryGeneral
}

// TestNormalizeGolden runs every testdata/normalize/*.txtar: "detail.json"
// is a raw aliexpress.issue.detail.get answer, "listed.json" (optional) what
// issuelist.get said about the issue, "want.json" the expected output.
func TestNormalizeGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/normalize/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	a, err := aliexpress.New(aliexpress.Config{BaseURL: "https://api-sg.aliexpress.com", AppKey: "k", AppSecret: "s",
		AccessToken: "t", Shop: goldenShop, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			sections := map[string][]byte{}
			for _, f := range ar.Files {
				sections[f.Name] = f.Data
			}
			env, err := aewire.DecodeEnvelope(aewire.MethodIssueDetail, sections["detail.json"])
			if err != nil {
				t.Fatal(err)
			}
			var resp aewire.IssueDetailResponse
			if err := json.Unmarshal(env.Success, &resp); err != nil {
				t.Fatal(err)
			}
			var listed aliexpress.Listed
			if b := sections["listed.json"]; len(b) > 0 {
				if err := json.Unmarshal(b, &listed); err != nil {
					t.Fatal(err)
				}
			}
			c, unknown, err := aliexpress.Normalize(resp.ResultObject, listed, aliexpress.Env{Shop: goldenShop, Catalog: goldenCatalog})
			if err != nil {
				t.Fatal(err)
			}
			out := goldenOutput{Case: c, Unknown: unknown, Actions: a.AllowedActions(c), SellerCentre: a.SellerCentreActions(c),
				Negotiation: aliexpress.NegotiationOf(resp.ResultObject)}
			got, err := json.MarshalIndent(out, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			if *update {
				replaced := false
				for i := range ar.Files {
					if ar.Files[i].Name == "want.json" {
						ar.Files[i].Data, replaced = got, true
					}
				}
				if !replaced {
					ar.Files = append(ar.Files, txtar.File{Name: "want.json", Data: got})
				}
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want := sections["want.json"]; !bytes.Equal(got, want) {
				t.Errorf("normalized output differs from %s (run with -update to accept):\n%s", file, diffLines(string(want), string(got)))
			}
		})
	}
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

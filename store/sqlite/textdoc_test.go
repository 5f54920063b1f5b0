package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/storetest"
)

// A document stored as TEXT rather than BLOB (written by hand, by sqlite3's
// json functions, by a future migration that rewrites documents) reaches
// database/sql as a string, and a string scanned into sql.RawBytes is copied
// into a buffer the Rows reuses for every row (database/sql's rawbuf). The
// decoder's strings share the bytes they are given (decodeDocKeep), so every
// case of a page but the last would read the last one's bytes.
func TestListTextDocumentsKeepTheirOwnStrings(t *testing.T) {
	s := openAt(t, filepath.Join(t.TempDir(), "text.db"), nil)
	ctx := t.Context()
	want := map[string]string{}
	for _, id := range []string{"R1", "R2", "R3"} {
		c := storetest.FullCase(id)
		c.Note = "note of " + id
		c.OrderID = "order-" + id
		if _, err := s.UpsertCase(ctx, "org", c, store.Change{Source: returns.SourcePoll}); err != nil {
			t.Fatal(err)
		}
		want[id] = c.Note + "|" + c.OrderID
	}
	// The same JSON, stored as TEXT.
	if _, err := s.w.ExecContext(ctx, `UPDATE case_docs SET doc = CAST(doc AS TEXT)`); err != nil {
		t.Fatal(err)
	}
	var typ string
	if err := s.w.QueryRowContext(ctx, `SELECT typeof(doc) FROM case_docs LIMIT 1`).Scan(&typ); err != nil || typ != "text" {
		t.Fatalf("typeof(doc) = %q, %v; want text", typ, err)
	}
	page, err := s.ListCases(ctx, "org", store.ListQuery{First: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Cases) != 3 {
		t.Fatalf("%d cases, want 3", len(page.Cases))
	}
	seen := map[string]bool{}
	for _, c := range page.Cases {
		seen[c.PlatformCaseID] = true
		if got := c.Note + "|" + c.OrderID; got != want[c.PlatformCaseID] {
			t.Errorf("case %q reads %q, want %q: its strings share a buffer later rows overwrote", c.PlatformCaseID, got, want[c.PlatformCaseID])
		}
	}
	if len(seen) != 3 {
		t.Errorf("ListCases: the page's cases read as %v, want R1, R2 and R3: their strings share a buffer later rows overwrote", seen)
	}
	got, err := s.GetCases(ctx, "org", []returns.CaseKey{{Platform: returns.XHS, PlatformCaseID: "R1"}, {Platform: returns.XHS, PlatformCaseID: "R2"}, {Platform: returns.XHS, PlatformCaseID: "R3"}})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range got {
		if c == nil {
			t.Fatal("GetCases: a case is missing")
		}
		if id := []string{"R1", "R2", "R3"}[i]; c.PlatformCaseID != id {
			t.Errorf("GetCases: case %d reads as %q, want %q", i, c.PlatformCaseID, id)
		}
		if g := c.Note + "|" + c.OrderID; g != want[c.PlatformCaseID] {
			t.Errorf("GetCases: case %q reads %q, want %q", c.PlatformCaseID, g, want[c.PlatformCaseID])
		}
	}
}

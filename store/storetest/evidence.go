package storetest

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// EvidenceBackend is what the evidence suite needs: cases to attach to, and
// the evidence store.
type EvidenceBackend interface {
	store.Store
	store.EvidenceStore
}

// OpenEvidence returns a new, empty backend whose clock is now.
type OpenEvidence func(t *testing.T, now func() time.Time) EvidenceBackend

var evOrgSeq atomic.Int64

func evOrgs() (returns.OrgID, returns.OrgID) {
	n := evOrgSeq.Add(1)
	return returns.OrgID(fmt.Sprintf("ev-a-%d", n)), returns.OrgID(fmt.Sprintf("ev-b-%d", n))
}

// RunEvidence runs the conformance suite of store.EvidenceStore.
func RunEvidence(t *testing.T, open OpenEvidence) {
	ctx := context.Background()
	clock := NewClock(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC))
	setup := func(t *testing.T) (EvidenceBackend, returns.OrgID, returns.OrgID, returns.CaseKey, returns.CaseKey) {
		s := open(t, clock.Now)
		a, b := evOrgs()
		f := NewFixtures(uint64(evOrgSeq.Load()), clock.Now())
		c1, c2 := f.Case(), f.Case()
		for _, c := range []*returns.Case{c1, c2} {
			if _, err := s.UpsertCase(ctx, a, c, store.Change{Source: returns.SourcePoll}); err != nil {
				t.Fatal(err)
			}
		}
		return s, a, b, c1.Key(), c2.Key()
	}
	photo := func(key returns.CaseKey) *store.Evidence {
		return &store.Evidence{Case: key, Kind: store.EvidencePhoto, FileName: "box.jpg", ContentType: "image/jpeg", SHA256: "ab"}
	}

	t.Run("RoundTrip", func(t *testing.T) {
		s, org, other, k1, k2 := setup(t)
		data := []byte("\xff\xd8\xff\xe0 a jpeg")
		e, err := s.AddEvidence(ctx, org, photo(k1), data, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !store.ValidEvidenceID(e.ID) || e.Size != int64(len(data)) || !e.UploadedAt.Equal(clock.Now()) {
			t.Fatalf("stored %+v", e)
		}
		got, b, err := s.GetEvidence(ctx, org, e.ID)
		if err != nil || !bytes.Equal(b, data) || *got != *e {
			t.Fatalf("get: %+v %q %v, want %+v", got, b, err, e)
		}
		clock.Advance(time.Second)
		e2, err := s.AddEvidence(ctx, org, &store.Evidence{Case: k1, Kind: store.EvidenceInvoice, FileName: "inv.pdf",
			ContentType: "application/pdf", SHA256: "cd"}, []byte("%PDF-1.4"), 0)
		if err != nil {
			t.Fatal(err)
		}
		list, err := s.ListEvidence(ctx, org, k1)
		if err != nil || len(list) != 2 || list[0].ID != e.ID || list[1].ID != e2.ID {
			t.Fatalf("list %+v %v", list, err)
		}
		if list, _ := s.ListEvidence(ctx, org, k2); len(list) != 0 {
			t.Errorf("another case lists %+v", list)
		}
		if n, _ := s.EvidenceUsage(ctx, org); n != int64(len(data)+8) {
			t.Errorf("usage %d", n)
		}
		if err := s.EvidenceExists(ctx, org, k1, []string{e.ID, e2.ID}); err != nil {
			t.Errorf("exists: %v", err)
		}
		if err := s.EvidenceExists(ctx, org, k1, nil); err != nil {
			t.Errorf("no ids: %v", err)
		}
		wantCode(t, "evidence of another case", s.EvidenceExists(ctx, org, k2, []string{e.ID}), returns.CodeInvalid)
		wantCode(t, "unknown evidence", s.EvidenceExists(ctx, org, k1, []string{store.NewEvidenceID()}), returns.CodeInvalid)
		wantCode(t, "malformed id", s.EvidenceExists(ctx, org, k1, []string{"../x"}), returns.CodeInvalid)
		wantCode(t, "twice", s.EvidenceExists(ctx, org, k1, []string{e.ID, e.ID}), returns.CodeInvalid)
		// Another organisation sees none of it.
		_, _, err = s.GetEvidence(ctx, other, e.ID)
		wantCode(t, "other org's get", err, returns.CodeNotFound)
		wantCode(t, "other org's exists", s.EvidenceExists(ctx, other, k1, []string{e.ID}), returns.CodeInvalid)
		if list, _ := s.ListEvidence(ctx, other, k1); len(list) != 0 {
			t.Errorf("other org lists %+v", list)
		}
		_, _, err = s.GetEvidence(ctx, org, "nope")
		wantCode(t, "malformed get", err, returns.CodeNotFound)
	})

	t.Run("RefusedWithoutAChange", func(t *testing.T) {
		s, org, other, k1, _ := setup(t)
		_, err := s.AddEvidence(ctx, other, photo(k1), []byte("x"), 0)
		wantCode(t, "another org's case", err, returns.CodeNotFound)
		_, err = s.AddEvidence(ctx, org, photo(returns.CaseKey{Platform: returns.XHS, PlatformCaseID: "nope"}), []byte("x"), 0)
		wantCode(t, "unknown case", err, returns.CodeNotFound)
		bad := photo(k1)
		bad.Kind = "SELFIE"
		_, err = s.AddEvidence(ctx, org, bad, []byte("x"), 0)
		wantCode(t, "bad kind", err, returns.CodeInvalid)
		_, err = s.AddEvidence(ctx, org, photo(k1), nil, 0)
		wantCode(t, "empty", err, returns.CodeInvalid)
		for _, o := range []returns.OrgID{org, other} {
			if n, _ := s.EvidenceUsage(ctx, o); n != 0 {
				t.Errorf("%s usage %d after refusals", o, n)
			}
		}
	})

	t.Run("Quota", func(t *testing.T) {
		s, org, _, k1, _ := setup(t)
		if _, err := s.AddEvidence(ctx, org, photo(k1), make([]byte, 60), 100); err != nil {
			t.Fatal(err)
		}
		_, err := s.AddEvidence(ctx, org, photo(k1), make([]byte, 41), 100)
		wantCode(t, "past the quota", err, store.CodeQuotaExceeded)
		_, err = s.AddEvidence(ctx, org, photo(k1), make([]byte, 101), 100)
		wantCode(t, "larger than the quota", err, store.CodeQuotaExceeded)
		if _, err := s.AddEvidence(ctx, org, photo(k1), make([]byte, 40), 100); err != nil {
			t.Fatalf("up to the quota exactly: %v", err)
		}
		if n, _ := s.EvidenceUsage(ctx, org); n != 100 {
			t.Errorf("usage %d, want 100", n)
		}
		if list, _ := s.ListEvidence(ctx, org, k1); len(list) != 2 {
			t.Errorf("%d files stored, want 2", len(list))
		}
	})

	t.Run("QuotaUnderConcurrency", func(t *testing.T) {
		// Many uploads race for a quota that holds only some of them: exactly
		// that many pass, and the usage is exactly their sum.
		s, org, _, k1, _ := setup(t)
		const n, size, quota = 12, 10, 55
		var wg sync.WaitGroup
		var ok, refused atomic.Int64
		start := make(chan struct{})
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := s.AddEvidence(ctx, org, photo(k1), make([]byte, size), quota)
				switch returns.ErrorCodeOf(err) {
				case "":
					ok.Add(1)
				case store.CodeQuotaExceeded:
					refused.Add(1)
				default:
					t.Errorf("upload: %v", err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if ok.Load() != quota/size || refused.Load() != n-quota/size {
			t.Errorf("%d passed and %d refused, want %d and %d", ok.Load(), refused.Load(), quota/size, n-quota/size)
		}
		if u, _ := s.EvidenceUsage(ctx, org); u != ok.Load()*size {
			t.Errorf("usage %d, want %d", u, ok.Load()*size)
		}
		if list, _ := s.ListEvidence(ctx, org, k1); int64(len(list)) != ok.Load() {
			t.Errorf("%d stored, %d passed", len(list), ok.Load())
		}
	})

	t.Run("Escalation", func(t *testing.T) {
		s, org, other, k1, k2 := setup(t)
		if e, err := s.GetEscalation(ctx, org, k1); err != nil || e != nil {
			t.Fatalf("before: %+v %v", e, err)
		}
		first := &store.Escalation{At: clock.Now(), Statement: "The buyer damaged it", EvidenceIDs: []string{"ev_1"},
			Uploaded: []string{"ev_1"}, ViaAPI: true}
		got, err := s.SaveEscalation(ctx, org, k1, first)
		if err != nil || got.Statement != first.Statement || !got.At.Equal(first.At) || !got.ViaAPI ||
			len(got.EvidenceIDs) != 1 || len(got.Uploaded) != 1 {
			t.Fatalf("saved %+v %v", got, err)
		}
		// A second escalation keeps the first.
		got, err = s.SaveEscalation(ctx, org, k1, &store.Escalation{At: clock.Now().Add(time.Hour), Statement: "again", URL: "https://x"})
		if err != nil || got.Statement != first.Statement {
			t.Errorf("second save: %+v %v", got, err)
		}
		if e, _ := s.GetEscalation(ctx, other, k1); e != nil {
			t.Errorf("another org sees %+v", e)
		}
		if e, _ := s.GetEscalation(ctx, org, k2); e != nil {
			t.Errorf("another case shows %+v", e)
		}
		rec, err := s.SaveEscalation(ctx, org, k2, &store.Escalation{At: clock.Now(), Statement: "s", URL: "https://seller.example/x"})
		if err != nil || rec.ViaAPI || rec.URL != "https://seller.example/x" || rec.EvidenceIDs == nil || len(rec.EvidenceIDs) != 0 {
			t.Errorf("recorded escalation %+v %v", rec, err)
		}
	})

	t.Run("Reset", func(t *testing.T) {
		s, org, _, k1, _ := setup(t)
		e, err := s.AddEvidence(ctx, org, photo(k1), []byte("x"), 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SaveEscalation(ctx, org, k1, &store.Escalation{Statement: "s"}); err != nil {
			t.Fatal(err)
		}
		if err := s.ResetOrganisation(ctx, org); err != nil {
			t.Fatal(err)
		}
		_, _, err = s.GetEvidence(ctx, org, e.ID)
		wantCode(t, "after reset", err, returns.CodeNotFound)
		if n, _ := s.EvidenceUsage(ctx, org); n != 0 {
			t.Errorf("usage %d after reset", n)
		}
		if x, _ := s.GetEscalation(ctx, org, k1); x != nil {
			t.Errorf("escalation after reset %+v", x)
		}
	})
}

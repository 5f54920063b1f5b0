package storetest

import (
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

func (s suite) batch(t *testing.T) {
	t.Run("Window", s.batchWindow)
	t.Run("Atomic", s.batchAtomic)
	t.Run("NUL", s.batchNUL)
}

// A window of new, unchanged, changed and Always writes gives, in order, what
// the same writes one at a time would: one event per changed case, in the
// batch's order, at the store's clock, and the cases stored.
func (s suite) batchWindow(t *testing.T) {
	e := s.env(t)
	cs := NewFixtures(21, start).Cases(12)
	for _, c := range cs[:6] {
		e.upsert(t, e.orgA, c, store.Change{Source: returns.SourcePoll})
	}
	e.clock.Advance(time.Second)
	at := e.clock.Now()
	before := len(e.allEvents(t, e.orgA))

	changed := Canonical(cs[1])
	changed.Status = returns.StatusEscalated
	if cs[1].Status == returns.StatusEscalated {
		changed.Status = returns.StatusClosed
	}
	changed.UpdatedAt = changed.UpdatedAt.Add(time.Hour)
	writes := []store.CaseWrite{
		{Case: cs[6], Change: store.Change{Source: returns.SourcePoll}},                                                                   // new
		{Case: Canonical(cs[0]), Change: store.Change{Source: returns.SourcePoll}},                                                        // unchanged
		{Case: changed, Change: store.Change{Source: returns.SourceWebhook}},                                                              // changed
		{Case: cs[7], Change: store.Change{Source: returns.SourcePoll}},                                                                   // new
		{Case: Canonical(cs[2]), Change: store.Change{Source: returns.SourceMutation, Always: true, Detail: map[string]string{"a": "b"}}}, // always
		{Case: cs[8], Change: store.Change{Source: returns.SourcePoll}},                                                                   // new
	}
	res, err := e.s.UpsertCases(t.Context(), e.orgA, writes)
	if err != nil {
		t.Fatalf("UpsertCases: %v", err)
	}
	if len(res) != len(writes) {
		t.Fatalf("%d results for %d writes", len(res), len(writes))
	}
	wantChanged := []bool{true, false, true, true, true, true}
	wantVersion := []int64{1, 1, 2, 1, 2, 1}
	var seqs []int64
	for i, r := range res {
		if r == nil || r.Case == nil {
			t.Fatalf("write %d: no result", i)
		}
		c := writes[i].Case
		if r.Changed != wantChanged[i] || (r.Event != nil) != wantChanged[i] {
			t.Errorf("write %d (%s): Changed=%v Event=%v, want changed %v", i, keyOf(c), r.Changed, r.Event, wantChanged[i])
			continue
		}
		synced := start
		if wantChanged[i] {
			synced = at
		}
		want := stored(c, wantVersion[i], synced)
		sameCase(t, "result of write "+keyOf(c), r.Case, want)
		sameCase(t, "stored case "+keyOf(c), e.get(t, e.orgA, c.Key()), want)
		if r.Event != nil {
			if r.Event.Key != c.Key() || r.Event.Source != writes[i].Change.Source || !r.Event.OccurredAt.Equal(at) {
				t.Errorf("write %d: event %+v", i, r.Event)
			}
			seqs = append(seqs, r.Event.Seq)
		}
	}
	for i := 1; i < len(seqs); i++ {
		if seqs[i] <= seqs[i-1] {
			t.Errorf("event sequence numbers %v do not follow the batch's order", seqs)
		}
	}
	evs := e.allEvents(t, e.orgA)[before:]
	if len(evs) != len(seqs) {
		t.Fatalf("the log got %d events, want %d", len(evs), len(seqs))
	}
	j := 0
	for i, r := range res {
		if r.Event != nil {
			sameEvent(t, "logged event of write "+keyOf(writes[i].Case), evs[j], *r.Event)
			j++
		}
	}
	if p := evs[1].PreviousStatus; p == nil || *p != cs[1].Status {
		t.Errorf("the changed case's event has previous status %v, want %s", p, cs[1].Status)
	}

	if res, err := e.s.UpsertCases(t.Context(), e.orgA, nil); err != nil || len(res) != 0 {
		t.Errorf("an empty batch: %v, %v", res, err)
	}
}

// A batch with a bad write, the same case twice, or too many writes is
// INVALID and writes nothing, not even its good writes.
func (s suite) batchAtomic(t *testing.T) {
	e := s.env(t)
	cs := NewFixtures(22, start).Cases(3)
	twice := Canonical(cs[0])
	twice.Note = "again"
	bad := Canonical(cs[2])
	bad.Platform = "NOWHERE"
	// JSON would store U+FFFD for the bad byte: another case's id.
	notUTF8 := Canonical(cs[2])
	notUTF8.PlatformCaseID += "\xff"
	// PostgreSQL's text refuses NUL, which JSON's "\u0000" decodes to.
	nulShop := Canonical(cs[2])
	nulShop.ShopID += "\x00"
	many := make([]store.CaseWrite, store.MaxUpsertBatch+1)
	for i, c := range NewFixtures(23, start).Cases(len(many)) {
		many[i] = store.CaseWrite{Case: c, Change: store.Change{Source: returns.SourcePoll}}
	}
	for name, writes := range map[string][]store.CaseWrite{
		"a bad case last":    {{Case: cs[0]}, {Case: cs[1]}, {Case: bad}},
		"a nil case":         {{Case: cs[0]}, {Case: nil}},
		"an id not UTF-8":    {{Case: cs[0]}, {Case: cs[1]}, {Case: notUTF8}},
		"a shop id with NUL": {{Case: cs[0]}, {Case: nulShop}},
		"one case twice":     {{Case: cs[0]}, {Case: cs[1]}, {Case: twice}},
		"too many":           many,
	} {
		_, err := e.s.UpsertCases(t.Context(), e.orgA, writes)
		wantCode(t, "UpsertCases with "+name, err, returns.CodeInvalid)
	}
	if evs := e.allEvents(t, e.orgA); len(evs) != 0 {
		t.Errorf("refused batches wrote %d events", len(evs))
	}
	for _, c := range cs[:2] {
		if _, err := e.s.GetCase(t.Context(), e.orgA, c.Key()); returns.ErrorCodeOf(err) != returns.CodeNotFound {
			t.Errorf("a refused batch stored %s (%v)", keyOf(c), err)
		}
	}
	_, err := e.s.UpsertCases(t.Context(), "", []store.CaseWrite{{Case: cs[0]}})
	wantCode(t, "UpsertCases for no organisation", err, returns.CodeInvalid)
}

// NUL (JSON's "\u0000") in what is not an id is stored on every backend:
// the document keeps it, and a column derived from it drops it.
func (s suite) batchNUL(t *testing.T) {
	e := s.env(t)
	cs := NewFixtures(24, start).Cases(2)
	odd := Canonical(cs[1])
	odd.Lines[0].SKU = "SKU-\x001"
	odd.Note = "a\x00b"
	writes := []store.CaseWrite{{Case: cs[0], Change: store.Change{Source: returns.SourcePoll}},
		{Case: odd, Change: store.Change{Source: returns.SourcePoll}}}
	if _, err := e.s.UpsertCases(t.Context(), e.orgA, writes); err != nil {
		t.Fatalf("a window with NUL in a SKU and a note: %v", err)
	}
	if got := e.get(t, e.orgA, odd.Key()); got.Lines[0].SKU != odd.Lines[0].SKU || got.Note != odd.Note {
		t.Errorf("stored SKU %q, note %q; want %q, %q", got.Lines[0].SKU, got.Note, odd.Lines[0].SKU, odd.Note)
	}
	e.get(t, e.orgA, cs[0].Key())
}

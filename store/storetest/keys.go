package storetest

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// Nothing of one organisation is visible to another, even under the same
// case key, idempotency key or cursor name.
func (s suite) isolation(t *testing.T) {
	e := s.env(t)
	ctx := t.Context()
	fx := NewFixtures(20, start)
	a := fx.Case()
	b := Canonical(a) // the same key in the other organisation, other content
	b.Status, b.Note = returns.StatusCancelled, "org b"
	onlyA := fx.Case()

	resA := e.upsert(t, e.orgA, a, store.Change{Source: returns.SourcePoll})
	e.upsert(t, e.orgA, onlyA, store.Change{Source: returns.SourcePoll})
	e.clock.Advance(time.Second)
	resB := e.upsert(t, e.orgB, b, store.Change{Source: returns.SourceWebhook})
	if !resB.Changed || resB.Event == nil || resB.Event.PreviousStatus != nil {
		t.Fatalf("the same key in another organisation must be a new case: %+v", resB.Event)
	}
	if resB.Case.Version != 1 {
		t.Fatalf("org b's case has Version %d, want 1", resB.Case.Version)
	}
	sameCase(t, "org a's case", e.get(t, e.orgA, a.Key()), stored(a, 1, start))
	sameCase(t, "org b's case", e.get(t, e.orgB, a.Key()), stored(b, 1, e.clock.Now()))

	if _, err := e.s.GetCase(ctx, e.orgB, onlyA.Key()); returns.ErrorCodeOf(err) != returns.CodeNotFound {
		t.Fatalf("org b reads org a's case: err %v, want NOT_FOUND", err)
	}
	got, err := e.s.GetCases(ctx, e.orgB, []returns.CaseKey{onlyA.Key(), a.Key()})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != nil || got[1] == nil || got[1].Note != "org b" {
		t.Fatalf("GetCases in org b = %v, want [nil, org b's case]", got)
	}
	page, err := e.s.ListCases(ctx, e.orgB, store.ListQuery{First: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Cases) != 1 || page.TotalCount != 1 || page.Cases[0].Note != "org b" {
		t.Fatalf("org b lists %d cases (total %d), want only its own", len(page.Cases), page.TotalCount)
	}
	// A cursor made from org a's case lists nothing of org a's in org b.
	after := store.CursorFor(store.OrderUpdatedDesc, onlyA)
	for _, q := range []store.ListQuery{{First: 10, After: &after}, {Last: 10, Before: &after}} {
		page, err := e.s.ListCases(ctx, e.orgB, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Cases {
			if c.Note != "org b" {
				t.Fatalf("org b's list shows %s from org a", keyOf(c))
			}
		}
	}

	evsB := e.allEvents(t, e.orgB)
	if len(evsB) != 1 || evsB[0].Org != e.orgB || evsB[0].Seq != resB.Event.Seq {
		t.Fatalf("org b's log = %+v, want only its own event", evsB)
	}
	evsA := e.allEvents(t, e.orgA)
	if len(evsA) != 2 || evsA[0].Seq != resA.Event.Seq || evsA[0].Org != e.orgA {
		t.Fatalf("org a's log = %+v, want its two events", evsA)
	}
	if evs, _ := e.s.EventsAfter(ctx, "someone-else", 0, 10); len(evs) != 0 {
		t.Fatalf("an unknown organisation sees %d events", len(evs))
	}

	if rec, err := e.s.ClaimIdempotency(ctx, e.orgA, "key-1", "hash-a"); err != nil || rec != nil {
		t.Fatalf("claim in org a: %v %v", rec, err)
	}
	if rec, err := e.s.ClaimIdempotency(ctx, e.orgB, "key-1", "hash-b"); err != nil || rec != nil {
		t.Fatalf("the same key in org b must be free: %+v %v", rec, err)
	}
	if err := e.s.CompleteIdempotency(ctx, e.orgB, "key-1", []byte("b")); err != nil {
		t.Fatal(err)
	}
	if rec, err := e.s.ClaimIdempotency(ctx, e.orgA, "key-1", "hash-a"); err != nil || rec == nil || rec.State != store.IdempotencyInProgress || rec.RequestHash != "hash-a" {
		t.Fatalf("org a's record after org b completed its own: %+v %v", rec, err)
	}
	if err := e.s.ReleaseIdempotency(ctx, e.orgA, "key-1"); err != nil {
		t.Fatal(err)
	}
	if rec, err := e.s.ClaimIdempotency(ctx, e.orgB, "key-1", "hash-b"); err != nil || rec == nil || rec.State != store.IdempotencyDone {
		t.Fatalf("org a's release freed org b's key: %+v %v", rec, err)
	}

	if err := e.s.SetCursor(ctx, e.orgA, "xhs/updated", "1717000000000"); err != nil {
		t.Fatal(err)
	}
	if v, err := e.s.Cursor(ctx, e.orgB, "xhs/updated"); err != nil || v != "" {
		t.Fatalf("org b reads org a's cursor: %q %v", v, err)
	}
}

// GetCase answers NOT_FOUND for a missing case; GetCases keeps the keys'
// order, repeats, and nil for missing ones.
func (s suite) get(t *testing.T) {
	e := s.env(t)
	ctx := t.Context()
	cs := NewFixtures(30, start).Cases(4)
	want := make(map[returns.CaseKey]*returns.Case)
	for _, c := range cs {
		res := e.upsert(t, e.orgA, c, store.Change{Source: returns.SourcePoll})
		want[c.Key()] = res.Case
	}
	missing := []returns.CaseKey{
		{Platform: cs[0].Platform, PlatformCaseID: cs[0].PlatformCaseID + "0"},
		{Platform: returns.XHS, PlatformCaseID: "no-such-case"},
		{Platform: "TAOBAO", PlatformCaseID: cs[1].PlatformCaseID},
	}
	for _, k := range missing {
		_, err := e.s.GetCase(ctx, e.orgA, k)
		wantCode(t, "GetCase of a missing case", err, returns.CodeNotFound)
	}
	// The same id on another platform is another case.
	other := returns.CaseKey{Platform: returns.AliExpress, PlatformCaseID: cs[0].PlatformCaseID}
	if cs[0].Platform == returns.AliExpress {
		other.Platform = returns.XHS
	}
	_, err := e.s.GetCase(ctx, e.orgA, other)
	wantCode(t, "GetCase of the same id on another platform", err, returns.CodeNotFound)
	_, err = e.s.GetCase(ctx, e.orgB, cs[0].Key())
	wantCode(t, "GetCase in another organisation", err, returns.CodeNotFound)

	keys := []returns.CaseKey{cs[3].Key(), missing[0], cs[0].Key(), cs[2].Key(), cs[0].Key(), other, cs[1].Key()}
	got, err := e.s.GetCases(ctx, e.orgA, keys)
	if err != nil {
		t.Fatalf("GetCases: %v", err)
	}
	if len(got) != len(keys) {
		t.Fatalf("GetCases returned %d cases for %d keys", len(got), len(keys))
	}
	for i, k := range keys {
		sameCase(t, "GetCases["+k.PlatformCaseID+"]", got[i], want[k])
	}
	got[2].Note = "changed"
	if c := e.get(t, e.orgA, cs[0].Key()); c.Note == "changed" {
		t.Fatal("a case GetCases returned is shared with the store")
	}
	none, err := e.s.GetCases(ctx, e.orgA, nil)
	if err != nil || len(none) != 0 {
		t.Fatalf("GetCases of no keys = %v, %v; want none", none, err)
	}
}

// An idempotency key is claimed once, then reports its record until it is
// released; completing stores the response.
func (s suite) idempotency(t *testing.T) {
	e := s.env(t)
	ctx := t.Context()
	org := e.orgA
	const key, hash = "3f1d5c1e-8a7b-4c9e-b2d4-6e0f1a2b3c4d", "sha256:9f86d081884c7d659a2feaa0c55ad015"
	claimedAt := e.clock.Now()

	rec, err := e.s.ClaimIdempotency(ctx, org, key, hash)
	if err != nil || rec != nil {
		t.Fatalf("claiming a free key = %+v, %v; want nil, nil", rec, err)
	}
	e.clock.Advance(time.Second)
	inProgress := store.IdempotencyRecord{Key: key, RequestHash: hash, State: store.IdempotencyInProgress, CreatedAt: claimedAt}
	for _, h := range []string{hash, "sha256:another-input"} {
		rec, err := e.s.ClaimIdempotency(ctx, org, key, h)
		if err != nil {
			t.Fatal(err)
		}
		sameRecord(t, "claiming a claimed key with hash "+h, rec, inProgress)
	}

	response := []byte(`{"data":{"returnApprove":{"case":{"status":"AWAITING_BUYER_SHIPMENT"}}}}` + "\x00\xff")
	if err := e.s.CompleteIdempotency(ctx, org, key, response); err != nil {
		t.Fatalf("CompleteIdempotency: %v", err)
	}
	e.clock.Advance(time.Second)
	done := inProgress
	done.State, done.Response = store.IdempotencyDone, response
	rec, err = e.s.ClaimIdempotency(ctx, org, key, hash)
	if err != nil {
		t.Fatal(err)
	}
	sameRecord(t, "claiming a completed key", rec, done)

	wantCode(t, "completing a completed key", e.s.CompleteIdempotency(ctx, org, key, []byte("other")), returns.CodeInvalidState)
	wantCode(t, "releasing a completed key", e.s.ReleaseIdempotency(ctx, org, key), returns.CodeInvalidState)
	rec, _ = e.s.ClaimIdempotency(ctx, org, key, hash)
	sameRecord(t, "the completed key after refused changes", rec, done)

	wantCode(t, "completing an unclaimed key", e.s.CompleteIdempotency(ctx, org, "never-claimed", []byte("x")), returns.CodeNotFound)
	if err := e.s.ReleaseIdempotency(ctx, org, "never-claimed"); err != nil {
		t.Fatalf("releasing a free key: %v", err)
	}

	// Released keys are free again: the retry is carried out.
	const k2 = "retry-after-platform-outage"
	if rec, err := e.s.ClaimIdempotency(ctx, org, k2, "h1"); err != nil || rec != nil {
		t.Fatalf("claim %s: %+v %v", k2, rec, err)
	}
	if err := e.s.ReleaseIdempotency(ctx, org, k2); err != nil {
		t.Fatalf("release: %v", err)
	}
	if rec, err := e.s.ClaimIdempotency(ctx, org, k2, "h2"); err != nil || rec != nil {
		t.Fatalf("claiming a released key = %+v, %v; want nil, nil", rec, err)
	}
	rec, _ = e.s.ClaimIdempotency(ctx, org, k2, "h1")
	sameRecord(t, "the key claimed again", rec, store.IdempotencyRecord{Key: k2, RequestHash: "h2", State: store.IdempotencyInProgress, CreatedAt: e.clock.Now()})

	// An empty response is a response.
	if err := e.s.CompleteIdempotency(ctx, org, k2, nil); err != nil {
		t.Fatal(err)
	}
	rec, _ = e.s.ClaimIdempotency(ctx, org, k2, "h2")
	if rec == nil || rec.State != store.IdempotencyDone || len(rec.Response) != 0 {
		t.Fatalf("key completed with an empty response: %+v", rec)
	}

	_, err = e.s.ClaimIdempotency(ctx, org, "", hash)
	wantCode(t, "claiming the empty key", err, returns.CodeInvalid)
	_, err = e.s.ClaimIdempotency(ctx, "", key, hash)
	wantCode(t, "claiming without organisation", err, returns.CodeInvalid)

	t.Run("Unknown", s.idempotencyUnknown)
}

// A key whose write may have reached the platform: its intent is kept, it
// moves to UNKNOWN and stays taken, and the unsettled keys are listed for a
// reconciler, until completing or releasing settles them.
func (s suite) idempotencyUnknown(t *testing.T) {
	e := s.env(t)
	ctx := t.Context()
	org := e.orgA
	unsettled := func(org returns.OrgID, want ...store.IdempotencyRecord) {
		t.Helper()
		got, err := e.s.UnsettledIdempotency(ctx, org, 10)
		if err != nil {
			t.Fatalf("UnsettledIdempotency: %v", err)
		}
		if len(got) != len(want) {
			t.Fatalf("UnsettledIdempotency = %+v, want %d records", got, len(want))
		}
		for i := range want {
			sameRecord(t, fmt.Sprintf("unsettled[%d]", i), &got[i], want[i])
			if !bytes.Equal(got[i].Intent, want[i].Intent) {
				t.Fatalf("unsettled[%d] has intent %q, want %q", i, got[i].Intent, want[i].Intent)
			}
		}
	}
	claim := func(key, hash string) *store.IdempotencyRecord {
		t.Helper()
		rec, err := e.s.ClaimIdempotency(ctx, org, key, hash)
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	const k = "refund-R7301"
	claimedAt := e.clock.Now()
	if rec := claim(k, "h"); rec != nil {
		t.Fatalf("claiming a free key = %+v", rec)
	}
	unsettled(org) // claimed, nothing sent: nothing to settle
	intentA := []byte(`{"case":"XHS/R7301","action":"REFUND","before":"REQUESTED"}`)
	e.clock.Advance(time.Second)
	if err := e.s.RecordIdempotencyIntent(ctx, org, k, intentA); err != nil {
		t.Fatalf("RecordIdempotencyIntent: %v", err)
	}
	sent := store.IdempotencyRecord{Key: k, RequestHash: "h", State: store.IdempotencyInProgress, Intent: intentA, CreatedAt: claimedAt}
	if rec := claim(k, "h"); rec == nil || !bytes.Equal(rec.Intent, intentA) {
		t.Fatalf("the sent key reads %+v, want its intent", rec)
	} else {
		sameRecord(t, "the sent key", rec, sent)
	}
	// A second holder of the claim (one that took it over) may not send too.
	wantCode(t, "recording a second intent", e.s.RecordIdempotencyIntent(ctx, org, k, []byte(`{"second":true}`)), returns.CodeInvalidState)
	// A crash now leaves the key IN_PROGRESS with its intent: listed.
	unsettled(org, sent)

	intentB := append([]byte(nil), intentA...)
	intentB = append(intentB[:len(intentB)-1], `,"timeout":true}`...)
	if err := e.s.MarkIdempotencyUnknown(ctx, org, k, intentB); err != nil {
		t.Fatalf("MarkIdempotencyUnknown: %v", err)
	}
	unknown := sent
	unknown.State, unknown.Intent = store.IdempotencyUnknown, intentB
	for _, h := range []string{"h", "another"} {
		rec := claim(k, h)
		sameRecord(t, "claiming an UNKNOWN key", rec, unknown)
		if !bytes.Equal(rec.Intent, intentB) {
			t.Fatalf("the UNKNOWN key's intent is %q, want %q", rec.Intent, intentB)
		}
	}
	unsettled(org, unknown)
	unsettled(e.orgB)

	wantCode(t, "marking an UNKNOWN key again", e.s.MarkIdempotencyUnknown(ctx, org, k, intentA), returns.CodeInvalidState)
	wantCode(t, "recording an intent on an UNKNOWN key", e.s.RecordIdempotencyIntent(ctx, org, k, intentA), returns.CodeInvalidState)
	wantCode(t, "marking a free key", e.s.MarkIdempotencyUnknown(ctx, org, "never-claimed", intentA), returns.CodeNotFound)
	wantCode(t, "recording an intent on a free key", e.s.RecordIdempotencyIntent(ctx, org, "never-claimed", intentA), returns.CodeNotFound)
	wantCode(t, "marking another organisation's key", e.s.MarkIdempotencyUnknown(ctx, e.orgB, k, intentA), returns.CodeNotFound)
	if rec := claim("empty-intent", "h"); rec != nil {
		t.Fatal(rec)
	}
	wantCode(t, "an empty intent", e.s.MarkIdempotencyUnknown(ctx, org, "empty-intent", nil), returns.CodeInvalid)
	wantCode(t, "an empty intent", e.s.RecordIdempotencyIntent(ctx, org, "empty-intent", []byte{}), returns.CodeInvalid)
	if err := e.s.ReleaseIdempotency(ctx, org, "empty-intent"); err != nil {
		t.Fatal(err)
	}
	sameRecord(t, "the UNKNOWN key after refused changes", claim(k, "h"), unknown)

	// Settled as done: the response replays, the intent is gone.
	if err := e.s.CompleteIdempotency(ctx, org, k, []byte(`{"status":"REFUNDED"}`)); err != nil {
		t.Fatalf("completing an UNKNOWN key: %v", err)
	}
	done := unknown
	done.State, done.Response, done.Intent = store.IdempotencyDone, []byte(`{"status":"REFUNDED"}`), nil
	if rec := claim(k, "h"); rec == nil || rec.Intent != nil {
		t.Fatalf("the completed key reads %+v, want no intent", rec)
	} else {
		sameRecord(t, "the completed key", rec, done)
	}
	unsettled(org)
	wantCode(t, "marking a DONE key", e.s.MarkIdempotencyUnknown(ctx, org, k, intentA), returns.CodeInvalidState)

	// Settled as never done: released, the key is free for a retry.
	const k2 = "approve-R7302"
	claim(k2, "h2")
	if err := e.s.MarkIdempotencyUnknown(ctx, org, k2, intentA); err != nil {
		t.Fatal(err)
	}
	if err := e.s.ReleaseIdempotency(ctx, org, k2); err != nil {
		t.Fatalf("releasing an UNKNOWN key: %v", err)
	}
	if rec := claim(k2, "h2"); rec != nil {
		t.Fatalf("a released UNKNOWN key = %+v, want free", rec)
	}
	unsettled(org)

	// Oldest claim first, then by key; the limit holds.
	var want []store.IdempotencyRecord
	for i, key := range []string{"c", "b", "a"} {
		if i < 2 {
			e.clock.Advance(time.Second)
		}
		claim(key, "h")
		intent := []byte("intent-" + key)
		rec := store.IdempotencyRecord{Key: key, RequestHash: "h", State: store.IdempotencyInProgress, Intent: intent, CreatedAt: e.clock.Now()}
		if err := e.s.RecordIdempotencyIntent(ctx, org, key, intent); err != nil {
			t.Fatal(err)
		}
		if key == "b" {
			if err := e.s.MarkIdempotencyUnknown(ctx, org, key, intent); err != nil {
				t.Fatal(err)
			}
			rec.State = store.IdempotencyUnknown
		}
		want = append(want, rec)
	}
	want = append(want[:0:0], want[0], want[2], want[1]) // b and a share a time: by key
	unsettled(org, want...)
	got, err := e.s.UnsettledIdempotency(ctx, org, 2)
	if err != nil || len(got) != 2 || got[0].Key != "c" || got[1].Key != "a" {
		t.Fatalf("UnsettledIdempotency(limit 2) = %+v, %v", got, err)
	}
	_, err = e.s.UnsettledIdempotency(ctx, org, 0)
	wantCode(t, "UnsettledIdempotency(limit 0)", err, returns.CodeInvalid)
	_, err = e.s.UnsettledIdempotency(ctx, "", 10)
	wantCode(t, "UnsettledIdempotency without organisation", err, returns.CodeInvalid)
	wantCode(t, "MarkIdempotencyUnknown without organisation", e.s.MarkIdempotencyUnknown(ctx, "", "c", intentA), returns.CodeInvalid)
}

func sameRecord(t *testing.T, what string, got *store.IdempotencyRecord, want store.IdempotencyRecord) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: no record", what)
	}
	if got.Key != want.Key || got.RequestHash != want.RequestHash || got.State != want.State ||
		!bytes.Equal(got.Response, want.Response) || !got.CreatedAt.Equal(want.CreatedAt) || got.CreatedAt.Location() != time.UTC {
		t.Fatalf("%s: record %+v, want %+v", what, *got, want)
	}
}

// Sync cursors start empty, keep the last value saved, and are per name.
func (s suite) cursors(t *testing.T) {
	e := s.env(t)
	ctx := t.Context()
	read := func(org returns.OrgID, name, want string) {
		t.Helper()
		v, err := e.s.Cursor(ctx, org, name)
		if err != nil || v != want {
			t.Fatalf("Cursor(%s, %s) = %q, %v; want %q", org, name, v, err, want)
		}
	}
	read(e.orgA, "xhs/xhs-global-bonded/updated", "")
	steps := []struct{ name, value string }{
		{"xhs/xhs-global-bonded/updated", "1748923506000"},
		{"aliexpress/ae-gadgets-store/gmt_modified", "2025-06-02 21:05:06"},
		{"xhs/xhs-global-bonded/updated", "1748923806000"},
		{"alibaba/alibaba-textiles/modify_date", `{"page":3,"from":"2025-06-01"}`},
	}
	want := map[string]string{}
	for _, st := range steps {
		e.clock.Advance(time.Second)
		if err := e.s.SetCursor(ctx, e.orgA, st.name, st.value); err != nil {
			t.Fatalf("SetCursor: %v", err)
		}
		want[st.name] = st.value
		for name, v := range want {
			read(e.orgA, name, v)
		}
	}
	read(e.orgB, "xhs/xhs-global-bonded/updated", "")
	read(e.orgA, "xhs/xhs-home-goods/updated", "")
	if err := e.s.SetCursor(ctx, e.orgA, "xhs/xhs-global-bonded/updated", ""); err != nil {
		t.Fatal(err)
	}
	read(e.orgA, "xhs/xhs-global-bonded/updated", "")
	_, err := e.s.Cursor(ctx, "", "xhs/xhs-global-bonded/updated")
	wantCode(t, "Cursor without organisation", err, returns.CodeInvalid)
}

// reset: an organisation's reset removes all it has and nothing of another's,
// and the event sequence goes on rising.
func (s suite) reset(t *testing.T) {
	e := s.env(t)
	ctx := t.Context()
	var lastSeq int64
	fx := NewFixtures(7, start)
	cases := fx.Cases(3)
	for _, org := range []returns.OrgID{e.orgA, e.orgB} {
		for _, c := range cases {
			if r := e.upsert(t, org, c, store.Change{Source: returns.SourcePoll}); r.Event != nil && r.Event.Seq > lastSeq {
				lastSeq = r.Event.Seq
			}
		}
		if err := e.s.SetCursor(ctx, org, "poll:XHS:s", "c"); err != nil {
			t.Fatal(err)
		}
		if rec, err := e.s.ClaimIdempotency(ctx, org, "k", "h"); err != nil || rec != nil {
			t.Fatalf("claim: %v %v", rec, err)
		}
	}
	if err := e.s.ResetOrganisation(ctx, e.orgA); err != nil {
		t.Fatalf("ResetOrganisation: %v", err)
	}
	page, err := e.s.ListCases(ctx, e.orgA, store.ListQuery{First: 10})
	if err != nil || page.TotalCount != 0 || len(page.Cases) != 0 {
		t.Errorf("cases after the reset: %v %v", page, err)
	}
	if evs := e.allEvents(t, e.orgA); len(evs) != 0 {
		t.Errorf("%d events after the reset", len(evs))
	}
	if v, err := e.s.Cursor(ctx, e.orgA, "poll:XHS:s"); err != nil || v != "" {
		t.Errorf("cursor after the reset: %q %v", v, err)
	}
	if rec, err := e.s.ClaimIdempotency(ctx, e.orgA, "k", "h"); err != nil || rec != nil {
		t.Errorf("the key is still claimed after the reset: %v %v", rec, err)
	}
	// The other organisation keeps everything.
	if page, _ := e.s.ListCases(ctx, e.orgB, store.ListQuery{First: 10}); page.TotalCount != 3 {
		t.Errorf("the other organisation has %d cases left, want 3", page.TotalCount)
	}
	if v, _ := e.s.Cursor(ctx, e.orgB, "poll:XHS:s"); v != "c" {
		t.Errorf("the other organisation's cursor: %q", v)
	}
	// New writes get new sequence numbers, above every earlier one.
	r := e.upsert(t, e.orgA, cases[0], store.Change{Source: returns.SourcePoll})
	if r.Event == nil || r.Event.Seq <= lastSeq {
		t.Errorf("an event after the reset has seq %v, want above %d", r.Event, lastSeq)
	}
}

package actions

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// inspectReq is a returnRecordInspection request; input stands for the
// mutation's canonical input (what the idempotency key is bound to).
func (e *env) inspectReq(key, input string, in returns.Inspection) Request {
	r := e.req(returns.ActionRecordInspection, key, input)
	r.Inspection = &in
	return r
}

func grading(g returns.Grade, d returns.Disposition, value string) returns.Inspection {
	return returns.Inspection{Grade: g, Disposition: d, Notes: "seam torn", RecoveredValue: returns.MustParseMoney(value, "CNY"),
		EvidenceIDs: []string{"ev_1"}}
}

func TestRecordInspection(t *testing.T) {
	tests := []struct {
		name   string
		status returns.Status
		mod    func(*returns.Case) // applied to the stored case first
		in     returns.Inspection
		code   returns.ErrorCode
		field  string
		want   returns.Disposition // on success
	}{
		{name: "received, grade A: restock by default", status: returns.StatusReceived,
			in: grading(returns.GradeA, "", "120"), want: returns.DispositionRestock},
		{name: "grade B: outlet by default", status: returns.StatusReceived,
			in: grading(returns.GradeB, "", "60"), want: returns.DispositionOutlet},
		{name: "grade C: liquidate by default", status: returns.StatusReceived,
			in: grading(returns.GradeC, "", "0"), want: returns.DispositionLiquidate},
		{name: "grade C disposed of: the seller's choice stands", status: returns.StatusReceived,
			in: grading(returns.GradeC, returns.DispositionDispose, "0"), want: returns.DispositionDispose},
		{name: "refunded after receipt: still gradable", status: returns.StatusRefunded,
			mod: func(c *returns.Case) { c.ReceivedAt = &base }, in: grading(returns.GradeA, "", "1"), want: returns.DispositionRestock},
		{name: "requested: not received", status: returns.StatusRequested,
			in: grading(returns.GradeA, "", "1"), code: returns.CodeInvalidState},
		{name: "in transit: not received", status: returns.StatusInTransit,
			in: grading(returns.GradeA, "", "1"), code: returns.CodeInvalidState},
		{name: "refund only: nothing comes back", status: returns.StatusReceived,
			mod: func(c *returns.Case) { c.Kind = returns.KindRefundOnly }, in: grading(returns.GradeA, "", "1"), code: returns.CodeInvalidState},
		{name: "negative recovered value", status: returns.StatusReceived,
			in: grading(returns.GradeC, "", "-0.01"), code: returns.CodeInvalid, field: "recoveredValue"},
		{name: "recovered value in another currency", status: returns.StatusReceived,
			in: func() returns.Inspection {
				in := grading(returns.GradeB, "", "1")
				in.RecoveredValue = returns.MustParseMoney("10", "USD")
				return in
			}(), code: returns.CodeInvalid, field: "recoveredValue"},
		{name: "unknown grade", status: returns.StatusReceived,
			in: grading("E", "", "1"), code: returns.CodeInvalid, field: "grade"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, apiPlatform(), tt.status)
			if tt.mod != nil {
				c := e.stored(t)
				tt.mod(c)
				r, err := e.st.UpsertCase(context.Background(), org, c, storeChange())
				if err != nil {
					t.Fatal(err)
				}
				e.seeded = r.Event.Seq
			}
			before := e.stored(t)
			out := e.do(t, e.inspectReq("k1", `{"n":1}`, tt.in))
			wantCode(t, out, tt.code)
			if performs, _ := e.fp.counts(); performs != 0 {
				t.Errorf("%d platform calls: an inspection is the gateway's own record", performs)
			}
			after := e.stored(t)
			if tt.code != "" {
				if tt.field != "" && !slices.Equal(out.Errors[0].Field, []string{"input", tt.field}) {
					t.Errorf("field %v, want %s", out.Errors[0].Field, tt.field)
				}
				if after.Version != before.Version || after.Inspection != nil || len(e.events(t)) != 0 {
					t.Errorf("a refused inspection changed something: version %d→%d, %+v", before.Version, after.Version, after.Inspection)
				}
				if _, err := e.st.Inspection(context.Background(), org, e.key); returns.ErrorCodeOf(err) != returns.CodeNotFound {
					t.Errorf("a refused inspection left a row: %v", err)
				}
				if !e.keyFree(t, "k1") {
					t.Error("the key stays claimed after a refusal")
				}
				return
			}
			got := after.Inspection
			if got == nil || got.Grade != tt.in.Grade || got.Disposition != tt.want || !got.InspectedAt.Equal(base) ||
				got.RecoveredValue != tt.in.RecoveredValue || !slices.Equal(got.EvidenceIDs, tt.in.EvidenceIDs) {
				t.Fatalf("stored inspection %+v", got)
			}
			evs := e.mutationEvents(t)
			if len(evs) != 1 || evs[0].Detail["action"] != string(returns.ActionRecordInspection) ||
				evs[0].Detail["grade"] != string(tt.in.Grade) || !e.wasPublished(evs[0].Seq) {
				t.Errorf("events %+v", evs)
			}
			if after.Status != before.Status {
				t.Errorf("the status moved: %s → %s", before.Status, after.Status)
			}
			row, err := e.st.Inspection(context.Background(), org, e.key)
			if err != nil || row.Grade != tt.in.Grade || row.Disposition != tt.want {
				t.Errorf("inspections row %+v, %v", row, err)
			}
		})
	}
}

func TestRecordInspectionIdempotentAndRegraded(t *testing.T) {
	e := newEnv(t, apiPlatform(), returns.StatusReceived)
	first := e.do(t, e.inspectReq("k1", `{"grade":"A"}`, grading(returns.GradeA, "", "100")))
	wantCode(t, first, "")
	again := e.do(t, e.inspectReq("k1", `{"grade":"A"}`, grading(returns.GradeA, "", "100")))
	wantCode(t, again, "")
	if !again.Replayed || again.Case.Inspection == nil || again.Case.Inspection.Grade != returns.GradeA {
		t.Errorf("replay: replayed %v, case %+v", again.Replayed, again.Case)
	}
	other := e.do(t, e.inspectReq("k1", `{"grade":"C"}`, grading(returns.GradeC, "", "0")))
	wantCode(t, other, returns.CodeConflict)
	if n := len(e.mutationEvents(t)); n != 1 {
		t.Fatalf("%d events after a replay and a conflict, want 1", n)
	}
	// A new grading, with its own key, replaces the first.
	regrade := e.do(t, e.inspectReq("k2", `{"grade":"C"}`, grading(returns.GradeC, returns.DispositionDispose, "0")))
	wantCode(t, regrade, "")
	if c := e.stored(t); c.Inspection.Grade != returns.GradeC || c.Inspection.Disposition != returns.DispositionDispose {
		t.Errorf("after regrading: %+v", c.Inspection)
	}
	if row, err := e.st.Inspection(context.Background(), org, e.key); err != nil || row.Grade != returns.GradeC {
		t.Errorf("row after regrading: %+v, %v", row, err)
	}
	if n := len(e.mutationEvents(t)); n != 2 {
		t.Errorf("%d events, want 2: each grading is in the log", n)
	}
	// Another organisation's case is not found, and stays as it is.
	r := e.inspectReq("k3", `{}`, grading(returns.GradeA, "", "1"))
	r.Org = "org-other"
	wantCode(t, e.do(t, r), returns.CodeNotFound)
}

func TestRecordInspectionEvidenceHook(t *testing.T) {
	e := newEnv(t, apiPlatform(), returns.StatusReceived)
	var asked []string
	e.svc.evidenceExists = func(_ context.Context, o returns.OrgID, k returns.CaseKey, ids []string) error {
		if o != org || k != e.key {
			t.Errorf("asked about %s %v", o, k)
		}
		for _, id := range ids {
			asked = append(asked, id)
			switch id {
			case "broken":
				return errors.New("evidence store down")
			case "ev_1":
			default:
				return returns.Errorf(returns.CodeInvalid, "no evidence %q on this case", id)
			}
		}
		return nil
	}
	in := grading(returns.GradeB, "", "5")
	in.EvidenceIDs = []string{"ev_1", "ev_other"}
	out := e.do(t, e.inspectReq("k1", `{"a":1}`, in))
	wantCode(t, out, returns.CodeInvalid)
	if !slices.Equal(out.Errors[0].Field, []string{"input", "evidenceIds"}) || e.stored(t).Inspection != nil {
		t.Errorf("unknown evidence: %+v, stored %+v", out.Errors[0], e.stored(t).Inspection)
	}
	in.EvidenceIDs = []string{"broken"}
	if _, err := e.svc.Do(context.Background(), e.inspectReq("k2", `{"a":2}`, in)); err == nil {
		t.Error("a failing evidence store is not an internal error")
	}
	in.EvidenceIDs = []string{"ev_1"}
	wantCode(t, e.do(t, e.inspectReq("k3", `{"a":3}`, in)), "")
	if !slices.Equal(asked, []string{"ev_1", "ev_other", "broken", "ev_1"}) {
		t.Errorf("asked %v", asked)
	}
}

func storeChange() store.Change { return store.Change{Source: returns.SourcePoll, Always: true} }

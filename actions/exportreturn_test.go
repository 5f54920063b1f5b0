package actions

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// failingExports is the real store whose saves fail on demand.
type failingExports struct {
	store.ExportReturnStore
	fail error
}

func (f *failingExports) SaveExportReturn(ctx context.Context, org returns.OrgID, x *returns.ExportReturn, c *returns.Case, ch store.Change) (*store.ExportReturnResult, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	return f.ExportReturnStore.SaveExportReturn(ctx, org, x, c, ch)
}

func exportEnv(t *testing.T, evidence func(context.Context, returns.OrgID, returns.CaseKey, []string) error) (*env, *failingExports) {
	p := apiPlatform()
	p.id = returns.Alibaba
	e := newEnv(t, p, returns.StatusRequested)
	fx := &failingExports{ExportReturnStore: e.st}
	e.svc = New(Options{
		Store: e.st, Platforms: adapters.NewRegistry(p), Now: func() time.Time { return base }, Log: slog.New(slog.DiscardHandler),
		Publish: func(ev returns.Event, _ *returns.Case) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.published = append(e.published, ev)
		},
		ExportReturns: fx, EvidenceExists: evidence,
	})
	return e, fx
}

func exportApp() *returns.ExportStart {
	return &returns.ExportStart{ContractNo: "SC-1", ContractReturnDays: 30, SalesContractIDs: []string{"ev-sc"},
		InvoiceIDs: []string{"ev-inv"}, LogisticsChannel: "EMS return", Carrier: "EMS", CarrierAcceptanceHours: 24}
}

func TestExportReturnActions(t *testing.T) {
	ctx := context.Background()
	unknown := returns.Errorf(returns.CodeNotFound, "no evidence ev-inv on the case")
	e, fx := exportEnv(t, func(_ context.Context, o returns.OrgID, k returns.CaseKey, ids []string) error {
		if o != org || k.Platform != returns.Alibaba {
			t.Errorf("evidence asked of %s %v", o, k)
		}
		if slices.Contains(ids, "ev-missing") {
			return unknown
		}
		return nil
	})
	run := func(r ExportReturnRequest) *Outcome {
		t.Helper()
		r.Org, r.Key = org, e.key
		out, err := e.svc.ExportReturn(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}

	// Evidence the hook does not know: NOT_FOUND on the field, nothing written, the key free.
	app := exportApp()
	app.InvoiceIDs = []string{"ev-missing"}
	out := run(ExportReturnRequest{IdempotencyKey: "k-ev", Input: []byte("1"), Start: app})
	wantCode(t, out, returns.CodeNotFound)
	if !slices.Equal(out.Errors[0].Field, []string{"input", "invoiceEvidenceIds"}) {
		t.Errorf("field %v", out.Errors[0].Field)
	}
	if !e.keyFree(t, "k-ev") || len(e.mutationEvents(t)) != 0 {
		t.Fatal("a refused start left a trace")
	}

	// The store fails: nothing half-applied, the error is not a user's, the key is free for a retry.
	fx.fail = errors.New("disk on fire")
	if _, err := e.svc.ExportReturn(ctx, ExportReturnRequest{Org: org, Key: e.key, IdempotencyKey: "k-1", Input: []byte("2"), Start: exportApp()}); err == nil {
		t.Fatal("a failed save reported success")
	}
	if x, _ := e.svc.GetExportReturn(ctx, org, e.key); x != nil || len(e.mutationEvents(t)) != 0 || e.stored(t).Export != nil || !e.keyFree(t, "k-1") {
		t.Fatalf("a failed save left a trace: %+v", x)
	}
	// A race lost to another replica: CONFLICT, answered as such.
	fx.fail = returns.Errorf(returns.CodeConflict, "changed meanwhile")
	wantCode(t, run(ExportReturnRequest{IdempotencyKey: "k-1", Input: []byte("2"), Start: exportApp()}), returns.CodeConflict)
	fx.fail = nil

	out = run(ExportReturnRequest{IdempotencyKey: "k-1", Input: []byte("2"), Start: exportApp()})
	wantCode(t, out, "")
	if out.Case.Export == nil || out.Case.Export.ContractReturnDays != 30 || out.Event == nil ||
		out.Event.Detail["action"] != string(ActionExportReturnStart) || out.Event.Detail["step"] != "APPLICATION" || !e.wasPublished(out.Event.Seq) {
		t.Fatalf("start: %+v %+v", out.Case.Export, out.Event)
	}
	if again := run(ExportReturnRequest{IdempotencyKey: "k-1", Input: []byte("2"), Start: exportApp()}); !again.Replayed {
		t.Error("the same key was not replayed")
	}
	if c := run(ExportReturnRequest{IdempotencyKey: "k-1", Input: []byte("3"), Start: exportApp()}); len(c.Errors) != 1 || c.Errors[0].Code != returns.CodeConflict {
		t.Errorf("the key with another input: %+v", c.Errors)
	}
	wantCode(t, run(ExportReturnRequest{Complete: &returns.ExportCompletion{Kind: returns.ExportReturnPeriod}}), returns.CodeInvalidState)
	out = run(ExportReturnRequest{IdempotencyKey: "k-2", Input: []byte("4"), Complete: &returns.ExportCompletion{Kind: returns.ExportReview, Note: "ok"}})
	wantCode(t, out, "")
	if out.Event.Detail["step"] != "REVIEW" || out.Event.Detail["idempotencyKey"] != "k-2" {
		t.Errorf("step event %+v", out.Event.Detail)
	}
	if n := len(e.mutationEvents(t)); n != 2 {
		t.Errorf("%d MUTATION events, want 2", n)
	}
	if n, _ := e.fp.counts(); n != 0 {
		t.Errorf("%d platform calls for a workflow the platform knows nothing of", n)
	}
}

// Only Alibaba.com cases have export returns.
func TestExportReturnOtherPlatform(t *testing.T) {
	e := newEnv(t, apiPlatform(), returns.StatusRequested)
	e.svc = New(Options{Store: e.st, Platforms: adapters.NewRegistry(e.fp), Now: func() time.Time { return base },
		Log: slog.New(slog.DiscardHandler), ExportReturns: e.st})
	out, err := e.svc.ExportReturn(context.Background(), ExportReturnRequest{Org: org, Key: e.key, Start: exportApp()})
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, out, returns.CodeUnsupported)
	out, _ = e.svc.ExportReturn(context.Background(), ExportReturnRequest{Org: "another-org", Key: e.key, Start: exportApp()})
	wantCode(t, out, returns.CodeNotFound)
}

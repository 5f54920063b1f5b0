package actions

import (
	"context"
	"errors"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// The actions an export-return event records (its detail's "action").
const (
	ActionExportReturnStart returns.Action = "EXPORT_RETURN_START"
	ActionExportReturnStep  returns.Action = "EXPORT_RETURN_STEP"
)

// ExportReturnRequest starts an export return (Start) or completes its next
// step (Complete) on an Alibaba.com case. The workflow is the gateway's own
// record: nothing is sent to the platform.
type ExportReturnRequest struct {
	Org            returns.OrgID
	Key            returns.CaseKey
	IdempotencyKey string
	Input          []byte // canonical input, as for Request
	Start          *returns.ExportStart
	Complete       *returns.ExportCompletion
}

// ExportReturn carries out an export-return request exactly once per
// idempotency key, as Do does a platform action. The step, the case's terms
// and one event are written together or not at all, and the event is
// published to subscribers.
func (s *Service) ExportReturn(ctx context.Context, r ExportReturnRequest) (*Outcome, error) {
	req := Request{Org: r.Org, Key: r.Key, IdempotencyKey: r.IdempotencyKey, Input: r.Input}
	switch {
	case r.Start != nil && r.Complete == nil:
		req.Platform.Action = ActionExportReturnStart
		req.local = func(ctx context.Context, req Request) (*Outcome, bool, error) {
			return s.exportReturn(ctx, req, func(c *returns.Case, x *returns.ExportReturn) (*returns.ExportReturn, *returns.Error) {
				if x != nil {
					return nil, returns.Errorf(returns.CodeInvalidState, "the case's export return was started at %s", x.StartedAt.Format("2006-01-02 15:04:05Z07:00"))
				}
				if e := s.checkEvidence(ctx, req, r.Start); e != nil {
					return nil, e
				}
				return returns.StartExportReturn(c, *r.Start, s.now())
			})
		}
	case r.Complete != nil && r.Start == nil:
		req.Platform.Action = ActionExportReturnStep
		req.local = func(ctx context.Context, req Request) (*Outcome, bool, error) {
			return s.exportReturn(ctx, req, func(c *returns.Case, x *returns.ExportReturn) (*returns.ExportReturn, *returns.Error) {
				if x == nil {
					return nil, returns.Errorf(returns.CodeInvalidState, "no export return was started on the case (exportReturnStart)")
				}
				return x.Complete(*r.Complete, orderCurrency(c), s.now())
			})
		}
	default:
		return nil, errors.New("actions: an export-return request starts or completes, one of the two")
	}
	return s.Do(ctx, req)
}

// GetExportReturn returns the case's export return, nil when it has none
// (or export returns are not configured).
func (s *Service) GetExportReturn(ctx context.Context, org returns.OrgID, key returns.CaseKey) (*returns.ExportReturn, error) {
	if s.exports == nil {
		return nil, nil
	}
	x, err := s.exports.GetExportReturn(ctx, org, key)
	if returns.ErrorCodeOf(err) == returns.CodeNotFound {
		return nil, nil
	}
	return x, err
}

// exportReturn runs one export-return change under the case's lock: step
// turns the case and its workflow as stored (nil when none) into the new
// workflow, or a user error.
func (s *Service) exportReturn(ctx context.Context, req Request,
	step func(*returns.Case, *returns.ExportReturn) (*returns.ExportReturn, *returns.Error)) (*Outcome, bool, error) {
	defer s.lock(req.Key)()
	if err := ctx.Err(); err != nil {
		return nil, false, err // the wait for the lock outlasted the caller or the claim's hold
	}
	c, err := s.store.GetCase(ctx, req.Org, req.Key)
	if err != nil {
		if returns.ErrorCodeOf(err) == returns.CodeNotFound {
			return &Outcome{Errors: []*returns.Error{returns.Errorf(returns.CodeNotFound, "no such case").WithField("input", "id")}}, false, nil
		}
		return nil, false, err
	}
	fail := func(e *returns.Error) (*Outcome, bool, error) {
		return &Outcome{Case: c, Errors: []*returns.Error{e}}, false, nil
	}
	if c.Platform != returns.Alibaba {
		return fail(returns.Errorf(returns.CodeUnsupported, "export returns are for Alibaba.com B2B orders, not %s", c.Platform))
	}
	if s.exports == nil {
		return fail(returns.Errorf(returns.CodeUnsupported, "this gateway keeps no export returns"))
	}
	x, err := s.GetExportReturn(ctx, req.Org, req.Key)
	if err != nil {
		return nil, false, err
	}
	y, e := step(c, x)
	if e != nil {
		return fail(e)
	}
	next := *c
	next.Export = y.Terms()
	detail := eventDetail(ctx, req, req.Platform.Action, nil)
	if x != nil {
		for i := range y.Steps {
			if y.Steps[i].CompletedAt != nil && x.Steps[i].CompletedAt == nil {
				detail["step"] = string(y.Steps[i].Kind)
			}
		}
	} else {
		detail["step"] = string(returns.ExportApplication)
	}
	var res *store.ExportReturnResult
	dctx, cancel := detached(ctx)
	defer cancel()
	werr := s.locks.WriteWith(func() (*returns.Event, *returns.Case, error) {
		var err error
		res, err = s.exports.SaveExportReturn(dctx, req.Org, y, &next, store.Change{Source: returns.SourceMutation, Detail: detail})
		if err != nil {
			return nil, nil, err
		}
		return res.Event, res.Case, nil
	}, s.publish)
	switch code := returns.ErrorCodeOf(werr); {
	case werr == nil:
	case code == returns.CodeConflict || code == returns.CodeNotFound || code == returns.CodeStoreUnavailable:
		// Nothing was written: a race with another replica, the case gone, the database away.
		return fail(&returns.Error{Code: code, Message: returns.ErrorMessage(werr)})
	default:
		return nil, false, werr
	}
	return &Outcome{Case: res.Case, Event: res.Event}, true, nil
}

// checkEvidence asks the evidence store, when there is one, whether the
// application's documents are the case's.
func (s *Service) checkEvidence(ctx context.Context, req Request, in *returns.ExportStart) *returns.Error {
	if s.evidenceExists == nil {
		return nil
	}
	for _, f := range []struct {
		field string
		ids   []string
	}{{"salesContractEvidenceIds", in.SalesContractIDs}, {"invoiceEvidenceIds", in.InvoiceIDs}} {
		err := s.evidenceExists(ctx, req.Org, req.Key, f.ids)
		if err == nil {
			continue
		}
		switch code := returns.ErrorCodeOf(err); code {
		case returns.CodeNotFound, returns.CodeInvalid, returns.CodeStoreUnavailable:
			return returns.Errorf(code, "%s", returns.ErrorMessage(err)).WithField("input", f.field)
		}
		s.log.Error("check evidence ids", "case", req.Key.PlatformCaseID, "err", err)
		return returns.Errorf(returns.CodeStoreUnavailable, "the evidence could not be checked; nothing changed").WithField("input", f.field)
	}
	return nil
}

// orderCurrency is the currency of the case's order, "" when it states no amount.
func orderCurrency(c *returns.Case) string {
	switch {
	case c.RequestedRefund != nil:
		return c.RequestedRefund.Currency
	case len(c.Lines) > 0:
		return c.Lines[0].UnitPrice.Currency
	}
	return ""
}

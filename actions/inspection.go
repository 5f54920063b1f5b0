package actions

import (
	"context"
	"slices"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// EvidenceCheck checks that evidence ids belong to the organisation's case
// (the evidence store answers it): a coded error (INVALID, NOT_FOUND) for ids
// that do not, any other error for a failure to check.
type EvidenceCheck func(ctx context.Context, org returns.OrgID, key returns.CaseKey, ids []string) error

// inspect records the seller's grading of returned goods (OPS-GRADES): the
// gateway's own record, never sent to a platform. It is allowed once the
// goods are back (INVALID_STATE before), checks the grading against the case
// (INVALID: the value's currency, a negative value, unknown evidence), and
// writes the case with its inspection and one event in one store write, so
// subscribers see it and a failure changes nothing. Grading again replaces
// the inspection; the event log keeps each one. The caller holds the case's
// lock; c is the case as stored.
func (s *Service) inspect(ctx context.Context, req Request, c *returns.Case) (*Outcome, bool, error) {
	fail := func(e *returns.Error) (*Outcome, bool, error) {
		return &Outcome{Case: c, Errors: []*returns.Error{e}}, false, nil
	}
	if req.Inspection == nil {
		return fail(returns.Errorf(returns.CodeInvalid, "no inspection given").WithField("input"))
	}
	if !returns.GoodsBack(c) {
		what := "the goods have not been received yet"
		if c.Kind == returns.KindRefundOnly {
			what = "a refund-only case has no goods coming back"
		}
		return fail(returns.Errorf(returns.CodeInvalidState, "cannot record an inspection: %s (the case is %s)", what, c.Status))
	}
	in := *req.Inspection
	in.EvidenceIDs = slices.Clone(in.EvidenceIDs)
	if len(in.EvidenceIDs) == 0 {
		in.EvidenceIDs = nil
	}
	if in.Disposition == "" {
		in.Disposition = returns.DefaultDisposition(in.Grade)
	}
	in.InspectedAt = s.now().UTC()
	if e := in.Validate(c); e != nil {
		return fail(e)
	}
	if s.evidenceExists != nil && len(in.EvidenceIDs) > 0 {
		if err := s.evidenceExists(ctx, req.Org, req.Key, in.EvidenceIDs); err != nil {
			switch code := returns.ErrorCodeOf(err); code {
			case returns.CodeNotFound, returns.CodeInvalid:
				return fail(returns.Errorf(code, "%s", returns.ErrorMessage(err)).WithField("input", "evidenceIds"))
			}
			return nil, false, err
		}
	}
	next := *c
	next.Inspection = &in
	detail := eventDetail(ctx, req, returns.ActionRecordInspection, nil)
	detail["grade"], detail["disposition"] = string(in.Grade), string(in.Disposition)
	dctx, cancel := detached(ctx)
	defer cancel()
	r, err := s.locks.Write(dctx, s.store, req.Org, &next,
		store.Change{Source: returns.SourceMutation, Detail: detail, Always: true}, s.publish)
	if err != nil {
		return nil, false, err
	}
	return &Outcome{Case: r.Case, Event: r.Event}, true, nil
}

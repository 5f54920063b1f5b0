package graph

import (
	"context"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/returnsgw/returnsgw/actions"
	"github.com/returnsgw/returnsgw/graph/model"
	"github.com/returnsgw/returnsgw/returns"
)

// Input limits: generous for people, small enough to keep rows and platform calls sane.
const (
	maxNote    = 1000
	maxMessage = 500
	maxRef     = 128
)

// mutation is what every mutation resolver hands over: the action, the
// case's global id, the idempotency key, the input for hashing, and the
// platform parameters (already validated).
type mutation struct {
	action   returns.Action
	id       string
	key      *string
	input    any
	platform returns.ActionRequest
	rules    returns.ActionCheck
	ack      []string
	route    string // approve: the return route's id
	errs     []*returns.Error

	inspection *returns.Inspection // returnRecordInspection's grading
}

// acknowledge takes the rule ids a seller acknowledges.
func (m *mutation) acknowledge(ids []string) {
	m.check(len(ids) <= 20, returns.Errorf(returns.CodeInvalid, "at most 20 rule ids may be acknowledged").WithField("input", "acknowledgeRules"))
	for _, id := range ids {
		m.ack = append(m.ack, strings.TrimSpace(id))
	}
}

// check records an input error unless ok.
func (m *mutation) check(ok bool, e *returns.Error) {
	if !ok {
		m.errs = append(m.errs, e)
	}
}

func (m *mutation) text(name string, v *string, max int) string {
	if v == nil {
		return ""
	}
	s := strings.TrimSpace(*v)
	m.check(utf8.ValidString(s) && utf8.RuneCountInString(s) <= max,
		returns.Errorf(returns.CodeInvalid, "%s must be at most %d characters", name, max).WithField("input", name))
	return s
}

func (m *mutation) money(name string, v *model.MoneyInput) *returns.Money {
	if v == nil {
		return nil
	}
	money, err := parseInputMoney(v.Amount, strings.ToUpper(strings.TrimSpace(v.CurrencyCode)))
	if err != nil {
		m.errs = append(m.errs, returns.Errorf(returns.CodeInvalid, "%s", returns.ErrorMessage(err)).WithField("input", name))
		return nil
	}
	m.check(money.Minor > 0, returns.Errorf(returns.CodeInvalid, "%s must be positive", name).WithField("input", name))
	return &money
}

// run validates, hands the action to the actions service and shapes its answer.
func (r *Resolver) run(ctx context.Context, m *mutation) (*model.ReturnCasePayload, error) {
	org, err := OrgFrom(ctx)
	if err != nil {
		return nil, err
	}
	key, err := ParseCaseID(m.id)
	if err != nil {
		e, _ := err.(*returns.Error)
		return payload(&actions.Outcome{Errors: []*returns.Error{e.WithField("input", "id")}}), nil
	}
	if len(m.errs) > 0 {
		c, _ := r.deps.Store.GetCase(ctx, org, key)
		return payload(&actions.Outcome{Case: c, Errors: m.errs}), nil
	}
	input, err := json.Marshal(struct {
		Action returns.Action `json:"action"`
		Input  any            `json:"input"`
	}{m.action, m.input})
	if err != nil {
		return nil, err
	}
	req := actions.Request{Org: org, Key: key, Input: input, Platform: m.platform, Check: m.rules, Acknowledged: m.ack,
		Inspection: m.inspection, RouteID: m.route}
	req.Platform.Action = m.action
	if m.key != nil {
		req.IdempotencyKey = *m.key
	}
	out, err := r.deps.Actions.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	return payload(out), nil
}

func payload(o *actions.Outcome) *model.ReturnCasePayload {
	p := &model.ReturnCasePayload{ReturnCase: o.Case, Replayed: o.Replayed, UserErrors: make([]*model.UserError, 0, len(o.Errors))}
	for _, e := range o.Errors {
		ue := &model.UserError{Code: e.Code, Message: e.Message, Field: e.Field}
		if e.Code == returns.CodeInternal {
			ue.Code, ue.Message = returns.CodePlatformUnavailable, "internal error"
		}
		if e.RuleID != "" {
			id := e.RuleID
			ue.RuleID = &id
		}
		p.UserErrors = append(p.UserErrors, ue)
	}
	return p
}

// The mutation constructors validate their input and drop the idempotency key
// from what is hashed: the key is not part of the request it identifies.

func approveMutation(in model.ReturnApproveInput) *mutation {
	m := &mutation{action: returns.ActionApprove, id: in.ID, key: in.IdempotencyKey}
	m.platform.ReturnAddressID = m.text("returnAddressId", in.ReturnAddressID, maxRef)
	m.platform.Message = m.text("message", in.Message, maxMessage)
	if in.RouteID != nil {
		m.route = m.text("routeId", in.RouteID, 64)
		m.check(m.route != "", returns.Errorf(returns.CodeInvalid, "routeId must not be empty").WithField("input", "routeId"))
	}
	m.acknowledge(in.AcknowledgeRules)
	in.IdempotencyKey = nil
	m.input = in
	return m
}

func rejectMutation(in model.ReturnRejectInput) *mutation {
	m := &mutation{action: returns.ActionReject, id: in.ID, key: in.IdempotencyKey}
	m.platform.ReasonID = m.text("reasonId", in.ReasonID, maxRef)
	m.platform.Note = m.text("note", in.Note, maxNote)
	m.rules.Grounds = in.Grounds
	m.rules.Condition = condition(in.Condition)
	m.rules.ExemptionConfirmedAtCheckout = deref(in.ExemptionConfirmedAtCheckout)
	m.rules.CrossBorderCarveOutConfirmed = deref(in.CrossBorderCarveOutConfirmed)
	m.acknowledge(in.AcknowledgeRules)
	in.IdempotencyKey = nil
	m.input = in
	return m
}

func confirmReceiptMutation(in model.ReturnConfirmReceiptInput) *mutation {
	m := &mutation{action: returns.ActionConfirmReceipt, id: in.ID, key: in.IdempotencyKey}
	if s := in.ReplacementShipment; s != nil {
		carrier := m.text("replacementShipment.carrierCode", &s.CarrierCode, maxRef)
		tracking := m.text("replacementShipment.trackingNo", &s.TrackingNo, maxRef)
		m.check(carrier != "" && tracking != "", returns.Errorf(returns.CodeInvalid,
			"a replacement shipment needs a carrier code and a tracking number").WithField("input", "replacementShipment"))
		m.platform.Shipment = &returns.Shipment{CarrierCode: carrier, TrackingNo: tracking}
	}
	in.IdempotencyKey = nil
	m.input = in
	return m
}

func refundMutation(in model.ReturnRefundInput) *mutation {
	m := &mutation{action: returns.ActionRefund, id: in.ID, key: in.IdempotencyKey}
	m.platform.Amount = m.money("amount", in.Amount)
	m.acknowledge(in.AcknowledgeRules)
	in.IdempotencyKey = nil
	m.input = in
	return m
}

func offerMutation(in model.ReturnOfferInput) *mutation {
	m := &mutation{action: returns.ActionOffer, id: in.ID, key: in.IdempotencyKey}
	m.platform.OfferKind = in.Kind
	m.platform.Amount = m.money("amount", in.Amount)
	m.platform.Note = m.text("note", in.Note, maxNote)
	m.acknowledge(in.AcknowledgeRules)
	in.IdempotencyKey = nil
	m.input = in
	return m
}

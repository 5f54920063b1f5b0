package aliexpress

import (
	"context"
	"strings"

	gocache "github.com/patrickmn/go-cache"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
	"github.com/returnsgw/returnsgw/returns"
)

// actionsFor is the table of what the seller can do in each platform status:
// through the API, and only in the seller centre. The two never overlap.
// It reads the raw values the case keeps, so it needs no platform call.
func actionsFor(raw map[string]string) (api, centre []returns.Action) {
	is, rds := raw["issue_status"], raw["reverse_detail_status"]
	if is != aliexpresswire.IssueProcessing || !statusKnown(is, rds) {
		// Finished, cancelled, or a status the adapter does not know: nothing.
		return nil, nil
	}
	buyerWaiting := raw[rawBuyerSolution+"_id"] != "" &&
		(raw[rawBuyerSolution+"_status"] == aliexpresswire.SolWaitSellerAccept || raw[rawBuyerSolution+"_status"] == aliexpresswire.SolWaitBuyerAndSellerAccept)
	switch rds {
	case "", aliexpresswire.RDWaitSellerResponse, aliexpresswire.RDWaitBuyerResponse:
		if buyerWaiting {
			api = append(api, returns.ActionApprove)
		}
		// A counter-proposal refuses the buyer's solution (reject, offer),
		// or changes the seller's own pending one.
		if buyerWaiting || raw[rawSellerPendingID] != "" {
			api = append(api, returns.ActionReject, returns.ActionOffer)
		}
		if rds == aliexpresswire.RDWaitBuyerResponse {
			// The buyer has not taken the seller's counter-proposal: the
			// seller may ask the platform to mediate
			// (aliexpress.issue.redefining.sellersubmitarbi).
			api = append(api, returns.ActionEscalate)
		}
	case aliexpresswire.RDWaitSellerSetAddress:
		// Agreeing with a return address is how the address is given.
		if raw[rawBuyerSolution+"_id"] != "" {
			api = append(api, returns.ActionApprove)
		}
	case aliexpresswire.RDWaitSellerConfirmation:
		// Confirming receipt releases the refund; both happen in the seller centre.
		centre = append(centre, returns.ActionConfirmReceipt, returns.ActionRefund)
		api = append(api, returns.ActionEscalate) // a dispute over the goods that came back
	case aliexpresswire.RDReturnSuccess:
		centre = append(centre, returns.ActionRefund)
	}
	return api, centre
}

// AllowedActions reports the API actions the case's platform status allows.
func (a *Adapter) AllowedActions(c *returns.Case) []returns.Action {
	if c == nil {
		return nil
	}
	api, _ := actionsFor(c.Raw)
	return api
}

// SellerCentreActions reports the steps the seller can take now only in the
// AliExpress seller centre (no API does them).
func (a *Adapter) SellerCentreActions(c *returns.Case) []returns.Action {
	if c == nil {
		return nil
	}
	_, centre := actionsFor(c.Raw)
	return centre
}

// SellerCentreURL is the issue's page in the seller centre.
func (a *Adapter) SellerCentreURL(c *returns.Case, _ returns.Action) string {
	if c == nil {
		return ""
	}
	return adapters.SellerCentreURL(a.cfg.SellerCentreURL, "issueId", c.PlatformCaseID)
}

// Perform carries out an API action: approve agrees to the buyer's
// solution (aliexpress.issue.solution.agree, with a return address when
// the goods come back); offer and reject save a seller solution
// (aliexpress.issue.solution.save) — AliExpress has no reject call, a
// seller refuses by counter-proposing, here a refund of 0 with the note as
// the explanation. Seller-centre steps answer UNSUPPORTED_ON_PLATFORM; an
// action the platform status does not allow answers INVALID_STATE, both
// without calling the platform. Writes are never repeated after a failure
// that may have reached the platform.
func (a *Adapter) Perform(ctx context.Context, req returns.ActionRequest) (*returns.ActionResult, error) {
	c := req.Case
	if c == nil || c.PlatformCaseID == "" {
		return nil, returns.Errorf(returns.CodeInvalid, "no case to act on").WithField("case")
	}
	if !a.Capabilities().Supports(req.Action) {
		return nil, returns.Errorf(returns.CodeUnsupported,
			"AliExpress has no API for %s; complete it in the AliExpress seller centre", req.Action)
	}
	allowed := false
	for _, x := range a.AllowedActions(c) {
		allowed = allowed || x == req.Action
	}
	if !allowed {
		return nil, returns.Errorf(returns.CodeInvalidState, "AliExpress does not allow %s while the issue is %s",
			req.Action, StatusCode(c.Raw["issue_status"], c.Raw["reverse_detail_status"]))
	}
	l, err := a.listedFor(ctx, c.PlatformCaseID, firstNonEmpty(c.BuyerID, c.Raw["buyer_login_id"]))
	if err != nil {
		return nil, err
	}
	buyer := l.BuyerLoginID
	var expected returns.Status
	switch req.Action {
	case returns.ActionApprove:
		expected, err = a.approve(ctx, c, buyer, req)
	case returns.ActionOffer:
		expected, err = a.offer(ctx, c, buyer, req)
	case returns.ActionReject:
		expected, err = a.reject(ctx, c, buyer, req)
	case returns.ActionEscalate:
		expected, err = a.escalate(ctx, c, buyer, req)
	}
	if err != nil {
		return nil, err
	}
	after, err := a.GetCase(ctx, c.PlatformCaseID)
	if err != nil {
		a.log.Warn("aliexpress: action done but the issue could not be read back", "issue", c.PlatformCaseID, "action", req.Action, "err", err)
		return &returns.ActionResult{Expected: expected}, nil
	}
	return &returns.ActionResult{Case: after, Expected: expected}, nil
}

func (a *Adapter) approve(ctx context.Context, c *returns.Case, buyer string, req returns.ActionRequest) (returns.Status, error) {
	solID := c.Raw[rawBuyerSolution+"_id"]
	needsReturn := c.Raw[rawBuyerSolution+"_type"] == aliexpresswire.SolutionReturnAndRefund ||
		c.Raw["reverse_detail_status"] == aliexpresswire.RDWaitSellerSetAddress
	addr := ""
	if needsReturn {
		var err error
		if addr, err = a.returnAddressID(ctx, req.ReturnAddressID); err != nil {
			return "", err
		}
	}
	if err := a.solutionAgree(ctx, c.PlatformCaseID, solID, buyer, addr); err != nil {
		return "", err
	}
	if needsReturn {
		return returns.StatusAwaitingBuyerShipment, nil
	}
	return returns.StatusRefunded, nil
}

func (a *Adapter) offer(ctx context.Context, c *returns.Case, buyer string, req returns.ActionRequest) (returns.Status, error) {
	cur := caseCurrency(c)
	amount := req.Amount
	if amount == nil {
		amount = c.RequestedRefund
	}
	if amount == nil {
		return "", returns.Errorf(returns.CodeInvalid, "an offer needs an amount").WithField("amount")
	}
	if amount.Currency != cur {
		return "", returns.Errorf(returns.CodeInvalid, "the offer must be in the issue's currency %s, not %s", cur, amount.Currency).WithField("amount")
	}
	if amount.Minor < 0 {
		return "", returns.Errorf(returns.CodeInvalid, "the offer cannot be negative").WithField("amount")
	}
	dto := a.saveParam(c, buyer)
	dto.RefundAmount, dto.RefundAmountCurrency, dto.SolutionContext = amount.Decimal(), amount.Currency, req.Note
	switch req.OfferKind {
	case "", returns.KindRefundOnly:
		dto.AddSolutionType = aliexpresswire.SolutionRefund
	case returns.KindReturnAndRefund:
		dto.AddSolutionType = aliexpresswire.SolutionReturnAndRefund
		addr, err := a.returnAddressID(ctx, req.ReturnAddressID)
		if err != nil {
			return "", err
		}
		dto.ReturnGoodAddressID = aliexpresswire.Long(addr)
	default:
		return "", returns.Errorf(returns.CodeInvalid, "AliExpress offers are a refund or a return and refund, not %s", req.OfferKind).WithField("offerKind")
	}
	if err := a.solutionSave(ctx, dto); err != nil {
		return "", err
	}
	return returns.StatusNegotiating, nil
}

// reject refuses the buyer's solution by counter-proposing a refund of
// nothing, with the seller's explanation.
func (a *Adapter) reject(ctx context.Context, c *returns.Case, buyer string, req returns.ActionRequest) (returns.Status, error) {
	if strings.TrimSpace(req.Note) == "" {
		return "", returns.Errorf(returns.CodeInvalid, "AliExpress needs the seller's explanation to refuse a solution").WithField("note")
	}
	cur := caseCurrency(c)
	zero, err := returns.NewMoney(0, cur)
	if err != nil {
		return "", returns.Errorf(returns.CodeInvalid, "the issue's currency %q is unknown", cur)
	}
	dto := a.saveParam(c, buyer)
	dto.AddSolutionType = aliexpresswire.SolutionRefund
	dto.RefundAmount, dto.RefundAmountCurrency, dto.SolutionContext = zero.Decimal(), cur, req.Note
	if err := a.solutionSave(ctx, dto); err != nil {
		return "", err
	}
	return returns.StatusNegotiating, nil
}

// saveParam starts a solution.save: a new seller solution refusing the
// buyer's, or — when the seller already has one waiting for the buyer — a
// change of that one.
func (a *Adapter) saveParam(c *returns.Case, buyer string) aliexpresswire.SolutionSaveParam {
	p := aliexpresswire.SolutionSaveParam{IssueID: aliexpresswire.Long(c.PlatformCaseID), BuyerLoginID: buyer}
	if id := c.Raw[rawSellerPendingID]; id != "" {
		p.ModifySellerSolutionID = aliexpresswire.Long(id)
		return p
	}
	p.AddSellerSolution = true
	p.BuyerSolutionID = aliexpresswire.Long(c.Raw[rawBuyerSolution+"_id"])
	return p
}

// caseCurrency is the currency the issue is settled in (refund_money_max_currency).
func caseCurrency(c *returns.Case) string {
	if cur := c.Raw["refund_money_max_currency"]; cur != "" {
		return cur
	}
	if c.RequestedRefund != nil {
		return c.RequestedRefund.Currency
	}
	return ""
}

const addressesKey = "refund-addresses"

// ReturnAddresses lists the shop's return (refund) addresses, cached for
// Config.AddressTTL.
func (a *Adapter) ReturnAddresses(ctx context.Context) ([]returns.Address, error) {
	if v, ok := a.addresses.Get(addressesKey); ok {
		return append([]returns.Address(nil), v.([]returns.Address)...), nil
	}
	resp, err := a.sellerAddresses(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]returns.Address, 0, len(resp.RefundSellerAddressList))
	for _, x := range resp.RefundSellerAddressList {
		var parts []string
		for _, p := range []string{x.StreetAddress, x.Street, x.County, x.City, x.Province, x.Postcode, x.Country} {
			if p != "" {
				parts = append(parts, p)
			}
		}
		out = append(out, returns.Address{ID: x.AddressID.String(), Name: x.Name, Phone: firstNonEmpty(x.Phone, x.Mobile),
			Full: strings.Join(parts, ", "), Default: x.IsDefault == "1", Platform: returns.AliExpress})
	}
	a.addresses.Set(addressesKey, out, gocache.DefaultExpiration)
	return append([]returns.Address(nil), out...), nil
}

// returnAddressID is the requested address, or the shop's default.
func (a *Adapter) returnAddressID(ctx context.Context, requested string) (string, error) {
	if requested != "" {
		if !isID(requested) {
			return "", returns.Errorf(returns.CodeInvalid, "AliExpress address ids are numbers; %q is not one", requested).WithField("returnAddressId")
		}
		return requested, nil
	}
	addrs, err := a.ReturnAddresses(ctx)
	if err != nil {
		return "", err
	}
	for _, x := range addrs {
		if x.Default {
			return x.ID, nil
		}
	}
	return "", returns.Errorf(returns.CodeInvalid, "the shop has no default return address on AliExpress; choose one").WithField("returnAddressId")
}

// ActionRawKeys names the raw values actionsFor reads.
func (a *Adapter) ActionRawKeys() []string {
	return []string{"issue_status", "reverse_detail_status", rawBuyerSolution + "_id", rawBuyerSolution + "_status", rawSellerPendingID}
}

// BuyerMessageSlot: a seller's counter-proposal (an offer, or a refusal,
// which AliExpress makes as an offer of nothing) carries solution_context, the
// text the buyer reads; agreeing carries none.
func (a *Adapter) BuyerMessageSlot(act returns.Action, _ *returns.Case) returns.MessageSlot {
	if act == returns.ActionOffer || act == returns.ActionReject {
		return returns.SlotNote
	}
	return returns.SlotNone
}

package aliexpress

import (
	"fmt"
	"strings"
	"time"

	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
	"github.com/returnsgw/returnsgw/returns"
)

// Listed is what aliexpress.issue.issuelist.get said about an issue. The
// detail call needs BuyerLoginID, and the detail has no modification time,
// so the adapter keeps these beside the detail.
type Listed struct {
	IssueID       string `json:"issue_id"`
	BuyerLoginID  string `json:"buyer_login_id"`
	GmtCreate     string `json:"gmt_create"`
	GmtModified   string `json:"gmt_modified"`
	IssueStatus   string `json:"issue_status"`
	ReasonEnglish string `json:"reason_english"`
	ReasonChinese string `json:"reason_chinese"`
}

func listedFrom(it aliexpresswire.IssueSummary) Listed {
	return Listed{
		IssueID: it.IssueID.String(), BuyerLoginID: it.BuyerLoginID, GmtCreate: it.GmtCreate,
		GmtModified: it.GmtModified, IssueStatus: it.IssueStatus,
		ReasonEnglish: it.ReasonEnglish, ReasonChinese: it.ReasonChinese,
	}
}

// Env is what normalization needs to know about the shop.
type Env struct {
	Shop    returns.Shop
	Catalog func(productID string) returns.Category // nil: GENERAL
}

// Unknown is a platform value that normalization did not recognise and the
// fallback it applied instead; the adapter logs each one.
type Unknown struct {
	Field    string
	Value    string
	Fallback string
}

// Fallbacks for values the adapter does not know.
const (
	// UnknownStatus is the status of an issue whose issue_status, or whose
	// reverse_detail_status while processing, is unknown: the seller is
	// assumed to be expected to look at it, and no action is allowed until
	// the adapter learns the value.
	UnknownStatus = returns.StatusRequested
	// UnknownKind is the kind when the buyer's solution is missing or of an
	// unknown type: a refund is what every AliExpress issue asks for.
	UnknownKind = returns.KindRefundOnly
)

// What the platform does when a timeout fires (Deadlines.AutoAction).
// Uncertain beyond WAIT_SOLUTION_TIMEOUT, for which third parties report that
// the buyer's proposal is carried out.
const (
	AutoBuyerSolution  = "the buyer's solution is carried out"
	AutoPlatformSteps  = "the platform steps in and decides"
	AutoRefundNoReturn = "the buyer is refunded without returning the goods"
	AutoReceiptAssumed = "receipt of the returned goods is assumed and the buyer is refunded"
	AutoReturnLapses   = "the return lapses if the buyer has not shipped the goods back"
)

// Status is the pure mapping of the platform's statuses onto the
// gateway's lifecycle. Unknown values give UnknownStatus and are reported.
func Status(issueStatus, rds string, s Solutions) (returns.Status, []Unknown) {
	switch issueStatus {
	case aliexpresswire.IssueCanceled:
		return returns.StatusCancelled, nil
	case aliexpresswire.IssueFinish:
		var unk []Unknown
		if rds != "" && !knownRDS[rds] {
			unk = append(unk, Unknown{Field: "reverse_detail_status", Value: rds, Fallback: "decided by the solutions"})
		}
		switch rds {
		case aliexpresswire.RDRefundReject:
			return returns.StatusClosed, unk
		case aliexpresswire.RDRefundSuccess, aliexpresswire.RDReturnSuccess:
			return returns.StatusRefunded, unk
		}
		if s.Reached != nil && s.refundsSomething(s.Reached) {
			return returns.StatusRefunded, unk
		}
		return returns.StatusClosed, unk
	case aliexpresswire.IssueProcessing:
		if rds == "" {
			if s.SellerPending != nil {
				return returns.StatusNegotiating, nil
			}
			return returns.StatusRequested, nil
		}
		st, ok := processingStatus[rds]
		if !ok {
			return UnknownStatus, []Unknown{{Field: "reverse_detail_status", Value: rds, Fallback: string(UnknownStatus)}}
		}
		switch {
		case rds == aliexpresswire.RDWaitSellerResponse && s.SellerPending != nil:
			// The seller has already countered; the buyer has not answered yet.
			return returns.StatusNegotiating, nil
		case rds == aliexpresswire.RDAEFeedbackFinish && s.Reached != nil && s.refundsSomething(s.Reached):
			return returns.StatusRefundPending, nil
		}
		return st, nil
	}
	return UnknownStatus, []Unknown{{Field: "issue_status", Value: issueStatus, Fallback: string(UnknownStatus)}}
}

// processingStatus maps reverse_detail_status while the issue is processing.
var processingStatus = map[string]returns.Status{
	aliexpresswire.RDWaitSellerResponse:        returns.StatusRequested,
	aliexpresswire.RDWaitBuyerResponse:         returns.StatusNegotiating,
	aliexpresswire.RDWaitSellerSetAddress:      returns.StatusRequested, // the seller must give the return address
	aliexpresswire.RDWaitBuyerReturn:           returns.StatusAwaitingBuyerShipment,
	aliexpresswire.RDWaitSellerConfirmation:    returns.StatusInTransit, // shipped back, waiting for the seller to confirm receipt
	aliexpresswire.RDWaitWarehouseConfirmation: returns.StatusInTransit, // shipped back to a platform warehouse
	aliexpresswire.RDWaitWarehouseQualityCheck: returns.StatusReceived,  // the warehouse has it and checks it
	aliexpresswire.RDWaitAEFeedback:            returns.StatusEscalated,
	aliexpresswire.RDWaitYourResponse:          returns.StatusEscalated,
	aliexpresswire.RDWaitYourEvidence:          returns.StatusEscalated,
	aliexpresswire.RDWaitFinalSolution:         returns.StatusEscalated,
	aliexpresswire.RDWaitAEFinalFeedback:       returns.StatusEscalated,
	aliexpresswire.RDWaitServiceProvider:       returns.StatusEscalated,
	aliexpresswire.RDAEFeedbackFinish:          returns.StatusEscalated, // ruled, not yet carried out
	aliexpresswire.RDReturnSuccess:             returns.StatusRefundPending,
	aliexpresswire.RDRefundSuccess:             returns.StatusRefunded,
	aliexpresswire.RDRefundReject:              returns.StatusClosed,
}

var knownRDS = func() map[string]bool {
	m := map[string]bool{}
	for k := range processingStatus {
		m[k] = true
	}
	return m
}()

var knownIssueStatus = map[string]bool{aliexpresswire.IssueProcessing: true, aliexpresswire.IssueCanceled: true, aliexpresswire.IssueFinish: true}

// statusKnown reports whether the platform statuses are ones the adapter
// knows, i.e. the normalized status is not the fallback.
func statusKnown(issueStatus, rds string) bool {
	if !knownIssueStatus[issueStatus] {
		return false
	}
	return issueStatus != aliexpresswire.IssueProcessing || rds == "" || knownRDS[rds]
}

// Solutions are an issue's solutions, with the ones that matter picked out.
type Solutions struct {
	Buyer, Seller, Platform []aliexpresswire.Solution
	// BuyerCurrent is the buyer's solution the seller answers: the one
	// waiting for the seller, else the reached one, else the default, else
	// the latest.
	BuyerCurrent *aliexpresswire.Solution
	// SellerPending is the seller's solution waiting for the buyer.
	SellerPending *aliexpresswire.Solution
	// SellerLatest and PlatformLatest are the latest of their lists.
	SellerLatest, PlatformLatest *aliexpresswire.Solution
	// Reached is the agreed (or carried out) solution, if any.
	Reached *aliexpresswire.Solution
	// currency is the case's currency (refund_money_max_currency).
	currency string
}

func pickSolutions(d *aliexpresswire.IssueDetail) Solutions {
	s := Solutions{Buyer: d.BuyerSolutionList, Seller: d.SellerSolutionList, Platform: d.PlatformSolutionList,
		currency: d.RefundMoneyMaxCurrency}
	waitingSeller := func(x *aliexpresswire.Solution) bool {
		return x.Status == aliexpresswire.SolWaitSellerAccept || x.Status == aliexpresswire.SolWaitBuyerAndSellerAccept
	}
	reached := func(x *aliexpresswire.Solution) bool {
		return x.Status == aliexpresswire.SolReached || x.Status == aliexpresswire.SolPerform
	}
	s.BuyerCurrent = latest(s.Buyer, waitingSeller)
	if s.BuyerCurrent == nil {
		s.BuyerCurrent = latest(s.Buyer, reached)
	}
	if s.BuyerCurrent == nil {
		s.BuyerCurrent = latest(s.Buyer, func(x *aliexpresswire.Solution) bool { return bool(x.IsDefault) })
	}
	if s.BuyerCurrent == nil {
		s.BuyerCurrent = latest(s.Buyer, nil)
	}
	s.SellerPending = latest(s.Seller, func(x *aliexpresswire.Solution) bool {
		return x.Status == aliexpresswire.SolWaitBuyerAccept || x.Status == aliexpresswire.SolWaitBuyerAndSellerAccept
	})
	s.SellerLatest = latest(s.Seller, nil)
	s.PlatformLatest = latest(s.Platform, nil)
	var all []aliexpresswire.Solution
	all = append(append(append(all, s.Buyer...), s.Seller...), s.Platform...)
	s.Reached = latestBy(all, reached, func(x *aliexpresswire.Solution) string {
		return firstNonEmpty(x.ReachedTime, x.GmtModified, x.GmtCreate)
	})
	return s
}

// latest returns the most recently created solution that passes keep (nil:
// all), ties broken by the larger id, so that the choice is deterministic.
func latest(xs []aliexpresswire.Solution, keep func(*aliexpresswire.Solution) bool) *aliexpresswire.Solution {
	return latestBy(xs, keep, func(x *aliexpresswire.Solution) string { return x.GmtCreate })
}

func latestBy(xs []aliexpresswire.Solution, keep func(*aliexpresswire.Solution) bool, when func(*aliexpresswire.Solution) string) *aliexpresswire.Solution {
	var best *aliexpresswire.Solution
	var bestAt time.Time
	for i := range xs {
		x := &xs[i]
		if keep != nil && !keep(x) {
			continue
		}
		at, _, _ := parsePacific(when(x))
		if best == nil || at.Earliest.After(bestAt) || (at.Earliest.Equal(bestAt) && compareIDs(x.ID.String(), best.ID.String()) > 0) {
			best, bestAt = x, at.Earliest
		}
	}
	return best
}

func knownCurrency(c string) bool {
	_, ok := returns.CurrencyExponent(c)
	return ok
}

// compareIDs compares decimal ids numerically without parsing them.
func compareIDs(a, b string) int {
	na, nb := strings.HasPrefix(a, "-"), strings.HasPrefix(b, "-")
	switch {
	case na && !nb:
		return -1
	case !na && nb:
		return 1
	case na && nb:
		return -compareIDs(a[1:], b[1:])
	}
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

// amountIn returns the solution's refund in the currency: refund_money_post
// (settlement currency) or refund_money (buyer's currency), whichever is in it.
func amountIn(x *aliexpresswire.Solution, currency string) (*returns.Money, bool) {
	if x == nil || currency == "" {
		return nil, false
	}
	for _, v := range []struct {
		amount aliexpresswire.Decimal
		cur    string
	}{{x.RefundMoneyPost, x.RefundMoneyPostCurrency}, {x.RefundMoney, x.RefundMoneyCurrency}} {
		if v.amount != "" && v.cur == currency {
			if m, err := returns.ParseMoney(string(v.amount), v.cur); err == nil {
				return &m, true
			}
		}
	}
	return nil, false
}

// amountOf returns the solution's refund in the case's currency if it states
// one, else in the buyer's currency, else in whatever it states.
func (s Solutions) amountOf(x *aliexpresswire.Solution) *returns.Money {
	if x == nil {
		return nil
	}
	if m, ok := amountIn(x, s.currency); ok {
		return m
	}
	for _, cur := range []string{x.RefundMoneyCurrency, x.RefundMoneyPostCurrency} {
		if m, ok := amountIn(x, cur); ok {
			return m
		}
	}
	return nil
}

func (s Solutions) refundsSomething(x *aliexpresswire.Solution) bool {
	m := s.amountOf(x)
	return m != nil && m.Minor > 0
}

// Normalize turns an issue detail, and what the list said about the issue,
// into a case. It is pure: unknown values come back as Unknowns (the case
// carries the documented fallback), and only a detail without an id or with
// an unreadable amount fails.
func Normalize(d *aliexpresswire.IssueDetail, l Listed, env Env) (*returns.Case, []Unknown, error) {
	if d == nil || d.ID == "" {
		return nil, nil, fmt.Errorf("aliexpress: issue detail without an id")
	}
	catalog := env.Catalog
	if catalog == nil {
		catalog = func(string) returns.Category { return returns.CategoryGeneral }
	}
	var unknown []Unknown
	raw := map[string]string{}
	put := func(k, v string) {
		if v != "" {
			raw[k] = v
		}
	}
	sol := pickSolutions(d)
	status, unk := Status(d.IssueStatus, d.ReverseDetailStatus, sol)
	unknown = append(unknown, unk...)

	buyer := firstNonEmpty(d.BuyerLoginID, l.BuyerLoginID)
	c := &returns.Case{
		Platform:       returns.AliExpress,
		PlatformCaseID: d.ID.String(),
		ShopID:         env.Shop.ID,
		OrderID:        firstNonEmpty(d.OrderID.String(), d.ParentOrderID.String()),
		BuyerID:        buyer,
		Status:         status,
		PlatformStatus: returns.PlatformStatus{Code: StatusCode(d.IssueStatus, d.ReverseDetailStatus), Label: statusLabel(d.IssueStatus, d.ReverseDetailStatus)},
		Market:         env.Shop.Market,
		Raw:            raw,
	}
	if c.Market == "" {
		c.Market = returns.MarketCrossBorderDirect
	}

	// Kind: what the buyer asked for.
	c.Kind = UnknownKind
	if b := sol.BuyerCurrent; b != nil {
		switch b.SolutionType {
		case aliexpresswire.SolutionRefund:
			c.Kind = returns.KindRefundOnly
		case aliexpresswire.SolutionReturnAndRefund:
			c.Kind = returns.KindReturnAndRefund
		default:
			unknown = append(unknown, Unknown{Field: "solution_type", Value: b.SolutionType, Fallback: string(UnknownKind)})
		}
	}

	// Reason: the detail's label, else the list's English, else Chinese.
	c.PlatformReason = firstNonEmpty(d.IssueReason, l.ReasonEnglish, l.ReasonChinese)
	c.Reason = ReasonOf(d.IssueReason, l.ReasonEnglish, l.ReasonChinese)

	// Money. RequestedRefund is what the buyer's solution asks, in the
	// issue's currency (refund_money_max_currency); refund_money_max — the
	// most the seller can refund — stands in when the buyer's solution states
	// no amount in that currency. The platform lowers refund_money_max to
	// what is left once it has refunded (a finished real issue shows "0.00"),
	// so it is not the request. Every amount is kept in Raw as sent.
	cur := d.RefundMoneyMaxCurrency
	if bm, ok := amountIn(sol.BuyerCurrent, cur); ok {
		c.RequestedRefund = bm
	} else if d.RefundMoneyMax != "" {
		m, err := returns.ParseMoney(string(d.RefundMoneyMax), cur)
		switch {
		case err == nil:
			c.RequestedRefund = &m
		case !knownCurrency(cur):
			unknown = append(unknown, Unknown{Field: "refund_money_max_currency", Value: cur, Fallback: "no requested refund"})
		default:
			return nil, unknown, fmt.Errorf("aliexpress: issue %s: refund_money_max: %w", c.PlatformCaseID, err)
		}
	}
	if status == returns.StatusRefunded {
		eff := sol.Reached
		if eff == nil {
			eff = sol.PlatformLatest
		}
		if eff == nil {
			eff = sol.BuyerCurrent
		}
		c.RefundedAmount = sol.amountOf(eff)
	}

	// Lines: an issue is about one child order, one product. The detail
	// states no quantity: 1 is assumed.
	if d.ProductID != "" || d.ProductName != "" {
		line := returns.Line{SKU: d.ProductID.String(), Title: d.ProductName, Quantity: 1,
			Category: catalog(d.ProductID.String()), Raw: map[string]string{}}
		if !line.Category.Valid() {
			line.Category = returns.CategoryGeneral
		}
		pcur := firstNonEmpty(d.ProductPriceCurrency, cur)
		if p, err := returns.ParseMoney(string(d.ProductPrice), pcur); err == nil {
			line.UnitPrice = p
		} else {
			line.UnitPrice = returns.Money{Currency: pcur}
		}
		for k, v := range map[string]string{"product_id": d.ProductID.String(), "product_price": string(d.ProductPrice),
			"product_price_currency": d.ProductPriceCurrency} {
			if v != "" {
				line.Raw[k] = v
			}
		}
		c.Lines = []returns.Line{line}
	}

	// Freight: who bears it is stated on the solution that counts.
	freightSol := sol.Reached
	if freightSol == nil {
		freightSol = sol.BuyerCurrent
	}
	if freightSol != nil && freightSol.LogisticsFeeBearRole != "" {
		switch freightSol.LogisticsFeeBearRole {
		case aliexpresswire.RoleSeller:
			c.ReturnFreightPaidBy = returns.PartySeller
		case aliexpresswire.RoleBuyer:
			c.ReturnFreightPaidBy = returns.PartyBuyer
		case aliexpresswire.RolePlatform:
			c.ReturnFreightPaidBy = returns.PartyPlatform
		default:
			unknown = append(unknown, Unknown{Field: "logistics_fee_bear_role", Value: freightSol.LogisticsFeeBearRole, Fallback: "not stated"})
		}
	}

	// Times.
	created, err := utcOf(firstNonEmpty(d.GmtCreate, l.GmtCreate))
	if err != nil {
		return nil, unknown, fmt.Errorf("aliexpress: issue %s: gmt_create: %w", c.PlatformCaseID, err)
	}
	c.CreatedAt = created
	c.UpdatedAt = latestTime(d, l, created)
	if trig, err := utcOf(d.TimeoutTriggerTime); err == nil && !trig.IsZero() {
		dl, u := Deadlines(status, d.ReverseDetailStatus, d.TimeoutType, trig)
		c.Deadlines = dl
		if u != nil {
			unknown = append(unknown, *u)
		}
	}

	// The buyer's parcel back.
	if d.BuyerReturnNo != "" || d.BuyerReturnLogisticsLpNo != "" {
		c.ReturnShipment = &returns.Shipment{CarrierName: d.BuyerReturnLogisticsCompany,
			TrackingNo: firstNonEmpty(d.BuyerReturnNo, d.BuyerReturnLogisticsLpNo)}
		for _, p := range d.ProcessDtoList {
			if p.ActionType == aliexpresswire.ActBuyerReturnGoods {
				if t, err := utcOf(p.GmtCreate); err == nil && !t.IsZero() {
					c.ReturnShipment.ShippedAt = &t
				}
			}
		}
	}
	if b := sol.BuyerCurrent; b != nil && b.Content != "" {
		c.Note = b.Content
	} else {
		for _, p := range d.ProcessDtoList {
			if p.ActionType == aliexpresswire.ActInitiate && p.Content != "" {
				c.Note = p.Content
			}
		}
	}

	// Raw: every value that was normalized, by its platform name.
	put("id", d.ID.String())
	put("order_id", d.OrderID.String())
	put("parent_order_id", d.ParentOrderID.String())
	put("buyer_login_id", buyer)
	put("gmt_create", d.GmtCreate)
	put("issue_status", d.IssueStatus)
	put("reverse_detail_status", d.ReverseDetailStatus)
	put("issue_reason", d.IssueReason)
	put("issue_reason_id", d.IssueReasonID.String())
	put("timeout_type", d.TimeoutType)
	put("timeout_trigger_time", d.TimeoutTriggerTime)
	put("after_sale_warranty", fmt.Sprint(bool(d.AfterSaleWarranty)))
	put("refund_money_max", string(d.RefundMoneyMax))
	put("refund_money_max_currency", d.RefundMoneyMaxCurrency)
	put("refund_money_max_local", string(d.RefundMoneyMaxLocal))
	put("refund_money_max_local_currency", d.RefundMoneyMaxLocalCurrency)
	put("product_id", d.ProductID.String())
	put("product_name", d.ProductName)
	put("product_price", string(d.ProductPrice))
	put("product_price_currency", d.ProductPriceCurrency)
	put("buyer_return_logistics_company", d.BuyerReturnLogisticsCompany)
	put("buyer_return_logistics_lp_no", d.BuyerReturnLogisticsLpNo)
	put("buyer_return_no", d.BuyerReturnNo)
	put("list.gmt_create", l.GmtCreate)
	put("list.gmt_modified", l.GmtModified)
	put("list.issue_status", l.IssueStatus)
	put("reason_english", l.ReasonEnglish)
	put("reason_chinese", l.ReasonChinese)
	putSolution := func(prefix string, x *aliexpresswire.Solution) {
		if x == nil {
			return
		}
		put(prefix+"_id", x.ID.String())
		put(prefix+"_owner", x.SolutionOwner)
		put(prefix+"_status", x.Status)
		put(prefix+"_type", x.SolutionType)
		put(prefix+"_refund_money", string(x.RefundMoney))
		put(prefix+"_refund_money_currency", x.RefundMoneyCurrency)
		put(prefix+"_refund_money_post", string(x.RefundMoneyPost))
		put(prefix+"_refund_money_post_currency", x.RefundMoneyPostCurrency)
		put(prefix+"_logistics_fee_bear_role", x.LogisticsFeeBearRole)
		put(prefix+"_reached_type", x.ReachedType)
	}
	putSolution(rawBuyerSolution, sol.BuyerCurrent)
	putSolution(rawSellerSolution, sol.SellerLatest)
	putSolution(rawPlatformSolution, sol.PlatformLatest)
	putSolution(rawReachedSolution, sol.Reached)
	if sol.SellerPending != nil {
		put(rawSellerPendingID, sol.SellerPending.ID.String())
	}
	if freightSol != nil {
		put("logistics_fee_bear_role", freightSol.LogisticsFeeBearRole)
	}
	return c, unknown, nil
}

// Raw keys the actions read back.
const (
	rawBuyerSolution    = "buyer_solution"
	rawSellerSolution   = "seller_solution"
	rawPlatformSolution = "platform_solution"
	rawReachedSolution  = "reached_solution"
	rawSellerPendingID  = "seller_pending_solution_id"
)

// StatusCode is the case's PlatformStatus.Code: the issue status and the
// detailed reverse status, both raw, joined by a slash
// ("processing/wait_for_seller_response"); just the issue status when there
// is no detailed one.
func StatusCode(issueStatus, rds string) string {
	if rds == "" {
		return issueStatus
	}
	return issueStatus + "/" + rds
}

func statusLabel(issueStatus, rds string) string {
	words := func(s string) string { return strings.ReplaceAll(s, "_", " ") }
	if rds == "" {
		return words(issueStatus)
	}
	return words(issueStatus) + ": " + words(rds)
}

// Deadlines turns the issue's running timeout into deadlines. A nil Unknown
// means the timeout type was known.
func Deadlines(status returns.Status, rds, timeoutType string, at time.Time) (returns.Deadlines, *Unknown) {
	t := at
	var d returns.Deadlines
	d.AutoActionAt = &t
	switch {
	case rds == aliexpresswire.RDWaitBuyerReturn:
		// Whatever the type, the clock now runs for the buyer's parcel.
		d.BuyerShipBy = &t
		d.AutoAction = AutoReturnLapses
	case timeoutType == aliexpresswire.TimeoutWaitSolution && status == returns.StatusRequested:
		d.RespondBy = &t
		d.AutoAction = AutoBuyerSolution
	case timeoutType == aliexpresswire.TimeoutWaitSolution:
		d.AutoAction = AutoPlatformSteps
	case timeoutType == aliexpresswire.TimeoutWaitSellerFillAddress:
		d.RespondBy = &t
		d.AutoAction = AutoRefundNoReturn
	case timeoutType == aliexpresswire.TimeoutWaitReceiveItem:
		d.RefundBy = &t
		d.AutoAction = AutoReceiptAssumed
	default:
		d.AutoAction = "platform timeout " + timeoutType
		return d, &Unknown{Field: "timeout_type", Value: timeoutType, Fallback: "auto action at the trigger time only"}
	}
	return d, nil
}

// utcOf reads a Pacific time of the issue APIs as its (earliest) UTC instant;
// "" is the zero time.
func utcOf(s string) (time.Time, error) {
	p, ok, err := parsePacific(s)
	if err != nil || !ok {
		return time.Time{}, err
	}
	return p.Earliest, nil
}

// latestTime is when the issue last changed: the list's gmt_modified, or the
// latest time the detail shows (it has no modification time of its own).
func latestTime(d *aliexpresswire.IssueDetail, l Listed, floor time.Time) time.Time {
	best := floor
	consider := func(s string) {
		if t, err := utcOf(s); err == nil && t.After(best) {
			best = t
		}
	}
	consider(l.GmtModified)
	for _, list := range []aliexpresswire.SolutionList{d.BuyerSolutionList, d.SellerSolutionList, d.PlatformSolutionList} {
		for _, x := range list {
			for _, s := range []string{x.GmtCreate, x.GmtModified, x.ReachedTime, x.BuyerAcceptTime, x.SellerAcceptTime} {
				consider(s)
			}
		}
	}
	for _, p := range d.ProcessDtoList {
		consider(p.GmtCreate)
	}
	return best
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// reasonLabels maps the platform's reason labels (English and Chinese, as
// seen in the seller centre and the list's reason_english/reason_chinese) to
// reasons; ReasonOf falls back to keywords.
var reasonLabels = map[string]returns.Reason{
	"product not received":                returns.ReasonNotReceived,
	"item not received":                   returns.ReasonNotReceived,
	"i did not receive the item":          returns.ReasonNotReceived,
	"shipment is still in transit":        returns.ReasonNotReceived,
	"package was sent back to the seller": returns.ReasonNotReceived,
	"product not as described":            returns.ReasonNotAsDescribed,
	"item not as described":               returns.ReasonNotAsDescribed,
	"color not as described":              returns.ReasonNotAsDescribed,
	"size not as described":               returns.ReasonSizeFit,
	"quality problems":                    returns.ReasonQualityDefect,
	"product does not work":               returns.ReasonQualityDefect,
	"damaged during shipping":             returns.ReasonDamagedInTransit,
	"wrong item":                          returns.ReasonWrongItem,
	"received wrong item":                 returns.ReasonWrongItem,
	"missing parts":                       returns.ReasonMissingParts,
	"quantity not match":                  returns.ReasonMissingParts,
	"i don't want it anymore":             returns.ReasonChangedMind,
	"no longer needed":                    returns.ReasonChangedMind,
	"changed my mind":                     returns.ReasonChangedMind,
	"未收到货":                                returns.ReasonNotReceived,
	"货物仍然在运输途中":                           returns.ReasonNotReceived,
	"货物与描述不符":                             returns.ReasonNotAsDescribed,
	"质量问题":                                returns.ReasonQualityDefect,
	"尺寸不符":                                returns.ReasonSizeFit,
	"货物破损":                                returns.ReasonDamagedInTransit,
	"发错货":                                 returns.ReasonWrongItem,
	"少件":                                  returns.ReasonMissingParts,
	"不想要了":                                returns.ReasonChangedMind,
}

// reasonKeywords is tried in order: more specific words first ("size not as
// described" is about fit, not description).
var reasonKeywords = []struct {
	words  []string
	reason returns.Reason
}{
	{[]string{"size", "fit", "尺寸", "尺码", "大小"}, returns.ReasonSizeFit},
	{[]string{"damage", "broken", "破损", "损坏"}, returns.ReasonDamagedInTransit},
	{[]string{"wrong", "different item", "发错", "错发"}, returns.ReasonWrongItem},
	{[]string{"missing", "incomplete", "quantity", "少件", "缺件", "漏发", "数量"}, returns.ReasonMissingParts},
	{[]string{"quality", "defect", "not work", "doesn't work", "faulty", "质量", "故障", "无法使用", "不能使用"}, returns.ReasonQualityDefect},
	{[]string{"not received", "not receive", "didn't receive", "did not receive", "in transit", "not delivered", "未收到", "没收到", "运输途中"}, returns.ReasonNotReceived},
	{[]string{"not as described", "description", "counterfeit", "fake", "color", "colour", "不符", "假货", "颜色"}, returns.ReasonNotAsDescribed},
	{[]string{"don't want", "do not want", "no longer", "changed my mind", "change of mind", "mistake", "不想要", "不喜欢", "拍错", "买错"}, returns.ReasonChangedMind},
}

// ReasonOf maps the first label that says something to a reason: by the
// table of known labels, then by keywords; ReasonOther if nothing matches.
func ReasonOf(labels ...string) returns.Reason {
	for _, l := range labels {
		if r, ok := reasonLabels[strings.ToLower(strings.TrimSpace(l))]; ok {
			return r
		}
	}
	for _, l := range labels {
		low := strings.ToLower(l)
		if low == "" {
			continue
		}
		for _, k := range reasonKeywords {
			for _, w := range k.words {
				if strings.Contains(low, w) {
					return k.reason
				}
			}
		}
	}
	return returns.ReasonOther
}

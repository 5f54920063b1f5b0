package aliexpresssim

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
	"github.com/returnsgw/returnsgw/adapters/simkit"
	"github.com/returnsgw/returnsgw/returns"
)

// How long the platform gives each side (third-party reports: 5 days to
// answer a solution, 15 days for the seller to receive a return).
const (
	answerWindow  = 5 * 24 * time.Hour
	receiveWindow = 15 * 24 * time.Hour
	addressWindow = 5 * 24 * time.Hour
)

// aliexpress.issue.issuelist.get
func (s *Server) issueList(p map[string]string) (any, *apiError) {
	raw, ok := p[aliexpresswire.ParamQueryDTO]
	if !ok {
		return nil, missing(aliexpresswire.ParamQueryDTO)
	}
	var q aliexpresswire.IssueListQuery
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	if err := dec.Decode(&q); err != nil {
		return nil, invalid(aliexpresswire.ParamQueryDTO, "not a JSON object")
	}
	if q.CurrentPage == 0 {
		q.CurrentPage = 1
	}
	if q.PageSize == 0 {
		q.PageSize = 20
	}
	if q.CurrentPage < 1 {
		return nil, invalid("current_page", "must be at least 1")
	}
	if q.PageSize < 1 || q.PageSize > aliexpresswire.MaxPageSize {
		return nil, invalid("page_size", "must be between 1 and 50")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var match []*issue
	for _, id := range s.order {
		is := s.issues[id]
		if (q.OrderNo != "" && is.orderID != q.OrderNo.String() && is.parentOrderID != q.OrderNo.String()) ||
			(q.IssueStatus != "" && is.status != q.IssueStatus) ||
			(q.BuyerLoginID != "" && is.buyer != q.BuyerLoginID) {
			continue
		}
		match = append(match, is)
	}
	// Newest issues first, as the seller centre lists them.
	sort.SliceStable(match, func(i, j int) bool {
		if !match[i].created.Equal(match[j].created) {
			return match[i].created.After(match[j].created)
		}
		return match[i].id > match[j].id
	})
	resp := aliexpresswire.IssueListResponse{CurrentPage: q.CurrentPage, PageSize: q.PageSize, TotalItem: len(match),
		RequestID: s.requestID()}
	from := (q.CurrentPage - 1) * q.PageSize
	for i := from; i < len(match) && i < from+q.PageSize; i++ {
		resp.DataList = append(resp.DataList, match[i].summary())
	}
	return resp, nil
}

// lookup finds an issue of the buyer; s.mu must be held.
func (s *Server) lookup(p map[string]string) (*issue, *apiError) {
	id, buyer := p[aliexpresswire.ParamIssueID], p[aliexpresswire.ParamBuyerLoginID]
	if id == "" {
		return nil, missing(aliexpresswire.ParamIssueID)
	}
	if buyer == "" {
		return nil, missing(aliexpresswire.ParamBuyerLoginID)
	}
	is, ok := s.issues[id]
	if !ok || is.buyer != buyer {
		return nil, notFound()
	}
	return is, nil
}

// aliexpress.issue.detail.get
func (s *Server) issueDetail(p map[string]string) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is, e := s.lookup(p)
	if e != nil {
		return nil, e
	}
	return aliexpresswire.IssueDetailResponse{ResultObject: is.wire(), RequestID: s.requestID()}, nil
}

func negotiable(rds string) bool {
	return rds == "" || rds == aliexpresswire.RDWaitSellerResponse || rds == aliexpresswire.RDWaitBuyerResponse
}

// aliexpress.issue.solution.agree
func (s *Server) solutionAgree(p map[string]string) (any, *apiError) {
	s.mu.Lock()
	is, e := s.lookup(p)
	if e != nil {
		s.mu.Unlock()
		return nil, e
	}
	solID := p[aliexpresswire.ParamSolutionID]
	if solID == "" {
		s.mu.Unlock()
		return nil, missing(aliexpresswire.ParamSolutionID)
	}
	x := is.find(solID)
	if x == nil || x.owner == aliexpresswire.RoleSeller {
		s.mu.Unlock()
		return nil, invalid(aliexpresswire.ParamSolutionID, "no such buyer or platform solution on the issue")
	}
	if is.status != aliexpresswire.IssueProcessing {
		s.mu.Unlock()
		return nil, badState("the issue is " + is.status)
	}
	settingAddress := is.rds == aliexpresswire.RDWaitSellerSetAddress
	switch {
	case settingAddress && x.status == aliexpresswire.SolReached && x.typ == aliexpresswire.SolutionReturnAndRefund:
	case negotiable(is.rds) && (x.status == aliexpresswire.SolWaitSellerAccept || x.status == aliexpresswire.SolWaitBuyerAndSellerAccept):
	default:
		s.mu.Unlock()
		return nil, badState("solution " + x.status + " while " + is.rds)
	}
	addr := p[aliexpresswire.ParamReturnAddressID]
	if x.typ == aliexpresswire.SolutionReturnAndRefund {
		if addr == "" {
			s.mu.Unlock()
			return nil, missing(aliexpresswire.ParamReturnAddressID)
		}
		if !s.hasAddress(addr) {
			s.mu.Unlock()
			return nil, invalid(aliexpresswire.ParamReturnAddressID, "no such return address")
		}
	}
	now := s.opts.Now()
	if !settingAddress {
		x.status, x.reachedType, x.reachedAt, x.sellerAcceptAt, x.modified = aliexpresswire.SolReached, aliexpresswire.ReachedNegotiation, now, now, now
		s.addProcess(is, aliexpresswire.ActSellerAccept, aliexpresswire.RoleSeller, "", now)
	}
	if x.typ == aliexpresswire.SolutionReturnAndRefund {
		is.returnAddressID = addr
		is.rds, is.timeoutType, is.timeoutAt = aliexpresswire.RDWaitBuyerReturn, "", time.Time{}
		if settingAddress {
			s.addProcess(is, "seller_set_return_address", aliexpresswire.RoleSeller, "", now)
		}
	} else {
		is.status, is.rds, is.timeoutType, is.timeoutAt = aliexpresswire.IssueFinish, aliexpresswire.RDRefundSuccess, "", time.Time{}
		s.addProcess(is, aliexpresswire.ActPerformSolution, aliexpresswire.RoleSystem, "", now)
		s.ledger.Pay(simkit.Refund{CaseID: is.id, Amount: string(decimal(x.amountMinor, is.settle)), Currency: is.settle, At: now})
	}
	is.modified = now
	id := is.id
	resp := aliexpresswire.ResultResponse{ResultObject: true, RequestID: s.requestID()}
	s.mu.Unlock()
	s.notify(id)
	return resp, nil
}

// aliexpress.issue.solution.save
func (s *Server) solutionSave(p map[string]string) (any, *apiError) {
	raw, ok := p[aliexpresswire.ParamParamDTO]
	if !ok {
		return nil, missing(aliexpresswire.ParamParamDTO)
	}
	var fields map[string]json.RawMessage
	var dto aliexpresswire.SolutionSaveParam
	if json.Unmarshal([]byte(raw), &fields) != nil || json.Unmarshal([]byte(raw), &dto) != nil {
		return nil, invalid(aliexpresswire.ParamParamDTO, "not a JSON object of the documented fields")
	}
	for _, f := range []string{"add_seller_solution", "issue_id", "buyer_login_id", "refund_amount", "refund_amount_currency"} {
		if v, ok := fields[f]; !ok || string(v) == "null" || string(v) == `""` {
			return nil, missing(f)
		}
	}
	s.mu.Lock()
	is, e := s.lookup(map[string]string{aliexpresswire.ParamIssueID: dto.IssueID.String(), aliexpresswire.ParamBuyerLoginID: dto.BuyerLoginID})
	if e != nil {
		s.mu.Unlock()
		return nil, e
	}
	apply, e := s.planSave(is, dto)
	if e != nil {
		s.mu.Unlock()
		return nil, e
	}
	apply()
	id := is.id
	resp := aliexpresswire.ResultResponse{ResultObject: true, RequestID: s.requestID()}
	s.mu.Unlock()
	s.notify(id)
	return resp, nil
}

// planSave checks a solution.save against the issue and returns the change
// to make; s.mu must be held.
func (s *Server) planSave(is *issue, dto aliexpresswire.SolutionSaveParam) (func(), *apiError) {
	if is.status != aliexpresswire.IssueProcessing || !negotiable(is.rds) {
		return nil, badState("the issue is " + is.status + "/" + is.rds)
	}
	if dto.RefundAmountCurrency != is.settle {
		return nil, invalid("refund_amount_currency", "the issue is settled in "+is.settle)
	}
	amount, err := returns.ParseMoney(dto.RefundAmount, is.settle)
	if err != nil || amount.Minor < 0 || amount.Minor > is.maxMinor {
		return nil, invalid("refund_amount", "must be between 0 and refund_money_max")
	}
	typ := dto.AddSolutionType
	if typ != "" && typ != aliexpresswire.SolutionRefund && typ != aliexpresswire.SolutionReturnAndRefund {
		return nil, invalid("add_solution_type", "refund or return_and_refund")
	}
	if typ == aliexpresswire.SolutionReturnAndRefund {
		if dto.ReturnGoodAddressID == "" {
			return nil, missing("return_good_address_id")
		}
		if !s.hasAddress(dto.ReturnGoodAddressID.String()) {
			return nil, invalid("return_good_address_id", "no such return address")
		}
	}
	now := s.opts.Now()
	if dto.AddSellerSolution {
		if typ == "" {
			return nil, missing("add_solution_type")
		}
		if dto.BuyerSolutionID == "" {
			return nil, missing("buyer_solution_id")
		}
		b := is.find(dto.BuyerSolutionID.String())
		if b == nil || b.owner != aliexpresswire.RoleBuyer {
			return nil, invalid("buyer_solution_id", "no such buyer solution on the issue")
		}
		if b.status != aliexpresswire.SolWaitSellerAccept {
			return nil, badState("the buyer's solution is " + b.status)
		}
		for _, x := range is.solutionsOf(aliexpresswire.RoleSeller) {
			if x.status == aliexpresswire.SolWaitBuyerAccept {
				return nil, badState("a seller solution already waits for the buyer; modify it")
			}
		}
		return func() {
			x := &solution{id: s.nextID(), owner: aliexpresswire.RoleSeller, typ: typ, status: aliexpresswire.SolWaitBuyerAccept,
				content: dto.SolutionContext, amountMinor: amount.Minor, created: now, modified: now, version: 1}
			if typ == aliexpresswire.SolutionReturnAndRefund {
				x.bear = aliexpresswire.RoleSeller
				is.returnAddressID = dto.ReturnGoodAddressID.String()
			}
			is.solutions = append(is.solutions, x)
			is.rds, is.timeoutType, is.timeoutAt = aliexpresswire.RDWaitBuyerResponse, aliexpresswire.TimeoutWaitSolution, now.Add(answerWindow)
			s.addProcess(is, aliexpresswire.ActSellerCreateSolution, aliexpresswire.RoleSeller, dto.SolutionContext, now)
		}, nil
	}
	if dto.ModifySellerSolutionID == "" {
		return nil, missing("modify_seller_solution_id")
	}
	x := is.find(dto.ModifySellerSolutionID.String())
	if x == nil || x.owner != aliexpresswire.RoleSeller {
		return nil, invalid("modify_seller_solution_id", "no such seller solution on the issue")
	}
	if x.status != aliexpresswire.SolWaitBuyerAccept {
		return nil, badState("the seller's solution is " + x.status)
	}
	return func() {
		x.amountMinor, x.content, x.modified = amount.Minor, dto.SolutionContext, now
		x.version++
		if typ != "" {
			x.typ = typ
		}
		is.rds, is.timeoutType, is.timeoutAt = aliexpresswire.RDWaitBuyerResponse, aliexpresswire.TimeoutWaitSolution, now.Add(answerWindow)
		s.addProcess(is, aliexpresswire.ActSellerModifySolution, aliexpresswire.RoleSeller, dto.SolutionContext, now)
	}, nil
}

// hasAddress reports whether the shop has the return address; s.mu must be held.
func (s *Server) hasAddress(id string) bool {
	for _, a := range s.addresses {
		if a.AddressID.String() == id {
			return true
		}
	}
	return false
}

// aliexpress.logistics.redefining.getlogisticsselleraddresses
func (s *Server) sellerAddresses(p map[string]string) (any, *apiError) {
	q := p[aliexpresswire.ParamSellerAddressQuery]
	if q == "" {
		return nil, missing(aliexpresswire.ParamSellerAddressQuery)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	resp := aliexpresswire.SellerAddressesResponse{ResultSuccess: true, RequestID: s.requestID()}
	for _, kind := range strings.Split(q, ",") {
		switch strings.TrimSpace(kind) {
		case "refund":
			resp.RefundSellerAddressList = append(aliexpresswire.RefundAddressList(nil), s.addresses...)
		case "sender", "pickup":
			// The gateway does not ask for these; the simulator has none.
		default:
			return nil, invalid(aliexpresswire.ParamSellerAddressQuery, "sender, pickup or refund")
		}
	}
	return resp, nil
}

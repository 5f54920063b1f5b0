package aliexpresssim

import (
	"fmt"
	"sort"
	"time"

	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
	"github.com/returnsgw/returnsgw/returns"
)

// The scenarios the seeded issues cycle through, so that every status
// family is present whatever the seed.
const (
	scRequested = iota
	scNegotiating
	scSetAddress
	scAwaitReturn
	scSellerConfirm
	scWarehouse
	scQualityCheck
	scEscalated
	scReturnSuccess
	scRefunded
	scReturnRefunded
	scCancelled
	scClosed
	scArbitrated
	scenarios
)

var (
	localCurrencies = []string{"USD", "BRL", "EUR", "GBP", "JPY", "PLN", "KRW", "MXN"}
	carriers        = []string{"Cainiao", "DHL", "Correios", "Royal Mail", "Japan Post", "InPost"}
	buyerPrefixes   = []string{"br", "us", "fr", "es", "pl", "mx", "kr", "jp", "gb"}
)

func (s *Server) seed() {
	now := s.opts.Now()
	s.addresses = []aliexpresswire.Address{
		{AddressID: "900100201", Name: "Returns Desk", Phone: "+86 571 8888 1001", Country: "CN", Province: "Zhejiang",
			City: "Hangzhou", StreetAddress: "No. 969 Wenyi West Road, Building 3", Postcode: "311121", IsDefault: "0",
			MemberType: "seller", Language: "en"},
		{AddressID: "900100202", Name: "Overseas Warehouse", Phone: "+49 30 1234 5678", Country: "DE", Province: "Berlin",
			City: "Berlin", StreetAddress: "Lagerstrasse 12", Postcode: "10115", IsDefault: "1", MemberType: "seller", Language: "en"},
		{AddressID: "900100203", Name: "US Returns Center", Phone: "+1 909 555 0199", Country: "US", Province: "CA",
			City: "Ontario", StreetAddress: "4200 E Airport Dr", Postcode: "91761", IsDefault: "0", MemberType: "seller", Language: "en"},
	}
	past, future := dstChanges(now.Add(-27*24*time.Hour), now.Add(-2*24*time.Hour)), dstChanges(now.Add(time.Hour), now.Add(14*24*time.Hour))
	dstUsed := map[int]int{}
	for i := 0; i < s.opts.Cases; i++ {
		sc := i % scenarios
		var special *time.Time
		// A few issues with history around a daylight-saving change.
		if len(past) > 0 && dstUsed[sc] == 0 && (sc == scAwaitReturn || sc == scWarehouse || sc == scQualityCheck ||
			sc == scRefunded || sc == scCancelled || sc == scReturnSuccess) {
			special = &past[0]
			dstUsed[sc]++
		}
		is := s.seedIssue(i, sc, now, special)
		if len(future) > 0 && sc == scRequested && i < scenarios*2 {
			is.timeoutAt = future[0].Add(20 * time.Minute)
		}
		s.issues[is.id] = is
		s.order = append(s.order, is.id)
	}
	sort.SliceStable(s.order, func(i, j int) bool {
		a, b := s.issues[s.order[i]], s.issues[s.order[j]]
		if !a.created.Equal(b.created) {
			return a.created.Before(b.created)
		}
		return a.id < b.id
	})
	for _, id := range s.order {
		s.indexOrder(s.issues[id])
	}
}

// indexOrder records is as its order's issue unless an older one is: the
// order lookup answers with the oldest, and scanning every issue for it made
// a first sync of 50,000 cases take minutes.
func (s *Server) indexOrder(is *issue) {
	if _, ok := s.byOrder[is.orderID]; !ok {
		s.byOrder[is.orderID] = is.id
	}
}

// dstChanges returns the instants in [from, to] at which US Pacific time
// changes its offset.
func dstChanges(from, to time.Time) []time.Time {
	var out []time.Time
	_, prev := from.In(returns.Pacific).Zone()
	for t := from.Truncate(time.Hour).Add(time.Hour); !t.After(to); t = t.Add(time.Hour) {
		if _, off := t.In(returns.Pacific).Zone(); off != prev {
			out = append(out, t)
			prev = off
		}
	}
	return out
}

func (s *Server) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(s.rng.Int64N(int64(hi-lo)+1)).Truncate(time.Second)
}

// seedIssue builds one issue of the scenario with events in the past; with
// special set, its first events straddle that daylight-saving change.
func (s *Server) seedIssue(i, sc int, now time.Time, special *time.Time) *issue {
	day := 24 * time.Hour
	end := now.Add(-10 * time.Minute).Truncate(time.Second)
	var t0 time.Time
	switch sc {
	case scRequested:
		t0 = end.Add(-s.between(time.Hour, 4*day))
	case scNegotiating:
		t0 = end.Add(-s.between(day, 6*day))
	case scSetAddress:
		t0 = end.Add(-s.between(5*day+time.Hour, 7*day))
	default:
		t0 = end.Add(-s.between(6*day, 27*day+12*time.Hour))
	}
	// Steps of the issue's history, in order, all before end.
	span := end.Sub(t0)
	t := []time.Time{t0, t0.Add(span / 5).Truncate(time.Second), t0.Add(2 * span / 5).Truncate(time.Second),
		t0.Add(3 * span / 5).Truncate(time.Second), t0.Add(4 * span / 5).Truncate(time.Second)}
	if special != nil {
		tr := *special
		t = []time.Time{tr.Add(-40 * time.Minute), tr.Add(20 * time.Minute), tr.Add(50 * time.Minute), tr.Add(3 * time.Hour), tr.Add(26 * time.Hour)}
	}
	if sc == scSetAddress {
		t[1] = t0.Add(answerWindow) // the seller let the answer time run out
	}

	p := products[s.rng.IntN(len(products))]
	settle := "USD"
	if i%6 == 5 {
		settle = "EUR"
	}
	local := localCurrencies[s.rng.IntN(len(localCurrencies))]
	price := convert(p.usdMinor, "USD", settle)
	r := reasons[s.rng.IntN(len(reasons))]
	id := fmt.Sprint(6345753109519425 + int64(i)*1000037)
	order := fmt.Sprint(8194715118461470 + int64(i)*3000017)
	is := &issue{
		id: id, orderID: order, parentOrderID: fmt.Sprint(8194715118461470 + int64(i)*3000017 - 10000),
		buyer: fmt.Sprintf("%s%09d%cae", buyerPrefixes[s.rng.IntN(len(buyerPrefixes))], s.rng.IntN(1000000000),
			'a'+rune(s.rng.IntN(26))),
		created: t[0], modified: t[0], status: aliexpresswire.IssueProcessing, reason: r, warranty: i%9 == 0,
		settle: settle, local: local, maxMinor: price, priceMinor: price, product: p, zeroMaxWhenDone: i%2 == 0,
	}

	// The buyer's solution.
	typ := aliexpresswire.SolutionRefund
	switch sc {
	case scSetAddress, scAwaitReturn, scSellerConfirm, scWarehouse, scQualityCheck, scReturnSuccess, scReturnRefunded:
		typ = aliexpresswire.SolutionReturnAndRefund
	case scRefunded:
	default:
		if s.rng.IntN(2) == 0 {
			typ = aliexpresswire.SolutionReturnAndRefund
		}
	}
	amount := price
	if s.rng.IntN(10) < 3 {
		amount = price / 2
	}
	b := &solution{id: s.nextID(), owner: aliexpresswire.RoleBuyer, typ: typ, status: aliexpresswire.SolWaitSellerAccept, isDefault: true,
		content: fmt.Sprintf("%s. %s", r.english, map[string]string{
			aliexpresswire.SolutionRefund:          "Please refund me.",
			aliexpresswire.SolutionReturnAndRefund: "I will send it back for a refund.",
		}[typ]), amountMinor: amount, created: t[0], modified: t[0], version: 1}
	if typ == aliexpresswire.SolutionReturnAndRefund {
		b.bear = []string{aliexpresswire.RoleSeller, aliexpresswire.RoleBuyer, aliexpresswire.RolePlatform}[i%3]
	}
	is.solutions = append(is.solutions, b)
	s.addProcess(is, aliexpresswire.ActInitiate, aliexpresswire.RoleBuyer, b.content, t[0])
	if i%4 == 0 {
		is.process[len(is.process)-1].attachments = 2
	}

	reach := func(x *solution, how string, at time.Time) {
		x.status, x.reachedType, x.reachedAt, x.modified = aliexpresswire.SolReached, how, at, at
		if how == aliexpresswire.ReachedNegotiation {
			x.sellerAcceptAt = at
			s.addProcess(is, aliexpresswire.ActSellerAccept, aliexpresswire.RoleSeller, "", at)
		}
		is.modified = at
	}
	ship := func(at time.Time) {
		is.returnCompany = carriers[s.rng.IntN(len(carriers))]
		is.returnNo = fmt.Sprintf("LP%011dCN", s.rng.Int64N(100000000000))
		is.returnLP = fmt.Sprintf("LP00%012d", s.rng.Int64N(1000000000000))
		is.returnAddressID = "900100202"
		s.addProcess(is, aliexpresswire.ActBuyerReturnGoods, aliexpresswire.RoleBuyer, is.returnCompany+" "+is.returnNo, at)
	}
	counter := func(at time.Time, status string) *solution {
		x := &solution{id: s.nextID(), owner: aliexpresswire.RoleSeller, typ: aliexpresswire.SolutionRefund, status: status,
			content: "We can offer a partial refund and you keep the item.", amountMinor: price / 3, created: at, modified: at, version: 1}
		is.solutions = append(is.solutions, x)
		s.addProcess(is, aliexpresswire.ActSellerCreateSolution, aliexpresswire.RoleSeller, x.content, at)
		return x
	}

	switch sc {
	case scRequested:
		is.rds, is.timeoutType, is.timeoutAt = aliexpresswire.RDWaitSellerResponse, aliexpresswire.TimeoutWaitSolution, t[0].Add(answerWindow)
	case scNegotiating:
		counter(t[2], aliexpresswire.SolWaitBuyerAccept)
		is.rds, is.timeoutType, is.timeoutAt = aliexpresswire.RDWaitBuyerResponse, aliexpresswire.TimeoutWaitSolution, t[2].Add(answerWindow)
	case scSetAddress:
		reach(b, aliexpresswire.ReachedSellerTimeout, t[1])
		s.addProcess(is, aliexpresswire.ActPerformSolution, aliexpresswire.RoleSystem, "", t[1])
		is.rds, is.timeoutType, is.timeoutAt = aliexpresswire.RDWaitSellerSetAddress, aliexpresswire.TimeoutWaitSellerFillAddress, t[1].Add(addressWindow)
	case scAwaitReturn:
		reach(b, aliexpresswire.ReachedNegotiation, t[1])
		is.returnAddressID = "900100202"
		is.rds = aliexpresswire.RDWaitBuyerReturn
	case scSellerConfirm, scWarehouse, scQualityCheck, scReturnSuccess, scReturnRefunded:
		reach(b, aliexpresswire.ReachedNegotiation, t[1])
		ship(t[2])
		switch sc {
		case scSellerConfirm:
			is.rds, is.timeoutType, is.timeoutAt = aliexpresswire.RDWaitSellerConfirmation, aliexpresswire.TimeoutWaitReceiveItem, t[2].Add(receiveWindow)
		case scWarehouse:
			is.rds = aliexpresswire.RDWaitWarehouseConfirmation
		case scQualityCheck:
			is.rds = aliexpresswire.RDWaitWarehouseQualityCheck
			s.addProcess(is, "warehouse_receive_goods", aliexpresswire.RoleSystem, "", t[3])
		case scReturnSuccess:
			is.rds = aliexpresswire.RDReturnSuccess
			s.addProcess(is, aliexpresswire.ActSellerConfirmReceipt, aliexpresswire.RoleSeller, "", t[3])
		case scReturnRefunded:
			s.addProcess(is, aliexpresswire.ActSellerConfirmReceipt, aliexpresswire.RoleSeller, "", t[3])
			s.addProcess(is, aliexpresswire.ActPerformSolution, aliexpresswire.RoleSystem, "", t[4])
			is.status, is.rds = aliexpresswire.IssueFinish, aliexpresswire.RDReturnSuccess
			if i%3 == 0 {
				// As in a captured real answer: a platform placeholder solution
				// without a status, id -2.
				is.solutions = append(is.solutions, &solution{id: "-2", owner: aliexpresswire.RolePlatform, typ: aliexpresswire.SolutionRefund,
					amountMinor: b.amountMinor, created: t[1], hideStatus: true})
			}
		}
	case scEscalated:
		x := counter(t[1], aliexpresswire.SolBuyerRefused)
		s.addProcess(is, aliexpresswire.ActBuyerRefuse, aliexpresswire.RoleBuyer, "Not acceptable.", t[2])
		x.modified = t[2]
		s.addProcess(is, aliexpresswire.ActBuyerInitiateArbitration, aliexpresswire.RoleBuyer, "Please help.", t[2])
		is.rds = []string{aliexpresswire.RDWaitAEFeedback, aliexpresswire.RDWaitYourEvidence, aliexpresswire.RDWaitFinalSolution, aliexpresswire.RDWaitAEFinalFeedback}[(i/scenarios)%4]
		if is.rds == aliexpresswire.RDWaitAEFinalFeedback || is.rds == aliexpresswire.RDWaitFinalSolution {
			is.solutions = append(is.solutions, &solution{id: s.nextID(), owner: aliexpresswire.RolePlatform, typ: aliexpresswire.SolutionRefund,
				status: aliexpresswire.SolWaitBuyerAndSellerAccept, content: "The platform proposes a refund of half the price.",
				amountMinor: price / 2, created: t[3], modified: t[3], version: 1})
			is.modified = t[3]
			is.timeoutType, is.timeoutAt = aliexpresswire.TimeoutWaitSolution, t[3].Add(7*24*time.Hour)
		}
	case scRefunded:
		reach(b, aliexpresswire.ReachedNegotiation, t[1])
		s.addProcess(is, aliexpresswire.ActPerformSolution, aliexpresswire.RoleSystem, "", t[1].Add(3*time.Second))
		is.status, is.rds = aliexpresswire.IssueFinish, aliexpresswire.RDRefundSuccess
	case scCancelled:
		s.addProcess(is, aliexpresswire.ActCancel, aliexpresswire.RoleBuyer, "Problem solved with the seller.", t[1])
		is.status, is.rds = aliexpresswire.IssueCanceled, aliexpresswire.RDWaitSellerResponse
	case scClosed, scArbitrated:
		x := counter(t[1], aliexpresswire.SolBuyerRefused)
		x.modified = t[2]
		s.addProcess(is, aliexpresswire.ActBuyerInitiateArbitration, aliexpresswire.RoleBuyer, "", t[2])
		refund := int64(0)
		if sc == scArbitrated {
			refund = b.amountMinor
		}
		ruling := &solution{id: s.nextID(), owner: aliexpresswire.RolePlatform, typ: aliexpresswire.SolutionRefund, content: "Platform decision.",
			amountMinor: refund, created: t[3], modified: t[3], version: 1}
		is.solutions = append(is.solutions, ruling)
		reach(ruling, aliexpresswire.ReachedArbitrate, t[3])
		s.addProcess(is, aliexpresswire.ActPlatformForceReach, aliexpresswire.RolePlatform, "", t[3])
		is.status, is.rds = aliexpresswire.IssueFinish, aliexpresswire.RDAEFeedbackFinish
		if sc == scClosed && i%2 == 1 {
			is.rds = aliexpresswire.RDRefundReject
		}
		if sc == scArbitrated {
			s.addProcess(is, aliexpresswire.ActPerformSolution, aliexpresswire.RolePlatform, "", t[3].Add(3*time.Second))
		}
	}
	return is
}

package alibabasim

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
	"github.com/returnsgw/returnsgw/returns"
)

// The simulator's model of the platform.
type (
	product struct {
		id, name, skuCode, unit string
		category                returns.Category
		price4                  int64 // USD in ten-thousandths: B2B unit prices carry four decimals
	}
	line struct {
		id      string
		product *product
		qty     int
		price4  int64 // unit price in the order's currency, ten-thousandths
		attrs   [][2]string
	}
	parcel struct {
		id, carrier, tracking string
		sent                  time.Time
		signed                *time.Time
	}
	returnParcel struct {
		carrier, tracking string
		shipped           time.Time
		received          *time.Time
	}
	refundLine struct {
		lineID string
		qty    int
	}
	refund struct {
		id, status, typ, reason, desc string
		apply                         int64 // minor units of the order's currency
		refunded                      *int64
		created, modified             time.Time
		refundedAt                    *time.Time
		ret                           *returnParcel
		lines                         []refundLine
	}
	order struct {
		tradeID, status         string
		buyer                   alibabawire.Buyer
		currency                string
		created, paid, modified time.Time
		lines                   []*line
		shipFee                 int64 // minor units
		parcels                 []*parcel
		refunds                 []*refund
	}
)

// caseID is the adapter's case id of a refund record, which is also how the
// sandbox names it.
func caseID(o *order, r *refund) string { return o.tradeID + "-" + r.id }

// total4 is the order's product total in ten-thousandths.
func (o *order) total4() int64 {
	var t int64
	for _, l := range o.lines {
		t += l.price4 * int64(l.qty)
	}
	return t
}

// touch moves the order's modify date to t when t is later.
func (o *order) touch(t time.Time) {
	if t.After(o.modified) {
		o.modified = t
	}
}

// minor converts ten-thousandths of a currency unit to its minor units,
// rounding half up.
func minor(v4 int64, currency string) int64 {
	exp, _ := returns.CurrencyExponent(currency)
	div := int64(10000)
	for i := 0; i < exp; i++ {
		div /= 10
	}
	return (v4 + div/2) / div
}

func catalogue() []*product {
	rows := []struct {
		name, unit string
		cat        returns.Category
		price4     int64
	}{
		{"Stainless steel water bottle 750 ml", "piece", returns.CategoryGeneral, 45000},
		{"Bluetooth 5.3 wireless earbuds", "piece", returns.CategoryGeneral, 129900},
		{"LED desk lamp with USB charger", "piece", returns.CategoryGeneral, 189900},
		{"Men's cotton crew-neck T-shirt", "piece", returns.CategoryGeneral, 32500},
		{"Women's running shoes", "pair", returns.CategoryGeneral, 215000},
		{"Ceramic coffee mug set of 4", "set", returns.CategoryGeneral, 98000},
		{"TPE yoga mat 6 mm", "piece", returns.CategoryGeneral, 76500},
		{"Custom logo canvas tote bag", "piece", returns.CategoryCustomMade, 18900},
		{"Custom printed paper straws", "piece", returns.CategoryCustomMade, 125},
		{"Hydrating sheet face masks", "box", returns.CategoryHygiene, 54000},
		{"Silicone baby teether", "piece", returns.CategoryHygiene, 21000},
		{"Dried mango slices 1 kg", "bag", returns.CategoryPerishable, 88000},
		{"Succulent plant assortment", "set", returns.CategoryLivePlantOrAnimal, 145000},
		{"Smart fitness watch", "piece", returns.CategoryActivatedValueLoss, 459000},
		{"Vitamin C serum 30 ml (short dated)", "bottle", returns.CategoryNearExpiry, 39900},
		{"Phone case for 6.1 inch phones", "piece", returns.CategoryGeneral, 12750},
		{"Bamboo cutting board", "piece", returns.CategoryGeneral, 61000},
		{"Kids' rain jacket", "piece", returns.CategoryGeneral, 142500},
	}
	ps := make([]*product, len(rows))
	for i, r := range rows {
		ps[i] = &product{
			id:       fmt.Sprintf("16%08d", 30071+i*7919),
			name:     r.name,
			skuCode:  fmt.Sprintf("SKU-%03d", 100+i),
			unit:     r.unit,
			category: r.cat,
			price4:   r.price4,
		}
	}
	return ps
}

// The reasons buyers pick, as Alibaba.com shows them (see the adapter's
// table), with what the buyer writes. The last ones are deliberately
// unusual: a Chinese label and a free-text one.
func reasonLabels() []struct{ label, desc string } {
	return []struct{ label, desc string }{
		{"Product quality issues", "The stitching came apart after two days."},
		{"Products not as described", "The material is thinner than in the pictures."},
		{"Incorrect specifications or color differences", "We ordered navy blue and received black."},
		{"Wrong products received", "The carton contained a different model."},
		{"Damaged during shipping", "Several units arrived cracked; photos attached."},
		{"Quantity shortage", "The shipment was 20 units short."},
		{"Did not receive the goods", "Tracking has not moved for two weeks."},
		{"Changed my mind", "Our client cancelled the project."},
		{"Size does not fit", "Sizes run one size small."},
		{"No longer needed", "We found a local supplier."},
		{"包装破损", "外箱破损，部分商品受损。"},
		{"Supplier sent a pre-production sample instead of the bulk version", ""},
	}
}

const notReceivedLabel = "Did not receive the goods"

func countries() []struct{ code, currency string } {
	return []struct{ code, currency string }{
		{"US", "USD"}, {"US", "USD"}, {"US", "USD"}, {"DE", "EUR"}, {"GB", "GBP"}, {"JP", "JPY"},
		{"CA", "CAD"}, {"AU", "AUD"}, {"FR", "EUR"}, {"BR", "USD"}, {"AE", "USD"}, {"MX", "USD"},
	}
}

// fx converts USD to the currency at a fixed sandbox rate (numerator, denominator).
func fx(currency string) (int64, int64) {
	switch currency {
	case "EUR":
		return 92, 100
	case "GBP":
		return 79, 100
	case "JPY":
		return 150, 1
	case "CAD":
		return 137, 100
	case "AUD":
		return 152, 100
	}
	return 1, 1
}

func carriers() []string { return []string{"DHL", "FedEx", "UPS", "Cainiao", "EMS"} }

func tracking(rng *rand.Rand, carrier string) string {
	digits := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		return b.String()
	}
	switch carrier {
	case "DHL":
		return digits(10)
	case "FedEx":
		return digits(12)
	case "UPS":
		return "1Z" + strings.ToUpper(fmt.Sprintf("%016x", rng.Uint64()))[:16]
	case "Cainiao":
		return "LP00" + digits(12)
	}
	return "EE" + digits(9) + "CN"
}

func buyerNames() []string {
	return []string{"Maria Lopez", "James Carter", "Anna Schmidt", "Oliver Brown", "Yuki Tanaka",
		"Liam Wilson", "Chloe Martin", "Ahmed Hassan", "Sofia Rossi", "Noah Taylor", "Emma Dubois", "Lucas Silva"}
}

// between returns a uniformly random instant in [lo, hi].
func between(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(rng.Int64N(int64(hi-lo)))
}

// dstTransitions returns the instants in [from, to] at which US Pacific
// time changes its offset, to the minute.
func dstTransitions(from, to time.Time) []time.Time {
	offset := func(t time.Time) int { _, o := t.In(returns.Pacific).Zone(); return o }
	var out []time.Time
	for t := from; t.Before(to); t = t.Add(time.Hour) {
		next := t.Add(time.Hour)
		if offset(t) == offset(next) {
			continue
		}
		lo, hi := t, next
		for hi.Sub(lo) > time.Minute {
			mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Minute)
			if mid.Equal(lo) {
				break
			}
			if offset(mid) == offset(lo) {
				lo = mid
			} else {
				hi = mid
			}
		}
		out = append(out, hi.Truncate(time.Minute))
	}
	return out
}

// step is one event of a refund record's history after the buyer applied.
type step struct {
	name     string
	min, max time.Duration
}

func stepsFor(status, typ string) []step {
	h := time.Hour
	approve, refuse, offer := step{"approve", 2 * h, 60 * h}, step{"refuse", 2 * h, 60 * h}, step{"offer", 2 * h, 48 * h}
	ship, receive := step{"ship", 12 * h, 72 * h}, step{"receive", 48 * h, 144 * h}
	refundDone, refundStart := step{"refund", 1 * h, 48 * h}, step{"refund_start", 1 * h, 24 * h}
	escalate, appeal := step{"escalate", 72 * h, 100 * h}, step{"appeal", 24 * h, 72 * h}
	ret := typ == alibabawire.RefundTypeReturnAndRefund
	switch status {
	case alibabawire.RefundWaitBuyerConfirm:
		return []step{offer}
	case alibabawire.RefundSellerRefused:
		return []step{refuse}
	case alibabawire.RefundWaitBuyerReturn:
		return []step{approve}
	case alibabawire.RefundWaitSellerReceive:
		return []step{approve, ship}
	case alibabawire.RefundSellerReceived:
		return []step{approve, ship, receive}
	case alibabawire.RefundRefunding:
		if ret {
			return []step{approve, ship, receive, refundStart}
		}
		return []step{approve}
	case alibabawire.RefundSuccess:
		if ret {
			return []step{approve, ship, receive, refundDone}
		}
		return []step{approve, refundDone}
	case alibabawire.RefundPlatformMediating:
		return []step{refuse, escalate}
	case alibabawire.RefundSellerAppealing:
		return []step{refuse, escalate, appeal}
	case alibabawire.RefundBuyerCancelled:
		return []step{{"cancel", 1 * h, 48 * h}}
	case alibabawire.RefundClosed:
		return []step{refuse, {"close", 96 * h, 160 * h}}
	}
	return nil
}

func returnPath(status string) bool {
	switch status {
	case alibabawire.RefundWaitBuyerReturn, alibabawire.RefundWaitSellerReceive, alibabawire.RefundSellerReceived:
		return true
	}
	return false
}

// seed fills the platform: n refund records on orders of 1–3 products, in
// USD mostly and a few other currencies, covering every refund status, with
// some timestamps in the hour around a US daylight-saving change when one
// falls in the period, plus orders without any refund.
func (s *Server) seed(seed int64, n int) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0xa11baba5eed))
	reasonLabels, countries, carriers, buyerNames := reasonLabels(), countries(), carriers(), buyerNames()
	now := s.now().UTC().Truncate(time.Millisecond)
	period := 28 * 24 * time.Hour
	quietBefore := 5 * time.Minute // nothing seeded changes in the last minutes
	s.products = catalogue()
	dst := dstTransitions(now.Add(-period), now)
	statuses := alibabawire.RefundStatuses()
	perm := rng.Perm(n)
	tradeBase := int64(240000000000000000) + (seed%1000)*1_000_000_000_000
	s.nextID = 7_000_000_000 + rng.Int64N(1_000_000)
	orderNo := 0

	newOrder := func() *order {
		orderNo++
		c := countries[rng.IntN(len(countries))]
		cur := c.currency
		if rng.IntN(10) < 6 {
			cur = "USD" // most Trade Assurance orders settle in USD whatever the buyer's country
		}
		o := &order{
			tradeID:  fmt.Sprintf("%d", tradeBase+int64(orderNo)*7_000_003+rng.Int64N(1_000_000)),
			currency: cur,
			buyer: alibabawire.Buyer{
				Country:      c.code,
				FullName:     buyerNames[rng.IntN(len(buyerNames))],
				EAccountID:   fmt.Sprintf("%012x", rng.Uint64()>>16),
				ImmutableEID: fmt.Sprintf("%016x", rng.Uint64()),
			},
		}
		num, den := fx(cur)
		nLines := 1 + rng.IntN(3)
		used := map[int]bool{}
		for k := 0; k < nLines; k++ {
			pi := rng.IntN(len(s.products))
			if used[pi] {
				continue
			}
			used[pi] = true
			p := s.products[pi]
			price := p.price4 * num / den
			switch {
			case cur == "JPY":
				price = (price + 5000) / 10000 * 10000
			case p.price4 >= 100:
				price = (price + 50) / 100 * 100 // whole cents, except deliberate sub-cent prices
			}
			qty := []int{1, 2, 5, 10, 20, 50, 100}[rng.IntN(7)]
			if p.price4 < 100 {
				qty = 1000 * (1 + rng.IntN(5))
			}
			l := &line{id: fmt.Sprintf("%s%02d", o.tradeID[len(o.tradeID)-8:], k+1), product: p, qty: qty, price4: price}
			if strings.Contains(p.name, "T-shirt") || strings.Contains(p.name, "shoes") || strings.Contains(p.name, "jacket") {
				l.attrs = [][2]string{{"size", []string{"S", "M", "L", "XL"}[rng.IntN(4)]}, {"color", []string{"navy", "black", "red"}[rng.IntN(3)]}}
			}
			o.lines = append(o.lines, l)
		}
		o.shipFee = minor(int64(150000+rng.IntN(600000))*num/den, cur)
		return o
	}
	// ship plans the order's outbound parcels around a delivery instant
	// (nil delivered: shipped, never signed for).
	ship := func(o *order, shipped time.Time, delivered *time.Time) {
		n := 1
		if len(o.lines) > 1 && rng.IntN(3) == 0 {
			n = 2
		}
		for k := 0; k < n; k++ {
			c := carriers[rng.IntN(len(carriers))]
			p := &parcel{id: fmt.Sprintf("%s%d", o.tradeID[len(o.tradeID)-9:], k+1), carrier: c, tracking: tracking(rng, c),
				sent: shipped.Add(time.Duration(k) * 3 * time.Hour)}
			if delivered != nil {
				t := *delivered
				if k < n-1 {
					t = t.Add(-between(rng, time.Hour, 20*time.Hour))
				}
				p.signed = &t
			}
			o.parcels = append(o.parcels, p)
		}
		o.paid = shipped.Add(-between(rng, 12*time.Hour, 96*time.Hour))
		o.created = o.paid.Add(-between(rng, time.Hour, 72*time.Hour))
		o.status = alibabawire.TradeWaitBuyerReceive
		if delivered != nil {
			o.status = alibabawire.TradeSuccess
		}
		o.touch(o.created)
		o.touch(o.paid)
		for _, p := range o.parcels {
			o.touch(p.sent)
			if p.signed != nil {
				o.touch(*p.signed)
			}
		}
	}
	// makeRefund builds a refund record whose history runs from created
	// through the steps its status needs.
	makeRefund := func(o *order, status, typ string, reason int, created time.Time, steps []step, durs []time.Duration) *refund {
		s.nextID += 1 + rng.Int64N(40)
		r := &refund{id: fmt.Sprintf("%d", s.nextID), status: status, typ: typ,
			reason: reasonLabels[reason].label, desc: reasonLabels[reason].desc, created: created}
		t := created
		var shipAt, receiveAt time.Time
		for i, st := range steps {
			t = t.Add(durs[i])
			switch st.name {
			case "ship":
				shipAt = t
			case "receive":
				receiveAt = t
			case "refund":
				rt := t
				r.refundedAt = &rt
			}
		}
		r.modified = t
		// Lines: all of them, or one line, part of it.
		var total4 int64
		if len(o.lines) == 1 || rng.IntN(2) == 0 {
			for _, l := range o.lines {
				r.lines = append(r.lines, refundLine{l.id, l.qty})
				total4 += l.price4 * int64(l.qty)
			}
		} else {
			l := o.lines[rng.IntN(len(o.lines))]
			q := l.qty
			if q > 1 && rng.IntN(2) == 0 {
				q = (q + 1) / 2
			}
			r.lines = append(r.lines, refundLine{l.id, q})
			total4 = l.price4 * int64(q)
		}
		r.apply = minor(total4, o.currency)
		if typ == alibabawire.RefundTypeRefundOnly && rng.IntN(3) == 0 {
			r.apply = r.apply * 3 / 10 // a partial refund to keep imperfect goods
		}
		if r.apply == 0 {
			r.apply = 1
		}
		if status == alibabawire.RefundRefunding || status == alibabawire.RefundSuccess {
			v := r.apply
			if status == alibabawire.RefundSuccess && rng.IntN(4) == 0 {
				v = v * 85 / 100 // settled for less
			}
			r.refunded = &v
		}
		if !shipAt.IsZero() {
			c := carriers[rng.IntN(len(carriers))]
			r.ret = &returnParcel{carrier: c, tracking: tracking(rng, c), shipped: shipAt}
			if !receiveAt.IsZero() {
				rt := receiveAt
				r.ret.received = &rt
			}
		}
		o.refunds = append(o.refunds, r)
		o.touch(r.modified)
		return r
	}
	plan := func(status, typ string) ([]step, []time.Duration, time.Duration) {
		steps := stepsFor(status, typ)
		durs := make([]time.Duration, len(steps))
		var total time.Duration
		for i, st := range steps {
			durs[i] = between(rng, st.min, st.max).Truncate(time.Second)
			total += durs[i]
		}
		return steps, durs, total
	}

	made := 0
	for made < n {
		status := statuses[perm[made]%len(statuses)]
		typ := alibabawire.RefundTypeRefundOnly
		if returnPath(status) || rng.IntN(10) < 6 {
			typ = alibabawire.RefundTypeReturnAndRefund
		}
		reason := rng.IntN(len(reasonLabels))
		for typ == alibabawire.RefundTypeReturnAndRefund && reasonLabels[reason].label == notReceivedLabel {
			reason = rng.IntN(len(reasonLabels))
		}
		notReceived := reasonLabels[reason].label == notReceivedLabel

		steps, durs, total := plan(status, typ)
		earliest := now.Add(-period + time.Hour)
		latest := now.Add(-quietBefore - total)
		created := earliest
		if latest.After(earliest) {
			created = earliest.Add(between(rng, 0, latest.Sub(earliest)))
		}
		// Some records start in the hour around a daylight-saving change.
		if len(dst) > 0 && made%10 == 3 {
			c := dst[0].Add(-50*time.Minute + time.Duration((made/10)%5)*25*time.Minute)
			if !c.Before(earliest) && !c.After(latest) {
				created = c
			}
		}
		created = created.Truncate(time.Millisecond)

		o := newOrder()
		if notReceived {
			ship(o, created.Add(-between(rng, 15*24*time.Hour, 25*24*time.Hour)), nil)
		} else {
			back := between(rng, 3*time.Hour, 6*24*time.Hour)
			if rng.IntN(8) == 0 {
				back = between(rng, 8*24*time.Hour, 12*24*time.Hour) // past the 7-day window
			}
			delivered := created.Add(-back).Truncate(time.Second)
			if len(dst) > 0 && made%10 == 7 && dst[0].Add(time.Hour).Before(created) {
				delivered = dst[0].Add(-40*time.Minute + time.Duration((made/10)%3)*30*time.Minute)
			}
			ship(o, delivered.Add(-between(rng, 3*24*time.Hour, 9*24*time.Hour)), &delivered)
		}

		// An earlier, finished request on the same order, now and then.
		if made+1 < n && rng.IntN(7) == 0 {
			firstStatus := []string{alibabawire.RefundBuyerCancelled, alibabawire.RefundClosed, alibabawire.RefundSuccess}[rng.IntN(3)]
			fsteps, fdurs, ftotal := plan(firstStatus, alibabawire.RefundTypeRefundOnly)
			lo := o.parcels[len(o.parcels)-1].sent.Add(24 * time.Hour)
			if p := o.parcels[len(o.parcels)-1]; p.signed != nil {
				lo = p.signed.Add(time.Hour)
			}
			if lo.Before(earliest) {
				lo = earliest // every record opens within the seeded period
			}
			hi := created.Add(-time.Hour - ftotal)
			if hi.After(lo) {
				fc := lo.Add(between(rng, 0, hi.Sub(lo))).Truncate(time.Millisecond)
				r := makeRefund(o, firstStatus, alibabawire.RefundTypeRefundOnly, rng.IntN(len(reasonLabels)-2), fc, fsteps, fdurs)
				s.caseIDs = append(s.caseIDs, caseID(o, r))
				made++
			}
		}
		r := makeRefund(o, status, typ, reason, created, steps, durs)
		s.caseIDs = append(s.caseIDs, caseID(o, r))
		made++
		s.orders[o.tradeID] = o
	}

	// Orders nobody asked a refund for: the list shows them too.
	for k := 0; k < n/12+1; k++ {
		o := newOrder()
		if k == 0 {
			o.created = now.Add(-between(rng, 24*time.Hour, 48*time.Hour)).Truncate(time.Millisecond)
			o.paid = o.created.Add(2 * time.Hour)
			o.status = alibabawire.TradeWaitSellerSend
			o.touch(o.paid)
		} else {
			d := now.Add(-between(rng, 24*time.Hour, period-48*time.Hour)).Truncate(time.Second)
			ship(o, d.Add(-between(rng, 3*24*time.Hour, 9*24*time.Hour)), &d)
		}
		s.orders[o.tradeID] = o
	}
}

package alibaba

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
	"github.com/returnsgw/returnsgw/returns"
)

// normalizeInput is everything normalize reads: the platform's answers and
// the shop's configuration. normalize is pure: the same input gives the same
// case.
type normalizeInput struct {
	Shop      returns.Shop
	Order     *alibabawire.Order
	Refund    *alibabawire.Refund
	Logistics *alibabawire.Logistics // nil when the order has none
	Catalog   func(productID string) returns.Category
	Freight   FreightRule
}

// normalize turns one refund record of an order into a case. It returns the
// case, the fallbacks it took (unknown values, rounded amounts) for the
// caller to log, and an error when the record cannot be read at all.
func normalize(in normalizeInput) (*returns.Case, []string, error) {
	o, r := in.Order, in.Refund
	if o == nil || r == nil {
		return nil, nil, errors.New("no order or refund record")
	}
	var warn []string
	raw := map[string]string{}
	put := func(k, v string) {
		if v != "" {
			raw[k] = v
		}
	}
	putDate := func(k string, d *alibabawire.Date) {
		if d != nil {
			put(k+".timestamp", d.Timestamp.String())
			put(k+".format_date", d.FormatDate)
		}
	}
	putPrice := func(k string, p *alibabawire.Price) {
		if p != nil {
			put(k+".amount", p.Amount.String())
			put(k+".currency", p.Currency)
		}
	}
	date := func(field string, d *alibabawire.Date) (*time.Time, error) {
		putDate(field, d)
		if d.IsZero() {
			return nil, nil
		}
		t, w, err := parseDate(*d)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
		if w != "" {
			warn = append(warn, field+": "+w)
		}
		return &t, nil
	}

	tradeID, refundID := o.TradeID.String(), r.RefundID.String()
	if tradeID == "" || refundID == "" {
		return nil, nil, errors.New("no trade id or refund id")
	}
	put("trade_id", tradeID)
	put("refund_id", refundID)
	put("trade_status", o.TradeStatus)
	put("refund_status", r.RefundStatus)
	put("refund_type", r.RefundType)
	put("refund_reason", r.RefundReason)
	put("buyer.country", o.Buyer.Country)
	put("buyer.immutable_eid", o.Buyer.ImmutableEID)
	put("buyer.e_account_id", o.Buyer.EAccountID)
	put("trade_term", o.TradeTerm)
	put("shipment_method", o.ShipmentMethod)
	put("export_service_type", o.ExportServiceType)
	putPrice("order.total_amount", o.TotalAmount)
	putDate("order.create_date", &o.CreateDate)
	putDate("order.modify_date", &o.ModifyDate)

	c := &returns.Case{
		Platform:       returns.Alibaba,
		PlatformCaseID: CaseID(tradeID, refundID),
		ShopID:         in.Shop.ID,
		OrderID:        tradeID,
		BuyerID:        o.Buyer.ImmutableEID,
		Market:         in.Shop.Market,
		Note:           r.RefundDesc,
		PlatformReason: r.RefundReason,
		Raw:            raw,
	}
	if c.BuyerID == "" {
		c.BuyerID = o.Buyer.EAccountID
	}
	if c.Market == "" {
		c.Market = returns.MarketCrossBorderDirect
	}

	// Status: the table, or the documented fallback.
	row, known := refundStatusRow(r.RefundStatus)
	c.PlatformStatus = returns.PlatformStatus{Code: r.RefundStatus, Label: row.label}
	if known {
		c.Status = row.status
	} else {
		c.Status = fallbackStatus
		warn = append(warn, fmt.Sprintf("unknown refund_status %q: normalized to %s, no seller step offered", r.RefundStatus, fallbackStatus))
	}

	// Kind.
	switch r.RefundType {
	case alibabawire.RefundTypeRefundOnly:
		c.Kind = returns.KindRefundOnly
	case alibabawire.RefundTypeReturnAndRefund:
		c.Kind = returns.KindReturnAndRefund
	default:
		c.Kind = returns.KindRefundOnly
		if r.ReturnLogistics != nil {
			c.Kind = returns.KindReturnAndRefund
		}
		warn = append(warn, fmt.Sprintf("unknown refund_type %q: taken as %s", r.RefundType, c.Kind))
	}

	// Reason.
	reason, matched := reasonForLabel(r.RefundReason)
	c.Reason = reason
	if !matched {
		warn = append(warn, fmt.Sprintf("unrecognised reason label %q: normalized to %s", r.RefundReason, reason))
	}

	// Times.
	created, err := date("create_date", &r.CreateDate)
	if err != nil {
		return nil, nil, err
	}
	if created == nil {
		return nil, nil, errors.New("refund record without create_date")
	}
	c.CreatedAt = *created
	updated, err := date("modify_date", &r.ModifyDate)
	if err != nil {
		return nil, nil, err
	}
	c.UpdatedAt = c.CreatedAt
	if updated != nil {
		c.UpdatedAt = *updated
	}
	if c.UpdatedAt.Before(c.CreatedAt) {
		warn = append(warn, "modify_date before create_date: taken as create_date")
		c.UpdatedAt = c.CreatedAt
	}

	// Money.
	money := func(field string, p *alibabawire.Price) (*returns.Money, error) {
		putPrice(field, p)
		if p == nil || (p.Amount == "" && p.Currency == "") {
			return nil, nil
		}
		m, rounded, err := parseMoney(*p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
		if rounded {
			warn = append(warn, fmt.Sprintf("%s %s %s has more decimals than the currency: rounded to %s", field, p.Amount, p.Currency, m))
		}
		if m.Minor < 0 {
			return nil, fmt.Errorf("%s: negative amount %s", field, p.Amount)
		}
		return &m, nil
	}
	if c.RequestedRefund, err = money("apply_refund_amount", r.ApplyRefundAmount); err != nil {
		return nil, nil, err
	}
	if c.RequestedRefund == nil {
		return nil, nil, errors.New("refund record without apply_refund_amount")
	}
	if c.RefundedAmount, err = money("refund_amount", r.RefundAmount); err != nil {
		return nil, nil, err
	}

	// Lines.
	lines, lineWarn, err := refundLines(o, r, in.Catalog)
	if err != nil {
		return nil, nil, err
	}
	warn = append(warn, lineWarn...)
	c.Lines = lines

	// Delivery: the buyer has the goods when every parcel is signed for; the
	// last signature is the receipt that starts ALIBABA-7D.
	if in.Logistics != nil {
		put("logistic_status", in.Logistics.LogisticStatus)
		var last *time.Time
		all := len(in.Logistics.ShippingOrderList.Items) > 0
		for i, p := range in.Logistics.ShippingOrderList.Items {
			k := fmt.Sprintf("shipping_order.%d", i)
			put(k+".carrier", p.Carrier)
			put(k+".tracking_number", p.TrackingNumber)
			put(k+".status", p.Status)
			putDate(k+".send_date", p.SendDate)
			signed, err := date(k+".sign_date", p.SignDate)
			if err != nil {
				return nil, nil, err
			}
			if signed == nil {
				all = false
				continue
			}
			if last == nil || signed.After(*last) {
				last = signed
			}
		}
		if all && last != nil {
			c.DeliveredAt = last
		}
	}

	// The buyer's parcel back.
	if rl := r.ReturnLogistics; rl != nil {
		put("return_logistics.carrier", rl.Carrier)
		put("return_logistics.tracking_number", rl.TrackingNumber)
		s := &returns.Shipment{CarrierName: rl.Carrier, TrackingNo: rl.TrackingNumber}
		if s.ShippedAt, err = date("return_logistics.ship_date", rl.ShipDate); err != nil {
			return nil, nil, err
		}
		if s.SignedAt, err = date("return_logistics.receive_date", rl.ReceiveDate); err != nil {
			return nil, nil, err
		}
		c.ReturnShipment = s
	}
	if _, err := date("refund_date", r.RefundDate); err != nil {
		return nil, nil, err
	}

	// Deadlines, from the rules (the platform states none per record).
	if c.DeliveredAt != nil {
		w := noReasonWindowCloses(*c.DeliveredAt)
		c.Deadlines.WindowClosesAt = &w
	}
	if known && row.respond {
		t := c.CreatedAt.Add(negotiationPeriod)
		c.Deadlines.RespondBy = &t
	}
	if known && row.negotiating {
		t := c.CreatedAt.Add(autoEscalateAfter)
		c.Deadlines.AutoActionAt = &t
		c.Deadlines.AutoAction = autoEscalateAction
	}

	if c.Kind == returns.KindReturnAndRefund {
		c.ReturnFreightPaidBy = freightPayer(in.Freight, c.Reason)
	}
	return c, warn, nil
}

// refundLines returns the case's lines: the order lines the refund record
// names, with the record's quantities; all the order's lines when it names
// none it can resolve.
func refundLines(o *alibabawire.Order, r *alibabawire.Refund, catalog func(string) returns.Category) ([]returns.Line, []string, error) {
	var warn []string
	byID := map[string]*alibabawire.OrderProduct{}
	for i := range o.OrderProducts.Items {
		p := &o.OrderProducts.Items[i]
		byID[p.ID.String()] = p
	}
	line := func(p *alibabawire.OrderProduct, qtyText alibabawire.Text) (returns.Line, error) {
		l := returns.Line{Title: p.Name, Raw: map[string]string{}}
		put := func(k, v string) {
			if v != "" {
				l.Raw[k] = v
			}
		}
		put("id", p.ID.String())
		put("product_id", p.ProductID.String())
		put("sku_id", p.SKUID.String())
		put("sku_code", p.SKUCode)
		put("model_number", p.ModelNumber)
		put("unit", p.Unit)
		put("quantity", qtyText.String())
		put("order_quantity", p.Quantity.String())
		put("unit_price.amount", p.UnitPrice.Amount.String())
		put("unit_price.currency", p.UnitPrice.Currency)
		for _, a := range p.SKUAttributes.Items {
			put("sku_attribute."+a.Key, a.Value)
		}
		l.SKU = firstNonEmpty(p.SKUCode, p.SKUID.String(), p.ProductID.String())
		q, qw, err := parseQuantity(qtyText)
		if err != nil {
			return l, fmt.Errorf("line %s quantity: %w", p.ID, err)
		}
		if qw != "" {
			warn = append(warn, "line "+p.ID.String()+": "+qw)
		}
		l.Quantity = q
		m, rounded, err := parseMoney(p.UnitPrice)
		if err != nil {
			return l, fmt.Errorf("line %s unit_price: %w", p.ID, err)
		}
		if rounded {
			warn = append(warn, fmt.Sprintf("line %s unit_price %s %s has more decimals than the currency: rounded to %s",
				p.ID, p.UnitPrice.Amount, p.UnitPrice.Currency, m))
		}
		l.UnitPrice = m
		l.Category = returns.CategoryGeneral
		if catalog != nil {
			cat := catalog(p.ProductID.String())
			switch {
			case cat == "":
			case cat.Valid():
				l.Category = cat
			default:
				warn = append(warn, fmt.Sprintf("line %s: catalog gave unknown category %q, taken as GENERAL", p.ID, cat))
			}
		}
		return l, nil
	}
	var lines []returns.Line
	for _, rp := range r.RefundProducts.Items {
		p, ok := byID[rp.ID.String()]
		if !ok {
			warn = append(warn, fmt.Sprintf("refund names order line %q that the order does not have", rp.ID))
			continue
		}
		qty := rp.Quantity
		if qty == "" {
			qty = p.Quantity
		}
		l, err := line(p, qty)
		if err != nil {
			return nil, nil, err
		}
		lines = append(lines, l)
	}
	if len(lines) == 0 {
		if len(r.RefundProducts.Items) > 0 {
			warn = append(warn, "no order line of the refund resolved: the case covers the whole order")
		}
		for i := range o.OrderProducts.Items {
			p := &o.OrderProducts.Items[i]
			l, err := line(p, p.Quantity)
			if err != nil {
				return nil, nil, err
			}
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return nil, nil, errors.New("the order has no products")
	}
	return lines, warn, nil
}

// parseDate reads a DateVo. The epoch timestamp is the instant when present;
// otherwise format_date is read in US Pacific time, its PDT or PST suffix
// telling the two 01:xx hours of the autumn change apart. When both are
// present and disagree, the timestamp wins and a warning says so.
func parseDate(d alibabawire.Date) (time.Time, string, error) {
	var fromTS, fromText time.Time
	var haveTS, haveText bool
	if d.Timestamp != "" {
		ms, err := d.Timestamp.Int64()
		if err != nil {
			return time.Time{}, "", fmt.Errorf("timestamp %q: %w", d.Timestamp, err)
		}
		fromTS, haveTS = time.UnixMilli(ms).UTC(), true
	}
	if d.FormatDate != "" {
		t, err := parseFormatDate(d.FormatDate)
		if err != nil && !haveTS {
			return time.Time{}, "", err
		}
		if err == nil {
			fromText, haveText = t, true
		}
	}
	for _, t := range []*time.Time{&fromTS, &fromText} {
		if !t.IsZero() && (t.Before(minDate) || !t.Before(maxDate)) {
			return time.Time{}, "", fmt.Errorf("date %s (%q) is out of range", d.Timestamp, d.FormatDate)
		}
	}
	switch {
	case haveTS && haveText:
		if diff := fromTS.Sub(fromText); diff > time.Second || diff < -time.Second {
			return fromTS, fmt.Sprintf("timestamp %s and format_date %q disagree by %s: the timestamp is used", d.Timestamp, d.FormatDate, diff), nil
		}
		return fromTS, "", nil
	case haveTS:
		return fromTS, "", nil
	case haveText:
		return fromText, "", nil
	}
	return time.Time{}, "", errors.New("empty date")
}

// Dates outside [minDate, maxDate) are not dates a platform means, and a case
// holding one could not be stored or served (JSON has no year past 9999); the
// year of margin keeps deadlines derived from them in range.
var (
	minDate = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	maxDate = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
)

// parseFormatDate reads "Nov. 1, 2026, 01:30:00 PST." in US Pacific time.
// Go reads a zone abbreviation by its offset in the given location, so PDT
// and PST resolve to -07:00 and -08:00 and the repeated autumn hour is exact.
func parseFormatDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	layouts := []string{alibabawire.FormatDateLayout, strings.TrimSuffix(alibabawire.FormatDateLayout, ".")}
	var firstErr error
	for _, layout := range layouts {
		t, err := time.ParseInLocation(layout, s, returns.Pacific)
		if err == nil {
			_, off := t.Zone()
			if off != -7*3600 && off != -8*3600 {
				return time.Time{}, fmt.Errorf("format_date %q is not in US Pacific time", s)
			}
			return t.UTC(), nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return time.Time{}, fmt.Errorf("format_date %q: %w", s, firstErr)
}

// parseMoney reads a Price exactly. An amount with more decimals than its
// currency (B2B unit prices come with four) is exact when the extra digits are
// zeros; otherwise it is rounded half away from zero to the currency's minor
// unit, and rounded is true so the caller can say so (the raw amount is kept).
func parseMoney(p alibabawire.Price) (m returns.Money, rounded bool, err error) {
	cur := strings.ToUpper(strings.TrimSpace(p.Currency))
	amt := strings.TrimSpace(p.Amount.String())
	m, err = returns.ParseMoney(amt, cur)
	if err == nil {
		return m, false, nil
	}
	exp, ok := returns.CurrencyExponent(cur)
	if !ok {
		return returns.Money{}, false, err
	}
	sign := ""
	digits := amt
	if strings.HasPrefix(digits, "-") || strings.HasPrefix(digits, "+") {
		sign, digits = digits[:1], digits[1:]
	}
	intPart, frac, hasDot := strings.Cut(digits, ".")
	if !hasDot || len(frac) <= exp {
		return returns.Money{}, false, err
	}
	up := frac[exp] >= '5'
	kept := intPart
	if exp > 0 {
		kept += "." + frac[:exp]
	}
	for _, ch := range frac[exp:] {
		if ch < '0' || ch > '9' {
			return returns.Money{}, false, err
		}
	}
	m, err2 := returns.ParseMoney(sign+kept, cur)
	if err2 != nil {
		return returns.Money{}, false, err
	}
	if up {
		step := int64(1)
		if sign == "-" {
			step = -1
		}
		if m, err2 = m.Add(returns.Money{Minor: step, Currency: cur}); err2 != nil {
			return returns.Money{}, false, err2
		}
	}
	return m, true, nil
}

// parseQuantity reads a quantity such as "12.0000". A fractional quantity
// (goods sold by weight) is rounded up so the line is never undercounted, and
// a warning says so.
func parseQuantity(t alibabawire.Text) (int, string, error) {
	s := strings.TrimSpace(t.String())
	if s == "" {
		return 0, "", errors.New("empty quantity")
	}
	intPart, frac, _ := strings.Cut(s, ".")
	n, err := strconv.Atoi(intPart)
	if err != nil || n < 0 {
		return 0, "", fmt.Errorf("quantity %q is not a count", s)
	}
	for _, ch := range frac {
		if ch < '0' || ch > '9' {
			return 0, "", fmt.Errorf("quantity %q is not a count", s)
		}
	}
	warn := ""
	if strings.Trim(frac, "0") != "" {
		if n == math.MaxInt {
			return 0, "", fmt.Errorf("quantity %q is out of range", s)
		}
		n++
		warn = fmt.Sprintf("fractional quantity %s rounded up to %d", s, n)
	}
	if n == 0 {
		return 0, "", fmt.Errorf("quantity %q is zero", s)
	}
	return n, warn, nil
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

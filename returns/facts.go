package returns

import (
	"sort"
	"time"
)

// FactSource says where a fact on a case came from, so that a verdict built
// on it can say how much it rests on.
type FactSource string

// The sources of a fact.
const (
	// FactPlatform: a field of the platform's after-sale record itself.
	FactPlatform FactSource = "PLATFORM"
	// FactOrderAPI: the platform's order methods (order detail, tracking).
	FactOrderAPI FactSource = "ORDER_API"
	// FactProductAPI: the platform's product methods, mapped through the
	// gateway's category table.
	FactProductAPI FactSource = "PRODUCT_API"
	// FactShopConfig: the shop's configuration in the gateway.
	FactShopConfig FactSource = "SHOP_CONFIG"
	// FactRules: computed by the rules from other facts (a window from a
	// delivery time, a freight payer from the reason and the shop's policy).
	FactRules FactSource = "RULES"
	// FactDefault: nothing said otherwise; the gateway's default holds.
	FactDefault FactSource = "DEFAULT"
	// FactUnmapped: the platform gave a category the mapping table does not
	// know; the line counts as GENERAL until the table or the shop maps it.
	FactUnmapped FactSource = "UNMAPPED"
	// FactMissing: the platform did not give it (no order record, no
	// sign-for record); rules that need it cannot be decided.
	FactMissing FactSource = "MISSING"
)

// The names of the facts a case records the source of (Case.Facts keys).
// Line categories use LineCategoryFact(i).
const (
	FactDeliveredAt        = "deliveredAt"
	FactTariff             = "tariff"
	FactFreeReturnPromised = "freeReturnPromised"
	FactFreightPaidBy      = "returnFreightPaidBy"
	FactFulfilment         = "fulfilment"
	FactCheckoutConfirmed  = "checkoutConfirmed"
	FactShippingPaid       = "shippingPaid"
	FactMarket             = "market"
)

// LineCategoryFact names the category fact of the i-th line.
func LineCategoryFact(i int) string { return "lines." + itoa(i) + ".category" }

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	return string(b[n:])
}

// Fulfilment is how an order was shipped: it shapes a cross-border return
// (XB-FULFILMENT), and it is a fact of the order, not of the shop.
type Fulfilment string

// The fulfilment models.
const (
	FulfilmentDomestic Fulfilment = "DOMESTIC" // a domestic order shipped in-country
	FulfilmentBonded   Fulfilment = "BONDED"   // from a bonded warehouse in China
	FulfilmentDirect   Fulfilment = "DIRECT"   // shipped directly from abroad (direct mail, personal parcel)
	FulfilmentHybrid   Fulfilment = "HYBRID"   // parts of the order each way
)

// Market returns the market the fulfilment model sells in.
func (f Fulfilment) Market() Market {
	switch f {
	case FulfilmentBonded:
		return MarketCrossBorderBonded
	case FulfilmentDirect, FulfilmentHybrid:
		// A hybrid order has goods that came from abroad: the stricter
		// (direct) reading of returns applies to them.
		return MarketCrossBorderDirect
	}
	return MarketDomestic
}

// SetFact records where a fact came from; an empty source removes it.
func (c *Case) SetFact(name string, src FactSource) {
	if src == "" {
		delete(c.Facts, name)
		return
	}
	if c.Facts == nil {
		c.Facts = map[string]string{}
	}
	c.Facts[name] = string(src)
}

// FactSourceOf returns where a fact came from; "" when the case says nothing
// (a case stored before facts were recorded).
func (c *Case) FactSourceOf(name string) FactSource { return FactSource(c.Facts[name]) }

// MissingFacts lists the facts recorded as missing, sorted.
func (c *Case) MissingFacts() []string {
	var out []string
	for k, v := range c.Facts {
		if FactSource(v) == FactMissing {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// OrderFacts are what a platform's order and product methods tell about the
// order behind a case. Adapters fetch them once per order and apply them to
// every case of the order (ApplyOrderFacts).
type OrderFacts struct {
	OrderID string
	// Currency is the order's settlement currency.
	Currency string
	// DeliveredAt is when the buyer signed for the goods (the sign-for
	// record); nil when the order has no such record.
	DeliveredAt *time.Time
	// ShippedAt is when the order was shipped, for reference.
	ShippedAt *time.Time
	// ShippingPaid is the freight the buyer paid on the order.
	ShippingPaid *Money
	// Tariff is the cross-border tax on the order; nil when the order is not
	// cross-border or the platform gave none.
	Tariff *Money
	// TariffKnown reports that the platform answered about tariff (a zero
	// tariff is a fact too).
	TariffKnown bool
	// Fulfilment is the order's fulfilment model; "" when not given.
	Fulfilment Fulfilment
	// FreeReturn reports a free-return promise or freight insurance on the
	// order; FreeReturnKnown whether the platform said either way.
	FreeReturn      bool
	FreeReturnKnown bool
	// CheckoutConfirmed reports that the buyer confirmed at checkout that the
	// no-reason return does not apply; CheckoutKnown whether the platform said.
	CheckoutConfirmed bool
	CheckoutKnown     bool
	// Lines are the order's lines, by the SKU (or product) id the after-sale
	// record names.
	Lines map[string]OrderLine
	// Raw keeps the order's platform values by wire name, as sent.
	Raw map[string]string
}

// OrderLine is one line of an order.
type OrderLine struct {
	Paid *Money // what the buyer paid for the line, all units
	// Category is the line's category as mapped from the platform's product
	// category, and CategorySource where it came from (PRODUCT_API,
	// SHOP_CONFIG, UNMAPPED, MISSING).
	Category       Category
	CategorySource FactSource
	// PlatformCategory is the platform's own category id, kept for the record.
	PlatformCategory string
	// NoFreeReturn reports that the product is marked as not supporting the
	// 7-day no-reason return (XHS freeReturn = 2).
	NoFreeReturn bool
}

// ApplyOrderFacts fills c from its order's facts and records each fact's
// source. A nil f (the order could not be read) marks the order facts
// missing. Facts the after-sale record itself gave (a platform field) win.
func ApplyOrderFacts(c *Case, f *OrderFacts) {
	if f == nil {
		// The fulfilment model falls back to the shop's market (FillDefaultFacts).
		for _, n := range [...]string{FactDeliveredAt, FactTariff, FactCheckoutConfirmed} {
			if c.FactSourceOf(n) == "" {
				c.SetFact(n, FactMissing)
			}
		}
		for i := range c.Lines {
			if c.Lines[i].CategorySource == "" {
				c.Lines[i].CategorySource = FactMissing
				c.SetFact(LineCategoryFact(i), FactMissing)
			}
		}
		return
	}
	switch {
	case c.DeliveredAt != nil && c.FactSourceOf(FactDeliveredAt) == FactPlatform:
	case f.DeliveredAt != nil:
		t := f.DeliveredAt.UTC()
		c.DeliveredAt = &t
		c.SetFact(FactDeliveredAt, FactOrderAPI)
	default:
		c.SetFact(FactDeliveredAt, FactMissing)
	}
	if f.Fulfilment != "" {
		c.Fulfilment = f.Fulfilment
		c.Market = f.Fulfilment.Market()
		c.SetFact(FactFulfilment, FactOrderAPI)
		c.SetFact(FactMarket, FactOrderAPI)
	}
	if f.ShippingPaid != nil {
		m := *f.ShippingPaid
		c.ShippingPaid = &m
		c.SetFact(FactShippingPaid, FactOrderAPI)
	}
	switch {
	case f.Tariff != nil:
		m := *f.Tariff
		c.Tariff = &m
		c.SetFact(FactTariff, FactOrderAPI)
	case f.TariffKnown:
		c.Tariff = nil
		c.SetFact(FactTariff, FactOrderAPI)
	case c.Market.CrossBorder():
		c.SetFact(FactTariff, FactMissing)
	}
	if f.FreeReturnKnown && c.FactSourceOf(FactFreeReturnPromised) != FactPlatform {
		c.FreeReturnPromised = f.FreeReturn
		c.SetFact(FactFreeReturnPromised, FactOrderAPI)
	}
	if f.CheckoutKnown {
		c.ExemptionConfirmedAtCheckout = f.CheckoutConfirmed
		c.SetFact(FactCheckoutConfirmed, FactOrderAPI)
	}
	for i := range c.Lines {
		l := &c.Lines[i]
		ol, ok := f.Lines[l.SKU]
		if !ok {
			l.CategorySource = FactMissing
			c.SetFact(LineCategoryFact(i), FactMissing)
			continue
		}
		if ol.Category.Valid() {
			l.Category = ol.Category
		}
		src := ol.CategorySource
		if src == "" {
			src = FactProductAPI
		}
		l.CategorySource = src
		c.SetFact(LineCategoryFact(i), src)
		if l.Raw == nil {
			l.Raw = map[string]string{}
		}
		if ol.PlatformCategory != "" {
			l.Raw["platformCategory"] = ol.PlatformCategory
		}
		if ol.Paid != nil {
			l.Raw["paidAmount"] = ol.Paid.Decimal()
		}
		if ol.NoFreeReturn {
			l.Raw["noFreeReturn"] = "true"
		}
	}
	for k, v := range f.Raw {
		if c.Raw == nil {
			c.Raw = map[string]string{}
		}
		c.Raw["order."+k] = v
	}
}

// FillDefaultFacts records the source of every fact the adapters and the
// order left unsaid: the shop's market, the default freight reading, no
// free-return promise, general categories. It runs after ApplyOrderFacts.
func FillDefaultFacts(c *Case) {
	if c.FactSourceOf(FactMarket) == "" {
		c.SetFact(FactMarket, FactShopConfig)
	}
	if c.FactSourceOf(FactFulfilment) == "" && c.Fulfilment == "" {
		switch c.Market {
		case MarketCrossBorderBonded:
			c.Fulfilment = FulfilmentBonded
		case MarketCrossBorderDirect:
			c.Fulfilment = FulfilmentDirect
		default:
			c.Fulfilment = FulfilmentDomestic
		}
		c.SetFact(FactFulfilment, FactShopConfig)
	}
	if c.FactSourceOf(FactFreeReturnPromised) == "" {
		c.SetFact(FactFreeReturnPromised, FactDefault)
	}
	if c.FactSourceOf(FactCheckoutConfirmed) == "" {
		c.SetFact(FactCheckoutConfirmed, FactDefault)
	}
	if c.FactSourceOf(FactDeliveredAt) == "" {
		if c.DeliveredAt != nil {
			c.SetFact(FactDeliveredAt, FactPlatform)
		} else {
			c.SetFact(FactDeliveredAt, FactMissing)
		}
	}
	if c.FactSourceOf(FactTariff) == "" {
		switch {
		case c.Tariff != nil:
			c.SetFact(FactTariff, FactPlatform)
		case c.Market.CrossBorder():
			c.SetFact(FactTariff, FactMissing)
		default:
			c.SetFact(FactTariff, FactDefault)
		}
	}
	for i := range c.Lines {
		if c.Lines[i].CategorySource == "" {
			c.Lines[i].CategorySource = FactDefault
			c.SetFact(LineCategoryFact(i), FactDefault)
		}
	}
}

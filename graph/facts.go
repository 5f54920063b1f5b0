package graph

import (
	"time"

	"github.com/returnsgw/returnsgw/returns"
)

// The sources of a case's facts as the API shows them. A case stored before
// facts were recorded says nothing (""): the source is then inferred the way
// the adapters would have recorded it.

func deliveredAtSource(c *returns.Case) returns.FactSource {
	if s := c.FactSourceOf(returns.FactDeliveredAt); s != "" {
		return s
	}
	if c.DeliveredAt != nil {
		return returns.FactPlatform
	}
	return returns.FactMissing
}

func tariffSource(c *returns.Case) returns.FactSource {
	if s := c.FactSourceOf(returns.FactTariff); s != "" {
		return s
	}
	switch {
	case c.Tariff != nil:
		return returns.FactPlatform
	case c.Market.CrossBorder():
		return returns.FactMissing
	}
	return returns.FactDefault
}

func sourceOr(c *returns.Case, fact string, def returns.FactSource) returns.FactSource {
	if s := c.FactSourceOf(fact); s != "" {
		return s
	}
	return def
}

// fulfilment is the order's model, or the one the shop's market implies.
func fulfilment(c *returns.Case) returns.Fulfilment {
	if c.Fulfilment != "" {
		return c.Fulfilment
	}
	switch c.Market {
	case returns.MarketCrossBorderBonded:
		return returns.FulfilmentBonded
	case returns.MarketCrossBorderDirect:
		return returns.FulfilmentDirect
	}
	return returns.FulfilmentDomestic
}

// freightStated reports whether the platform itself states who pays.
func freightStated(c *returns.Case) bool {
	return c.ReturnFreightPaidBy != "" && c.FactSourceOf(returns.FactFreightPaidBy) != returns.FactRules
}

func (r *Resolver) returnFreightPaidBy(c *returns.Case) returns.Party {
	if freightStated(c) {
		return c.ReturnFreightPaidBy
	}
	return r.caseEligibility(c).ReturnFreightPaidBy
}

func returnFreightPaidBySource(c *returns.Case) returns.FactSource {
	if freightStated(c) {
		return returns.FactPlatform
	}
	return returns.FactRules
}

// windowClosesAt is the end of the no-reason window and where it came from:
// the platform's own deadline, the rules counting from the delivery time, or
// missing when there is no delivery time to count from.
func (r *Resolver) windowClosesAt(c *returns.Case) (*time.Time, returns.FactSource) {
	d := r.caseDeadlines(c)
	switch {
	case d.WindowClosesAt == nil:
		return nil, returns.FactMissing
	case c.Deadlines.WindowClosesAt != nil && c.DeliveredAt == nil:
		return d.WindowClosesAt, returns.FactPlatform
	}
	return d.WindowClosesAt, returns.FactRules
}

func lineCategorySource(l *returns.Line) returns.FactSource {
	if l.CategorySource != "" {
		return l.CategorySource
	}
	return returns.FactDefault
}

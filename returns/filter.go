package returns

import "time"

// Filter selects cases. Empty fields select everything; several values in one
// field are alternatives (OR); different fields must all hold (AND).
type Filter struct {
	Platforms     []PlatformID
	Statuses      []Status
	Reasons       []Reason
	Markets       []Market
	Kinds         []Kind
	ShopIDs       []string
	OrderID       string
	RespondBefore *time.Time // a respondBy deadline exists and is before this instant
	UpdatedAfter  *time.Time // updated strictly after this instant
	// NextDeadlineBefore: the seller's next deadline (Case.NextSellerDeadline)
	// exists and is before this instant.
	NextDeadlineBefore *time.Time
}

// Match reports whether the case passes the filter. Stores implement the same
// semantics in their query language; the store conformance suite checks both agree.
func (f *Filter) Match(c *Case) bool {
	if f == nil {
		return true
	}
	if len(f.Platforms) > 0 && !contains(f.Platforms, c.Platform) {
		return false
	}
	if len(f.Statuses) > 0 && !contains(f.Statuses, c.Status) {
		return false
	}
	if len(f.Reasons) > 0 && !contains(f.Reasons, c.Reason) {
		return false
	}
	if len(f.Markets) > 0 && !contains(f.Markets, c.Market) {
		return false
	}
	if len(f.Kinds) > 0 && !contains(f.Kinds, c.Kind) {
		return false
	}
	if len(f.ShopIDs) > 0 && !contains(f.ShopIDs, c.ShopID) {
		return false
	}
	if f.OrderID != "" && c.OrderID != f.OrderID {
		return false
	}
	if f.RespondBefore != nil && (c.Deadlines.RespondBy == nil || !c.Deadlines.RespondBy.Before(*f.RespondBefore)) {
		return false
	}
	if f.UpdatedAfter != nil && !c.UpdatedAt.After(*f.UpdatedAfter) {
		return false
	}
	if f.NextDeadlineBefore != nil {
		if n := c.NextSellerDeadline(); n == nil || !n.Before(*f.NextDeadlineBefore) {
			return false
		}
	}
	return true
}

// NextSellerDeadline returns the earliest deadline the seller must meet now:
// of an open case, the earlier of the stored RespondBy and RefundBy (the
// adapters set a platform's deadline only while its clock runs). BuyerShipBy
// and WindowClosesAt bind the buyer, AutoActionAt is the platform's. Nil
// for a closed case or one with neither.
func (c *Case) NextSellerDeadline() *time.Time {
	if !c.Status.Open() {
		return nil
	}
	n := c.Deadlines.RespondBy
	if r := c.Deadlines.RefundBy; r != nil && (n == nil || r.Before(*n)) {
		n = r
	}
	return n
}

func contains[T comparable](xs []T, x T) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

package alibabasim

import (
	"fmt"
	"strings"
	"time"

	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
	"github.com/returnsgw/returnsgw/adapters/simkit"
	"github.com/returnsgw/returnsgw/returns"
)

// change applies f to a refund record at the simulator's clock, moves the
// record's and its order's modify dates to now, and reports the change.
func (s *Server) change(id string, f func(o *order, r *refund, now time.Time) error) error {
	now := s.now().UTC().Truncate(time.Millisecond)
	s.mu.Lock()
	o, r := s.find(id)
	if r == nil {
		s.mu.Unlock()
		return returns.Errorf(returns.CodeNotFound, "alibabasim: no case %q", id)
	}
	if err := f(o, r, now); err != nil {
		s.mu.Unlock()
		return err
	}
	if now.After(r.modified) {
		r.modified = now
	}
	o.touch(r.modified)
	hook := s.onChange
	s.mu.Unlock()
	if hook != nil {
		hook(id)
	}
	return nil
}

// pay enters a refund of minor units of the order's currency in the
// ledger; s.mu is held.
func (s *Server) pay(caseID string, o *order, minorUnits int64, at time.Time) {
	s.ledger.Pay(simkit.Refund{CaseID: caseID, Amount: returns.Money{Minor: minorUnits, Currency: o.currency}.Decimal(),
		Currency: o.currency, At: at})
}

// find returns the order and refund record of a case id; s.mu is held.
func (s *Server) find(id string) (*order, *refund) {
	i := strings.LastIndex(id, "-")
	if i <= 0 {
		return nil, nil
	}
	o := s.orders[id[:i]]
	if o == nil {
		return nil, nil
	}
	for _, r := range o.refunds {
		if r.id == id[i+1:] {
			return o, r
		}
	}
	return o, nil
}

func stateError(r *refund, what string) error {
	return returns.Errorf(returns.CodeInvalidState, "alibabasim: refund %s is %s; cannot %s", r.id, r.status, what)
}

// OpenRequest is a buyer's new refund request.
type OpenRequest struct {
	// OrderID is the order (empty: the most recently delivered order without
	// an open request).
	OrderID     string
	ReturnGoods bool   // return and refund; otherwise refund only
	Reason      string // the reason's label (empty: "Product quality issues")
	Description string // the buyer's words
}

// Open files a buyer's refund request for a whole order and returns its case id.
func (s *Server) Open(req OpenRequest) (string, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	s.mu.Lock()
	o := s.orders[req.OrderID]
	if req.OrderID == "" {
		o = s.openable()
	}
	if o == nil {
		s.mu.Unlock()
		if req.OrderID == "" {
			return "", returns.Errorf(returns.CodeNotFound, "alibabasim: no delivered order without an open request")
		}
		return "", returns.Errorf(returns.CodeNotFound, "alibabasim: no order %q", req.OrderID)
	}
	for _, r := range o.refunds {
		if open(r.status) {
			s.mu.Unlock()
			return "", returns.Errorf(returns.CodeInvalidState, "alibabasim: order %s already has open request %s", o.tradeID, r.id)
		}
	}
	if req.Reason == "" {
		req.Reason = "Product quality issues"
	}
	s.nextID += 7
	r := &refund{id: fmt.Sprintf("%d", s.nextID), status: alibabawire.RefundWaitSellerConfirm,
		typ: alibabawire.RefundTypeRefundOnly, reason: req.Reason, desc: req.Description,
		apply: minor(o.total4(), o.currency), created: now, modified: now}
	if req.ReturnGoods {
		r.typ = alibabawire.RefundTypeReturnAndRefund
	}
	for _, l := range o.lines {
		r.lines = append(r.lines, refundLine{l.id, l.qty})
	}
	o.refunds = append(o.refunds, r)
	o.touch(now)
	id := caseID(o, r)
	s.caseIDs = append(s.caseIDs, id)
	hook := s.onChange
	s.mu.Unlock()
	if hook != nil {
		hook(id)
	}
	return id, nil
}

// openable is the most recently delivered order without an open request;
// s.mu is held.
func (s *Server) openable() *order {
	var best *order
	var bestAt time.Time
	for _, o := range s.orders {
		if len(o.parcels) == 0 || o.parcels[len(o.parcels)-1].signed == nil {
			continue
		}
		busy := false
		for _, r := range o.refunds {
			busy = busy || open(r.status)
		}
		at := *o.parcels[len(o.parcels)-1].signed
		if !busy && (best == nil || at.After(bestAt) || (at.Equal(bestAt) && o.tradeID > best.tradeID)) {
			best, bestAt = o, at
		}
	}
	return best
}

// open reports whether a request in the status still waits on someone.
func open(status string) bool {
	switch status {
	case alibabawire.RefundSuccess, alibabawire.RefundBuyerCancelled, alibabawire.RefundClosed:
		return false
	}
	return true
}

// Ship records the buyer sending the goods back.
func (s *Server) Ship(id, carrier, trackingNo string) error {
	return s.change(id, func(o *order, r *refund, now time.Time) error {
		if r.status != alibabawire.RefundWaitBuyerReturn {
			return stateError(r, "ship the goods back")
		}
		if carrier == "" {
			carrier = "DHL"
		}
		if trackingNo == "" {
			trackingNo = fmt.Sprintf("%010d", now.UnixMilli()%10_000_000_000)
		}
		r.status = alibabawire.RefundWaitSellerReceive
		r.ret = &returnParcel{carrier: carrier, tracking: trackingNo, shipped: now}
		return nil
	})
}

// Cancel records the buyer withdrawing the request.
func (s *Server) Cancel(id string) error {
	return s.change(id, func(o *order, r *refund, now time.Time) error {
		switch r.status {
		case alibabawire.RefundWaitSellerConfirm, alibabawire.RefundWaitBuyerConfirm, alibabawire.RefundSellerRefused,
			alibabawire.RefundWaitBuyerReturn:
			r.status = alibabawire.RefundBuyerCancelled
			return nil
		}
		return stateError(r, "cancel")
	})
}

// Escalate records the buyer asking Alibaba.com to mediate after the
// negotiation failed.
func (s *Server) Escalate(id string) error {
	return s.change(id, func(o *order, r *refund, now time.Time) error {
		switch r.status {
		case alibabawire.RefundWaitSellerConfirm, alibabawire.RefundWaitBuyerConfirm, alibabawire.RefundSellerRefused:
			r.status = alibabawire.RefundPlatformMediating
			return nil
		}
		return stateError(r, "escalate")
	})
}

// Touch records a change that leaves the status as it is, such as the buyer
// editing the request's description.
func (s *Server) Touch(id string) error {
	return s.change(id, func(o *order, r *refund, now time.Time) error { return nil })
}

// SellerCentre carries out what the seller does for the case on the
// Alibaba.com website, where the platform offers no API: approve, offer
// another solution, reject, confirm receipt of the returned goods, refund,
// or ask Alibaba.com to mediate.
func (s *Server) SellerCentre(id string, action returns.Action) error {
	return s.change(id, func(o *order, r *refund, now time.Time) error {
		switch action {
		case returns.ActionApprove:
			switch r.status {
			case alibabawire.RefundWaitSellerConfirm, alibabawire.RefundWaitBuyerConfirm:
				if r.typ == alibabawire.RefundTypeReturnAndRefund {
					r.status = alibabawire.RefundWaitBuyerReturn
				} else {
					r.status = alibabawire.RefundRefunding
					v := r.apply
					r.refunded = &v
					s.pay(id, o, v, now)
				}
				return nil
			}
		case returns.ActionOffer:
			if r.status == alibabawire.RefundWaitSellerConfirm {
				r.status = alibabawire.RefundWaitBuyerConfirm
				return nil
			}
		case returns.ActionReject:
			switch r.status {
			case alibabawire.RefundWaitSellerConfirm, alibabawire.RefundWaitBuyerConfirm, alibabawire.RefundSellerReceived:
				r.status = alibabawire.RefundSellerRefused
				return nil
			}
		case returns.ActionConfirmReceipt:
			if r.status == alibabawire.RefundWaitSellerReceive {
				r.status = alibabawire.RefundSellerReceived
				t := now
				if r.ret != nil {
					r.ret.received = &t
				}
				return nil
			}
		case returns.ActionRefund:
			switch r.status {
			case alibabawire.RefundSellerReceived, alibabawire.RefundRefunding:
				r.status = alibabawire.RefundSuccess
				if r.refunded == nil {
					v := r.apply
					r.refunded = &v
					s.pay(id, o, v, now)
				}
				t := now
				r.refundedAt = &t
				return nil
			}
		case returns.ActionEscalate:
			switch r.status {
			case alibabawire.RefundSellerRefused, alibabawire.RefundWaitBuyerConfirm:
				r.status = alibabawire.RefundPlatformMediating
				return nil
			}
		default:
			return returns.Errorf(returns.CodeUnsupported, "alibabasim: the seller centre has no %s", action)
		}
		return stateError(r, string(action))
	})
}

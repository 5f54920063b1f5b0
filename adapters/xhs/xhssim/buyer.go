package xhssim

import (
	"fmt"

	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
)

// The buyer's side and the test hooks. Each change happens at the server's
// clock and is reported to OnChange.

// change runs fn on the case under the lock and reports the change.
func (s *Server) change(id string, fn func(c *simCase, now int64) error) error {
	s.mu.Lock()
	c, ok := s.cases[id]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("xhssim: no case %s", id)
	}
	c.pushTags = nil
	err := fn(c, s.nowMS())
	var msgs []xhswire.PushMessage
	if err == nil {
		msgs = s.pushFor(c)
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	s.push.send(msgs)
	if s.onChange != nil {
		s.onChange(id)
	}
	return nil
}

// Open files a new request (status 1) for the shop and returns its returnsId.
func (s *Server) Open(shopID string, req OpenRequest) (string, error) {
	switch req.ReturnType {
	case 0, xhswire.ReturnTypeReturn, xhswire.ReturnTypeExchange, xhswire.ReturnTypeRefundAfterShip,
		xhswire.ReturnTypeRefundBeforeShip, xhswire.ReturnTypePriceProtection:
	default:
		return "", fmt.Errorf("xhssim: returnType %d cannot be opened", req.ReturnType)
	}
	if req.Count < 0 {
		return "", fmt.Errorf("xhssim: count %d", req.Count)
	}
	s.mu.Lock()
	sh, ok := s.shopByID[shopID]
	if !ok {
		s.mu.Unlock()
		return "", fmt.Errorf("xhssim: no shop %s", shopID)
	}
	if req.SKUID != "" {
		found := false
		for _, p := range catalogue {
			found = found || p.skuID == req.SKUID
		}
		if !found {
			s.mu.Unlock()
			return "", fmt.Errorf("xhssim: no SKU %s in the catalogue", req.SKUID)
		}
	}
	c := s.newCase(sh, req.ReturnType, req, s.nowMS())
	id := c.info.ReturnsID
	msgs := s.pushFor(c)
	s.mu.Unlock()
	s.push.send(msgs)
	if s.onChange != nil {
		s.onChange(id)
	}
	return id, nil
}

// Ship records the buyer's parcel back: status 2 → 3.
func (s *Server) Ship(id, carrierCode, trackingNo string) error {
	if carrierCode == "" || trackingNo == "" {
		return fmt.Errorf("xhssim: a carrier code and a tracking number are required")
	}
	return s.change(id, func(c *simCase, now int64) error {
		if c.info.Status != xhswire.StatusAwaitingReturn {
			return fmt.Errorf("xhssim: case %s is in status %d, not waiting for the buyer to ship", id, c.info.Status)
		}
		s.buyerShip(c, carrierCode, trackingNo, now)
		return nil
	})
}

// Cancel withdraws the buyer's request (from status 1, 2, 9 or 9001).
func (s *Server) Cancel(id string) error {
	return s.change(id, func(c *simCase, now int64) error {
		switch c.info.Status {
		case xhswire.StatusPendingReview, xhswire.StatusAwaitingReturn, xhswire.StatusRejected, xhswire.StatusRejectedAtReceipt:
			s.cancel(c, now)
			return nil
		}
		return fmt.Errorf("xhssim: case %s in status %d cannot be cancelled", id, c.info.Status)
	})
}

// Escalate asks the platform to intervene (→ 14) on a case still in progress
// or refused.
func (s *Server) Escalate(id string) error {
	return s.change(id, func(c *simCase, now int64) error {
		switch c.info.Status {
		case xhswire.StatusPendingReview, xhswire.StatusAwaitingReturn, xhswire.StatusAwaitingReceipt,
			xhswire.StatusRejected, xhswire.StatusRejectedAtReceipt, xhswire.StatusExchangeAwaitShip,
			xhswire.StatusExchangeAwaitBuyer:
			s.escalate(c, now)
			return nil
		}
		return fmt.Errorf("xhssim: case %s in status %d cannot be escalated", id, c.info.Status)
	})
}

// Touch records that the buyer edited the request: updatedAt becomes now.
func (s *Server) Touch(id string) error {
	return s.change(id, func(c *simCase, now int64) error {
		c.info.UpdatedAt = now
		s.record(c, now, roleBuyer, "买家修改售后申请")
		return nil
	})
}

// InjectUnknownStatus gives the case a status value the platform has never
// documented and returns it as the wire carries it.
func (s *Server) InjectUnknownStatus(id string) (string, error) {
	const unknown = 15
	if _, known := xhswire.StatusLabels[unknown]; known {
		return "", fmt.Errorf("xhssim: status %d is documented", unknown)
	}
	err := s.change(id, func(c *simCase, now int64) error {
		c.info.Status = unknown
		c.info.UpdatedAt = now
		return nil
	})
	return fmt.Sprint(unknown), err
}

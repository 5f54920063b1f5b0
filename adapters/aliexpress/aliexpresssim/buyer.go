package aliexpresssim

import (
	"errors"
	"fmt"
	"time"

	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
	"github.com/returnsgw/returnsgw/returns"
)

// ErrNoIssue is returned by the buyer methods for an unknown issue id.
var ErrNoIssue = errors.New("aliexpresssim: no such issue")

// OpenRequest is what a buyer fills in to open a dispute.
type OpenRequest struct {
	SolutionType  string // aliexpresswire.SolutionRefund (default) or aliexpresswire.SolutionReturnAndRefund
	ReasonID      int64  // one of the simulator's reasons (1–9, 115); 0: 1, product not received
	Amount        string // decimal in Currency; "": the whole price
	Currency      string // the settlement currency, USD (default) or EUR
	LocalCurrency string // the buyer's currency; "": Currency
	ProductID     string // one of Catalog's products; "": the first
	BearRole      string // who pays return freight for a return; "": seller
	Content       string
}

// Open opens a dispute as a buyer would and returns its id. The seller then
// has the answer window to respond.
func (s *Server) Open(o OpenRequest) (string, error) {
	if o.SolutionType == "" {
		o.SolutionType = aliexpresswire.SolutionRefund
	}
	if o.SolutionType != aliexpresswire.SolutionRefund && o.SolutionType != aliexpresswire.SolutionReturnAndRefund {
		return "", fmt.Errorf("aliexpresssim: solution type %q", o.SolutionType)
	}
	if o.Currency == "" {
		o.Currency = "USD"
	}
	if o.LocalCurrency == "" {
		o.LocalCurrency = o.Currency
	}
	for _, c := range []string{o.Currency, o.LocalCurrency} {
		if _, ok := usdRates[c]; !ok {
			return "", fmt.Errorf("aliexpresssim: currency %q is not simulated", c)
		}
	}
	r := reasons[0]
	for _, x := range reasons {
		if x.id == o.ReasonID {
			r = x
		}
	}
	p := products[0]
	for _, x := range products {
		if x.id == o.ProductID {
			p = x
		}
	}
	price := convert(p.usdMinor, "USD", o.Currency)
	amount := price
	if o.Amount != "" {
		m, err := returns.ParseMoney(o.Amount, o.Currency)
		if err != nil || m.Minor <= 0 || m.Minor > price {
			return "", fmt.Errorf("aliexpresssim: amount %q must be between 0 and the price %s", o.Amount, decimal(price, o.Currency))
		}
		amount = m.Minor
	}
	if o.Content == "" {
		o.Content = r.english
	}
	s.mu.Lock()
	now := s.opts.Now().Truncate(time.Second)
	n := int64(len(s.order))
	id := fmt.Sprint(6345753109519425 + n*1000037)
	for s.issues[id] != nil {
		n++
		id = fmt.Sprint(6345753109519425 + n*1000037)
	}
	is := &issue{id: id, orderID: fmt.Sprint(8194715118461470 + n*3000017), parentOrderID: fmt.Sprint(8194715118461470 + n*3000017 - 10000),
		buyer: fmt.Sprintf("us%09dnae", n), created: now, modified: now, status: aliexpresswire.IssueProcessing,
		rds: aliexpresswire.RDWaitSellerResponse, reason: r, settle: o.Currency, local: o.LocalCurrency, maxMinor: price,
		priceMinor: price, product: p, timeoutType: aliexpresswire.TimeoutWaitSolution, timeoutAt: now.Add(answerWindow)}
	b := &solution{id: s.nextID(), owner: aliexpresswire.RoleBuyer, typ: o.SolutionType, status: aliexpresswire.SolWaitSellerAccept,
		isDefault: true, content: o.Content, amountMinor: amount, created: now, modified: now, version: 1}
	if b.typ == aliexpresswire.SolutionReturnAndRefund {
		b.bear = o.BearRole
		if b.bear == "" {
			b.bear = aliexpresswire.RoleSeller
		}
	}
	is.solutions = []*solution{b}
	s.addProcess(is, aliexpresswire.ActInitiate, aliexpresswire.RoleBuyer, o.Content, now)
	s.issues[id] = is
	s.order = append(s.order, id)
	s.indexOrder(is)
	s.mu.Unlock()
	s.notify(id)
	return id, nil
}

// change runs f on the issue under the lock, stamps the change and notifies.
func (s *Server) change(id string, f func(is *issue, now time.Time) error) error {
	s.mu.Lock()
	is, ok := s.issues[id]
	if !ok {
		s.mu.Unlock()
		return ErrNoIssue
	}
	now := s.opts.Now()
	if err := f(is, now); err != nil {
		s.mu.Unlock()
		return err
	}
	if now.After(is.modified) {
		is.modified = now
	}
	s.mu.Unlock()
	s.notify(id)
	return nil
}

// Ship records the buyer sending the goods back: the seller must then
// confirm receipt before the receive timeout.
func (s *Server) Ship(id, carrier, trackingNo string) error {
	return s.change(id, func(is *issue, now time.Time) error {
		if is.status != aliexpresswire.IssueProcessing || is.rds != aliexpresswire.RDWaitBuyerReturn {
			return fmt.Errorf("aliexpresssim: issue %s is %s/%s, not waiting for the buyer's return", id, is.status, is.rds)
		}
		is.returnCompany, is.returnNo, is.returnLP = carrier, trackingNo, "LP00"+trackingNo
		is.rds, is.timeoutType, is.timeoutAt = aliexpresswire.RDWaitSellerConfirmation, aliexpresswire.TimeoutWaitReceiveItem, now.Add(receiveWindow)
		s.addProcess(is, aliexpresswire.ActBuyerReturnGoods, aliexpresswire.RoleBuyer, carrier+" "+trackingNo, now)
		return nil
	})
}

// Cancel withdraws the dispute.
func (s *Server) Cancel(id string) error {
	return s.change(id, func(is *issue, now time.Time) error {
		if is.status != aliexpresswire.IssueProcessing {
			return fmt.Errorf("aliexpresssim: issue %s is %s", id, is.status)
		}
		is.status, is.timeoutType, is.timeoutAt = aliexpresswire.IssueCanceled, "", time.Time{}
		s.addProcess(is, aliexpresswire.ActCancel, aliexpresswire.RoleBuyer, "", now)
		return nil
	})
}

// Escalate asks the platform to step in.
func (s *Server) Escalate(id string) error {
	return s.change(id, func(is *issue, now time.Time) error {
		if is.status != aliexpresswire.IssueProcessing || !(negotiable(is.rds) || is.rds == aliexpresswire.RDWaitSellerConfirmation) {
			return fmt.Errorf("aliexpresssim: issue %s is %s/%s and cannot be escalated", id, is.status, is.rds)
		}
		for _, x := range is.solutionsOf(aliexpresswire.RoleSeller) {
			if x.status == aliexpresswire.SolWaitBuyerAccept {
				x.status, x.modified = aliexpresswire.SolBuyerRefused, now
				s.addProcess(is, aliexpresswire.ActBuyerRefuse, aliexpresswire.RoleBuyer, "", now)
			}
		}
		is.rds, is.timeoutType, is.timeoutAt = aliexpresswire.RDWaitAEFeedback, "", time.Time{}
		s.addProcess(is, aliexpresswire.ActBuyerInitiateArbitration, aliexpresswire.RoleBuyer, "", now)
		return nil
	})
}

// Touch records the buyer editing their request now (the text of their
// current solution), which changes the issue's gmt_modified.
func (s *Server) Touch(id string) error {
	return s.change(id, func(is *issue, now time.Time) error {
		var b *solution
		for _, x := range is.solutionsOf(aliexpresswire.RoleBuyer) {
			if b == nil || x.created.After(b.created) {
				b = x
			}
		}
		if b == nil {
			return fmt.Errorf("aliexpresssim: issue %s has no buyer solution", id)
		}
		b.content += " (edited)"
		b.modified = now
		b.version++
		s.addProcess(is, aliexpresswire.ActBuyerModifySolution, aliexpresswire.RoleBuyer, b.content, now)
		return nil
	})
}

// UnknownReverseStatus is the value InjectUnknownStatus gives.
const UnknownReverseStatus = "wait_for_risk_control_review"

// InjectUnknownStatus makes the issue report a reverse status no adapter has
// seen, as if the platform had reopened it into a new stage, and returns the
// status as the adapter's PlatformStatus.Code shows it:
// issue_status + "/" + reverse_detail_status.
func (s *Server) InjectUnknownStatus(id string) (string, error) {
	err := s.change(id, func(is *issue, now time.Time) error {
		is.status, is.rds, is.timeoutType, is.timeoutAt = aliexpresswire.IssueProcessing, UnknownReverseStatus, "", time.Time{}
		return nil
	})
	if err != nil {
		return "", err
	}
	return aliexpresswire.IssueProcessing + "/" + UnknownReverseStatus, nil
}

// Detail returns the issue as aliexpress.issue.detail.get would.
func (s *Server) Detail(id string) (*aliexpresswire.IssueDetail, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is, ok := s.issues[id]
	if !ok {
		return nil, false
	}
	return is.wire(), true
}

// ReturnAddressOf is the return address the seller gave for the issue ("" if none).
func (s *Server) ReturnAddressOf(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if is, ok := s.issues[id]; ok {
		return is.returnAddressID
	}
	return ""
}

// DefaultAddressID is the shop's default return address.
func (s *Server) DefaultAddressID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.addresses {
		if a.IsDefault == "1" {
			return a.AddressID.String()
		}
	}
	return ""
}

// BuyerOf is the buyer login id of an issue ("" if unknown).
func (s *Server) BuyerOf(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if is, ok := s.issues[id]; ok {
		return is.buyer
	}
	return ""
}

package xhs

import (
	"context"
	"strconv"
	"strings"

	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
)

// capabilities is what XHS's after-sale API can do: review (agree or refuse),
// confirm or refuse receipt, and refund (by agreeing to a refund-only request,
// or by confirming receipt of a return). It has no counter-offer, no
// inspection record and no way for a seller to escalate (that is a
// seller-centre step).
var capabilities = []returns.Action{
	returns.ActionApprove, returns.ActionReject, returns.ActionConfirmReceipt, returns.ActionRefund,
}

// Capabilities reports what XHS's API can do; XHS pushes changes by webhook.
func (a *Adapter) Capabilities() returns.Capabilities {
	return returns.Capabilities{Actions: append([]returns.Action(nil), capabilities...), Push: true,
		// Asking the platform to intervene happens in the seller centre (see SellerCentreActions).
		ManualActions: []returns.Action{returns.ActionEscalate}}
}

// rawState is the platform's own status and type of a case, read from the
// raw values the adapter kept; ok is false when they are missing.
func rawState(c *returns.Case) (status, returnType int, ok bool) {
	if c == nil {
		return 0, 0, false
	}
	s, err1 := strconv.Atoi(c.PlatformStatus.Code)
	if c.PlatformStatus.Code == "" {
		s, err1 = strconv.Atoi(c.Raw["status"])
	}
	t, err2 := strconv.Atoi(c.Raw["returnType"])
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return s, t, true
}

// AllowedActions reads the case's raw XHS status and type: review happens
// only in status 1, receipt only in status 3. A status or type the adapter
// does not know, and every terminal status, allow nothing.
func (a *Adapter) AllowedActions(c *returns.Case) []returns.Action {
	status, returnType, ok := rawState(c)
	if !ok {
		return nil
	}
	return allowedActions(status, returnType)
}

func allowedActions(status, returnType int) []returns.Action {
	refundOnly := refundOnlyType(returnType)
	switch status {
	case xhswire.StatusPendingReview:
		switch {
		case returnType == xhswire.ReturnTypeRefundBeforeShip:
			// An unshipped refund-only request can be refused only by
			// shipping the order, which is not an after-sale call.
			return []returns.Action{returns.ActionApprove, returns.ActionRefund}
		case refundOnly:
			return []returns.Action{returns.ActionApprove, returns.ActionReject, returns.ActionRefund}
		case returnType == xhswire.ReturnTypeReturn || returnType == xhswire.ReturnTypeExchange:
			return []returns.Action{returns.ActionApprove, returns.ActionReject}
		}
	case xhswire.StatusAwaitingReceipt:
		switch returnType {
		case xhswire.ReturnTypeReturn:
			// XHS refunds when receipt is confirmed: refund is confirm receipt.
			return []returns.Action{returns.ActionConfirmReceipt, returns.ActionReject, returns.ActionRefund}
		case xhswire.ReturnTypeExchange:
			return []returns.Action{returns.ActionConfirmReceipt, returns.ActionReject}
		}
	}
	return nil
}

func allows(acts []returns.Action, a returns.Action) bool {
	for _, x := range acts {
		if x == a {
			return true
		}
	}
	return false
}

// Perform carries out a seller action with afterSale.auditReturns,
// afterSale.confirmReceive or afterSale.receiveAndShip, then reads the case
// back. An action the case's XHS status does not allow fails with
// INVALID_STATE before anything is sent; an action XHS's API cannot do fails
// with UNSUPPORTED_ON_PLATFORM. A write is never repeated by the adapter once
// it may have reached the platform.
func (a *Adapter) Perform(ctx context.Context, req returns.ActionRequest) (*returns.ActionResult, error) {
	if req.Case == nil || req.Case.PlatformCaseID == "" {
		return nil, returns.Errorf(returns.CodeInvalid, "the case is required").WithField("case")
	}
	if !allows(capabilities, req.Action) {
		return nil, returns.Errorf(returns.CodeUnsupported, "XHS's API cannot %s", req.Action)
	}
	status, returnType, ok := rawState(req.Case)
	if !ok || !allows(allowedActions(status, returnType), req.Action) {
		return nil, returns.Errorf(returns.CodeInvalidState, "XHS does not allow %s on a case in status %s (%s) of type %s",
			req.Action, req.Case.PlatformStatus.Code, req.Case.PlatformStatus.Label, req.Case.Raw["returnType"])
	}
	if err := checkAmount(req); err != nil {
		return nil, err
	}
	id := req.Case.PlatformCaseID

	var expected returns.Status
	var err error
	switch {
	case req.Action == returns.ActionReject:
		expected = returns.StatusRejected
		err = a.reject(ctx, req, status)
	case status == xhswire.StatusPendingReview && refundOnlyType(returnType):
		// Approve and refund are one call here: agree and refund directly.
		expected = returns.StatusRefundPending
		err = a.auditReturns(ctx, xhswire.AuditReturnsRequest{ReturnsID: id, Action: xhswire.AuditAgreeRefund})
	case status == xhswire.StatusPendingReview:
		expected = returns.StatusAwaitingBuyerShipment
		err = a.approveReturn(ctx, req)
	case returnType == xhswire.ReturnTypeExchange && req.Shipment != nil:
		if req.Shipment.CarrierCode == "" || req.Shipment.TrackingNo == "" {
			return nil, returns.Errorf(returns.CodeInvalid, "a replacement shipment needs a carrier code and a tracking number").WithField("shipment")
		}
		expected = returns.StatusExchangeShipped
		err = a.receiveAndShip(ctx, xhswire.ReceiveAndShipRequest{ReturnsID: id, ExpressCompanyCode: req.Shipment.CarrierCode, ExpressNo: req.Shipment.TrackingNo})
	default:
		if req.Shipment != nil {
			return nil, returns.Errorf(returns.CodeInvalid, "a replacement shipment applies only to an exchange").WithField("shipment")
		}
		// Confirming receipt of a return is XHS's refund; of an exchange it
		// leaves the replacement to be shipped (status 12).
		expected = returns.StatusRefundPending
		if returnType == xhswire.ReturnTypeExchange {
			expected = returns.StatusReceived
		}
		err = a.confirmReceive(ctx, xhswire.ConfirmReceiveRequest{ReturnsID: id, Action: xhswire.ReceiveConfirm})
	}
	if err != nil {
		return nil, err
	}
	res := &returns.ActionResult{Expected: expected}
	c, rerr := a.GetCase(ctx, id)
	if rerr != nil {
		a.cfg.Logger.Warn("xhs: action done, but the case could not be read back", "shop", a.cfg.Shop.ID, "returnsId", id, "action", req.Action, "error", rerr)
		return res, nil
	}
	res.Case = c
	return res, nil
}

// checkAmount refuses a partial amount: XHS's API refunds what the buyer
// asked for and takes no amount.
func checkAmount(req returns.ActionRequest) error {
	if req.Amount == nil || (req.Action != returns.ActionRefund && req.Action != returns.ActionApprove) {
		return nil
	}
	if r := req.Case.RequestedRefund; r != nil {
		if cmp, err := req.Amount.Cmp(*r); err == nil && cmp == 0 {
			return nil
		}
	}
	return returns.Errorf(returns.CodeUnsupported, "XHS refunds the requested amount only; it cannot refund %s", req.Amount).WithField("amount")
}

// approveReturn agrees to a return or exchange, sending the goods to the
// requested address or else the shop's default after-sale address.
func (a *Adapter) approveReturn(ctx context.Context, req returns.ActionRequest) error {
	var addrID int64
	if req.ReturnAddressID != "" {
		n, err := strconv.ParseInt(req.ReturnAddressID, 10, 64)
		if err != nil || n <= 0 {
			return returns.Errorf(returns.CodeInvalid, "%q is not an XHS address record id", req.ReturnAddressID).WithField("returnAddressId")
		}
		addrID = n
	} else {
		def, err := a.defaultAddress(ctx)
		if err != nil {
			return err
		}
		addrID = def
	}
	return a.auditReturns(ctx, xhswire.AuditReturnsRequest{
		ReturnsID: req.Case.PlatformCaseID, Action: xhswire.AuditAgreeReturn, Message: req.Message,
		ReceiverInfo: &xhswire.ReceiverInfo{SellerAddressRecordID: addrID},
	})
}

// reject refuses at review (status 1) or at receipt (status 3). Without a
// reason id it uses the platform's "other" reason, which needs a note.
func (a *Adapter) reject(ctx context.Context, req returns.ActionRequest, status int) error {
	note := strings.TrimSpace(req.Note)
	var reason int64
	if req.ReasonID != "" {
		n, err := strconv.ParseInt(req.ReasonID, 10, 64)
		if err != nil || n <= 0 {
			// XHS's reason ids are positive; 0 is what an unset id decodes
			// to, and the platform's answer to it is not documented.
			return returns.Errorf(returns.CodeInvalid, "%q is not an XHS reject reason id (take one from rejectReasons)", req.ReasonID).WithField("reasonId")
		}
		reason = n
	} else {
		if note == "" {
			return returns.Errorf(returns.CodeInvalid, "a note is required when rejecting without a reason id (XHS's reason \"其他\")").WithField("note")
		}
		other, err := a.otherReason(ctx, req.Case, status)
		if err != nil {
			return err
		}
		reason = other
	}
	id := req.Case.PlatformCaseID
	if status == xhswire.StatusPendingReview {
		return a.auditReturns(ctx, xhswire.AuditReturnsRequest{ReturnsID: id, Action: xhswire.AuditReject, Reason: reason, Description: note})
	}
	return a.confirmReceive(ctx, xhswire.ConfirmReceiveRequest{ReturnsID: id, Action: xhswire.ReceiveReject, Reason: reason, Description: note})
}

// auditReturns calls afterSale.auditReturns (售后审核（新）).
func (a *Adapter) auditReturns(ctx context.Context, req xhswire.AuditReturnsRequest) error {
	return a.call(ctx, xhswire.MethodAuditReturns, req, true, nil)
}

// confirmReceive calls afterSale.confirmReceive (售后确认收货（新）).
func (a *Adapter) confirmReceive(ctx context.Context, req xhswire.ConfirmReceiveRequest) error {
	return a.call(ctx, xhswire.MethodConfirmReceive, req, true, nil)
}

// receiveAndShip calls afterSale.receiveAndShip (售后换货确认收货并发货).
func (a *Adapter) receiveAndShip(ctx context.Context, req xhswire.ReceiveAndShipRequest) error {
	return a.call(ctx, xhswire.MethodReceiveAndShip, req, true, nil)
}

// ActionRawKeys names the raw values AllowedActions reads (rawState).
func (a *Adapter) ActionRawKeys() []string { return []string{"status", "returnType"} }

// BuyerMessageSlot: afterSale.auditReturns takes a message to the buyer only
// when agreeing to have the goods sent back (action 2, 同意寄回; the
// platform's description of `message`); a refusal's description is the
// reason's explanation, not a message.
func (a *Adapter) BuyerMessageSlot(act returns.Action, c *returns.Case) returns.MessageSlot {
	status, returnType, ok := rawState(c)
	if act == returns.ActionApprove && ok && status == xhswire.StatusPendingReview && !refundOnlyType(returnType) {
		return returns.SlotMessage
	}
	return returns.SlotNone
}

package xhssim

import (
	"strings"

	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
)

func isReturnLike(returnType int) bool {
	return returnType == xhswire.ReturnTypeReturn || returnType == xhswire.ReturnTypeExchange
}

// audit answers afterSale.auditReturns: only in status 1.
func (s *Server) audit(sh *shopState, req xhswire.AuditReturnsRequest) (any, []string, *apiError) {
	c, err := s.find(sh, req.ReturnsID)
	if err != nil {
		return nil, nil, err
	}
	if c.info.Status != xhswire.StatusPendingReview {
		return nil, nil, errf(xhswire.ErrStatusNotAllowed, "售后单状态为%d，仅待审核状态可审核", c.info.Status)
	}
	now := s.nowMS()
	switch req.Action {
	case xhswire.AuditAgreeRefund:
		if isReturnLike(c.info.ReturnType) {
			return nil, nil, errf(xhswire.ErrParamInvalid, "同意直接退款不适用于退货退款和换货")
		}
		s.agreeRefund(c, now)
	case xhswire.AuditAgreeReturn:
		if !isReturnLike(c.info.ReturnType) {
			return nil, nil, errf(xhswire.ErrParamInvalid, "同意寄回不适用于仅退款")
		}
		if req.ReceiverInfo == nil || req.ReceiverInfo.SellerAddressRecordID == 0 {
			return nil, nil, errf(xhswire.ErrParamInvalid, "同意寄回时receiverInfo.sellerAddressRecordId必填")
		}
		a, ok := addressByID(sh, req.ReceiverInfo.SellerAddressRecordID)
		if !ok {
			return nil, nil, errf(xhswire.ErrParamInvalid, "商家地址库Id无效")
		}
		s.agreeReturn(c, a, req.Message, now)
	case xhswire.AuditReject:
		if c.info.ReturnType == xhswire.ReturnTypeRefundBeforeShip {
			return nil, nil, errf(xhswire.ErrParamInvalid, "未发货仅退款不支持拒绝，请通过订单发货拒绝")
		}
		name, aerr := reasonName(reviewRejectReasons, req.Reason, req.Description)
		if aerr != nil {
			return nil, nil, aerr
		}
		s.reject(c, name, strings.TrimSpace(req.Description), now)
	default:
		return nil, nil, errf(xhswire.ErrParamInvalid, "action只能为1、2或3")
	}
	return nil, []string{c.info.ReturnsID}, nil
}

// reasonName checks a reject reason id against the list; the catch-all
// "其他" needs a description.
func reasonName(list []xhswire.RejectReason, id int64, desc string) (string, *apiError) {
	for _, r := range list {
		if r.ReasonID == id {
			if r.ReasonName == otherReasonName && strings.TrimSpace(desc) == "" {
				return "", errf(xhswire.ErrParamInvalid, "拒绝原因为“其他”时description必填")
			}
			return r.ReasonName, nil
		}
	}
	return "", errf(xhswire.ErrParamInvalid, "拒绝原因不合法，请通过afterSale.rejectReasons获取")
}

// confirmReceive answers afterSale.confirmReceive: only in status 3.
func (s *Server) confirmReceive(sh *shopState, req xhswire.ConfirmReceiveRequest) (any, []string, *apiError) {
	c, err := s.find(sh, req.ReturnsID)
	if err != nil {
		return nil, nil, err
	}
	if c.info.Status != xhswire.StatusAwaitingReceipt {
		return nil, nil, errf(xhswire.ErrStatusNotAllowed, "售后单状态为%d，仅待商家收货状态可操作", c.info.Status)
	}
	now := s.nowMS()
	switch req.Action {
	case xhswire.ReceiveConfirm:
		s.confirmReceipt(c, now)
	case xhswire.ReceiveReject:
		name, aerr := reasonName(receiptRejectReasons, req.Reason, req.Description)
		if aerr != nil {
			return nil, nil, aerr
		}
		s.rejectReceipt(c, name, strings.TrimSpace(req.Description), now)
	case xhswire.ReceiveExtend:
		if c.extended {
			return nil, nil, errf(xhswire.ErrStatusNotAllowed, "收货时间只能延长一次")
		}
		s.extendReceipt(c, now)
	default:
		return nil, nil, errf(xhswire.ErrParamInvalid, "action只能为1、2或3")
	}
	return nil, []string{c.info.ReturnsID}, nil
}

// receiveAndShip answers afterSale.receiveAndShip: an exchange in status 3.
func (s *Server) receiveAndShip(sh *shopState, req xhswire.ReceiveAndShipRequest) (any, []string, *apiError) {
	c, err := s.find(sh, req.ReturnsID)
	if err != nil {
		return nil, nil, err
	}
	if req.ExpressCompanyCode == "" || req.ExpressNo == "" {
		return nil, nil, errf(xhswire.ErrParamInvalid, "expressCompanyCode和expressNo必填")
	}
	if c.info.ReturnType != xhswire.ReturnTypeExchange {
		return nil, nil, errf(xhswire.ErrParamInvalid, "仅换货售后单可确认收货并发货")
	}
	if c.info.Status != xhswire.StatusAwaitingReceipt {
		return nil, nil, errf(xhswire.ErrStatusNotAllowed, "售后单状态为%d，仅待商家收货状态可操作", c.info.Status)
	}
	s.shipExchange(c, req.ExpressCompanyCode, req.ExpressNo, s.nowMS())
	// One call confirms the returned goods and ships the replacement.
	c.pushTags = []string{xhswire.TagAfterSaleConfirmReceive, xhswire.TagAfterSaleExchangeShip}
	return map[string]any{}, []string{c.info.ReturnsID}, nil
}

// rejectReasons answers afterSale.rejectReasons.
func (s *Server) rejectReasons(sh *shopState, req xhswire.RejectReasonsRequest) (*xhswire.RejectReasonsData, *apiError) {
	if _, err := s.find(sh, req.ReturnsID); err != nil {
		return nil, err
	}
	switch req.RejectReasonType {
	case xhswire.RejectAtReview:
		return &xhswire.RejectReasonsData{RejectReasons: reviewRejectReasons}, nil
	case xhswire.RejectAtReceipt:
		return &xhswire.RejectReasonsData{RejectReasons: receiptRejectReasons}, nil
	}
	return nil, errf(xhswire.ErrParamInvalid, "rejectReasonType只能为1或2")
}

// addressPage answers common.getAddressRecord.
func addressPage(sh *shopState, req xhswire.GetAddressRecordRequest) (*xhswire.GetAddressRecordData, *apiError) {
	page, size := req.PageIndex, req.PageSize
	if page == 0 {
		page = 1
	}
	if size == 0 {
		size = 20
	}
	if page < 1 || page >= 100 || size < 1 || size >= 200 {
		return nil, errf(xhswire.ErrParamInvalid, "pageIndex须小于100，pageSize须小于200")
	}
	out := &xhswire.GetAddressRecordData{Total: len(sh.addresses), SellerAddressRecordList: []xhswire.AddressRecord{}}
	for i := (page - 1) * size; i < len(sh.addresses) && i < page*size; i++ {
		out.SellerAddressRecordList = append(out.SellerAddressRecordList, sh.addresses[i])
	}
	return out, nil
}

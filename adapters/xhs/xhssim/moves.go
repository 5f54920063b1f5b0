package xhssim

import (
	"time"

	"github.com/returnsgw/returnsgw/adapters/simkit"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
)

// The moves of a case. Each is what the platform does when the merchant,
// the buyer or the platform acts, at the time given; each sets updatedAt and
// the tags of the push messages the platform sends for it. Callers hold the
// lock and have checked the preconditions.

// agreeRefund agrees to a refund-only request and refunds at once.
func (s *Server) agreeRefund(c *simCase, at int64) {
	c.pushTags = []string{xhswire.TagAfterSaleAuditPass, xhswire.TagAfterSaleRefundFinished}
	c.info.Status = xhswire.StatusCompleted
	c.info.RefundStatus = xhswire.RefundSucceeded
	c.info.RefundAmountYuan = c.info.ExpectedRefundAmountYuan
	c.info.RefundTime = at
	c.info.ExpireTime = xhswire.NoExpireTime
	c.info.UpdatedAt = at
	s.record(c, at, roleSeller, "商家同意退款")
	s.record(c, at, roleSystem, "退款成功", attr("退款金额", "¥"+string(c.info.ExpectedRefundAmountYuan)))
	s.pay(c, at)
}

// agreeReturn agrees to a return or exchange, with the return address.
func (s *Server) agreeReturn(c *simCase, a xhswire.AddressRecord, message string, at int64) {
	c.pushTags = []string{xhswire.TagAfterSaleAuditPass}
	c.info.Status = xhswire.StatusAwaitingReturn
	if c.info.ReturnType == xhswire.ReturnTypeReturn {
		c.info.RefundStatus = xhswire.RefundApproved
	}
	c.info.ReturnAddress = returnAddress(a)
	c.info.ExpireTime = xhswire.NoExpireTime
	c.info.UpdatedAt = at
	attrs := []xhswire.NegotiateAttribute{attr("退货地址", a.FullAddress)}
	if message != "" {
		attrs = append(attrs, attr("商家留言", message))
	}
	s.record(c, at, roleSeller, "商家同意"+typeNames[c.info.ReturnType]+"，等待买家寄回", attrs...)
}

// reject refuses a request at review.
func (s *Server) reject(c *simCase, reason, desc string, at int64) {
	c.pushTags = []string{xhswire.TagAfterSaleAuditReject}
	c.info.Status = xhswire.StatusRejected
	if c.info.ReturnType != xhswire.ReturnTypeExchange {
		c.info.RefundStatus = xhswire.RefundNotApproved
	}
	c.info.CloseReasonZh = closeReason(reason, desc)
	c.info.ExpireTime = xhswire.NoExpireTime
	c.info.UpdatedAt = at
	s.record(c, at, roleSeller, "商家拒绝售后申请", attr("拒绝原因", c.info.CloseReasonZh))
}

// buyerShip records the buyer's parcel back; the merchant now has a week to
// confirm receipt before the platform does.
func (s *Server) buyerShip(c *simCase, carrierCode, trackingNo string, at int64) {
	c.pushTags = []string{xhswire.TagAfterSaleUpdate}
	c.info.Status = xhswire.StatusAwaitingReceipt
	c.logistics.AfterSale = &xhswire.Express{
		ExpressNo: trackingNo, ExpressCompanyCode: carrierCode, ExpressCompanyName: carrierName(carrierCode),
		FillExpressNoTime: at,
	}
	c.info.ExpireTime = at + 7*day
	c.info.UpdatedAt = at
	s.record(c, at, roleBuyer, "买家已寄回商品", attr("物流公司", carrierName(carrierCode)), attr("物流单号", trackingNo))
}

// confirmReceipt confirms receipt: a return is refunded, an exchange waits
// for the merchant to ship the replacement.
func (s *Server) confirmReceipt(c *simCase, at int64) {
	if c.logistics.AfterSale != nil && c.logistics.AfterSale.ExpressSignTime == 0 {
		c.logistics.AfterSale.ExpressSignTime = at
	}
	c.info.UpdatedAt = at
	if c.info.ReturnType == xhswire.ReturnTypeExchange {
		c.pushTags = []string{xhswire.TagAfterSaleConfirmReceive}
		c.info.Status = xhswire.StatusExchangeAwaitShip
		c.info.ExpireTime = at + 48*hour
		s.record(c, at, roleSeller, "商家确认收货，等待商家发出换货商品")
		return
	}
	c.pushTags = []string{xhswire.TagAfterSaleConfirmReceive, xhswire.TagAfterSaleRefundFinished}
	c.info.Status = xhswire.StatusCompleted
	c.info.RefundStatus = xhswire.RefundSucceeded
	c.info.RefundAmountYuan = c.info.ExpectedRefundAmountYuan
	c.info.RefundTime = at
	c.info.ExpireTime = xhswire.NoExpireTime
	s.record(c, at, roleSeller, "商家确认收货")
	s.record(c, at, roleSystem, "退款成功", attr("退款金额", "¥"+string(c.info.ExpectedRefundAmountYuan)))
	s.pay(c, at)
}

// rejectReceipt refuses the returned goods.
func (s *Server) rejectReceipt(c *simCase, reason, desc string, at int64) {
	c.pushTags = []string{xhswire.TagAfterSaleRejectReceive}
	if c.logistics.AfterSale != nil && c.logistics.AfterSale.ExpressSignTime == 0 {
		c.logistics.AfterSale.ExpressSignTime = at
	}
	c.info.Status = xhswire.StatusRejectedAtReceipt
	if c.info.ReturnType != xhswire.ReturnTypeExchange {
		c.info.RefundStatus = xhswire.RefundNotApproved
	}
	c.info.CloseReasonZh = closeReason(reason, desc)
	c.info.ExpireTime = xhswire.NoExpireTime
	c.info.UpdatedAt = at
	s.record(c, at, roleSeller, "商家拒绝收货", attr("拒绝原因", c.info.CloseReasonZh))
}

// extendReceipt gives the merchant three more days to confirm receipt.
func (s *Server) extendReceipt(c *simCase, at int64) {
	c.pushTags = []string{xhswire.TagAfterSaleUpdate}
	c.info.ExpireTime += 3 * day
	c.extended = true
	c.info.UpdatedAt = at
	s.record(c, at, roleSeller, "商家延长收货时间", attr("延长时间", "3天"))
}

// shipExchange records the replacement parcel of an exchange.
func (s *Server) shipExchange(c *simCase, carrierCode, trackingNo string, at int64) {
	c.pushTags = []string{xhswire.TagAfterSaleExchangeShip}
	if c.logistics.AfterSale != nil && c.logistics.AfterSale.ExpressSignTime == 0 {
		c.logistics.AfterSale.ExpressSignTime = at
	}
	c.info.Status = xhswire.StatusExchangeAwaitBuyer
	c.logistics.Exchange = &xhswire.Express{
		ExpressNo: trackingNo, ExpressCompanyCode: carrierCode, ExpressCompanyName: carrierName(carrierCode),
		FillExpressNoTime: at,
	}
	c.info.ExpireTime = xhswire.NoExpireTime
	c.info.UpdatedAt = at
	s.record(c, at, roleSeller, "商家已发出换货商品", attr("物流公司", carrierName(carrierCode)), attr("物流单号", trackingNo))
}

// buyerConfirmExchange completes an exchange.
func (s *Server) buyerConfirmExchange(c *simCase, at int64) {
	c.pushTags = []string{xhswire.TagAfterSaleUpdate}
	c.info.Status = xhswire.StatusCompleted
	c.info.UpdatedAt = at
	s.record(c, at, roleBuyer, "买家确认收到换货商品，售后完成")
}

// cancel withdraws the request on the buyer's behalf.
func (s *Server) cancel(c *simCase, at int64) {
	c.pushTags = []string{xhswire.TagAfterSaleClosed}
	c.info.Status = xhswire.StatusCancelled
	if c.info.ReturnType != xhswire.ReturnTypeExchange {
		c.info.RefundStatus = xhswire.RefundCancelled
	}
	c.info.ExpireTime = xhswire.NoExpireTime
	c.info.UpdatedAt = at
	s.record(c, at, roleBuyer, "买家撤销售后申请")
}

// closeCase closes a case that ran out of time (the buyer never sent the
// goods back, or never answered).
func (s *Server) closeCase(c *simCase, at int64) {
	c.pushTags = []string{xhswire.TagAfterSaleClosed}
	c.info.Status = xhswire.StatusClosed
	if c.info.ReturnType != xhswire.ReturnTypeExchange {
		c.info.RefundStatus = xhswire.RefundAutoClosed
	}
	c.info.ExpireTime = xhswire.NoExpireTime
	c.info.UpdatedAt = at
	s.record(c, at, roleSystem, "买家超时未寄回，售后关闭")
}

// escalate puts the platform in charge.
func (s *Server) escalate(c *simCase, at int64) {
	c.pushTags = []string{xhswire.TagAfterSaleTransfer}
	c.info.Status = xhswire.StatusPlatformIntervening
	c.info.ExpireTime = xhswire.NoExpireTime
	c.info.UpdatedAt = at
	s.record(c, at, roleBuyer, "买家申请平台介入")
	s.record(c, at, rolePlatform, "平台客服已介入处理")
}

// pay enters the refund just made in the platform's ledger.
func (s *Server) pay(c *simCase, at int64) {
	s.ledger.Pay(simkit.Refund{CaseID: c.info.ReturnsID, Amount: string(c.info.RefundAmountYuan), Currency: "CNY",
		At: time.UnixMilli(at).UTC()})
}

func closeReason(reason, desc string) string {
	if desc == "" {
		return reason
	}
	return reason + "：" + desc
}

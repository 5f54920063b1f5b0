package xhs

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
)

// currency is what XHS settles in, cross-border shops included.
const currency = "CNY"

// UnknownStatus is the documented fallback for a status value the adapter
// does not know: the case lands in the seller's to-do list (REQUESTED), and
// AllowedActions, which reads the raw status, allows nothing on it.
const UnknownStatus = returns.StatusRequested

// What XHS does by itself when a deadline passes (Deadlines.AutoAction).
// ASSUMPTION from the platform's seller rules, not its API: an unanswered
// request is agreed, an unconfirmed return is received (and refunded), and an
// exchange the merchant does not ship in time turns into a refund (status 11,
// 换货转退款).
const (
	AutoApproveRefund           = "AUTO_APPROVE_REFUND"
	AutoApproveReturn           = "AUTO_APPROVE_RETURN"
	AutoConfirmReceiptAndRefund = "AUTO_CONFIRM_RECEIPT_AND_REFUND"
	AutoConfirmReceipt          = "AUTO_CONFIRM_RECEIPT"
	AutoRefundUnshippedExchange = "AUTO_REFUND"
)

// normalize turns getAfterSaleInfo's data into a case of the shop. It is
// pure: warnings about values it does not know are returned for the caller
// to log. An error means the data cannot be read (no id, an amount that is
// not a decimal).
func normalize(data *xhswire.GetAfterSaleInfoData, shop returns.Shop, catalog func(string) returns.Category) (*returns.Case, []string, error) {
	if data == nil || data.AfterSaleInfo == nil || data.AfterSaleInfo.ReturnsID == "" {
		return nil, nil, fmt.Errorf("no afterSaleInfo.returnsId")
	}
	info := data.AfterSaleInfo
	var warnings []string
	raw := rawValues(info)

	status, known := mapStatus(info.Status, info.ReturnType, info.RefundStatus, info.RefundAmountYuan)
	if !known {
		warnings = append(warnings, fmt.Sprintf("status %d is unknown; normalized to %s", info.Status, status))
	}
	kind, known := mapKind(info.ReturnType)
	if !known {
		warnings = append(warnings, fmt.Sprintf("returnType %d is unknown; normalized to %s", info.ReturnType, kind))
	}
	if !knownRefundStatus(info.RefundStatus) {
		warnings = append(warnings, fmt.Sprintf("refundStatus %d is unknown", info.RefundStatus))
	}

	c := &returns.Case{
		Platform:       returns.XHS,
		PlatformCaseID: info.ReturnsID,
		ShopID:         shop.ID,
		OrderID:        info.OrderID,
		BuyerID:        maskID(info.UserID),
		Kind:           kind,
		Status:         status,
		PlatformStatus: returns.PlatformStatus{Code: strconv.Itoa(info.Status), Label: xhswire.StatusLabels[info.Status]},
		Reason:         mapReason(info.ReasonNameZh),
		PlatformReason: info.ReasonNameZh,
		Market:         shop.Market,
		Note:           info.Desc,
		Raw:            raw,
	}

	var err error
	if c.Lines, warnings, err = lines(info.SKUs, catalog, warnings); err != nil {
		return nil, nil, err
	}
	if c.RequestedRefund, err = requestedRefund(info, c.Lines); err != nil {
		return nil, nil, err
	}
	if info.RefundAmountYuan != "" {
		m, err := money("refundAmountYuan", info.RefundAmountYuan)
		if err != nil {
			return nil, nil, err
		}
		// The amount is money returned only once the refund happened; on a
		// pending request it is what will be refunded, and must neither make
		// the case look refunded nor block a refund.
		if refundHappened(info) {
			c.RefundedAmount = &m
		}
	}
	// Freight insurance on the order pays the buyer's return freight: the
	// buyer returns for free (CN-FREIGHT).
	c.FreeReturnPromised = info.SupportCarriageInsurance
	c.SetFact(returns.FactFreeReturnPromised, returns.FactPlatform)
	if info.AppliedShipFeeAmountYuan != "" {
		m, err := money("appliedShipFeeAmountYuan", info.AppliedShipFeeAmountYuan)
		if err != nil {
			return nil, nil, err
		}
		if m.Minor > 0 {
			c.ReturnFreight = &m
		}
	}

	if t := msTime(info.ApplyTime); t != nil {
		c.CreatedAt = *t
	}
	if t := msTime(info.UpdatedAt); t != nil {
		c.UpdatedAt = *t
	} else {
		c.UpdatedAt = c.CreatedAt
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = c.UpdatedAt
	}
	c.Deadlines = deadlines(info)
	if data.LogisticsInfo != nil {
		c.ReturnShipment = shipment(data.LogisticsInfo.AfterSale)
		rawExpress(raw, "logisticsInfo.afterSale.", data.LogisticsInfo.AfterSale)
		rawExpress(raw, "logisticsInfo.exchange.", data.LogisticsInfo.Exchange)
		rawExpress(raw, "logisticsInfo.order.", data.LogisticsInfo.Order)
	}
	return c, warnings, nil
}

// mapStatus maps XHS's status, with the type and the refund status that
// refine it, onto the lifecycle; known is false for a status it does not know.
func mapStatus(status, returnType, refundStatus int, refunded json.Number) (s returns.Status, known bool) {
	switch status {
	case xhswire.StatusPendingReview:
		return returns.StatusRequested, true
	case xhswire.StatusAwaitingReturn:
		return returns.StatusAwaitingBuyerShipment, true
	case xhswire.StatusAwaitingReceipt:
		return returns.StatusInTransit, true
	case xhswire.StatusCompleted:
		if returnType == xhswire.ReturnTypeExchange {
			return returns.StatusCompleted, true
		}
		return completedRefund(refundStatus, refunded), true
	case xhswire.StatusCancelled:
		return returns.StatusCancelled, true
	case xhswire.StatusClosed:
		return returns.StatusClosed, true
	case xhswire.StatusRejected, xhswire.StatusRejectedAtReceipt:
		return returns.StatusRejected, true
	case xhswire.StatusExchangeToRefund:
		if refundStatus == xhswire.RefundSucceeded {
			return returns.StatusRefunded, true
		}
		return returns.StatusRefundPending, true
	case xhswire.StatusExchangeAwaitShip:
		return returns.StatusReceived, true
	case xhswire.StatusExchangeAwaitBuyer:
		return returns.StatusExchangeShipped, true
	case xhswire.StatusPlatformIntervening:
		return returns.StatusEscalated, true
	}
	return UnknownStatus, false
}

// completedRefund is the status of a completed refund case: the refund
// status says whether the money has arrived.
func completedRefund(refundStatus int, refunded json.Number) returns.Status {
	switch refundStatus {
	case xhswire.RefundSucceeded:
		return returns.StatusRefunded
	case xhswire.RefundCreated, xhswire.RefundPendingReview, xhswire.RefundApproved,
		xhswire.RefundTriggered, xhswire.RefundInProgress, xhswire.RefundFailed:
		// A failed refund is retried by the platform: the money is still due.
		return returns.StatusRefundPending
	case xhswire.RefundNotApproved, xhswire.RefundCancelled, xhswire.RefundAutoClosed:
		return returns.StatusClosed
	}
	// No usable refund status: trust the amount actually refunded.
	if m, err := returns.ParseMoney(string(refunded), currency); err == nil && m.Minor > 0 {
		return returns.StatusRefunded
	}
	return returns.StatusRefundPending
}

// refundHappened reports whether refundAmountYuan is money already returned:
// the refund succeeded, or a completed case whose refund status is unset.
func refundHappened(info *xhswire.AfterSaleInfo) bool {
	switch info.RefundStatus {
	case xhswire.RefundSucceeded:
		return true
	case 0:
		return info.Status == xhswire.StatusCompleted || info.Status == xhswire.StatusExchangeToRefund
	}
	return false
}

func knownRefundStatus(rs int) bool {
	switch rs {
	case 0, xhswire.RefundCreated, xhswire.RefundPendingReview, xhswire.RefundApproved, xhswire.RefundNotApproved,
		xhswire.RefundTriggered, xhswire.RefundInProgress, xhswire.RefundSucceeded, xhswire.RefundFailed,
		xhswire.RefundCancelled, xhswire.RefundAutoClosed:
		return true
	}
	return false
}

// mapKind maps returnType; an unknown type is treated as a return and refund
// (the kind that asks the most of the seller) and reported.
func mapKind(returnType int) (returns.Kind, bool) {
	switch returnType {
	case xhswire.ReturnTypeReturn:
		return returns.KindReturnAndRefund, true
	case xhswire.ReturnTypeExchange:
		return returns.KindExchange, true
	case xhswire.ReturnTypeRefundOnlyOld, xhswire.ReturnTypeRefundAfterShip, xhswire.ReturnTypeRefundBeforeShip,
		xhswire.ReturnTypePriceProtection:
		return returns.KindRefundOnly, true
	}
	return returns.KindReturnAndRefund, false
}

// refundOnlyType reports whether returnType asks for money without a return.
func refundOnlyType(returnType int) bool {
	k, known := mapKind(returnType)
	return known && k == returns.KindRefundOnly
}

// deadlines reads expireTime, which XHS sets only while the merchant must act.
func deadlines(info *xhswire.AfterSaleInfo) returns.Deadlines {
	var d returns.Deadlines
	exp := msTime(info.ExpireTime)
	if exp == nil {
		return d
	}
	switch info.Status {
	case xhswire.StatusPendingReview:
		d.RespondBy, d.AutoActionAt = exp, exp
		d.AutoAction = AutoApproveReturn
		if refundOnlyType(info.ReturnType) {
			d.AutoAction = AutoApproveRefund
		}
	case xhswire.StatusAwaitingReceipt:
		d.RespondBy, d.AutoActionAt = exp, exp
		d.AutoAction = AutoConfirmReceiptAndRefund
		if info.ReturnType == xhswire.ReturnTypeExchange {
			d.AutoAction = AutoConfirmReceipt
		}
	case xhswire.StatusExchangeAwaitShip:
		d.RespondBy, d.AutoActionAt = exp, exp
		d.AutoAction = AutoRefundUnshippedExchange
	}
	return d
}

func lines(skus []xhswire.SKU, catalog func(string) returns.Category, warnings []string) ([]returns.Line, []string, error) {
	out := make([]returns.Line, 0, len(skus))
	for i, s := range skus {
		l := returns.Line{SKU: s.SKUID, Title: s.SKUName, Quantity: s.AppliedCount, Category: returns.CategoryGeneral, Raw: map[string]string{}}
		if l.Quantity <= 0 {
			l.Quantity = s.BoughtCount
		}
		if l.Quantity <= 0 {
			l.Quantity = 1
			warnings = append(warnings, fmt.Sprintf("skus[%d] has no appliedCount or boughtCount; quantity 1 assumed", i))
		}
		if s.Price != "" {
			m, err := money(fmt.Sprintf("skus[%d].price", i), s.Price)
			if err != nil {
				return nil, nil, err
			}
			l.UnitPrice = m
		} else {
			l.UnitPrice = returns.Money{Currency: currency}
			warnings = append(warnings, fmt.Sprintf("skus[%d] has no price", i))
		}
		if catalog != nil {
			if cat := catalog(s.SKUID); cat.Valid() {
				l.Category = cat
			}
		}
		put := func(k, v string) {
			if v != "" {
				l.Raw[k] = v
			}
		}
		put("skuId", s.SKUID)
		put("skuName", s.SKUName)
		put("image", s.Image)
		put("price", string(s.Price))
		put("boughtCount", strconv.Itoa(s.BoughtCount))
		put("appliedCount", strconv.Itoa(s.AppliedCount))
		put("appliedTotalAmountYuan", string(s.AppliedTotalAmountYuan))
		put("scskucode", s.SCSKUCode)
		put("barcode", s.Barcode)
		put("skuERPCode", s.SKUERPCode)
		if len(s.Variants) > 0 {
			put("variants", compactJSON(s.Variants))
		}
		out = append(out, l)
	}
	return out, warnings, nil
}

// requestedRefund is what the buyer expects back: expectedRefundAmountYuan,
// or else what the applied goods and freight add up to.
func requestedRefund(info *xhswire.AfterSaleInfo, ls []returns.Line) (*returns.Money, error) {
	if info.ExpectedRefundAmountYuan != "" {
		m, err := money("expectedRefundAmountYuan", info.ExpectedRefundAmountYuan)
		return &m, err
	}
	total := returns.Money{Currency: currency}
	add := func(field string, n json.Number) error {
		if n == "" {
			return nil
		}
		m, err := money(field, n)
		if err != nil {
			return err
		}
		total, err = total.Add(m)
		return err
	}
	if info.AppliedSkusAmountYuan != "" {
		if err := add("appliedSkusAmountYuan", info.AppliedSkusAmountYuan); err != nil {
			return nil, err
		}
	} else {
		for i, s := range info.SKUs {
			if s.AppliedTotalAmountYuan != "" {
				if err := add(fmt.Sprintf("skus[%d].appliedTotalAmountYuan", i), s.AppliedTotalAmountYuan); err != nil {
					return nil, err
				}
				continue
			}
			m, err := ls[i].UnitPrice.Mul(int64(ls[i].Quantity))
			if err != nil {
				return nil, err
			}
			if total, err = total.Add(m); err != nil {
				return nil, err
			}
		}
	}
	if err := add("appliedShipFeeAmountYuan", info.AppliedShipFeeAmountYuan); err != nil {
		return nil, err
	}
	return &total, nil
}

func shipment(e *xhswire.Express) *returns.Shipment {
	if e == nil || e.ExpressNo == "" {
		return nil
	}
	return &returns.Shipment{
		CarrierCode: e.ExpressCompanyCode,
		CarrierName: e.ExpressCompanyName,
		TrackingNo:  e.ExpressNo,
		ShippedAt:   msTime(e.FillExpressNoTime),
		SignedAt:    msTime(e.ExpressSignTime),
	}
}

// rawValues keeps the platform's values by wire field name, as sent. The one
// exception is userId, which is kept masked like Case.BuyerID: the raw map is
// stored and shown, and the buyer's id is personal data.
func rawValues(info *xhswire.AfterSaleInfo) map[string]string {
	raw := map[string]string{
		"returnsId":                info.ReturnsID,
		"returnType":               strconv.Itoa(info.ReturnType),
		"reasonId":                 strconv.FormatInt(info.ReasonID, 10),
		"status":                   strconv.Itoa(info.Status),
		"applyTime":                strconv.FormatInt(info.ApplyTime, 10),
		"updatedAt":                strconv.FormatInt(info.UpdatedAt, 10),
		"expireTime":               strconv.FormatInt(info.ExpireTime, 10),
		"returnsTag":               strconv.Itoa(info.ReturnsTag),
		"refundStatus":             strconv.Itoa(info.RefundStatus),
		"cargoStatus":              strconv.Itoa(info.CargoStatus),
		"supportCarriageInsurance": strconv.FormatBool(info.SupportCarriageInsurance),
	}
	put := func(k, v string) {
		if v != "" {
			raw[k] = v
		}
	}
	put("reasonNameZh", info.ReasonNameZh)
	put("userId", maskID(info.UserID))
	put("orderId", info.OrderID)
	put("desc", info.Desc)
	put("closeReasonZh", info.CloseReasonZh)
	put("openAddressId", info.OpenAddressID)
	put("appliedShipFeeAmountYuan", string(info.AppliedShipFeeAmountYuan))
	put("appliedSkusAmountYuan", string(info.AppliedSkusAmountYuan))
	put("expectedRefundAmountYuan", string(info.ExpectedRefundAmountYuan))
	put("refundAmountYuan", string(info.RefundAmountYuan))
	if info.RefundTime != 0 {
		put("refundTime", strconv.FormatInt(info.RefundTime, 10))
	}
	if len(info.ProofPhotos) > 0 {
		put("proofPhotos", compactJSON(info.ProofPhotos))
	}
	if len(info.ExchangeSKUs) > 0 {
		put("exchangeSKUs", compactJSON(info.ExchangeSKUs))
	}
	if a := info.ReturnAddress; a != nil {
		put("returnAddress.province", a.Province)
		put("returnAddress.city", a.City)
		put("returnAddress.county", a.County)
		put("returnAddress.town", a.Town)
		put("returnAddress.street", a.Street)
		put("returnAddress.name", a.Name)
		put("returnAddress.phone", a.Phone)
		put("returnAddress.fullAddress", a.FullAddress)
	}
	return raw
}

func rawExpress(raw map[string]string, prefix string, e *xhswire.Express) {
	if e == nil {
		return
	}
	put := func(k, v string) {
		if v != "" {
			raw[prefix+k] = v
		}
	}
	put("expressNo", e.ExpressNo)
	put("expressCompanyCode", e.ExpressCompanyCode)
	put("expressCompanyName", e.ExpressCompanyName)
	if e.FillExpressNoTime != 0 {
		put("fillExpressNoTime", strconv.FormatInt(e.FillExpressNoTime, 10))
	}
	if e.ExpressSignTime != 0 {
		put("expressSignTime", strconv.FormatInt(e.ExpressSignTime, 10))
	}
}

// money parses a yuan amount exactly into fen.
func money(field string, n json.Number) (returns.Money, error) {
	m, err := returns.ParseMoney(string(n), currency)
	if err != nil {
		return returns.Money{}, fmt.Errorf("%s: %w", field, err)
	}
	return m, nil
}

// maxMs bounds the timestamps read: a later one is not a time (a value in µs,
// say), and a case holding it could not be stored or served, since JSON has
// no year past 9999. The year of margin keeps deadlines derived from it in range.
var maxMs = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()

// msTime reads a ms timestamp; 0 and -1 (XHS's "none") mean no time, and so
// does one past maxMs.
func msTime(ms int64) *time.Time {
	if ms <= 0 || ms > maxMs {
		return nil
	}
	t := time.UnixMilli(ms).UTC()
	return &t
}

// maskID keeps the first three and last two characters of a buyer id.
func maskID(id string) string {
	r := []rune(id)
	switch {
	case len(r) == 0:
		return ""
	case len(r) <= 6:
		return strings.Repeat("*", len(r))
	}
	return string(r[:3]) + "****" + string(r[len(r)-2:])
}

func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

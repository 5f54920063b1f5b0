package storetest

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/returnsgw/returnsgw/returns"
)

// Fixtures generates realistic cases over all three platforms from a seed:
// the same seed and base give the same cases, so a failure replays and a
// benchmark measures the same data every run. A Fixtures is not safe for
// concurrent use.
type Fixtures struct {
	rng  *rand.Rand
	base time.Time
	n    int
}

// NewFixtures returns a generator whose cases were created in the 45 days
// before base and updated no later than a few days after their creation.
func NewFixtures(seed uint64, base time.Time) *Fixtures {
	return &Fixtures{rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)), base: base.UTC()}
}

// Cases returns the next n cases.
func (f *Fixtures) Cases(n int) []*returns.Case {
	out := make([]*returns.Case, n)
	for i := range out {
		out[i] = f.Case()
	}
	return out
}

// wireStatus is one of a platform's status codes and what it normalizes to.
type wireStatus struct {
	code, label string
	status      returns.Status
}

// wireReason is one of a platform's reason labels and what it normalizes to.
type wireReason struct {
	id, label string
	reason    returns.Reason
}

// profile is what the cases of one platform look like.
type profile struct {
	platform   returns.PlatformID
	shops      []string
	currencies []string
	markets    []returns.Market
	kinds      []returns.Kind
	statuses   []wireStatus
	reasons    []wireReason
	carriers   [][2]string // code, name
}

func profiles() []profile {
	return []profile{{
		platform:   returns.XHS,
		shops:      []string{"xhs-beauty-flagship", "xhs-global-bonded", "xhs-home-goods"},
		currencies: []string{"CNY"},
		markets:    []returns.Market{returns.MarketDomestic, returns.MarketCrossBorderBonded, returns.MarketCrossBorderDirect},
		kinds:      []returns.Kind{returns.KindReturnAndRefund, returns.KindRefundOnly, returns.KindExchange},
		statuses: []wireStatus{
			{"1", "待审核", returns.StatusRequested},
			{"2", "待用户寄回", returns.StatusAwaitingBuyerShipment},
			{"3", "待收货", returns.StatusInTransit},
			{"12", "换货待商家发货", returns.StatusReceived},
			{"13", "换货待用户确认", returns.StatusExchangeShipped},
			{"4", "完成", returns.StatusRefunded},
			{"5", "取消", returns.StatusCancelled},
			{"6", "关闭", returns.StatusClosed},
			{"9", "商家审核拒绝", returns.StatusRejected},
			{"9001", "商家收货拒绝", returns.StatusRejected},
			{"14", "平台介入中", returns.StatusEscalated},
		},
		reasons: []wireReason{
			{"101", "尺码不合适", returns.ReasonSizeFit},
			{"102", "与商品描述不符", returns.ReasonNotAsDescribed},
			{"103", "质量问题", returns.ReasonQualityDefect},
			{"104", "运输途中损坏", returns.ReasonDamagedInTransit},
			{"105", "发错货", returns.ReasonWrongItem},
			{"106", "少件/漏发", returns.ReasonMissingParts},
			{"107", "七天无理由退货", returns.ReasonChangedMind},
			{"199", "其他原因", returns.ReasonOther},
		},
		carriers: [][2]string{{"shunfeng", "顺丰速运"}, {"yuantong", "圆通速递"}, {"zhongtong", "中通快递"}},
	}, {
		platform:   returns.Alibaba,
		shops:      []string{"alibaba-machinery-export", "alibaba-textiles"},
		currencies: []string{"USD"},
		markets:    []returns.Market{returns.MarketCrossBorderDirect},
		kinds:      []returns.Kind{returns.KindReturnAndRefund, returns.KindRefundOnly, returns.KindExchange},
		statuses: []wireStatus{
			{"refund_applying", "Refund requested", returns.StatusRequested},
			{"negotiating", "Negotiating", returns.StatusNegotiating},
			{"wait_buyer_return", "Waiting for buyer to return goods", returns.StatusAwaitingBuyerShipment},
			{"buyer_returned", "Goods returned", returns.StatusInTransit},
			{"refund_success", "Refunded", returns.StatusRefunded},
			{"refund_closed", "Closed", returns.StatusClosed},
			{"dispute", "Under mediation", returns.StatusEscalated},
			{"seller_refused", "Refused by supplier", returns.StatusRejected},
		},
		reasons: []wireReason{
			{"quality", "Product quality issue", returns.ReasonQualityDefect},
			{"not_described", "Not as described", returns.ReasonNotAsDescribed},
			{"damaged", "Damaged in transit", returns.ReasonDamagedInTransit},
			{"wrong", "Wrong product shipped", returns.ReasonWrongItem},
			{"missing", "Short shipment", returns.ReasonMissingParts},
			{"undelivered", "Order not received", returns.ReasonNotReceived},
		},
		carriers: [][2]string{{"DHL", "DHL Express"}, {"FEDEX", "FedEx"}, {"UPS", "UPS"}},
	}, {
		platform:   returns.AliExpress,
		shops:      []string{"ae-gadgets-store", "ae-fashion-outlet"},
		currencies: []string{"USD", "EUR"},
		markets:    []returns.Market{returns.MarketCrossBorderDirect},
		kinds:      []returns.Kind{returns.KindRefundOnly, returns.KindReturnAndRefund},
		statuses: []wireStatus{
			{"wait_for_seller_response", "processing", returns.StatusRequested},
			{"wait_for_buyer_response", "processing", returns.StatusNegotiating},
			{"wait_for_buyer_return", "processing", returns.StatusAwaitingBuyerShipment},
			{"wait_for_seller_confirmation", "processing", returns.StatusInTransit},
			{"wait_for_warehouse_quality_check", "processing", returns.StatusReceived},
			{"wait_for_AE_feedback", "processing", returns.StatusEscalated},
			{"refund_success", "finish", returns.StatusRefunded},
			{"refund_reject", "finish", returns.StatusRejected},
			{"canceled_issue", "canceled_issue", returns.StatusCancelled},
			{"ae_feedback_finish", "finish", returns.StatusClosed},
		},
		reasons: []wireReason{
			{"1001", "Size not as described", returns.ReasonSizeFit},
			{"1002", "Item not as described", returns.ReasonNotAsDescribed},
			{"1003", "Quality problems", returns.ReasonQualityDefect},
			{"1004", "Damaged during shipping", returns.ReasonDamagedInTransit},
			{"1005", "Wrong item", returns.ReasonWrongItem},
			{"1006", "Didn't receive the item", returns.ReasonNotReceived},
			{"1007", "No longer needed", returns.ReasonChangedMind},
			{"1099", "Counterfeit product", returns.ReasonOther},
		},
		carriers: [][2]string{{"CAINIAO_STANDARD", "Cainiao Standard Shipping"}, {"EMS", "EMS"}},
	}}
}

// Case returns the next case.
func (f *Fixtures) Case() *returns.Case {
	f.n++
	ps := profiles()
	p := ps[f.rng.IntN(len(ps))]
	r := f.rng
	ws := p.statuses[r.IntN(len(p.statuses))]
	wr := p.reasons[r.IntN(len(p.reasons))]
	currency := p.currencies[r.IntN(len(p.currencies))]

	// Nanoseconds everywhere: the suite checks that stores keep them.
	created := f.base.Add(-time.Duration(r.Int64N(int64(45 * 24 * time.Hour))))
	updated := created.Add(time.Duration(r.Int64N(int64(96 * time.Hour))))

	c := &returns.Case{
		Platform:       p.platform,
		PlatformCaseID: f.caseID(p.platform),
		ShopID:         p.shops[r.IntN(len(p.shops))],
		OrderID:        f.orderID(p.platform),
		BuyerID:        f.buyerID(p.platform),
		Kind:           p.kinds[r.IntN(len(p.kinds))],
		Status:         ws.status,
		PlatformStatus: returns.PlatformStatus{Code: ws.code, Label: ws.label},
		Reason:         wr.reason,
		PlatformReason: wr.label,
		Market:         p.markets[r.IntN(len(p.markets))],
		CreatedAt:      created,
		UpdatedAt:      updated,
	}

	var total returns.Money
	total.Currency = currency
	for i := range 1 + r.IntN(3) {
		price := returns.Money{Minor: 500 + r.Int64N(60000), Currency: currency}
		if currency == "CNY" {
			price.Minor = price.Minor/10*10 + 9 // prices like ¥129.90 or ¥88.89
		}
		qty := 1 + r.IntN(3)
		line := returns.Line{
			SKU:       fmt.Sprintf("%s-SKU-%04d-%d", p.platform, r.IntN(10000), i),
			Title:     lineTitle(p.platform, r),
			Quantity:  qty,
			UnitPrice: price,
			Category:  returns.Categories[r.IntN(len(returns.Categories))],
			Raw:       map[string]string{"skuId": strconv.FormatInt(1e9+r.Int64N(9e9), 10), "price": price.Decimal()},
		}
		c.Lines = append(c.Lines, line)
		sub, _ := price.Mul(int64(qty))
		total, _ = total.Add(sub)
	}
	if r.IntN(10) < 9 {
		c.RequestedRefund = &total
	}
	if c.Status == returns.StatusRefunded {
		refunded := total
		if r.IntN(4) == 0 {
			refunded.Minor = total.Minor / 2 // a partial refund
		}
		c.RefundedAmount = &refunded
	}
	if c.Kind == returns.KindReturnAndRefund && r.IntN(2) == 0 {
		c.ReturnFreight = &returns.Money{Minor: 800 + r.Int64N(2000), Currency: currency}
		c.ReturnFreightPaidBy = []returns.Party{returns.PartyBuyer, returns.PartySeller, returns.PartyPlatform}[r.IntN(3)]
	}

	if r.IntN(4) != 0 {
		d := created.Add(-time.Duration(24+r.IntN(240)) * time.Hour)
		c.DeliveredAt = &d
		w := d.Add(7 * 24 * time.Hour)
		c.Deadlines.WindowClosesAt = &w
	}
	f.deadlines(c)

	switch c.Status {
	case returns.StatusInTransit, returns.StatusReceived, returns.StatusRefundPending, returns.StatusRefunded,
		returns.StatusExchangeShipped, returns.StatusCompleted:
		if c.Kind != returns.KindRefundOnly {
			carrier := p.carriers[r.IntN(len(p.carriers))]
			shipped := created.Add(time.Duration(1+r.IntN(48)) * time.Hour)
			sh := &returns.Shipment{
				CarrierCode: carrier[0],
				CarrierName: carrier[1],
				TrackingNo:  fmt.Sprintf("%s%012d", carrier[0][:2], r.Int64N(1e12)),
				ShippedAt:   &shipped,
			}
			if c.Status != returns.StatusInTransit {
				signed := shipped.Add(time.Duration(24+r.IntN(96)) * time.Hour)
				sh.SignedAt = &signed
			}
			c.ReturnShipment = sh
		}
	}
	if r.IntN(3) == 0 {
		c.Note = []string{"尺码偏小，想换大一码", "The package arrived crushed", "颜色和图片不一样", "Item stopped working after two days", "不想要了"}[r.IntN(5)]
	}
	if p.platform == returns.Alibaba && r.IntN(3) == 0 {
		c.PendingSteps = []returns.PendingStep{{
			Action:     returns.ActionApprove,
			RecordedAt: updated.Add(-time.Duration(r.IntN(3600)) * time.Second),
			Note:       "approve, return to the Ningbo warehouse",
			URL:        "https://biz.alibaba.com/ta/detail.htm?orderId=" + c.OrderID,
		}}
	}
	c.Raw = f.raw(p, c, ws, wr, total)
	return c
}

// deadlines sets the deadlines that a case in its status has; some cases
// lack the one they would have, as they do when a platform omits it.
func (f *Fixtures) deadlines(c *returns.Case) {
	r := f.rng
	at := func(h int) *time.Time {
		t := c.UpdatedAt.Add(time.Duration(h)*time.Hour + time.Duration(r.Int64N(int64(time.Hour))))
		return &t
	}
	switch c.Status {
	case returns.StatusRequested, returns.StatusNegotiating, returns.StatusEscalated:
		if r.IntN(5) != 0 {
			c.Deadlines.RespondBy = at(24 + r.IntN(96))
		}
		if r.IntN(2) == 0 {
			c.Deadlines.AutoActionAt = c.Deadlines.RespondBy
			c.Deadlines.AutoAction = "AUTO_APPROVE"
		}
	case returns.StatusAwaitingBuyerShipment:
		c.Deadlines.BuyerShipBy = at(24 * 7)
		c.Deadlines.AutoActionAt = c.Deadlines.BuyerShipBy
		c.Deadlines.AutoAction = "AUTO_CLOSE"
	case returns.StatusInTransit, returns.StatusReceived:
		if r.IntN(3) != 0 {
			c.Deadlines.RespondBy = at(24 * 10)
		}
		c.Deadlines.RefundBy = at(24 * 7)
	case returns.StatusRefundPending:
		c.Deadlines.RefundBy = at(48)
	}
}

func (f *Fixtures) caseID(p returns.PlatformID) string {
	switch p {
	case returns.XHS:
		return fmt.Sprintf("R%016d", 7000000000000000+int64(f.n)*7919+f.rng.Int64N(7919))
	case returns.Alibaba:
		return fmt.Sprintf("%d", 2024000000000+int64(f.n)*104729+f.rng.Int64N(104729))
	default:
		return fmt.Sprintf("%d", 8100000000000000+int64(f.n)*15485863+f.rng.Int64N(15485863))
	}
}

func (f *Fixtures) orderID(p returns.PlatformID) string {
	switch p {
	case returns.XHS:
		return fmt.Sprintf("P%018d", 700000000000000000+f.rng.Int64N(99999999999999999))
	case returns.Alibaba:
		return fmt.Sprintf("%d", 230000000000000+f.rng.Int64N(9999999999999))
	default:
		return fmt.Sprintf("%d", 3000000000000000+f.rng.Int64N(999999999999999))
	}
}

func (f *Fixtures) buyerID(p returns.PlatformID) string {
	switch p {
	case returns.XHS:
		return fmt.Sprintf("5f%02x****%04x", f.rng.IntN(256), f.rng.IntN(65536))
	case returns.Alibaba:
		return fmt.Sprintf("us%d****", 1000+f.rng.IntN(9000))
	default:
		return fmt.Sprintf("%c***%c", 'a'+rune(f.rng.IntN(26)), 'a'+rune(f.rng.IntN(26)))
	}
}

func lineTitle(p returns.PlatformID, r *rand.Rand) string {
	var titles []string
	switch p {
	case returns.XHS:
		titles = []string{"玻尿酸保湿精华液 30ml", "法式复古碎花连衣裙", "北欧风陶瓷马克杯", "氨基酸洁面乳", "真丝眼罩"}
	case returns.Alibaba:
		titles = []string{"Stainless steel CNC spare part", "Cotton twill fabric, 500 m roll", "LED panel light 60x60"}
	default:
		titles = []string{"Wireless earbuds, Bluetooth 5.3", "Women's linen summer dress", "USB-C fast charger 65W", "Phone case, clear"}
	}
	return titles[r.IntN(len(titles))]
}

// raw keeps the platform's own field names and values as an adapter would.
func (f *Fixtures) raw(p profile, c *returns.Case, ws wireStatus, wr wireReason, total returns.Money) map[string]string {
	switch p.platform {
	case returns.XHS:
		returnType := map[returns.Kind]string{returns.KindReturnAndRefund: "1", returns.KindExchange: "2", returns.KindRefundOnly: "4"}[c.Kind]
		return map[string]string{
			"status": ws.code, "returnType": returnType, "reasonId": wr.id, "reasonNameZh": wr.label,
			"expectedRefundAmountYuan": total.Decimal(), "applyTime": strconv.FormatInt(c.CreatedAt.UnixMilli(), 10),
			"updatedAt": strconv.FormatInt(c.UpdatedAt.UnixMilli(), 10),
		}
	case returns.Alibaba:
		return map[string]string{
			"trade_id": c.OrderID, "refund_status": ws.code, "refund_reason": wr.label,
			"modify_date":   c.UpdatedAt.In(returns.Pacific).Format("2006-01-02 15:04:05"),
			"refund_amount": total.Decimal(), "refund_currency": total.Currency,
		}
	default:
		return map[string]string{
			"issue_status": ws.label, "reverse_detail_status": ws.code, "issue_reason_id": wr.id, "reason_english": wr.label,
			"gmt_modified":     c.UpdatedAt.In(returns.Pacific).Format("2006-01-02 15:04:05"),
			"refund_money_max": total.Decimal(), "refund_money_max_currency": total.Currency,
		}
	}
}

// FullCase returns a case with every field set, its times in the zones the
// platforms report them in (not UTC), for round-trip tests.
func FullCase(id string) *returns.Case {
	at := func(day, hour int, loc *time.Location) *time.Time {
		t := time.Date(2025, time.March, day, hour, 7, 9, 123456789+day, loc)
		return &t
	}
	return &returns.Case{
		Platform:       returns.XHS,
		PlatformCaseID: id,
		ShopID:         "xhs-global-bonded",
		OrderID:        "P781234567890123456",
		BuyerID:        "5f3a****c2d1",
		Kind:           returns.KindReturnAndRefund,
		Status:         returns.StatusInTransit,
		PlatformStatus: returns.PlatformStatus{Code: "3", Label: "待收货"},
		Reason:         returns.ReasonQualityDefect,
		PlatformReason: "质量问题",
		Market:         returns.MarketCrossBorderBonded,
		Lines: []returns.Line{{
			SKU: "XHS-SKU-0001-0", Title: "玻尿酸保湿精华液 30ml", Quantity: 2,
			UnitPrice: returns.MustParseMoney("129.90", "CNY"), Category: returns.CategoryHygiene,
			CategorySource: returns.FactProductAPI,
			Raw:            map[string]string{"skuId": "6412345678", "price": "129.90"},
		}, {
			SKU: "XHS-SKU-0002-1", Title: "真丝眼罩", Quantity: 1,
			UnitPrice: returns.MustParseMoney("0.01", "CNY"), Category: returns.CategoryGeneral,
			CategorySource: returns.FactUnmapped,
			Raw:            map[string]string{"skuId": "6412345679", "price": "0.01", "空": ""},
		}},
		RequestedRefund: &returns.Money{Minor: 25981, Currency: "CNY"},
		// 2⁵³+1 fen: a store that passes amounts through float64 loses the last fen.
		RefundedAmount: &returns.Money{Minor: 1<<53 + 1, Currency: "CNY"},
		ReturnFreight:  &returns.Money{Minor: 1200, Currency: "CNY"},
		Deadlines: returns.Deadlines{
			RespondBy:      at(10, 23, returns.Shanghai),
			BuyerShipBy:    at(11, 1, returns.Pacific),
			RefundBy:       at(12, 2, returns.Shanghai),
			WindowClosesAt: at(13, 3, time.UTC),
			AutoActionAt:   at(14, 4, returns.Shanghai),
			AutoAction:     "AUTO_RECEIVE",
		},
		ReturnShipment: &returns.Shipment{
			CarrierCode: "shunfeng", CarrierName: "顺丰速运", TrackingNo: "SF1234567890123",
			ShippedAt: at(5, 6, returns.Shanghai), SignedAt: at(7, 8, returns.Pacific),
		},
		Note:                "外包装破损，瓶子漏液",
		DeliveredAt:         at(1, 0, returns.Shanghai), // midnight in China is the previous day in UTC
		ReturnFreightPaidBy: returns.PartySeller,
		FreeReturnPromised:  true,
		Tariff:              &returns.Money{Minor: 2339, Currency: "CNY"},
		ShippingPaid:        &returns.Money{Minor: 800, Currency: "CNY"},
		Fulfilment:          returns.FulfilmentBonded,
		Facts:               map[string]string{"deliveredAt": "ORDER_API", "lines.0.category": "UNMAPPED"},
		ApprovedAt:          at(4, 12, returns.Shanghai),
		ReceivedAt:          at(7, 9, returns.Shanghai),

		ExemptionConfirmedAtCheckout: true,
		Export: &returns.ExportTerms{ContractReturnDays: 45,
			Freight: &returns.Money{Minor: 15000, Currency: "CNY"}, Insurance: &returns.Money{Minor: 300, Currency: "CNY"}},
		PendingSteps: []returns.PendingStep{{
			Action: returns.ActionConfirmReceipt, RecordedAt: *at(8, 9, returns.Pacific),
			Note: "received, outer box damaged", URL: "https://ark.xiaohongshu.com/app-order/aftersale/detail?id=" + id,
		}},
		Inspection: &returns.Inspection{
			Grade: returns.GradeB, Disposition: returns.DispositionOutlet, Notes: "盒子压坏 \"B\"",
			RecoveredValue: returns.Money{Minor: 1<<53 + 3, Currency: "CNY"},
			EvidenceIDs:    []string{"ev_1", "证据"}, InspectedAt: *at(8, 10, returns.Pacific),
		},
		CreatedAt: *at(3, 10, returns.Shanghai),
		UpdatedAt: *at(6, 11, returns.Pacific),
		Raw: map[string]string{
			"status": "3", "returnType": "1", "reasonId": "103", "reasonNameZh": "质量问题",
			"expectedRefundAmountYuan": "259.81", "quote\"and\\backslash": "<&>\u2028",
		},
	}
}

package xhssim

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
)

// The simulator's XHS leaf category ids by return-rules category, as its
// seller would have listed the products. They match the rows of the
// gateway's category table for XHS; unmappedCategoryID is a real-looking
// category the table does not know (top-up links, virtual goods).
var categoryIDs = map[returns.Category]string{
	returns.CategoryGeneral:            "5a9c1f0e8b2d4c0001e0a001",
	returns.CategoryCustomMade:         "5a9c1f0e8b2d4c0001e0a010",
	returns.CategoryPerishable:         "5a9c1f0e8b2d4c0001e0a011",
	returns.CategoryLivePlantOrAnimal:  "5a9c1f0e8b2d4c0001e0a012",
	returns.CategoryDigitalDownload:    "5a9c1f0e8b2d4c0001e0a013",
	returns.CategoryUnsealedMedia:      "5a9c1f0e8b2d4c0001e0a014",
	returns.CategoryPeriodical:         "5a9c1f0e8b2d4c0001e0a015",
	returns.CategoryHygiene:            "5a9c1f0e8b2d4c0001e0a016",
	returns.CategoryActivatedValueLoss: "5a9c1f0e8b2d4c0001e0a017",
	returns.CategoryNearExpiry:         "5a9c1f0e8b2d4c0001e0a018",
}

const unmappedCategoryID = "5a9c1f0e8b2d4c0001e0a0f7"

// itemID is the item (SPU) id of a SKU of the catalogue.
func itemID(p product) string { return "64a0c0de" + p.skuID[len(p.skuID)-8:] + "0000a7c1" }

// categoryOf is the product's platform category id.
func categoryOf(p product) string {
	if p.priceFen < 100 && p.category == returns.CategoryGeneral {
		return unmappedCategoryID // top-up links live in a virtual category
	}
	return categoryIDs[p.category]
}

// freeReturnOf is the product's 7-day flag: goods the law exempts, or that
// the seller excludes by disclosure, are listed as not supporting it.
func freeReturnOf(p product) int {
	if p.category == returns.CategoryGeneral {
		return xhswire.FreeReturnYes
	}
	return xhswire.FreeReturnNo
}

// simOrder is the order behind a case, consistent with it: paid before the
// request, shipped and signed for before it unless the case is a refund
// before shipment or the buyer says the parcel never came.
type simOrder struct {
	detail xhswire.OrderDetail
	track  xhswire.OrderTrackingData
	itemID string
}

// crossBorderTaxRate is China's cross-border e-commerce composite tax rate
// (9.1%), in basis points.
const crossBorderTaxRate = 910

// newOrder builds the case's order; the caller holds the lock. at is when
// the buyer opened the request.
func (s *Server) newOrder(sh *shopState, c *simCase, p product, bought int, at int64) *simOrder {
	info := &c.info
	created := at - s.between(4*day, 12*day)
	paid := created + s.between(minute, 30*minute)
	mode := xhswire.LogisticsDomestic
	if sh.Market.CrossBorder() {
		mode = xhswire.LogisticsBonded
		if sh.Market == returns.MarketCrossBorderDirect || s.rng.IntN(4) == 0 {
			mode = xhswire.LogisticsDirectMail
		}
	}
	paidFen := p.priceFen * int64(bought)
	var taxFen int64
	if mode != xhswire.LogisticsDomestic {
		taxFen = paidFen * crossBorderTaxRate / 10000
	}
	shipFen := []int64{0, 0, 600, 1000}[s.rng.IntN(4)]
	o := &simOrder{itemID: itemID(p)}
	d := &o.detail
	*d = xhswire.OrderDetail{
		OrderID: info.OrderID, OrderType: 1, OrderStatus: xhswire.OrderCompleted,
		CreatedTime: created, PaidTime: paid, UpdateTime: at,
		TotalShippingFree: fenNumber(shipFen), TotalPayAmount: fenNumber(paidFen + taxFen + shipFen),
		LogisticsMode: mode,
		SKUList: []xhswire.OrderSKU{{
			SKUID: p.skuID, SKUName: p.name, SKUQuantity: bought, ItemID: o.itemID, ItemName: p.name,
			TotalPaidAmount: fenNumber(paidFen), TotalTaxAmount: fenNumber(taxFen),
			SKUDetailList: []xhswire.OrderSKUDetail{{SKUID: p.skuID, Quantity: bought, PricePerSku: fenNumber(p.priceFen),
				TaxPerSku: fenNumber(taxFen / int64(bought)), PaidAmountPerSku: fenNumber(p.priceFen)}},
		}},
	}
	if mode == xhswire.LogisticsBonded {
		d.CustomsCode = "NINGBO"
		d.BoundExtendInfo = &xhswire.BoundExtendInfo{PayAmount: fenNumber(paidFen + taxFen + shipFen), TaxAmount: fenNumber(taxFen), ShippingFee: fenNumber(shipFen)}
	}
	if info.ReturnType == xhswire.ReturnTypeRefundBeforeShip {
		d.OrderStatus = xhswire.OrderAwaitingShip
		return o
	}
	shipped := paid + s.between(2*hour, 48*hour)
	if shipped >= at {
		shipped = at - hour
	}
	d.DeliveryTime = shipped
	no := ""
	if c.logistics.Order != nil {
		no = c.logistics.Order.ExpressNo
		d.ExpressTrackingNo = no
	}
	ti := xhswire.OrderTrackInfo{OrderID: info.OrderID, ExpressNo: no, CurrentStatusDesc: "运输中",
		Records: []xhswire.TrackRecord{
			{EventAt: trackAt(created), EventDesc: "订单已创建", NodeID: 5, TrackingStatus: 1010, TrackingStatusDesc: "订单已创建"},
			{EventAt: trackAt(paid), EventDesc: "订单已支付", NodeID: 5, TrackingStatus: 1015, TrackingStatusDesc: "订单已支付"},
			{EventAt: trackAt(shipped), EventDesc: "商家已发货", NodeID: 6, TrackingStatus: 3020, TrackingStatusDesc: "商家已发货"},
		}}
	if info.CargoStatus == xhswire.CargoNotReceived {
		d.OrderStatus = xhswire.OrderAwaitingReceipt
		o.track.OrderTrackInfos = []xhswire.OrderTrackInfo{ti}
		return o
	}
	signed := shipped + s.between(20*hour, 72*hour)
	if signed >= at {
		signed = at - s.between(10*minute, hour)
		if signed <= shipped {
			signed = shipped + minute
		}
	}
	ti.CurrentStatusDesc = "已签收"
	ti.Records = append(ti.Records,
		xhswire.TrackRecord{EventAt: trackAt((shipped + signed) / 2), EventDesc: "快件运输中", NodeID: 35, SubNodeID: 20, TrackingStatus: 6020, TrackingStatusDesc: "快递运输中"},
		xhswire.TrackRecord{EventAt: trackAt(signed), EventDesc: "您的快件已签收，签收人：本人", NodeID: 35, SubNodeID: 50, TrackingStatus: xhswire.TrackingSigned, TrackingStatusDesc: xhswire.SignedDesc})
	o.track.OrderTrackInfos = []xhswire.OrderTrackInfo{ti}
	if signed+10*day < s.nowMS() {
		d.FinishTime = signed + 10*day
	} else {
		d.OrderStatus = xhswire.OrderAwaitingReceipt
	}
	return o
}

// trackAt formats a tracking time as the platform does: China time text.
func trackAt(ms int64) string {
	return time.UnixMilli(ms).In(returns.Shanghai).Format(xhswire.TrackTimeLayout)
}

func fenNumber(fen int64) json.Number { return json.Number(strconv.FormatInt(fen, 10)) }

// findOrder answers the order of the shop by id. ASSUMPTION: the platform's
// code for an unknown order is not published; the simulator answers its
// parameter error (2001) with 订单不存在.
func (s *Server) findOrder(sh *shopState, orderID string) (*simOrder, *apiError) {
	if orderID == "" {
		return nil, errf(xhswire.ErrParamInvalid, "orderId不能为空")
	}
	for _, id := range s.orderCases[orderID] {
		if c := s.cases[id]; c != nil && c.shopID == sh.ShopID && c.order != nil {
			return c.order, nil
		}
	}
	return nil, errf(xhswire.ErrParamInvalid, "订单不存在：%s", orderID)
}

// itemInfo answers product.getItemInfo.
func itemInfo(id string) (*xhswire.ItemInfoData, *apiError) {
	if id == "" {
		return nil, errf(xhswire.ErrParamInvalid, "itemId不能为空")
	}
	for _, p := range catalogue {
		if itemID(p) != id {
			continue
		}
		return &xhswire.ItemInfoData{
			ItemInfo: &xhswire.ItemInfo{ID: id, Name: p.name, CategoryID: categoryOf(p), FreeReturn: freeReturnOf(p)},
			SKUInfos: []xhswire.SKUInfo{{ID: p.skuID, ItemID: id, Name: p.name, Price: p.priceFen}},
			Total:    1,
		}, nil
	}
	return nil, errf(xhswire.ErrParamInvalid, "商品不存在：%s", id)
}

// OrderFacts reports what the case's order says, as an oracle for tests:
// whether the buyer signed for it, its tax in fen, and whether freight
// insurance is on the case.
func (s *Server) OrderFacts(returnsID string) (signed bool, taxFen int64, insured bool, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, found := s.cases[returnsID]
	if !found || c.order == nil {
		return false, 0, false, false
	}
	for _, ti := range c.order.track.OrderTrackInfos {
		for _, r := range ti.Records {
			if r.TrackingStatus == xhswire.TrackingSigned {
				signed = true
			}
		}
	}
	if b := c.order.detail.BoundExtendInfo; b != nil {
		n, _ := strconv.ParseInt(string(b.TaxAmount), 10, 64)
		taxFen = n
	} else {
		for _, l := range c.order.detail.SKUList {
			n, _ := strconv.ParseInt(string(l.TotalTaxAmount), 10, 64)
			taxFen += n
		}
	}
	return signed, taxFen, c.info.SupportCarriageInsurance, true
}

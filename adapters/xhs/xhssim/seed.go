package xhssim

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
)

// product is one SKU of the simulated catalogue.
type product struct {
	skuID    string
	name     string
	priceFen int64
	category returns.Category
	variants []xhswire.Variant
}

func v(pairs ...string) []xhswire.Variant {
	var out []xhswire.Variant
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, xhswire.Variant{Name: pairs[i], Value: pairs[i+1]})
	}
	return out
}

// catalogue covers every category of returns.Categories, with prices from a
// fen to thousands of yuan.
var catalogue = []product{
	{"65010000000001", "纯棉宽松短袖T恤", 12990, returns.CategoryGeneral, v("颜色", "白色", "尺码", "M")},
	{"65010000000002", "高腰直筒牛仔裤", 19900, returns.CategoryGeneral, v("颜色", "浅蓝", "尺码", "27")},
	{"65010000000003", "羊毛针织开衫", 199900, returns.CategoryGeneral, v("颜色", "燕麦色", "尺码", "L")},
	{"65010000000004", "主动降噪无线耳机", 259900, returns.CategoryGeneral, v("颜色", "午夜黑")},
	{"65010000000005", "316不锈钢保温杯 500ml", 8990, returns.CategoryGeneral, v("颜色", "奶油白")},
	{"65010000000006", "轻量缓震跑鞋", 59900, returns.CategoryGeneral, v("颜色", "黑白", "尺码", "42")},
	{"65010000000007", "邮费补差链接", 1, returns.CategoryGeneral, nil},
	{"65010000000008", "运费险补差", 10, returns.CategoryGeneral, nil},
	{"65010000000009", "定制刻字纯银手链", 26800, returns.CategoryCustomMade, v("刻字", "定制")},
	{"65010000000010", "定制姓名贴 120枚", 1990, returns.CategoryCustomMade, nil},
	{"65010000000011", "云南鲜切玫瑰 19枝", 9990, returns.CategoryPerishable, v("颜色", "红玫瑰")},
	{"65010000000012", "智利车厘子 2斤装", 15900, returns.CategoryPerishable, v("规格", "JJ级")},
	{"65010000000013", "多肉植物组合盆栽", 3990, returns.CategoryLivePlantOrAnimal, nil},
	{"65010000000014", "孔雀鱼 5条装", 2500, returns.CategoryLivePlantOrAnimal, nil},
	{"65010000000015", "手账设计素材包（下载）", 990, returns.CategoryDigitalDownload, nil},
	{"65010000000016", "在线课程兑换码", 29900, returns.CategoryDigitalDownload, nil},
	{"65010000000017", "黑胶唱片 典藏版", 16800, returns.CategoryUnsealedMedia, nil},
	{"65010000000018", "正版游戏光盘", 34900, returns.CategoryUnsealedMedia, nil},
	{"65010000000019", "时尚杂志 2026年11月刊", 3000, returns.CategoryPeriodical, nil},
	{"65010000000020", "一次性纯棉内裤 5条装", 2990, returns.CategoryHygiene, v("尺码", "L")},
	{"65010000000021", "修护精华液 30ml", 52000, returns.CategoryHygiene, nil},
	{"65010000000022", "智能手表（激活后不退）", 129900, returns.CategoryActivatedValueLoss, v("颜色", "星光色")},
	{"65010000000023", "临期零食大礼包", 4990, returns.CategoryNearExpiry, nil},
	{"65010000000024", "临期补水面膜 10片", 5900, returns.CategoryNearExpiry, nil},
}

// reasonDef is a buyer's reason as XHS's buyer app offers it.
type reasonDef struct {
	id    int64
	label string
	fault bool // the seller is at fault: photos, and the seller pays return freight
}

// The reasons a buyer can pick, by what they ask for. XHS publishes no list:
// these are labels as its buyer app shows them.
var (
	returnReasons = []reasonDef{
		{101, "七天无理由退换货", false}, {102, "尺码不合适", false}, {103, "不想要了", false},
		{104, "拍错/多拍", false}, {105, "商品与描述不符", true}, {106, "颜色/款式与描述不符", true},
		{107, "质量问题", true}, {108, "商品破损", true}, {109, "卖家发错货", true},
		{110, "少件/漏发", true}, {111, "做工粗糙/有瑕疵", true}, {112, "色差", true}, {113, "其他", false},
	}
	exchangeReasons = []reasonDef{
		{201, "尺码不合适", false}, {202, "颜色/款式与描述不符", true}, {203, "质量问题", true},
		{204, "卖家发错货", true}, {205, "商品破损", true}, {206, "七天无理由退换货", false},
	}
	refundAfterShipReasons = []reasonDef{
		{301, "未收到货", true}, {302, "空包裹", true}, {303, "少件/漏发", true}, {304, "商品破损", true},
		{305, "质量问题", true}, {306, "快递一直未送到", true}, {307, "不想要了", false},
	}
	refundBeforeShipReasons = []reasonDef{
		{401, "不想要了", false}, {402, "拍错/多拍", false}, {403, "地址/电话信息填写错误", false},
		{404, "协商一致退款", false}, {405, "缺货", true}, {406, "发货太慢", true},
	}
	priceProtectionReasons = []reasonDef{{501, "商品降价", false}, {502, "价保补差", false}}
)

func reasonsFor(returnType int) []reasonDef {
	switch returnType {
	case xhswire.ReturnTypeExchange:
		return exchangeReasons
	case xhswire.ReturnTypeRefundAfterShip, xhswire.ReturnTypeRefundOnlyOld:
		return refundAfterShipReasons
	case xhswire.ReturnTypeRefundBeforeShip:
		return refundBeforeShipReasons
	case xhswire.ReturnTypePriceProtection:
		return priceProtectionReasons
	}
	return returnReasons
}

// The merchant's reasons for refusing, with the catch-all "其他" last.
var (
	reviewRejectReasons = []xhswire.RejectReason{
		{ReasonType: xhswire.ReasonTypeReview, ReasonID: 1001, ReasonName: "买家未提供有效凭证"},
		{ReasonType: xhswire.ReasonTypeReview, ReasonID: 1002, ReasonName: "商品已影响二次销售"},
		{ReasonType: xhswire.ReasonTypeReview, ReasonID: 1003, ReasonName: "超出售后申请时效"},
		{ReasonType: xhswire.ReasonTypeReview, ReasonID: 1004, ReasonName: "与买家协商一致，买家同意撤销"},
		{ReasonType: xhswire.ReasonTypeReview, ReasonID: 1099, ReasonName: "其他"},
	}
	receiptRejectReasons = []xhswire.RejectReason{
		{ReasonType: xhswire.ReasonTypeReceipt, ReasonID: 2001, ReasonName: "退回商品与原商品不符"},
		{ReasonType: xhswire.ReasonTypeReceipt, ReasonID: 2002, ReasonName: "退回商品影响二次销售"},
		{ReasonType: xhswire.ReasonTypeReceipt, ReasonID: 2003, ReasonName: "退回商品缺少配件/赠品"},
		{ReasonType: xhswire.ReasonTypeReceipt, ReasonID: 2004, ReasonName: "未收到退货包裹"},
		{ReasonType: xhswire.ReasonTypeReceipt, ReasonID: 2099, ReasonName: "其他"},
	}
)

// otherReasonName is the label of the catch-all reason, which needs a description.
const otherReasonName = "其他"

// carrier is an express company as XHS codes it.
type carrier struct{ code, name, prefix string }

var carriers = []carrier{
	{"shunfeng", "顺丰速运", "SF"}, {"zhongtong", "中通快递", "7"}, {"yuantong", "圆通速递", "YT"},
	{"yunda", "韵达快递", "43"}, {"jd", "京东快递", "JD"}, {"ems", "EMS", "E"},
}

func carrierName(code string) string {
	for _, c := range carriers {
		if c.code == code {
			return c.name
		}
	}
	return code
}

var remarks = []string{
	"", "", "收到后发现和图片不太一样", "麻烦尽快处理，谢谢", "包装盒压坏了，里面也有划痕",
	"穿上偏小，想换大一码", "买重复了", "已经寄回，请注意查收", "",
}

// addressBook is a shop's address book: the after-sale default, another
// active address and a retired one.
func addressBook(shopIndex int, nowMS int64) []xhswire.AddressRecord {
	base := int64(19605700 + shopIndex*10)
	created := nowMS - int64(200*24*time.Hour/time.Millisecond)
	rec := func(id int64, name, phone, prov, provCode, city, cityCode, county, town, addr, afterSale, active string) xhswire.AddressRecord {
		return xhswire.AddressRecord{
			SellerAddressRecordID: id, ContactName: name, PhoneAreaCode: "86", Phone: phone,
			CountryCode: "001", CountryName: "中国大陆", ProvinceCode: provCode, ProvinceName: prov,
			CityCode: cityCode, CityName: city, CountyName: county, TownName: town, Address: addr,
			FullAddress:     strings.Join([]string{prov, city, county, town, addr}, " "),
			DeliveryDefault: xhswire.AddressNonDefault, AftersaleDefault: afterSale, Version: 1, Active: active,
			CreateTime: created, UpdateTime: created,
		}
	}
	if shopIndex%2 == 1 {
		return []xhswire.AddressRecord{
			rec(base+1, "跨境退货组", "13800000101", "浙江省", "330000", "宁波市", "330200", "北仑区", "梅山街道", "保税港区港城路8号 3号仓", xhswire.AddressDefault, xhswire.AddressActive),
			rec(base+2, "陈经理", "13800000102", "广东省", "440000", "广州市", "440100", "南沙区", "南沙街道", "保税港区物流园B座", xhswire.AddressNonDefault, xhswire.AddressActive),
			rec(base+3, "旧仓库", "13800000103", "河南省", "410000", "郑州市", "410100", "新郑市", "综合保税区", "航空港区1号库", xhswire.AddressNonDefault, xhswire.AddressInactive),
		}
	}
	return []xhswire.AddressRecord{
		rec(base+1, "售后仓 王女士", "13900000201", "上海市", "310000", "上海市", "310100", "青浦区", "华新镇", "华志路1688号 退货组", xhswire.AddressDefault, xhswire.AddressActive),
		rec(base+2, "李先生", "13900000202", "浙江省", "330000", "杭州市", "330100", "余杭区", "仓前街道", "文一西路998号", xhswire.AddressNonDefault, xhswire.AddressActive),
		rec(base+3, "旧售后仓", "13900000203", "江苏省", "320000", "苏州市", "320500", "吴中区", "甪直镇", "凌港路29号", xhswire.AddressNonDefault, xhswire.AddressInactive),
	}
}

func defaultAddress(sh *shopState) (xhswire.AddressRecord, bool) {
	for _, a := range sh.addresses {
		if a.AftersaleDefault == xhswire.AddressDefault && a.Active == xhswire.AddressActive {
			return a, true
		}
	}
	return xhswire.AddressRecord{}, false
}

func addressByID(sh *shopState, id int64) (xhswire.AddressRecord, bool) {
	for _, a := range sh.addresses {
		if a.SellerAddressRecordID == id && a.Active == xhswire.AddressActive {
			return a, true
		}
	}
	return xhswire.AddressRecord{}, false
}

func returnAddress(a xhswire.AddressRecord) *xhswire.ReturnAddress {
	return &xhswire.ReturnAddress{
		Province: a.ProvinceName, City: a.CityName, County: a.CountyName, Town: a.TownName, Street: a.Address,
		Phone: a.Phone, Name: a.ContactName, FullAddress: a.FullAddress,
	}
}

// combo is a (returnType, status) pair that the platform can produce.
type combo struct{ returnType, status int }

// combos is every status each type can reach; the old-API-only values (type
// 3, status 11) are left out, as the new methods do not return them.
var combos = []combo{
	{1, 1}, {1, 2}, {1, 3}, {1, 4}, {1, 5}, {1, 6}, {1, 9}, {1, 9001}, {1, 14},
	{2, 1}, {2, 2}, {2, 3}, {2, 4}, {2, 5}, {2, 6}, {2, 9}, {2, 9001}, {2, 12}, {2, 13}, {2, 14},
	{4, 1}, {4, 4}, {4, 5}, {4, 6}, {4, 9}, {4, 14},
	{5, 1}, {5, 4}, {5, 5},
	{6, 1}, {6, 4},
}

// comboWeight makes completed cases the most common, as on a real shop.
func comboWeight(c combo) int {
	switch c.status {
	case xhswire.StatusCompleted:
		return 6
	case xhswire.StatusPendingReview:
		return 3
	case xhswire.StatusAwaitingReceipt, xhswire.StatusCancelled:
		return 2
	}
	return 1
}

// seed creates n cases split over the shops, every shop going through every
// combo first.
func (s *Server) seed(shops []Shop, n int) {
	total := 0
	for _, c := range combos {
		total += comboWeight(c)
	}
	for i := 0; i < n; i++ {
		sh := s.shopByID[shops[i%len(shops)].ShopID]
		k := i / len(shops)
		var cb combo
		if k < len(combos) {
			cb = combos[k]
		} else {
			w := s.rng.IntN(total)
			for _, c := range combos {
				if w -= comboWeight(c); w < 0 {
					cb = c
					break
				}
			}
		}
		s.seedCase(sh, cb)
	}
}

const (
	minute = int64(time.Minute / time.Millisecond)
	hour   = 60 * minute
	day    = 24 * hour
)

// between returns a random ms value in [lo, hi].
func (s *Server) between(lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + s.rng.Int64N(hi-lo+1)
}

// step is one move of a case's history, applied at a time.
type step func(c *simCase, at int64)

// seedCase builds one case by playing its history through the same moves
// the API and the buyer controls make, at past times.
func (s *Server) seedCase(sh *shopState, cb combo) {
	steps := s.history(sh, cb)
	now := s.nowMS()
	// The last move's age: a case waiting for the merchant is recent enough
	// for its deadline to be ahead.
	var last int64
	switch cb.status {
	case xhswire.StatusPendingReview, xhswire.StatusExchangeAwaitShip:
		last = now - s.between(10*minute, 40*hour)
	case xhswire.StatusAwaitingReceipt:
		last = now - s.between(hour, 6*day)
	default:
		last = now - s.between(5*minute, 18*day)
	}
	times := make([]int64, len(steps)+1)
	times[len(steps)] = last
	for i := len(steps) - 1; i >= 0; i-- {
		times[i] = times[i+1] - s.between(hour, 30*hour)
	}
	c := s.newCase(sh, cb.returnType, OpenRequest{}, times[0])
	for i, st := range steps {
		st(c, times[i+1])
	}
	c.pushTags = nil // a seeded history is not pushed
	// Some refunds are still on their way.
	if cb.status == xhswire.StatusCompleted && cb.returnType != xhswire.ReturnTypeExchange && s.rng.IntN(7) == 0 {
		c.info.RefundStatus = []int{xhswire.RefundInProgress, xhswire.RefundTriggered}[s.rng.IntN(2)]
		c.info.RefundAmountYuan, c.info.RefundTime = "0", 0
	}
}

// history is the moves that lead a new case of the type to the status.
func (s *Server) history(sh *shopState, cb combo) []step {
	approve := func(c *simCase, at int64) {
		if c.info.ReturnType == xhswire.ReturnTypeReturn || c.info.ReturnType == xhswire.ReturnTypeExchange {
			a, _ := defaultAddress(sh)
			s.agreeReturn(c, a, "", at)
			return
		}
		s.agreeRefund(c, at)
	}
	ship := func(c *simCase, at int64) {
		cr := carriers[s.rng.IntN(len(carriers))]
		s.buyerShip(c, cr.code, s.trackingNo(cr), at)
	}
	receive := func(c *simCase, at int64) { s.confirmReceipt(c, at) }
	reject := func(c *simCase, at int64) {
		r := reviewRejectReasons[s.rng.IntN(len(reviewRejectReasons)-1)]
		s.reject(c, r.ReasonName, "", at)
	}
	rejectReceipt := func(c *simCase, at int64) {
		r := receiptRejectReasons[s.rng.IntN(len(receiptRejectReasons)-1)]
		s.rejectReceipt(c, r.ReasonName, "", at)
	}
	exShip := func(c *simCase, at int64) {
		cr := carriers[s.rng.IntN(len(carriers))]
		s.shipExchange(c, cr.code, s.trackingNo(cr), at)
	}
	buyerConfirm := func(c *simCase, at int64) { s.buyerConfirmExchange(c, at) }
	cancel := func(c *simCase, at int64) { s.cancel(c, at) }
	closeCase := func(c *simCase, at int64) { s.closeCase(c, at) }
	escalate := func(c *simCase, at int64) { s.escalate(c, at) }

	returnLike := cb.returnType == xhswire.ReturnTypeReturn || cb.returnType == xhswire.ReturnTypeExchange
	switch cb.status {
	case xhswire.StatusPendingReview:
		return nil
	case xhswire.StatusAwaitingReturn:
		return []step{approve}
	case xhswire.StatusAwaitingReceipt:
		return []step{approve, ship}
	case xhswire.StatusExchangeAwaitShip:
		return []step{approve, ship, receive}
	case xhswire.StatusExchangeAwaitBuyer:
		return []step{approve, ship, receive, exShip}
	case xhswire.StatusCompleted:
		switch {
		case cb.returnType == xhswire.ReturnTypeExchange:
			return []step{approve, ship, receive, exShip, buyerConfirm}
		case returnLike:
			return []step{approve, ship, receive}
		}
		return []step{approve}
	case xhswire.StatusCancelled:
		if returnLike && s.rng.IntN(2) == 0 {
			return []step{approve, cancel}
		}
		return []step{cancel}
	case xhswire.StatusClosed:
		if returnLike {
			return []step{approve, closeCase}
		}
		return []step{closeCase}
	case xhswire.StatusRejected:
		return []step{reject}
	case xhswire.StatusRejectedAtReceipt:
		return []step{approve, ship, rejectReceipt}
	case xhswire.StatusPlatformIntervening:
		if returnLike && s.rng.IntN(2) == 0 {
			return []step{approve, ship, rejectReceipt, escalate}
		}
		return []step{reject, escalate}
	}
	return nil
}

func (s *Server) trackingNo(c carrier) string {
	return c.prefix + strconv.FormatInt(1_000_000_000_000+s.rng.Int64N(8_999_999_999_999), 10)
}

// OpenRequest describes a buyer's new after-sale request; zero fields are
// chosen by the simulator.
type OpenRequest struct {
	ReturnType   int    // xhswire.ReturnType*; 0 means return and refund
	ReasonNameZh string // one of the labels the buyer app offers for the type; "" picks one
	SKUID        string // a SKU of Catalog(); "" picks one
	Count        int    // how many of it; 0 means 1
	Desc         string // the buyer's remark
}

// newCase creates a pending case (status 1) at the time, its id and order
// new; the request's zero fields are drawn from the seed.
func (s *Server) newCase(sh *shopState, returnType int, req OpenRequest, at int64) *simCase {
	s.seq++
	if returnType == 0 {
		returnType = xhswire.ReturnTypeReturn
	}
	reasons := reasonsFor(returnType)
	rd := reasons[s.rng.IntN(len(reasons))]
	if req.ReasonNameZh != "" {
		rd = reasonDef{id: 199, label: req.ReasonNameZh}
		for _, r := range reasons {
			if r.label == req.ReasonNameZh {
				rd = r
			}
		}
	}
	var p product
	if req.SKUID != "" {
		for _, q := range catalogue {
			if q.skuID == req.SKUID {
				p = q
			}
		}
	}
	if p.skuID == "" {
		p = catalogue[s.rng.IntN(len(catalogue))]
	}
	bought := 1 + s.rng.IntN(3)
	applied := 1 + s.rng.IntN(bought)
	if req.Count > 0 {
		applied = req.Count
		if bought < applied {
			bought = applied
		}
	}
	sku := xhswire.SKU{
		SKUID: p.skuID, SKUName: p.name, Image: "https://sandbox.xhs.invalid/sku/" + p.skuID + ".jpg",
		Price: yuan(p.priceFen), BoughtCount: bought, AppliedCount: applied,
		AppliedTotalAmountYuan: yuan(p.priceFen * int64(applied)), SCSKUCode: "XHS" + p.skuID[6:],
		Barcode: "69" + p.skuID[3:], Variants: p.variants, SKUERPCode: "ERP-" + p.skuID[10:],
	}
	skusFen := p.priceFen * int64(applied)
	var shipFen, expectedFen int64
	switch returnType {
	case xhswire.ReturnTypeExchange:
		expectedFen = 0
	case xhswire.ReturnTypePriceProtection:
		expectedFen = p.priceFen / 10
		if expectedFen == 0 {
			expectedFen = 1
		}
	case xhswire.ReturnTypeReturn:
		if rd.fault && s.rng.IntN(2) == 0 {
			shipFen = []int64{800, 1000, 1200}[s.rng.IntN(3)]
		}
		expectedFen = skusFen + shipFen
	default:
		expectedFen = skusFen
	}
	desc := req.Desc
	if desc == "" {
		desc = remarks[s.rng.IntN(len(remarks))]
	}
	c := &simCase{
		shopID: sh.ShopID,
		info: xhswire.AfterSaleInfo{
			ReturnsID:                fmt.Sprintf("R%018d", 730100000000000000+s.seq*104729+s.rng.Int64N(1000)),
			ReturnType:               returnType,
			ReasonID:                 rd.id,
			ReasonNameZh:             rd.label,
			Status:                   xhswire.StatusPendingReview,
			UserID:                   s.hex(24),
			OrderID:                  fmt.Sprintf("P%018d", 790200000000000000+s.seq*7907+s.rng.Int64N(7907)),
			ApplyTime:                at,
			UpdatedAt:                at,
			ExpireTime:               at + 48*hour,
			Desc:                     desc,
			SupportCarriageInsurance: returnType <= xhswire.ReturnTypeExchange && s.rng.IntN(3) == 0,
			OpenAddressID:            s.hex(32),
			SKUs:                     []xhswire.SKU{sku},
			AppliedShipFeeAmountYuan: yuan(shipFen),
			AppliedSkusAmountYuan:    yuan(skusFen),
			ExpectedRefundAmountYuan: yuan(expectedFen),
			RefundAmountYuan:         "0",
			RefundStatus:             xhswire.RefundPendingReview,
		},
	}
	if returnType == xhswire.ReturnTypeExchange {
		ex := sku
		ex.Variants = exchangeVariant(p.variants)
		c.info.ExchangeSKUs = []xhswire.SKU{ex}
		c.info.RefundStatus = 0
	}
	if rd.fault {
		for i := 0; i <= s.rng.IntN(3); i++ {
			c.info.ProofPhotos = append(c.info.ProofPhotos, fmt.Sprintf("https://sandbox.xhs.invalid/proof/%s-%d.jpg", c.info.ReturnsID, i+1))
		}
	}
	if returnType == xhswire.ReturnTypeRefundAfterShip {
		c.info.CargoStatus = xhswire.CargoReceived
		if rd.label == "未收到货" || rd.label == "空包裹" || rd.label == "快递一直未送到" {
			c.info.CargoStatus = xhswire.CargoNotReceived
		}
	}
	if rd.label == "七天无理由退换货" && s.rng.IntN(3) == 0 {
		c.info.ReturnsTag = xhswire.TagSevenDayAutoReview
	}
	if returnType != xhswire.ReturnTypeRefundBeforeShip {
		cr := carriers[s.rng.IntN(len(carriers))]
		c.logistics.Order = &xhswire.Express{ExpressNo: s.trackingNo(cr), ExpressCompanyCode: cr.code, ExpressCompanyName: cr.name}
	}
	attrs := []xhswire.NegotiateAttribute{attr("售后类型", typeNames[returnType]), attr("申请原因", rd.label)}
	if returnType != xhswire.ReturnTypeExchange {
		attrs = append(attrs, attr("退款金额", "¥"+yuanFixed(expectedFen)))
	}
	if desc != "" {
		attrs = append(attrs, attr("申请说明", desc))
	}
	c.order = s.newOrder(sh, c, p, bought, at)
	s.orderCases[c.info.OrderID] = append(s.orderCases[c.info.OrderID], c.info.ReturnsID)
	s.record(c, at, roleBuyer, "买家发起"+typeNames[returnType]+"申请", attrs...)
	c.pushTags = []string{xhswire.TagAfterSaleCreate}
	s.cases[c.info.ReturnsID] = c
	s.ids = append(s.ids, c.info.ReturnsID)
	return c
}

var typeNames = map[int]string{
	xhswire.ReturnTypeReturn: "退货退款", xhswire.ReturnTypeExchange: "换货", xhswire.ReturnTypeRefundOnlyOld: "仅退款",
	xhswire.ReturnTypeRefundAfterShip: "仅退款", xhswire.ReturnTypeRefundBeforeShip: "仅退款", xhswire.ReturnTypePriceProtection: "价保",
}

// exchangeVariant is the buyer's wish for the replacement: the next size, or
// another colour.
func exchangeVariant(vs []xhswire.Variant) []xhswire.Variant {
	out := append([]xhswire.Variant(nil), vs...)
	next := map[string]string{"S": "M", "M": "L", "L": "XL", "27": "28", "42": "43"}
	for i, x := range out {
		if n, ok := next[x.Value]; ok {
			out[i].Value = n
			return out
		}
	}
	if len(out) > 0 {
		out[0].Value += "（换色）"
	}
	return out
}

func (s *Server) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[s.rng.IntN(16)]
	}
	return string(b)
}

// yuan formats fen as the platform's JSON number: no trailing zeros
// (129.9, 0.01, 2599).
func yuan(fen int64) json.Number {
	s := strings.TrimRight(yuanFixed(fen), "0")
	return json.Number(strings.TrimSuffix(s, "."))
}

func yuanFixed(fen int64) string {
	return fmt.Sprintf("%d.%02d", fen/100, fen%100)
}

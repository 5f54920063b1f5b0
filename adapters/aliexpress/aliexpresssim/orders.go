package aliexpresssim

import (
	"encoding/json"
	"hash/fnv"
	"time"

	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
	"github.com/returnsgw/returnsgw/returns"
)

// categoryIDs are the AliExpress leaf categories of the simulated products,
// by return-rules category; they match the gateway's category table.
// unmappedCategory is a real-looking category the table does not know.
var categoryIDs = map[returns.Category]string{
	returns.CategoryGeneral:            "200000345",
	returns.CategoryCustomMade:         "200001075",
	returns.CategoryHygiene:            "200000773",
	returns.CategoryActivatedValueLoss: "200084017",
	returns.CategoryPerishable:         "2",
}

const unmappedCategory = "100003070"

// categoryOf is the product's platform category: lights live in a category
// the gateway's table does not map.
func categoryOf(p product) string {
	if p.id == "1005008789012345" {
		return unmappedCategory
	}
	return categoryIDs[p.category]
}

// hashed is a number derived from the issue, so that its order is stable
// without drawing from the seed's generator (which would move every other
// seeded value).
func hashed(id string, salt string, n int64) int64 {
	h := fnv.New64a()
	h.Write([]byte(salt + id))
	return int64(h.Sum64() % uint64(n))
}

// notReceived reports whether the buyer says the parcel never arrived: the
// order then has no receipt.
func (is *issue) notReceived() bool { return is.reason.id == 1 || is.reason.id == 115 }

// orderWire is the issue's order, consistent with it: created, paid and sent
// before the dispute opened; received before it unless the buyer says it
// never came; amounts in the issue's settlement currency.
func (is *issue) orderWire() *aliexpresswire.OrderTarget {
	received := is.created.Add(-time.Duration(12+hashed(is.id, "recv", 96)) * time.Hour).Truncate(time.Second)
	sent := received.Add(-time.Duration(2+hashed(is.id, "send", 7)) * 24 * time.Hour)
	created := sent.Add(-time.Duration(20+hashed(is.id, "made", 52)) * time.Hour)
	if is.notReceived() {
		sent = is.created.Add(-time.Duration(9+hashed(is.id, "send", 12)) * 24 * time.Hour).Truncate(time.Second)
		created = sent.Add(-30 * time.Hour)
	}
	ship := []int64{0, 0, 199, 350}[hashed(is.id, "ship", 4)]
	ship = convert(ship, "USD", is.settle)
	o := &aliexpresswire.OrderTarget{
		ID: aliexpresswire.Long(is.orderID), GmtCreate: pacific(created), GmtPaySuccess: pacific(created.Add(3 * time.Minute)),
		OrderStatus: aliexpresswire.OrderInIssue, LogisticsStatus: aliexpresswire.LogisticsBuyerAcceptGoods,
		OrderAmount:     &aliexpresswire.Money{Amount: decimal(is.priceMinor+ship, is.settle), CurrencyCode: is.settle},
		LogisticsAmount: &aliexpresswire.Money{Amount: decimal(ship, is.settle), CurrencyCode: is.settle},
		ChildOrderList: []aliexpresswire.ChildOrder{{
			ID: aliexpresswire.Long(is.orderID), ProductID: aliexpresswire.Long(is.product.id), ProductName: is.product.name, ProductCount: 1,
			ProductPrice: &aliexpresswire.Money{Amount: decimal(is.priceMinor, is.settle), CurrencyCode: is.settle},
			InitOrderAmt: &aliexpresswire.Money{Amount: decimal(is.priceMinor, is.settle), CurrencyCode: is.settle},
		}},
	}
	parcel := aliexpresswire.LogisticDTO{LogisticsNo: "LP00" + is.orderID[4:], LogisticsServiceName: "CAINIAO_STANDARD",
		GmtSend: pacific(sent), ReceiveStatus: aliexpresswire.ReceiveStatusReceived, GmtReceived: pacific(received)}
	if is.notReceived() {
		o.LogisticsStatus = aliexpresswire.LogisticsSellerSendGoods
		parcel.ReceiveStatus, parcel.GmtReceived = aliexpresswire.ReceiveStatusNotReceived, ""
	}
	o.LogisticInfo = []aliexpresswire.LogisticDTO{parcel}
	return o
}

// aliexpress.trade.new.redefining.findorderbyid
func (s *Server) findOrder(p map[string]string) (any, *apiError) {
	raw, ok := p[aliexpresswire.ParamParam1]
	if !ok {
		return nil, missing(aliexpresswire.ParamParam1)
	}
	var q aliexpresswire.OrderDetailQuery
	if err := json.Unmarshal([]byte(raw), &q); err != nil || q.OrderID == "" {
		return nil, invalid(aliexpresswire.ParamParam1, "order_id is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.byOrder[q.OrderID.String()]; ok {
		return aliexpresswire.FindOrderResponse{Target: s.issues[id].orderWire(), RequestID: s.requestID()}, nil
	}
	return nil, notFound()
}

// aliexpress.solution.product.info.get
func (s *Server) productInfo(p map[string]string) (any, *apiError) {
	id := p[aliexpresswire.ParamProductID]
	if id == "" {
		return nil, missing(aliexpresswire.ParamProductID)
	}
	for _, pr := range products {
		if pr.id == id {
			return aliexpresswire.ProductInfoResponse{Result: &aliexpresswire.ProductInfo{ProductID: aliexpresswire.Long(id),
				Subject: pr.name, CategoryID: aliexpresswire.Long(categoryOf(pr))}}, nil
		}
	}
	return nil, notFound()
}

// FactCalls counts the order and product requests answered, so that a test
// can prove an order is read once.
func (s *Server) FactCalls() int {
	return s.Calls(aliexpresswire.MethodFindOrderByID) + s.Calls(aliexpresswire.MethodProductInfo)
}

// Delivered reports whether the issue's order was received by the buyer, as
// an oracle for tests; ok is false for an unknown issue.
func (s *Server) Delivered(issueID string) (delivered, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is, found := s.issues[issueID]
	if !found {
		return false, false
	}
	return !is.notReceived(), true
}

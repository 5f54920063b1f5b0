package alibabasim

import (
	"net/url"

	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
	"github.com/returnsgw/returnsgw/returns"
)

// categoryIDs are the simulated products' Alibaba.com leaf categories, by
// return-rules category; they match the gateway's category table.
// unmappedCategory is one the table does not know.
var categoryIDs = map[returns.Category]string{
	returns.CategoryGeneral:            "127734135",
	returns.CategoryCustomMade:         "201161910",
	returns.CategoryPerishable:         "100000308",
	returns.CategoryLivePlantOrAnimal:  "127734085",
	returns.CategoryHygiene:            "100001612",
	returns.CategoryActivatedValueLoss: "201159402",
	returns.CategoryNearExpiry:         "100000305",
}

const unmappedCategory = "100005330"

func categoryOf(p *product) string {
	if p.unit == "set" && p.category == returns.CategoryGeneral {
		return unmappedCategory // tableware sets sit in a category the table leaves out
	}
	return categoryIDs[p.category]
}

// productGet answers alibaba.icbu.product.get.
func (s *Server) productGet(form url.Values) (any, *topError) {
	id := form.Get(alibabawire.ParamProductID)
	if id == "" {
		return nil, &topError{code: alibabawire.CodeParameterError, msg: "Missing required arguments:product_id"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.products {
		if p.id == id {
			return alibabawire.ProductGetResponse{Product: &alibabawire.Product{ProductID: alibabawire.Text(id), Subject: p.name,
				CategoryID: alibabawire.Text(categoryOf(p))}}, nil
		}
	}
	return nil, &topError{code: alibabawire.CodeParameterError, msg: "Invalid arguments:product_id", subMsg: "product not found"}
}

// FactCalls counts the product detail requests answered: the only calls
// an adapter makes for a case's facts alone (the order is the case).
func (s *Server) FactCalls() int { return s.Calls(alibabawire.MethodProductGet) }

package alibabawire

// MethodProductGet is the seller's product detail, read for the product's
// category. ASSUMPTION (docs/platforms.md): the ICBU product method answers
// {"product": {"product_id", "subject", "category_id"}} for a product_id.
const (
	MethodProductGet = "alibaba.icbu.product.get"
	ParamProductID   = "product_id"
)

// ProductGetResponse is MethodProductGet's answer inside its envelope.
type ProductGetResponse struct {
	Product   *Product `json:"product"`
	RequestID string   `json:"request_id,omitempty"`
}

// Product is a product, reduced to what the gateway reads.
type Product struct {
	ProductID  Text   `json:"product_id"`
	Subject    string `json:"subject,omitempty"`
	CategoryID Text   `json:"category_id"`
}

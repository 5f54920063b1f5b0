package aliexpresswire

// IssueListQuery is query_dto of aliexpress.issue.issuelist.get, sent as a
// JSON string in the form. It has no time filter.
type IssueListQuery struct {
	BuyerLoginID string `json:"buyer_login_id,omitempty"`
	CurrentPage  int    `json:"current_page"`
	IssueStatus  string `json:"issue_status,omitempty"`
	OrderNo      Long   `json:"order_no,omitempty"`
	PageSize     int    `json:"page_size"` // at most MaxPageSize
}

// IssueListResponse is the answer of aliexpress.issue.issuelist.get.
type IssueListResponse struct {
	CurrentPage int       `json:"current_page"`
	DataList    IssueList `json:"data_list"`
	PageSize    int       `json:"page_size"`
	TotalItem   int       `json:"total_item"`
	RequestID   string    `json:"request_id,omitempty"`
}

// IssueSummary is one issue in the list.
type IssueSummary struct {
	BuyerLoginID  string `json:"buyer_login_id"`
	GmtCreate     string `json:"gmt_create"`   // Pacific time, TimeLayout
	GmtModified   string `json:"gmt_modified"` // Pacific time, TimeLayout
	IssueID       Long   `json:"issue_id"`
	IssueStatus   string `json:"issue_status"`
	OrderID       Long   `json:"order_id"`
	ParentOrderID Long   `json:"parent_order_id"`
	ReasonChinese string `json:"reason_chinese"`
	ReasonEnglish string `json:"reason_english"`
}

// IssueDetailResponse is the answer of aliexpress.issue.detail.get.
type IssueDetailResponse struct {
	ResultObject *IssueDetail `json:"result_object"`
	RequestID    string       `json:"request_id,omitempty"`
}

// IssueDetail is result_object of aliexpress.issue.detail.get. Amounts are
// decimals in their currency; refund_money_max is in the settlement currency
// (USD for most shops) and the _local variants in the buyer's currency.
type IssueDetail struct {
	ID                          Long         `json:"id"`
	OrderID                     Long         `json:"order_id"`
	ParentOrderID               Long         `json:"parent_order_id"`
	BuyerLoginID                string       `json:"buyer_login_id"`
	GmtCreate                   string       `json:"gmt_create"`
	IssueStatus                 string       `json:"issue_status"`
	IssueReason                 string       `json:"issue_reason,omitempty"`
	IssueReasonID               Long         `json:"issue_reason_id,omitempty"`
	ReverseDetailStatus         string       `json:"reverse_detail_status,omitempty"`
	TimeoutType                 string       `json:"timeout_type,omitempty"`
	TimeoutTriggerTime          string       `json:"timeout_trigger_time,omitempty"`
	AfterSaleWarranty           Bool         `json:"after_sale_warranty"`
	RefundMoneyMax              Decimal      `json:"refund_money_max"`
	RefundMoneyMaxCurrency      string       `json:"refund_money_max_currency"`
	RefundMoneyMaxLocal         Decimal      `json:"refund_money_max_local,omitempty"`
	RefundMoneyMaxLocalCurrency string       `json:"refund_money_max_local_currency,omitempty"`
	ProductID                   Long         `json:"product_id,omitempty"`
	ProductName                 string       `json:"product_name,omitempty"`
	ProductPrice                Decimal      `json:"product_price,omitempty"`
	ProductPriceCurrency        string       `json:"product_price_currency,omitempty"`
	BuyerReturnLogisticsCompany string       `json:"buyer_return_logistics_company,omitempty"`
	BuyerReturnLogisticsLpNo    string       `json:"buyer_return_logistics_lp_no,omitempty"`
	BuyerReturnNo               string       `json:"buyer_return_no,omitempty"`
	BuyerSolutionList           SolutionList `json:"buyer_solution_list"`
	SellerSolutionList          SolutionList `json:"seller_solution_list"`
	PlatformSolutionList        SolutionList `json:"platform_solution_list"`
	ProcessDtoList              ProcessList  `json:"process_dto_list"`
}

// Solution is one proposal (solution_api_dto) of the buyer, the seller or the
// platform. The platform's own proposals may carry a placeholder id (-2).
type Solution struct {
	ID                         Long    `json:"id"`
	IssueID                    Long    `json:"issue_id"`
	OrderID                    Long    `json:"order_id"`
	SolutionOwner              string  `json:"solution_owner"`
	SolutionType               string  `json:"solution_type"`
	Status                     string  `json:"status,omitempty"`
	IsDefault                  Bool    `json:"is_default,omitempty"`
	Content                    string  `json:"content,omitempty"`
	RefundMoney                Decimal `json:"refund_money"`          // in the buyer's currency
	RefundMoneyCurrency        string  `json:"refund_money_currency"` //
	RefundMoneyPost            Decimal `json:"refund_money_post"`     // in USD (the settlement currency)
	RefundMoneyPostCurrency    string  `json:"refund_money_post_currency"`
	LogisticsFeeAmount         Decimal `json:"logistics_fee_amount,omitempty"` // a Java long upstream: unit uncertain
	LogisticsFeeAmountCurrency string  `json:"logistics_fee_amount_currency,omitempty"`
	LogisticsFeeBearRole       string  `json:"logistics_fee_bear_role,omitempty"`
	ReachedType                string  `json:"reached_type,omitempty"`
	ReachedTime                string  `json:"reached_time"`
	BuyerAcceptTime            string  `json:"buyer_accept_time"`
	SellerAcceptTime           string  `json:"seller_accept_time"`
	GmtCreate                  string  `json:"gmt_create"`
	GmtModified                string  `json:"gmt_modified"`
	Version                    Long    `json:"version,omitempty"`
}

// Process is one step of the issue's history (api_issue_process_dto).
type Process struct {
	ID               Long           `json:"id,omitempty"`
	IssueID          Long           `json:"issue_id"`
	ActionType       string         `json:"action_type"`
	SubmitMemberType string         `json:"submit_member_type"`
	Content          string         `json:"content,omitempty"`
	GmtCreate        string         `json:"gmt_create"`
	ReceiveGoods     Bool           `json:"receive_goods"`
	HasBuyerVideo    Bool           `json:"has_buyer_video"`
	HasSellerVideo   Bool           `json:"has_seller_video"`
	Attachments      AttachmentList `json:"attachments"`
}

// Attachment is a picture attached to a process step.
type Attachment struct {
	FilePath       string `json:"file_path"`
	GmtCreate      string `json:"gmt_create"`
	IssueID        Long   `json:"issue_id"`
	IssueProcessID Long   `json:"issue_process_id"`
	Owner          string `json:"owner"`
}

// ResultResponse is the answer of solution.agree and solution.save: a flag.
type ResultResponse struct {
	ResultObject Bool   `json:"result_object"`
	RequestID    string `json:"request_id,omitempty"`
}

// SolutionSaveParam is param_dto of aliexpress.issue.solution.save, sent as
// a JSON string in the form. Adding a seller solution refuses the buyer's
// proposal buyer_solution_id; modifying changes modify_seller_solution_id.
type SolutionSaveParam struct {
	AddSellerSolution      bool   `json:"add_seller_solution"`
	AddSolutionType        string `json:"add_solution_type,omitempty"`
	BuyerLoginID           string `json:"buyer_login_id"`
	BuyerSolutionID        Long   `json:"buyer_solution_id,omitempty"`
	IssueID                Long   `json:"issue_id"`
	ModifySellerSolutionID Long   `json:"modify_seller_solution_id,omitempty"`
	RefundAmount           string `json:"refund_amount"` // a decimal in refund_amount_currency
	RefundAmountCurrency   string `json:"refund_amount_currency"`
	ReturnGoodAddressID    Long   `json:"return_good_address_id,omitempty"`
	SolutionContext        string `json:"solution_context,omitempty"`
}

// SellerAddressesResponse is the answer of
// aliexpress.logistics.redefining.getlogisticsselleraddresses; the gateway
// asks only for the refund (return) addresses.
type SellerAddressesResponse struct {
	RefundSellerAddressList RefundAddressList `json:"refund_seller_address_list"`
	ResultSuccess           Bool              `json:"result_success"`
	ResultErrorCode         Long              `json:"result_error_code,omitempty"`
	ErrorDesc               string            `json:"error_desc,omitempty"`
	RequestID               string            `json:"request_id,omitempty"`
}

// Address is one of the seller's addresses.
type Address struct {
	AddressID     Long   `json:"address_id"`
	Name          string `json:"name"`
	Phone         string `json:"phone,omitempty"`
	Mobile        string `json:"mobile,omitempty"`
	Email         string `json:"email,omitempty"`
	Country       string `json:"country"`
	Province      string `json:"province"`
	City          string `json:"city"`
	County        string `json:"county,omitempty"`
	Street        string `json:"street,omitempty"`
	StreetAddress string `json:"street_address"`
	Postcode      string `json:"postcode"`
	IsDefault     Long   `json:"is_default"` // 1 for the default address
	MemberType    string `json:"member_type,omitempty"`
	Language      string `json:"language,omitempty"`
	TrademanageID string `json:"trademanage_id,omitempty"`
}

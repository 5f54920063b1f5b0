// Package aliexpresswire holds the AliExpress open platform's wire format for the
// dispute ("issue") methods and the seller address book: the request and
// response structures, the success and error envelopes, and the platform's
// enumerations, spelled exactly as the platform spells them (misspellings
// such as "reach_cancle" included).
//
// Both the adapter (adapters/aliexpress) and the simulator
// (adapters/aliexpress/aliexpresssim) use these types; neither the signature nor any
// normalization lives here, so that the simulator stays an independent
// oracle of the protocol.
package aliexpresswire

// The API methods the gateway calls, by their platform names.
const (
	MethodIssueList        = "aliexpress.issue.issuelist.get"
	MethodIssueDetail      = "aliexpress.issue.detail.get"
	MethodSolutionAgree    = "aliexpress.issue.solution.agree"
	MethodSolutionSave     = "aliexpress.issue.solution.save"
	MethodSellerAddresses  = "aliexpress.logistics.redefining.getlogisticsselleraddresses"
	SyncPath               = "/sync" // the gateway path for dotted API names
	SignMethodSHA256       = "sha256"
	APIVersion             = "2.0"
	FormatJSON             = "json"
	MaxPageSize            = 50   // issuelist.get refuses larger pages
	TimestampToleranceSecs = 7200 // how far a request's timestamp may be from the platform's clock
)

// System parameter names, sent beside the business parameters in one form.
const (
	ParamAppKey      = "app_key"
	ParamAccessToken = "access_token"
	ParamTimestamp   = "timestamp"
	ParamSignMethod  = "sign_method"
	ParamSign        = "sign"
	ParamMethod      = "method"
	ParamVersion     = "v"
	ParamFormat      = "format"
	ParamSimplify    = "simplify"
)

// Business parameter names of the methods.
const (
	ParamQueryDTO           = "query_dto"
	ParamParamDTO           = "param_dto"
	ParamIssueID            = "issue_id"
	ParamBuyerLoginID       = "buyer_login_id"
	ParamSolutionID         = "solution_id"
	ParamReturnAddressID    = "return_address_id"
	ParamSellerAddressQuery = "seller_address_query"
)

// TimeLayout is how the issue APIs write times: a wall-clock time in US
// Pacific time (America/Los_Angeles), without zone or offset, e.g.
// "2024-10-28 04:23:19". Empty strings stand for "no time".
const TimeLayout = "2006-01-02 15:04:05"

// Issue statuses (issue_status).
const (
	IssueProcessing = "processing"
	IssueCanceled   = "canceled_issue"
	IssueFinish     = "finish"
)

// Detailed statuses of the reverse (return/refund) flow (reverse_detail_status).
const (
	RDWaitSellerResponse        = "wait_for_seller_response"
	RDWaitBuyerResponse         = "wait_for_buyer_response"
	RDWaitSellerSetAddress      = "wait_for_seller_set_return_address"
	RDWaitBuyerReturn           = "wait_for_buyer_return"
	RDWaitSellerConfirmation    = "wait_for_seller_confirmation"
	RDWaitWarehouseConfirmation = "wait_for_warehouse_confirmation"
	RDWaitWarehouseQualityCheck = "wait_for_warehouse_quality_check"
	RDWaitAEFeedback            = "wait_for_AE_feedback"
	RDWaitYourResponse          = "wait_for_your_response"
	RDWaitYourEvidence          = "wait_for_your_evidence"
	RDWaitFinalSolution         = "wait_for_final_solution"
	RDWaitAEFinalFeedback       = "wait_ae_final_feedback"
	RDReturnSuccess             = "return_success"
	RDRefundSuccess             = "refund_success"
	RDRefundReject              = "refund_reject"
	RDAEFeedbackFinish          = "ae_feedback_finish"
	RDWaitServiceProvider       = "wait_for_service_provider_response"
)

// Timeout types (timeout_type): what the clock in timeout_trigger_time runs for.
const (
	TimeoutWaitSolution          = "WAIT_SOLUTION_TIMEOUT"
	TimeoutWaitSellerFillAddress = "WAIT_SELLER_FILL_ADDRESS_TIMEOUT"
	TimeoutWaitReceiveItem       = "WAIT_RECEIVE_ITEM_TIMEOUT"
)

// Solution types (solution_type, add_solution_type).
const (
	SolutionRefund          = "refund"
	SolutionReturnAndRefund = "return_and_refund"
)

// Solution statuses (status of a solution).
const (
	SolWaitBuyerAndSellerAccept = "wait_buyer_and_seller_accept"
	SolWaitBuyerAccept          = "wait_buyer_accept"
	SolWaitSellerAccept         = "wait_seller_accept"
	SolReached                  = "reached"
	SolBuyerRefused             = "buyer_refused"
	SolSellerAcceptBuyerRefused = "seller_accept_and_buyer_refused"
	SolReachCancle              = "reach_cancle" // sic: a reached solution replaced by a platform ruling
	SolPerform                  = "perform"
)

// How a solution was reached (reached_type).
const (
	ReachedNegotiation   = "negotiation_consensus"
	ReachedArbitrate     = "platform_arbitrate"
	ReachedSellerTimeout = "seller_reponse_timeout" // sic
)

// Roles: who bears return freight (logistics_fee_bear_role), who owns a
// solution (solution_owner) and who submitted a process step
// (submit_member_type, which also knows "waiter" and "system").
const (
	RoleSeller   = "seller"
	RoleBuyer    = "buyer"
	RolePlatform = "platform"
	RoleWaiter   = "waiter" // customer service
	RoleSystem   = "system"
)

// Process step types (action_type of process_dto_list).
const (
	ActInitiate                 = "initiate"
	ActCancel                   = "cancel"
	ActBuyerAccept              = "buyer_accept"
	ActSellerAccept             = "seller_accept"
	ActBuyerRefuse              = "buyer_refuse"
	ActBuyerCreateSolution      = "buyer_create_solution"
	ActBuyerModifySolution      = "buyer_modify_solution"
	ActBuyerDeleteSolution      = "buyer_delete_solution"
	ActSellerCreateSolution     = "seller_create_solution"
	ActSellerModifySolution     = "seller_modify_solution"
	ActSellerDeleteSolution     = "seller_delete_solution"
	ActBuyerInitiateArbitration = "buyer_initiate_arbitration"
	ActPlatformForceReach       = "platform_force_reach"
	ActPerformSolution          = "perform_solution"
	// The two below are not in the SDK's list of action types; they are the
	// names the simulator uses for the return parcel's steps (uncertain).
	ActBuyerReturnGoods     = "buyer_return_goods"
	ActSellerConfirmReceipt = "seller_confirm_receipt"
)

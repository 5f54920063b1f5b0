package aliexpresswire

// The seller's side of the platform's mediation ("arbitration").
//
// aliexpress.issue.image.upload is in the official IOP Java SDK
// (com.aliexpress.open.request.AliexpressIssueImageUploadRequest): a POST with
// issue_id, buyer_login_id and extension as ordinary (signed) parameters and
// the file as the multipart part image_bytes, which is left out of the
// signature like every file; it answers result_object (bool).
//
// aliexpress.issue.redefining.sellersubmitarbi is in the TOP-era SDKs
// (AliexpressIssueRedefiningSellersubmitarbiRequest, 2017; the older open
// API's api.sellerSubmitArbi): issue_id, reason (noMatchDesc — not as
// described — or notReceived) and content (the seller's statement), all
// required. ASSUMED: that the /sync gateway still serves it with the same
// parameters and a result_object (bool) answer; it is not in the IOP SDK.
const (
	MethodIssueImageUpload   = "aliexpress.issue.image.upload"
	MethodSellerSubmitArbi   = "aliexpress.issue.redefining.sellersubmitarbi"
	ParamExtension           = "extension"
	ParamImageBytes          = "image_bytes" // the multipart file part
	ParamArbiReason          = "reason"
	ParamArbiContent         = "content"
	ArbiReasonNotAsDescribed = "noMatchDesc"
	ArbiReasonNotReceived    = "notReceived"
	// ActSellerInitiateArbitration is the process step the seller's request
	// leaves (ASSUMED name, after buyer_initiate_arbitration).
	ActSellerInitiateArbitration = "seller_initiate_arbitration"
	// MaxImageBytes is the largest image the upload takes (ASSUMED: the
	// seller centre's 5 MB per dispute image).
	MaxImageBytes = 5 << 20
	// MaxArbiContent bounds the statement (ASSUMED: 2,000 characters).
	MaxArbiContent = 2000
)

// ImageExtensions are the extensions the image upload takes (ASSUMED: the
// seller centre's dispute images are JPEG, PNG and GIF).
var ImageExtensions = map[string]bool{"jpg": true, "jpeg": true, "png": true, "gif": true}

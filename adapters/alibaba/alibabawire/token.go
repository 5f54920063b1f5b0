package alibabawire

// The TOP token methods. They are ordinary TOP calls (same router, same MD5
// signature) sent without a session. Both answer a token_result member that
// holds the token as a JSON document encoded in a string.
const (
	MethodTokenCreate  = "taobao.top.auth.token.create"
	MethodTokenRefresh = "taobao.top.auth.token.refresh"
	ParamCode          = "code"
	ParamUUID          = "uuid"
	ParamRefreshToken  = "refresh_token"
	// ProductionAuthorizeURL is the seller's authorization page for an
	// Alibaba.com (ICBU) app. ASSUMED: the host and the sp=ICBU parameter
	// are taken from integrators' code, not from an official page.
	ProductionAuthorizeURL = "https://oauth.alibaba.com/authorize"
	AuthorizePath          = "/authorize"
)

// Sub-codes the token methods refuse with (under code 15). ASSUMED: TOP
// publishes no table for these methods; the names follow its isv. pattern.
const (
	SubCodeInvalidCode         = "isv.invalid-code"
	SubCodeInvalidRefreshToken = "isv.refresh-token-invalid"
)

// TokenResponse is the answer of both methods.
type TokenResponse struct {
	TokenResult string `json:"token_result"`
}

// TokenResult is the document inside token_result. expire_time and
// refresh_token_valid_time are unix milliseconds; the r1/r2/w1/w2 fields
// are the expiries of each permission level (also milliseconds).
type TokenResult struct {
	AccessToken           string `json:"access_token"`
	RefreshToken          string `json:"refresh_token"`
	ExpireTime            Number `json:"expire_time"`
	RefreshTokenValidTime Number `json:"refresh_token_valid_time"`
	UserID                Text   `json:"user_id"`
	UserNick              string `json:"user_nick"`
	SP                    string `json:"sp,omitempty"`
	Locale                string `json:"locale,omitempty"`
	R1Valid               Number `json:"r1_valid,omitempty"`
	R2Valid               Number `json:"r2_valid,omitempty"`
	W1Valid               Number `json:"w1_valid,omitempty"`
	W2Valid               Number `json:"w2_valid,omitempty"`
}

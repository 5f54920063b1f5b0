package aliexpresswire

import "encoding/json"

// The token APIs are path-style ("system") APIs: POSTed to RestPath+path,
// signed with the path in front of the sorted parameters, and answered with
// a flat JSON object, not an <api>_response wrapper.
const (
	RestPath         = "/rest"
	PathTokenCreate  = "/auth/token/create"
	PathTokenRefresh = "/auth/token/refresh"
	ParamCode        = "code"
	ParamUUID        = "uuid"
	ParamRefresh     = "refresh_token"
	// The seller's authorization page (force_auth asks even a seller who
	// authorized before).
	ProductionAuthorizeURL = "https://api-sg.aliexpress.com/oauth/authorize"
	AuthorizePath          = "/oauth/authorize"
)

// TokenResponse is the answer of both token APIs. On success Code is "0";
// on failure Code names the error (IllegalRefreshToken, InvalidCode...),
// Type is ISV, ISP or SYSTEM and Message explains, with no token fields.
// expire_time and refresh_token_valid_time are unix milliseconds;
// expires_in and refresh_expires_in are seconds from now.
type TokenResponse struct {
	Code                  Text        `json:"code"`
	Type                  Text        `json:"type,omitempty"`
	Message               Text        `json:"message,omitempty"`
	RequestID             Text        `json:"request_id,omitempty"`
	AccessToken           string      `json:"access_token,omitempty"`
	RefreshToken          string      `json:"refresh_token,omitempty"`
	ExpireTime            json.Number `json:"expire_time,omitempty"`
	RefreshTokenValidTime json.Number `json:"refresh_token_valid_time,omitempty"`
	ExpiresIn             json.Number `json:"expires_in,omitempty"`
	RefreshExpiresIn      json.Number `json:"refresh_expires_in,omitempty"`
	UserID                Text        `json:"user_id,omitempty"`
	SellerID              Text        `json:"seller_id,omitempty"`
	UserNick              string      `json:"user_nick,omitempty"`
	Account               string      `json:"account,omitempty"`
	AccountPlatform       string      `json:"account_platform,omitempty"`
	Locale                string      `json:"locale,omitempty"`
	SP                    string      `json:"sp,omitempty"`
}

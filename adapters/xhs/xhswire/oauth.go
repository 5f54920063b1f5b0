package xhswire

import "encoding/json"

// The authorization methods. Both are posted to the same gateway URL with the
// same signature as every other method, and without an accessToken (the
// official Java SDK's OauthClient leaves it null).
const (
	MethodGetAccessToken = "oauth.getAccessToken"
	MethodRefreshToken   = "oauth.refreshToken"
)

// The seller's authorization page. The seller centre redirects to redirectUri
// with ?code=...&state=... once the shop's main account authorizes the app.
const (
	ProductionAuthorizeURL = "https://ark.xiaohongshu.com/ark/authorization"
	AuthorizePath          = "/ark/authorization"
)

// OAuthSystem is the system fields of an authorization call: those of System
// without the accessToken.
type OAuthSystem struct {
	AppID     string `json:"appId"`
	Timestamp string `json:"timestamp"`
	Version   string `json:"version"`
	Method    string `json:"method"`
	Sign      string `json:"sign"`
}

// GetAccessTokenRequest is oauth.getAccessToken's business field: the code of
// the authorization redirect (valid 10 minutes).
type GetAccessTokenRequest struct {
	Code string `json:"code"`
}

// RefreshTokenRequest is oauth.refreshToken's business field.
type RefreshTokenRequest struct {
	RefreshToken string `json:"refreshToken"`
}

// TokenData is the data of both methods' answers. The expiries are unix
// milliseconds (the SDKs' descriptions disagree for refresh: a reader accepts
// seconds too).
type TokenData struct {
	AccessToken           string      `json:"accessToken"`
	AccessTokenExpiresAt  json.Number `json:"accessTokenExpiresAt"`
	RefreshToken          string      `json:"refreshToken"`
	RefreshTokenExpiresAt json.Number `json:"refreshTokenExpiresAt"`
	SellerID              string      `json:"sellerId"`
	SellerName            string      `json:"sellerName"`
}

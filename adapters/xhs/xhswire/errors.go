package xhswire

// ErrorInfo describes one error code of the platform's envelope. How a
// client treats each code is the adapter's business (adapters/xhs), so this
// package, like every wire package, imports nothing of the gateway's.
type ErrorInfo struct {
	Code int
	Msg  string // the platform's message for it
}

// The error codes. ASSUMPTION: XHS publishes no table of its error codes
// (none was found in its API documents, its official doc mirror or the
// public SDKs, which only pass error_code/error_msg through). These values
// are chosen here, in this one place, and both the adapter and the simulator
// use them. When real codes become known, change this table (and its test).
const (
	ErrSystem            = -1   // 系统错误
	ErrSignInvalid       = 1001 // 签名错误
	ErrTimestampExpired  = 1002 // 时间戳过期
	ErrAppInvalid        = 1003 // appId无效
	ErrTokenInvalid      = 1004 // accessToken无效或已过期
	ErrNoPermission      = 1005 // 无接口权限
	ErrMethodUnknown     = 1006 // 接口不存在
	ErrAuthCodeInvalid   = 1007 // 授权码无效或已过期 (oauth.getAccessToken)
	ErrRefreshInvalid    = 1008 // refreshToken无效或已过期 (oauth.refreshToken)
	ErrAppThrottled      = 1010 // 应用请求过于频繁
	ErrMethodThrottled   = 1011 // 接口请求过于频繁
	ErrParamInvalid      = 2001 // 参数错误
	ErrAfterSaleNotFound = 3001 // 售后单不存在
	ErrStatusNotAllowed  = 3002 // 当前售后状态不允许该操作
	ErrServiceBusy       = 5000 // 服务繁忙
)

// ErrorCodes is the one table of error codes (see the assumption above).
var ErrorCodes = map[int]ErrorInfo{
	ErrSystem:            {ErrSystem, "系统错误"},
	ErrSignInvalid:       {ErrSignInvalid, "签名错误"},
	ErrTimestampExpired:  {ErrTimestampExpired, "时间戳过期"},
	ErrAppInvalid:        {ErrAppInvalid, "appId无效"},
	ErrTokenInvalid:      {ErrTokenInvalid, "accessToken无效或已过期"},
	ErrNoPermission:      {ErrNoPermission, "无接口权限"},
	ErrMethodUnknown:     {ErrMethodUnknown, "接口不存在"},
	ErrAuthCodeInvalid:   {ErrAuthCodeInvalid, "授权码无效或已过期"},
	ErrRefreshInvalid:    {ErrRefreshInvalid, "refreshToken无效或已过期"},
	ErrAppThrottled:      {ErrAppThrottled, "应用请求过于频繁，请稍后再试"},
	ErrMethodThrottled:   {ErrMethodThrottled, "接口请求过于频繁，请稍后再试"},
	ErrParamInvalid:      {ErrParamInvalid, "参数错误"},
	ErrAfterSaleNotFound: {ErrAfterSaleNotFound, "售后单不存在"},
	ErrStatusNotAllowed:  {ErrStatusNotAllowed, "当前售后状态不允许该操作"},
	ErrServiceBusy:       {ErrServiceBusy, "服务繁忙，请稍后再试"},
}

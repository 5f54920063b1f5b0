package aliexpress

// DecodeTokenResponse exposes the token answer's decoder to the golden test.
var DecodeTokenResponse = decodeTokenResponse

package xhs

import (
	"crypto/md5"
	"encoding/hex"
)

// stringToSign is what XHS signs: only the method, app id, timestamp and
// version take part, followed by the app secret. Business fields and the
// access token are not signed.
func stringToSign(method, appID, timestamp, version, appSecret string) string {
	return method + "?appId=" + appID + "&timestamp=" + timestamp + "&version=" + version + appSecret
}

// sign is lower_hex(md5(stringToSign)).
func sign(method, appID, timestamp, version, appSecret string) string {
	sum := md5.Sum([]byte(stringToSign(method, appID, timestamp, version, appSecret)))
	return hex.EncodeToString(sum[:])
}

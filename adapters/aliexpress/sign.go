package aliexpress

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"

	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
)

// StringToSign is the open platform's string to sign (doc articleId 120692):
// every parameter except sign, sorted by key in byte order, written as
// key1value1key2value2..., prefixed with the API path for /rest calls and
// with nothing for /sync calls (apiPath "").
func StringToSign(apiPath string, params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k == aliexpresswire.ParamSign {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys) // byte order: Go compares strings bytewise
	var b strings.Builder
	b.WriteString(apiPath)
	for _, k := range keys {
		b.WriteString(k)
		b.WriteString(params[k])
	}
	return b.String()
}

// Sign returns upper_hex(HMAC-SHA256(appSecret, StringToSign(apiPath, params))).
func Sign(appSecret, apiPath string, params map[string]string) string {
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write([]byte(StringToSign(apiPath, params)))
	return strings.ToUpper(hex.EncodeToString(m.Sum(nil)))
}

package alibaba

import (
	"crypto/md5"
	"encoding/hex"
	"sort"
	"strings"
	"time"

	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
)

// stringToSign is what TOP's md5 signature hashes: the app secret, then every
// parameter except sign whose value is not empty, as key followed by value,
// sorted by key in byte order, then the app secret again. Empty values are
// neither signed nor sent (TOP's SDKs drop them).
func stringToSign(params map[string]string, secret string) string {
	keys := make([]string, 0, len(params))
	for k, v := range params {
		if k == alibabawire.ParamSign || k == "" || v == "" {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(secret)
	for _, k := range keys {
		b.WriteString(k)
		b.WriteString(params[k])
	}
	b.WriteString(secret)
	return b.String()
}

// sign returns upper_hex(md5(stringToSign)).
func sign(params map[string]string, secret string) string {
	sum := md5.Sum([]byte(stringToSign(params, secret)))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// signedParams returns the business parameters completed with the system
// parameters and the signature, for a call made at now.
func (a *Adapter) signedParams(method string, biz map[string]string, now time.Time) map[string]string {
	p := make(map[string]string, len(biz)+8)
	for k, v := range biz {
		if v != "" {
			p[k] = v
		}
	}
	p[alibabawire.ParamMethod] = method
	p[alibabawire.ParamAppKey] = a.cfg.AppKey
	p[alibabawire.ParamSession] = a.session()
	p[alibabawire.ParamTimestamp] = now.In(alibabawire.TimestampZone()).Format(alibabawire.TimestampLayout)
	p[alibabawire.ParamVersion] = alibabawire.Version
	p[alibabawire.ParamFormat] = alibabawire.FormatJSON
	p[alibabawire.ParamSignMethod] = alibabawire.SignMethodMD5
	p[alibabawire.ParamSign] = sign(p, a.cfg.AppSecret)
	return p
}

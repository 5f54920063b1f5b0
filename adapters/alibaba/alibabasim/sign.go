package alibabasim

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"net/url"
	"sort"
	"strings"

	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
)

// expectedSign computes TOP's md5 signature of a request independently of the
// adapter: md5 over secret + every non-empty parameter but sign, as name then
// value in byte order of the names, + secret, in upper-case hex.
func expectedSign(form url.Values, secret string) string {
	names := make([]string, 0, len(form))
	for name, vs := range form {
		if name == alibabawire.ParamSign || len(vs) == 0 || vs[0] == "" {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	h := md5.New()
	h.Write([]byte(secret))
	for _, name := range names {
		h.Write([]byte(name))
		h.Write([]byte(form.Get(name)))
	}
	h.Write([]byte(secret))
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
}

// signatureValid reports whether the request's sign matches; the comparison
// ignores case, as TOP's does.
func signatureValid(form url.Values, secret string) bool {
	got := strings.ToUpper(form.Get(alibabawire.ParamSign))
	want := expectedSign(form, secret)
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

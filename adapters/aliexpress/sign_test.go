package aliexpress_test

import (
	"testing"

	"github.com/returnsgw/returnsgw/adapters/aliexpress"
)

// The vector was computed independently of this code:
//
//	python3 -c "
//	import hmac,hashlib
//	p={'app_key':'12345678','access_token':'test-token','timestamp':'1700000000000','sign_method':'sha256',
//	   'method':'aliexpress.issue.detail.get','v':'2.0','format':'json','simplify':'false',
//	   'issue_id':'6345753109519425','buyer_login_id':'mx170775425vyrae'}
//	s=''.join(k+p[k] for k in sorted(p))
//	print(s)
//	print(hmac.new(b'helloworld-secret', s.encode(), hashlib.sha256).hexdigest().upper())"
func TestSignatureMatchesIndependentVector(t *testing.T) {
	params := map[string]string{
		"app_key": "12345678", "access_token": "test-token", "timestamp": "1700000000000", "sign_method": "sha256",
		"method": "aliexpress.issue.detail.get", "v": "2.0", "format": "json", "simplify": "false",
		"issue_id": "6345753109519425", "buyer_login_id": "mx170775425vyrae",
		"sign": "must be ignored",
	}
	const wantString = "access_tokentest-tokenapp_key12345678buyer_login_idmx170775425vyraeformatjson" +
		"issue_id6345753109519425methodaliexpress.issue.detail.getsign_methodsha256simplifyfalsetimestamp1700000000000v2.0"
	const wantSign = "0B9D662EB3BB0201A7A73B484E4784E92BB9400E77FB833AE3AAA2C65B2B2A5D"
	if got := aliexpress.StringToSign("", params); got != wantString {
		t.Errorf("string to sign\n got %s\nwant %s", got, wantString)
	}
	if got := aliexpress.Sign("helloworld-secret", "", params); got != wantSign {
		t.Errorf("sign = %s, want %s", got, wantSign)
	}
}

func TestStringToSignSortsByteOrderAndPrefixesRestPath(t *testing.T) {
	// The platform's documented example: foo=1, bar=2, foo_bar=3, foobar=4
	// sorts to bar, foo, foo_bar, foobar ('_' 0x5F sorts before 'b' 0x62).
	p := map[string]string{"foo": "1", "bar": "2", "foo_bar": "3", "foobar": "4", "Zed": "5"}
	if got, want := aliexpress.StringToSign("/test/api", p), "/test/apiZed5bar2foo1foo_bar3foobar4"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

package aliexpresssim

import "testing"

// The simulator's own signature check against the vector computed with
// python3 hmac (see adapters/aliexpress/sign_test.go for the command).
func TestSignatureVector(t *testing.T) {
	p := map[string]string{
		"app_key": "12345678", "access_token": "test-token", "timestamp": "1700000000000", "sign_method": "sha256",
		"method": "aliexpress.issue.detail.get", "v": "2.0", "format": "json", "simplify": "false",
		"issue_id": "6345753109519425", "buyer_login_id": "mx170775425vyrae", "sign": "ignored",
	}
	if got, want := signature("helloworld-secret", p), "0B9D662EB3BB0201A7A73B484E4784E92BB9400E77FB833AE3AAA2C65B2B2A5D"; got != want {
		t.Errorf("signature = %s, want %s", got, want)
	}
}

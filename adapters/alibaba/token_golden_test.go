package alibaba

import (
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/adapterstest"
	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
)

// TestTokenGolden decodes taobao.top.auth.token.create and .refresh answers.
func TestTokenGolden(t *testing.T) {
	adapterstest.Golden(t, "testdata/token/*.txtar", *update, func(t *testing.T, ar *txtar.Archive) any {
		body := adapterstest.Section(ar, "response.json")
		var out alibabawire.TokenResponse
		method := strings.TrimSpace(string(adapterstest.Section(ar, "method")))
		if err := decodeResponse(method, 200, body, &out); err != nil {
			return adapterstest.TokenGolden(adapters.Token{}, err)
		}
		return adapterstest.TokenGolden(decodeTokenResult(out.TokenResult))
	})
}

// FuzzDecodeTokenResult: any token_result decodes to a usable token or a
// typed error, never a panic.
func FuzzDecodeTokenResult(f *testing.F) {
	f.Add(`{"access_token":"a","refresh_token":"r","expire_time":1765152000000,"user_id":1}`)
	f.Add(`{"expire_time":"soon"}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, doc string) {
		tok, err := decodeTokenResult(doc)
		if err == nil && tok.Validate() != nil {
			t.Fatalf("an unusable token was accepted: %v", tok)
		}
	})
}

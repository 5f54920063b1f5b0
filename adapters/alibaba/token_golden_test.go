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

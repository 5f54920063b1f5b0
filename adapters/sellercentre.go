package adapters

import (
	"net/url"
	"strings"
)

// SellerCentreURL is a case's page in a platform's seller centre: base (a
// configured page, which may carry its own query) with param=caseID added.
// "" for a case without a platform ID, so no link leads to the wrong page.
func SellerCentreURL(base, param, caseID string) string {
	if caseID == "" {
		return ""
	}
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + url.Values{param: {caseID}}.Encode()
}

package graph

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/returnsgw/returnsgw/store"
)

type httpAnswer struct {
	status int
	header http.Header
	body   map[string]any
}

func send(t *testing.T, method, target, contentType, body string) httpAnswer {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/graphql-response+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := httpAnswer{status: resp.StatusCode, header: resp.Header}
	if err := json.Unmarshal(raw, &a.body); err != nil {
		t.Fatalf("%s %s: not JSON (HTTP %d, %s): %s", method, target, resp.StatusCode, resp.Header.Get("Content-Type"), raw)
	}
	return a
}

func firstError(a httpAnswer) map[string]any {
	errs, _ := a.body["errors"].([]any)
	if len(errs) == 0 {
		return nil
	}
	e, _ := errs[0].(map[string]any)
	return e
}

func errorCode(a httpAnswer) string {
	ext, _ := firstError(a)["extensions"].(map[string]any)
	code, _ := ext["code"].(string)
	return code
}

// Automatic persisted queries (enabled in NewHandler): a client first sends
// only the document's hash, learns PERSISTED_QUERY_NOT_FOUND, sends the
// document with its hash, and from then on the hash alone, by POST or GET.
func TestAutomaticPersistedQueries(t *testing.T) {
	srv := testServer(t)
	doc := "{ __typename }"
	sum := sha256.Sum256([]byte(doc))
	ext := `{"persistedQuery":{"version":1,"sha256Hash":"` + hex.EncodeToString(sum[:]) + `"}}`

	miss := send(t, http.MethodPost, srv.URL, "application/json", `{"extensions":`+ext+`}`)
	if code := errorCode(miss); code != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("hash of an unknown document: HTTP %d, %v; want PERSISTED_QUERY_NOT_FOUND", miss.status, miss.body)
	}
	full := send(t, http.MethodPost, srv.URL, "application/json", `{"query":"`+doc+`","extensions":`+ext+`}`)
	if full.status != http.StatusOK || full.body["errors"] != nil {
		t.Fatalf("document with its hash: HTTP %d, %v", full.status, full.body)
	}
	for _, a := range []httpAnswer{
		send(t, http.MethodPost, srv.URL, "application/json", `{"extensions":`+ext+`}`),
		send(t, http.MethodGet, srv.URL+"?extensions="+url.QueryEscape(ext), "", ""),
	} {
		data, _ := a.body["data"].(map[string]any)
		if a.status != http.StatusOK || data["__typename"] != "Query" {
			t.Errorf("hash of a known document: HTTP %d, %v", a.status, a.body)
		}
	}
	// Without a document or a hash there is nothing to run.
	if a := send(t, http.MethodPost, srv.URL, "application/json", `{"extensions":{}}`); a.status != http.StatusBadRequest {
		t.Errorf("no query and no hash: HTTP %d, %v; want 400", a.status, a.body)
	}
}

// Methods other than GET and POST are 405 with Allow, in the negotiated
// media type.
func TestOtherMethodsAreNotAllowed(t *testing.T) {
	srv := testServer(t)
	for _, method := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch} {
		a := send(t, method, srv.URL, "application/json", `{"query":"{ __typename }"}`)
		if a.status != http.StatusMethodNotAllowed || a.header.Get("Allow") != "GET, POST" ||
			!strings.HasPrefix(a.header.Get("Content-Type"), "application/graphql-response+json") || firstError(a) == nil {
			t.Errorf("%s: HTTP %d, Allow %q, %s: %v", method, a.status, a.header.Get("Allow"), a.header.Get("Content-Type"), a.body)
		}
	}
}

// A cursor of another ordering names the argument it came in.
func TestCursorOfAnotherOrderingNamesItsArgument(t *testing.T) {
	srv := testServer(t)
	cur := store.Cursor{Order: store.OrderUpdatedDesc, Value: 1, Platform: "XHS", CaseID: "R1"}.Encode()
	for _, arg := range []string{"after", "before"} {
		page := "first"
		if arg == "before" {
			page = "last"
		}
		q := `{ returnCases(orderBy: RESPOND_BY_ASC, ` + page + `: 5, ` + arg + `: "` + cur + `") { totalCount } }`
		body, _ := json.Marshal(map[string]string{"query": q})
		a := send(t, http.MethodPost, srv.URL, "application/json", string(body))
		ext, _ := firstError(a)["extensions"].(map[string]any)
		field, _ := ext["field"].([]any)
		if ext["code"] != "INVALID" || !slices.Equal(field, []any{arg}) {
			t.Errorf("%s of another ordering: %v", arg, a.body)
		}
	}
}

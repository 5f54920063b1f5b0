package transport

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// appendResponse must write exactly what json.Marshal writes for compact data.
func TestAppendResponseIsJSONMarshal(t *testing.T) {
	yes, no := true, false
	cases := []struct {
		name string
		resp graphql.Response
	}{
		{"data only", graphql.Response{Data: json.RawMessage(`{"a":[1,"x\u003c"]}`)}},
		{"no data", graphql.Response{}},
		{"errors and null data", graphql.Response{
			Errors: gqlerror.List{{Message: "bad <thing>", Path: ast.Path{ast.PathName("a"), ast.PathIndex(2)},
				Extensions: map[string]any{"code": "NOT_FOUND"}}},
			Data: json.RawMessage(`null`),
		}},
		{"everything", graphql.Response{
			Errors:     gqlerror.List{{Message: "m"}},
			Data:       json.RawMessage(`{"b":true}`),
			Label:      "lab\"el\u2028",
			Path:       ast.Path{ast.PathName("x"), ast.PathIndex(0)},
			HasNext:    &yes,
			Extensions: map[string]any{"cost": 12, "z": "&"},
		}},
		{"hasNext false", graphql.Response{Data: json.RawMessage(`{}`), HasNext: &no}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, err := json.Marshal(&c.resp)
			if err != nil {
				t.Fatal(err)
			}
			got, err := appendResponse([]byte("x"), &c.resp)
			got = got[1:]
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Fatalf("appendResponse:\n got %s\nwant %s", got, want)
			}
		})
	}
}

func TestAppendResponseFailsLikeMarshal(t *testing.T) {
	resp := &graphql.Response{Data: json.RawMessage(`{}`), Extensions: map[string]any{"f": func() {}}}
	if _, err := appendResponse(nil, resp); err == nil {
		t.Fatal("an extension json cannot encode: want an error")
	}
}

func TestWriteResponseSetsItsLength(t *testing.T) {
	for _, resp := range []*graphql.Response{
		nil, // no result at all
		{Data: json.RawMessage(`{"a":1}`), Extensions: map[string]any{"x": 1}},
		{Errors: gqlerror.List{{Message: "m"}}},
		{Data: json.RawMessage(`{}`), Extensions: map[string]any{"f": func() {}}}, // cannot encode
	} {
		rec := httptest.NewRecorder()
		writeResponse(rec, http.StatusOK, resp)
		body := rec.Body.String()
		if !json.Valid([]byte(body)) {
			t.Fatalf("not JSON: %s", body)
		}
		if got := rec.Header().Get("Content-Length"); got != strconv.Itoa(len(body)) {
			t.Fatalf("Content-Length %s for %d bytes", got, len(body))
		}
	}
}

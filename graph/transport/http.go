package transport

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Media types of GraphQL over HTTP.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// maxBody bounds a request body: a GraphQL document with variables, not an upload.
const maxBody = 1 << 20

// HTTP serves GraphQL over HTTP as the GraphQL-over-HTTP specification
// describes it, for POST and GET:
//   - the response type follows Accept (application/graphql-response+json or
//     application/json; */* and a missing Accept mean application/json; anything
//     else is 406);
//   - a malformed request (no body, bad JSON, parameters of the wrong type) is 400;
//     a POST without a JSON content type is 415;
//   - a document that does not parse or validate, or variables that do not
//     coerce, are 400 under application/graphql-response+json and 200 under
//     application/json, without a data entry;
//   - GET runs queries only: a mutation is 405 with Allow: POST; any other
//     method is 405 with Allow: GET, POST;
//   - a request the authentication hook refuses is 401 (429 when it is rate
//     limited), a body over 1 MiB is 413, and so is a document over the
//     parser's token limit;
//   - with CORSOrigins, an OPTIONS preflight is answered 204 and an allowed
//     origin gets Access-Control-Allow-Origin; without, no CORS header at all.
type HTTP struct {
	Authenticate Authenticator
	// CORSOrigins are the browser origins ("https://app.example.com",
	// matched exactly) allowed to call from another site. None: CORS is off.
	CORSOrigins []string
}

var _ graphql.Transport = HTTP{}

// Supports claims every request but WebSocket upgrades and event streams,
// which have their own transports: POST and GET are served, any other method
// is answered 405 (rather than left to gqlgen's catch-all 400 in text/plain).
func (HTTP) Supports(r *http.Request) bool {
	// Only what the others serve: another Upgrade (h2c, which curl --http2
	// asks for) may be ignored, and a request for an event stream that the
	// SSE transport does not serve is answered here, typed (406 unless it
	// accepts JSON too), not by gqlgen's catch-all in text/plain.
	return !isWebsocketUpgrade(r) && !(SSE{}).Supports(r)
}

// rawRequest is a GraphQL request as it arrives, each parameter still raw so
// that its type can be checked.
type rawRequest struct {
	Query         json.RawMessage `json:"query"`
	OperationName json.RawMessage `json:"operationName"`
	Variables     json.RawMessage `json:"variables"`
	Extensions    json.RawMessage `json:"extensions"`
}

// Do serves one request.
func (t HTTP) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	if cors(t.CORSOrigins).preflight(w, r) {
		return
	}
	cors(t.CORSOrigins).headers(w, r)
	media, ok := negotiate(r.Header.Values("Accept"))
	if !ok {
		w.Header().Set("Content-Type", mediaJSON+"; charset=utf-8")
		writeError(w, http.StatusNotAcceptable, "the response can be application/graphql-response+json or application/json; see Accept")
		return
	}
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.Header().Set("Vary", "Accept")
	r, ok = authenticate(t.Authenticate, w, r, false)
	if !ok {
		return
	}
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET, POST")
		writeError(w, http.StatusMethodNotAllowed, "send GraphQL requests with POST, or queries with GET")
		return
	}

	start := graphql.Now()
	var params *graphql.RawParams
	var status int
	var msg string
	if r.Method == http.MethodGet {
		params, status, msg = readGet(r)
	} else {
		params, status, msg = readPost(w, r)
	}
	if params == nil {
		writeError(w, status, msg)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	ctx := r.Context()
	rc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		code := http.StatusOK
		if media == mediaGraphQLResponse {
			code = http.StatusBadRequest
		}
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		if hasCode(resp.Errors, CodeTokenLimit) {
			code = http.StatusRequestEntityTooLarge
		}
		writeRequestError(w, code, resp)
		return
	}
	if rc.Operation.Operation == ast.Subscription {
		writeError(w, http.StatusBadRequest, "subscriptions are served over WebSocket (graphql-transport-ws or graphql-ws) or Server-Sent Events (Accept: text/event-stream)")
		return
	}
	if r.Method == http.MethodGet && rc.Operation.Operation != ast.Query {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "only queries may be sent with GET; send mutations with POST")
		return
	}
	if defers(rc.Doc, rc.Operation) {
		writeError(w, http.StatusBadRequest, "@defer is delivered over Server-Sent Events (Accept: text/event-stream) or WebSocket, not in one JSON answer")
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	writeResponse(w, http.StatusOK, responses(ctx))
}

// negotiate picks the response media type from the Accept headers.
func negotiate(values []string) (string, bool) {
	type option struct {
		media string
		q     float64
		order int
	}
	var opts []option
	n := 0
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			mt, ps, err := mime.ParseMediaType(part)
			if err != nil {
				continue
			}
			q := 1.0
			if s, ok := ps["q"]; ok {
				if f, err := strconv.ParseFloat(s, 64); err == nil {
					q = f
				}
			}
			if cs, ok := ps["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
				continue
			}
			n++
			switch mt {
			case mediaGraphQLResponse, mediaJSON:
			case "*/*", "application/*":
				mt = mediaJSON
			default:
				continue
			}
			if q > 0 {
				opts = append(opts, option{mt, q, n})
			}
		}
	}
	if n == 0 {
		return mediaJSON, true // no usable Accept: the specification's legacy default
	}
	if len(opts) == 0 {
		return "", false
	}
	sort.SliceStable(opts, func(i, j int) bool { return opts[i].q > opts[j].q })
	return opts[0].media, true
}

func readPost(w http.ResponseWriter, r *http.Request) (*graphql.RawParams, int, string) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil, http.StatusUnsupportedMediaType, "a POST needs Content-Type: application/json"
	}
	mt, ps, err := mime.ParseMediaType(ct)
	if err != nil || mt != mediaJSON {
		return nil, http.StatusUnsupportedMediaType, "a POST must be application/json"
	}
	if cs, ok := ps["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return nil, http.StatusUnsupportedMediaType, "the request must be encoded in UTF-8"
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, http.StatusRequestEntityTooLarge, "the request body is larger than " + strconv.Itoa(maxBody) + " bytes"
		}
		return nil, http.StatusBadRequest, "the request body could not be read"
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, http.StatusBadRequest, "the request body is empty; send {\"query\": \"...\"}"
	}
	var raw rawRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, http.StatusBadRequest, "the request body is not a JSON object: " + jsonProblem(err)
	}
	if dec.More() {
		return nil, http.StatusBadRequest, "the request body holds more than one JSON value"
	}
	return fromRaw(raw)
}

func readGet(r *http.Request) (*graphql.RawParams, int, string) {
	q := r.URL.Query()
	raw := rawRequest{}
	if v, ok := q["query"]; ok {
		raw.Query, _ = json.Marshal(v[0])
	}
	if v := q.Get("operationName"); v != "" {
		raw.OperationName, _ = json.Marshal(v)
	}
	if v := q.Get("variables"); v != "" {
		raw.Variables = json.RawMessage(v)
	}
	if v := q.Get("extensions"); v != "" {
		raw.Extensions = json.RawMessage(v)
	}
	return fromRaw(raw)
}

// fromRaw checks each parameter's type as the specification requires.
func fromRaw(raw rawRequest) (*graphql.RawParams, int, string) {
	p := &graphql.RawParams{}
	if !isNull(raw.Query) {
		if err := json.Unmarshal(raw.Query, &p.Query); err != nil {
			return nil, http.StatusBadRequest, "query must be a string"
		}
	}
	if !isNull(raw.OperationName) {
		if err := json.Unmarshal(raw.OperationName, &p.OperationName); err != nil {
			return nil, http.StatusBadRequest, "operationName must be a string"
		}
	}
	if !isNull(raw.Variables) {
		if err := decodeObject(raw.Variables, &p.Variables); err != nil {
			return nil, http.StatusBadRequest, "variables must be a JSON object"
		}
	}
	if !isNull(raw.Extensions) {
		if err := decodeObject(raw.Extensions, &p.Extensions); err != nil {
			return nil, http.StatusBadRequest, "extensions must be a JSON object"
		}
	}
	// An automatic persisted query names its document by hash alone; the
	// executor looks it up (or answers PERSISTED_QUERY_NOT_FOUND, and the
	// client sends the document).
	if isNull(raw.Query) && p.Extensions["persistedQuery"] == nil {
		return nil, http.StatusBadRequest, "the request has no query"
	}
	return p, 0, ""
}

// CodeTokenLimit is the code of a document refused by the parser's token
// limit (set by the error presenter): answered 413, as a body too large is.
const CodeTokenLimit = "TOKEN_LIMIT_EXCEEDED"

func hasCode(errs gqlerror.List, code string) bool {
	for _, e := range errs {
		if e != nil && e.Extensions["code"] == code {
			return true
		}
	}
	return false
}

func isNull(m json.RawMessage) bool {
	s := bytes.TrimSpace(m)
	return len(s) == 0 || string(s) == "null"
}

// decodeObject decodes a JSON object keeping numbers exact (json.Number),
// as gqlgen's own transports do.
func decodeObject(m json.RawMessage, into *map[string]any) error {
	s := bytes.TrimSpace(m)
	if len(s) == 0 || s[0] != '{' {
		return errors.New("not an object")
	}
	dec := json.NewDecoder(bytes.NewReader(s))
	dec.UseNumber()
	return dec.Decode(into)
}

func jsonProblem(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return "syntax error at byte " + strconv.FormatInt(se.Offset, 10)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "unexpected " + te.Value
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end"
	}
	return "malformed JSON"
}

func writeError(w http.ResponseWriter, status int, msg string) {
	code := CodeBadRequest
	if status == http.StatusRequestEntityTooLarge {
		code = CodeRequestTooLarge
	}
	writeCoded(w, status, code, msg)
}

// writeRequestError answers a request that was not executed: errors only, no
// data entry at all (not even null), as the specification asks.
func writeRequestError(w http.ResponseWriter, status int, resp *graphql.Response) {
	b, err := json.Marshal(struct {
		Errors     gqlerror.List  `json:"errors"`
		Extensions map[string]any `json:"extensions,omitempty"`
	}{resp.Errors, resp.Extensions})
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"errors":[{"message":"internal error"}]}`)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

func writeResponse(w http.ResponseWriter, status int, resp *graphql.Response) {
	if resp == nil {
		resp = &graphql.Response{} // {"data":null}, as json.Marshal answered null
	}
	head, tail, err := responseParts(resp)
	if err != nil {
		status = http.StatusInternalServerError
		head, tail, resp = []byte(`{"errors":[{"message":"internal error"}]}`), nil, &graphql.Response{}
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(head)+len(resp.Data)+len(tail)))
	w.WriteHeader(status)
	// Three writes into the server's buffer rather than one copy of the data.
	w.Write(head)
	w.Write(resp.Data)
	w.Write(tail)
}

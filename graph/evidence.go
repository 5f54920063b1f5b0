package graph

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/returnsgw/returnsgw/auth"
	"github.com/returnsgw/returnsgw/graph/transport"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// Evidence over HTTP: files are too large for GraphQL variables, so they are
// uploaded and downloaded at /evidence with the same API keys (the same
// authentication hook as every transport) and listed on the case in GraphQL.

// EvidenceOptions configure the evidence endpoint.
type EvidenceOptions struct {
	// Authenticate is the transports' hook (see HandlerOptions.Authenticate);
	// nil serves the context as it comes (tests).
	Authenticate transport.Authenticator
	// RequireScopes refuses a key without the write scope (upload) or the
	// read scope (download).
	RequireScopes bool
	// MaxFileBytes bounds one file (default 10 MiB); QuotaBytes bounds an
	// organisation's evidence (0: no quota).
	MaxFileBytes int64
	QuotaBytes   int64
	// MaxUploads bounds the uploads read at once (default 4): each holds its
	// file in memory until it is stored, so this bounds the memory uploads
	// take to MaxUploads × MaxFileBytes. One more waits up to UploadWait
	// (default 10 s) for a slot, then is refused with 503.
	MaxUploads int
	UploadWait time.Duration
}

// DefaultEvidenceMaxBytes is the default bound of one evidence file.
const DefaultEvidenceMaxBytes = 10 << 20

// Codes of the evidence endpoint's errors beyond the UserErrorCodes.
const (
	codeTooLarge         = "TOO_LARGE"
	codeUnsupportedMedia = "UNSUPPORTED_MEDIA_TYPE"
	codeMethod           = "METHOD_NOT_ALLOWED"
	codeBusy             = "BUSY"
)

// allowedTypes are the types evidence may have, as http.DetectContentType
// names them, with the extension the platforms' upload calls want.
var allowedTypes = map[string]string{
	"image/jpeg":                "jpg",
	"image/png":                 "png",
	"image/gif":                 "gif",
	"image/webp":                "webp",
	"application/pdf":           "pdf",
	"text/plain; charset=utf-8": "txt",
}

// EvidenceExtension is the file extension of an allowed content type ("" for
// another type).
func EvidenceExtension(contentType string) string { return allowedTypes[contentType] }

// SniffEvidence returns the content type of an evidence file, found in its
// bytes alone, or UNSUPPORTED_MEDIA_TYPE: anything but JPEG, PNG, GIF, WebP,
// PDF and UTF-8 plain text is refused, and so is text that is markup (HTML,
// SVG, XML, scripts), which browsers could be talked into running.
func SniffEvidence(data []byte) (string, error) {
	ct := http.DetectContentType(data)
	if _, ok := allowedTypes[ct]; !ok {
		return "", returns.Errorf(codeUnsupportedMedia, "the file is %s; evidence must be JPEG, PNG, GIF, WebP, PDF or plain text", mediaName(ct))
	}
	if strings.HasPrefix(ct, "text/plain") {
		if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
			return "", returns.Errorf(codeUnsupportedMedia, "text evidence must be UTF-8 without NUL bytes")
		}
		if looksLikeMarkup(data) {
			return "", returns.Errorf(codeUnsupportedMedia, "the file is markup or a script (HTML, SVG, XML, #!); evidence must be JPEG, PNG, GIF, WebP, PDF or plain text")
		}
	}
	return ct, nil
}

// mediaName is a detected type without its parameters, for messages.
func mediaName(ct string) string {
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		return mt
	}
	return "of an unknown type"
}

// markupTags are what makes a "plain text" file something a browser or an
// XML reader would interpret.
var markupTags = [][]byte{[]byte("<script"), []byte("<svg"), []byte("<html"), []byte("<!doctype"), []byte("<?xml"),
	[]byte("<iframe"), []byte("<object"), []byte("<embed"), []byte("javascript:")}

func looksLikeMarkup(data []byte) bool {
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n\f")
	if bytes.HasPrefix(trimmed, []byte("<")) || bytes.HasPrefix(trimmed, []byte("#!")) {
		return true // markup, or a script with its interpreter line
	}
	lower := bytes.ToLower(data)
	for _, tag := range markupTags {
		if bytes.Contains(lower, tag) {
			return true
		}
	}
	return false
}

// maxFileName bounds a stored file name, in bytes.
const maxFileName = 120

// SanitizeFileName reduces a client's file name to a safe base name: the last
// path element (either separator), without leading dots or spaces, with
// anything but letters, digits, spaces and ._-()+ replaced by "_", at most
// maxFileName bytes (the extension kept). A name with control characters
// (NUL included) or invalid UTF-8, or nothing left, is INVALID. The result is
// a label: it never names a path on any disk.
func SanitizeFileName(name string) (string, error) {
	bad := returns.Errorf(returns.CodeInvalid, "the file name must be a plain name such as photo.jpg").WithField("name")
	if name == "" || len(name) > 1024 || !utf8.ValidString(name) {
		return "", bad
	}
	for _, r := range name {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return "", bad
		}
	}
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(" ._-()+", r):
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	s := strings.Trim(b.String(), " .")
	s = strings.TrimLeft(s, "._ ")
	if s == "" || strings.Trim(s, "_") == "" {
		return "", bad
	}
	if len(s) > maxFileName {
		ext := path.Ext(s)
		if len(ext) > 16 {
			ext = ""
		}
		stem := s[:maxFileName-len(ext)]
		for !utf8.ValidString(stem) { // cut at a rune boundary
			stem = stem[:len(stem)-1]
		}
		s = strings.TrimRight(stem, " .") + ext
	}
	return s, nil
}

// NameForType gives a sanitised file name the extension of the type sniffed
// from the file's bytes, replacing the one the client gave (an "invoice.pdf
// .html" of plain text is saved as "invoice.pdf.txt"), and collapses runs of
// spaces, which can hide an extension in a file dialog.
func NameForType(name, contentType string) string {
	name = strings.Join(strings.Fields(name), " ")
	ext := allowedTypes[contentType]
	if ext == "" {
		return name
	}
	stem := strings.TrimRight(strings.TrimSuffix(name, path.Ext(name)), " .")
	if stem == "" {
		stem = "evidence"
	}
	return stem + "." + ext
}

// uploadParams are an upload's query parameters.
type uploadParams struct {
	Case returns.CaseKey
	Kind store.EvidenceKind
	Name string
}

// parseUploadParams reads ?case=&kind=&name=: each exactly once, nothing
// else. INVALID names the parameter at fault.
func parseUploadParams(rawQuery string) (*uploadParams, error) {
	if len(rawQuery) > 4096 {
		return nil, returns.Errorf(returns.CodeInvalid, "the query is too long")
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, returns.Errorf(returns.CodeInvalid, "the query is malformed")
	}
	for k, v := range q {
		if k != "case" && k != "kind" && k != "name" {
			return nil, returns.Errorf(returns.CodeInvalid, "unknown parameter %q; give case, kind and name", truncate(k, 40))
		}
		if len(v) != 1 {
			return nil, returns.Errorf(returns.CodeInvalid, "give %s exactly once", k).WithField(k)
		}
	}
	var p uploadParams
	id := q.Get("case")
	if id == "" || len(id) > 400 {
		return nil, returns.Errorf(returns.CodeInvalid, "case must be a case's global id").WithField("case")
	}
	if p.Case, err = ParseCaseID(id); err != nil {
		if returns.ErrorCodeOf(err) == returns.CodeNotFound {
			return nil, returns.Errorf(returns.CodeNotFound, "no such case").WithField("case")
		}
		return nil, returns.Errorf(returns.CodeInvalid, "case must be a case's global id").WithField("case")
	}
	p.Kind = store.EvidenceKind(q.Get("kind"))
	if !p.Kind.Valid() {
		return nil, returns.Errorf(returns.CodeInvalid, "kind must be one of PHOTO, LOGISTICS_RECORD, CHAT_EXCERPT, CONTRACT, INVOICE, OTHER").WithField("kind")
	}
	if p.Name, err = SanitizeFileName(q.Get("name")); err != nil {
		return nil, err
	}
	return &p, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// EvidenceURL is the download path of a piece of evidence.
func EvidenceURL(id string) string { return "/evidence/" + id }

// evidenceJSON is the upload's answer: the Evidence fields.
type evidenceJSON struct {
	ID          string `json:"id"`
	Case        string `json:"case"`
	Kind        string `json:"kind"`
	FileName    string `json:"fileName"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	UploadedAt  string `json:"uploadedAt"`
	URL         string `json:"url"`
}

// NewEvidenceHandler serves POST /evidence (upload) and GET /evidence/<id>
// (download) for the resolver's store, which must implement
// store.EvidenceStore (Deps.Evidence).
func NewEvidenceHandler(r *Resolver, o EvidenceOptions) http.Handler {
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = DefaultEvidenceMaxBytes
	}
	if o.MaxUploads <= 0 {
		o.MaxUploads = 4
	}
	if o.UploadWait <= 0 {
		o.UploadWait = 10 * time.Second
	}
	return &evidenceHandler{r: r, o: o, uploads: make(chan struct{}, o.MaxUploads)}
}

type evidenceHandler struct {
	r       *Resolver
	o       EvidenceOptions
	uploads chan struct{} // a slot per upload being read
}

func (h *evidenceHandler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	rest, ok := strings.CutPrefix(req.URL.Path, "/evidence")
	switch {
	case !ok:
		writeEvidenceError(w, http.StatusNotFound, returns.Errorf(returns.CodeNotFound, "no such resource"))
	case rest == "" || rest == "/":
		if req.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			writeEvidenceError(w, http.StatusMethodNotAllowed, returns.Errorf(codeMethod, "upload evidence with POST"))
			return
		}
		h.upload(w, req)
	default:
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeEvidenceError(w, http.StatusMethodNotAllowed, returns.Errorf(codeMethod, "download evidence with GET"))
			return
		}
		h.download(w, req, strings.TrimPrefix(rest, "/"))
	}
}

// authorize runs the authentication hook and checks the scope; it answers
// 401, 403 or 429 itself and returns ok false.
func (h *evidenceHandler) authorize(w http.ResponseWriter, req *http.Request, need auth.Scope) (context.Context, returns.OrgID, bool) {
	ctx := req.Context()
	if h.o.Authenticate != nil {
		var err error
		ctx, err = h.o.Authenticate(ctx, transport.Credentials{Authorization: req.Header.Get("Authorization")})
		var rl *transport.RateLimitError
		switch {
		case errors.As(err, &rl):
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(rl.RetryAfter.Seconds()+0.999))))
			writeEvidenceError(w, http.StatusTooManyRequests, returns.Errorf("RATE_LIMITED", "too many requests"))
			return nil, "", false
		case returns.ErrorCodeOf(err) == returns.CodeStoreUnavailable:
			w.Header().Set("Retry-After", "5")
			writeEvidenceError(w, http.StatusServiceUnavailable, err)
			return nil, "", false
		case err != nil:
			w.Header().Set("WWW-Authenticate", "Bearer")
			writeEvidenceError(w, http.StatusUnauthorized, returns.Errorf(returns.CodeUnauthorized, "an API key is required: send Authorization: Bearer <key>"))
			return nil, "", false
		}
	}
	if h.o.RequireScopes && !auth.From(ctx).Has(need) {
		writeEvidenceError(w, http.StatusForbidden, returns.Errorf(returns.CodeUnauthorized, "this API key lacks the %s scope", need))
		return nil, "", false
	}
	org, err := OrgFrom(ctx)
	if err != nil {
		writeEvidenceError(w, http.StatusUnauthorized, err)
		return nil, "", false
	}
	if h.r.deps.Evidence == nil {
		writeEvidenceError(w, http.StatusNotFound, returns.Errorf(returns.CodeNotFound, "this gateway keeps no evidence"))
		return nil, "", false
	}
	return ctx, org, true
}

func (h *evidenceHandler) upload(w http.ResponseWriter, req *http.Request) {
	ctx, org, ok := h.authorize(w, req, auth.ScopeWrite)
	if !ok {
		return
	}
	p, err := parseUploadParams(req.URL.RawQuery)
	if err != nil {
		writeEvidenceError(w, 0, err)
		return
	}
	if req.ContentLength > h.o.MaxFileBytes {
		writeEvidenceError(w, http.StatusRequestEntityTooLarge, tooLarge(h.o.MaxFileBytes))
		return
	}
	// Wait a little for a slot (the body is not read meanwhile, so a waiting
	// upload holds a connection, not memory), then refuse.
	wait := time.NewTimer(h.o.UploadWait)
	select {
	case h.uploads <- struct{}{}:
		wait.Stop()
		defer func() { <-h.uploads }()
	case <-wait.C:
		w.Header().Set("Retry-After", "1")
		writeEvidenceError(w, http.StatusServiceUnavailable, returns.Errorf(codeBusy, "too many uploads at once; retry shortly"))
		return
	case <-req.Context().Done():
		wait.Stop()
		return
	}
	data, err := readUpload(http.MaxBytesReader(w, req.Body, h.o.MaxFileBytes), req.ContentLength, h.o.MaxFileBytes)
	var mbe *http.MaxBytesError
	switch {
	case returns.ErrorCodeOf(err) == codeUnsupportedMedia:
		writeEvidenceError(w, http.StatusUnsupportedMediaType, err)
		return
	case errors.As(err, &mbe):
		writeEvidenceError(w, http.StatusRequestEntityTooLarge, tooLarge(h.o.MaxFileBytes))
		return
	case err != nil:
		writeEvidenceError(w, http.StatusBadRequest, returns.Errorf(returns.CodeInvalid, "the body could not be read"))
		return
	case len(data) == 0:
		writeEvidenceError(w, http.StatusBadRequest, returns.Errorf(returns.CodeInvalid, "the body is empty: send the file's bytes"))
		return
	}
	ct, err := SniffEvidence(data)
	if err != nil {
		writeEvidenceError(w, http.StatusUnsupportedMediaType, err)
		return
	}
	sum := sha256.Sum256(data)
	e, err := h.r.deps.Evidence.AddEvidence(ctx, org, &store.Evidence{Case: p.Case, Kind: p.Kind, FileName: NameForType(p.Name, ct),
		ContentType: ct, SHA256: hex.EncodeToString(sum[:])}, data, h.o.QuotaBytes)
	if err != nil {
		if returns.ErrorCodeOf(err) == returns.CodeInternal {
			h.r.deps.Log.Error("store evidence", "case", p.Case.PlatformCaseID, "err", err)
		}
		writeEvidenceError(w, 0, err)
		return
	}
	w.Header().Set("Location", EvidenceURL(e.ID))
	writeEvidenceJSON(w, http.StatusCreated, evidenceJSON{ID: e.ID, Case: CaseID(e.Case), Kind: string(e.Kind), FileName: e.FileName,
		ContentType: e.ContentType, Size: e.Size, SHA256: e.SHA256, UploadedAt: e.UploadedAt.UTC().Format(time.RFC3339Nano), URL: EvidenceURL(e.ID)})
}

// readUpload reads an upload's body, refusing it by its first 512 bytes,
// before the rest is read, when their type is none that evidence may have
// (the sniffer looks at no more than those); the rest is read into a buffer
// sized from the declared length, not grown by doubling.
func readUpload(body io.Reader, declared, limit int64) ([]byte, error) {
	head := make([]byte, 512)
	n, err := io.ReadFull(body, head)
	head = head[:n]
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return head, nil
	case err != nil:
		return nil, err
	}
	if _, ok := allowedTypes[http.DetectContentType(head)]; !ok {
		_, err := SniffEvidence(head)
		return nil, err
	}
	size := int64(64 << 10)
	if declared > 0 {
		size = min(declared, limit)
	}
	buf := bytes.NewBuffer(make([]byte, 0, size+1))
	buf.Write(head)
	if _, err := buf.ReadFrom(body); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func tooLarge(limit int64) error {
	return returns.Errorf(codeTooLarge, "the file is larger than the limit of %d bytes", limit)
}

// evidenceCSP forbids everything to a document that is opened anyway.
const evidenceCSP = "default-src 'none'; sandbox; frame-ancestors 'none'"

func (h *evidenceHandler) download(w http.ResponseWriter, req *http.Request, id string) {
	ctx, org, ok := h.authorize(w, req, auth.ScopeRead)
	if !ok {
		return
	}
	e, data, err := h.r.deps.Evidence.GetEvidence(ctx, org, id)
	if err != nil {
		writeEvidenceError(w, 0, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", e.ContentType)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", evidenceCSP)
	hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": e.FileName}))
	hd.Set("Content-Length", strconv.Itoa(len(data)))
	hd.Set("ETag", `"`+e.SHA256+`"`)
	hd.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	if req.Method != http.MethodHead {
		w.Write(data)
	}
}

// evidenceStatus is the HTTP status of an error's code.
func evidenceStatus(err error) int {
	switch returns.ErrorCodeOf(err) {
	case returns.CodeInvalid:
		return http.StatusBadRequest
	case returns.CodeNotFound:
		return http.StatusNotFound
	case returns.CodeUnauthorized:
		return http.StatusForbidden
	case store.CodeQuotaExceeded, codeTooLarge:
		return http.StatusRequestEntityTooLarge
	case codeUnsupportedMedia:
		return http.StatusUnsupportedMediaType
	case returns.CodeStoreUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// writeEvidenceError answers {"code", "message"}; status 0 takes it from the
// error's code. An internal error's details are not shown.
func writeEvidenceError(w http.ResponseWriter, status int, err error) {
	if status == 0 {
		status = evidenceStatus(err)
	}
	code, msg := returns.ErrorCodeOf(err), returns.ErrorMessage(err)
	if code == returns.CodeInternal || code == "" {
		code, msg = returns.CodeInternal, "internal error"
	}
	writeEvidenceJSON(w, status, map[string]string{"code": string(code), "message": msg})
}

func writeEvidenceJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

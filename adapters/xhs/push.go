package xhs

import (
	"bytes"
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
)

var _ returns.PushSource = (*Adapter)(nil)

// pushStringToSign is what the platform signs in a push request.
//
// ASSUMPTION (the one place it lives; pinned by TestPushStringToSign): the
// push is signed like the platform's header-signed HTTP APIs. Every query
// parameter of the request URL and the app-key and timestamp headers are
// taken as name=value pairs, sorted by name (then value) in byte order and
// joined with "&"; the request path (from its leading slash), "?", those
// pairs and the app secret are concatenated, and the signature is
// lower_hex(md5(that)). Values are used as they decode, without escaping.
// The published example of this scheme is garbled as printed (a pair is
// missing, "timestamp" is misspelt and "&times" was rendered as "×"), but its
// signature, 72be6fad4dd0e5104dbdebbcdadb2a06, is exactly what this function
// gives for its inputs, which fixes the order and the separators. The body
// is not signed: a POST's JSON body is not a parameter in that scheme, and
// the push documents name only the path, the parameters and the secret.
func pushStringToSign(path string, query map[string][]string, appKey, timestamp, appSecret string) string {
	type pair struct{ name, value string }
	pairs := []pair{{xhswire.PushHeaderAppKey, appKey}, {xhswire.PushHeaderTimestamp, timestamp}}
	for name, values := range query {
		for _, v := range values {
			pairs = append(pairs, pair{name, v})
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	if path == "" {
		path = "/"
	}
	var b strings.Builder
	b.WriteString(path)
	b.WriteByte('?')
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.name)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
	b.WriteString(appSecret)
	return b.String()
}

// pushSign is lower_hex(md5(pushStringToSign)).
func pushSign(path string, query map[string][]string, appKey, timestamp, appSecret string) string {
	sum := md5.Sum([]byte(pushStringToSign(path, query, appKey, timestamp, appSecret)))
	return hex.EncodeToString(sum[:])
}

// msTimestampFrom is the smallest timestamp read as milliseconds: 10^12 ms is
// September 2001, 10^12 s is some 30,000 years ahead.
const msTimestampFrom = 1_000_000_000_000

// ReadPush verifies a push request and returns one change per after-sale
// message in it.
//
// It checks, before it reads the body, that the app-key header is this
// adapter's app, that the timestamp header is within Config.PushWindow of
// now, and the signature (see pushStringToSign); any failure is
// UNAUTHORIZED. The timestamp is unix seconds, as the platform's published
// signing example has it; a value of 10^12 or more is read as milliseconds,
// since the push documents do not state the unit.
//
// The body must be a JSON array of messages; a message whose tag is not an
// after-sale tag (the app's one push URL also receives its other
// subscriptions) is acknowledged and skipped. An after-sale message needs a
// sellerId and a data string holding a JSON object with a returnsId and a
// positive updateTime (ms); otherwise the whole push is INVALID. An
// after-sale tag the adapter does not know is passed on and logged: any
// after-sale message means "fetch the case". The messages are not filtered by
// seller: one URL serves every shop of the app, and the caller routes each
// change by its SellerID. Since the body is not signed, a change is only a
// hint to fetch the case through the authenticated API, never data to store.
func (a *Adapter) ReadPush(req returns.PushRequest, now time.Time) ([]returns.PushedChange, error) {
	if err := a.verifyPush(req, now); err != nil {
		return nil, err
	}
	return a.parsePush(req.Body)
}

func (a *Adapter) verifyPush(req returns.PushRequest, now time.Time) error {
	appKey, ok := singleHeader(req.Header, xhswire.PushHeaderAppKey)
	if !ok || subtle.ConstantTimeCompare([]byte(appKey), []byte(a.cfg.AppID)) != 1 {
		return returns.Errorf(returns.CodeUnauthorized, "push: missing or unknown app-key")
	}
	ts, ok := singleHeader(req.Header, xhswire.PushHeaderTimestamp)
	if !ok {
		return returns.Errorf(returns.CodeUnauthorized, "push: missing timestamp")
	}
	at, ok := parsePushTimestamp(ts)
	if !ok {
		return returns.Errorf(returns.CodeUnauthorized, "push: timestamp %q is not a unix time", ts)
	}
	if d := now.Sub(at); d > a.cfg.PushWindow || d < -a.cfg.PushWindow {
		return returns.Errorf(returns.CodeUnauthorized, "push: timestamp %s is outside the replay window of %v", at.UTC().Format(time.RFC3339), a.cfg.PushWindow)
	}
	sign, ok := singleHeader(req.Header, xhswire.PushHeaderSign)
	if !ok {
		return returns.Errorf(returns.CodeUnauthorized, "push: missing sign")
	}
	want := pushSign(req.Path, req.Query, appKey, ts, a.cfg.AppSecret)
	if subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(sign))) != 1 {
		return returns.Errorf(returns.CodeUnauthorized, "push: bad signature")
	}
	return nil
}

// singleHeader returns the one value of a header, whatever the case of its
// name; a header that is missing, empty or repeated does not count.
func singleHeader(h map[string][]string, name string) (string, bool) {
	var values []string
	for k, vs := range h {
		if strings.EqualFold(k, name) {
			values = append(values, vs...)
		}
	}
	if len(values) != 1 || values[0] == "" {
		return "", false
	}
	return values[0], true
}

// parsePushTimestamp reads unix seconds, or milliseconds from msTimestampFrom on.
func parsePushTimestamp(s string) (time.Time, bool) {
	if s == "" || len(s) > 19 {
		return time.Time{}, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return time.Time{}, false
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return time.Time{}, false
	}
	if v >= msTimestampFrom {
		return time.UnixMilli(v), true
	}
	return time.Unix(v, 0), true
}

func invalidPush(format string, args ...any) *returns.Error {
	return returns.Errorf(returns.CodeInvalid, "push: "+format, args...)
}

// parsePush reads the messages of a verified push.
func (a *Adapter) parsePush(body []byte) ([]returns.PushedChange, error) {
	// json.Unmarshal takes null for an empty slice: ask for the array itself.
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '[' {
		return nil, invalidPush("the body is not a JSON array")
	}
	var msgs []xhswire.PushMessage
	if err := json.Unmarshal(body, &msgs); err != nil {
		return nil, invalidPush("the body is not an array of messages").WithCause(err)
	}
	var out []returns.PushedChange
	for i, m := range msgs {
		switch {
		case m.MsgTag == "":
			return nil, invalidPush("message %d has no msgTag", i)
		case !strings.HasPrefix(m.MsgTag, xhswire.AfterSaleTagPrefix):
			a.cfg.Logger.Debug("xhs: push message skipped: not an after-sale tag", "tag", m.MsgTag)
			continue
		case m.SellerID == "":
			return nil, invalidPush("message %d (%s) has no sellerId", i, m.MsgTag)
		}
		if !slices.Contains(xhswire.AfterSaleTags, m.MsgTag) {
			a.cfg.Logger.Info("xhs: unknown after-sale push tag, passed on", "tag", m.MsgTag, "sellerId", m.SellerID)
		}
		if t := strings.TrimLeft(m.Data, " \t\r\n"); t == "" || t[0] != '{' {
			return nil, invalidPush("message %d (%s): data is not a JSON object", i, m.MsgTag)
		}
		var d xhswire.PushAfterSaleData
		if err := json.Unmarshal([]byte(m.Data), &d); err != nil {
			return nil, invalidPush("message %d (%s): data cannot be read", i, m.MsgTag).WithCause(err)
		}
		if d.ReturnsID == "" {
			return nil, invalidPush("message %d (%s): data has no returnsId", i, m.MsgTag)
		}
		if d.UpdateTime <= 0 {
			return nil, invalidPush("message %d (%s): updateTime %d is not a time", i, m.MsgTag, d.UpdateTime)
		}
		out = append(out, returns.PushedChange{
			Ref:      returns.CaseRef{PlatformCaseID: d.ReturnsID, UpdatedAt: time.UnixMilli(d.UpdateTime).UTC()},
			SellerID: m.SellerID,
			Tag:      m.MsgTag,
		})
	}
	return out, nil
}

// pushContentType is the content type of the answer to a push.
const pushContentType = "application/json;charset=utf-8"

// PushReply is the answer to a push: HTTP 200 with
// {"success":true,"error_code":0,"error_msg":""} when err is nil; otherwise
// success false, with 401 for UNAUTHORIZED, 400 for INVALID and 500 for
// anything else, the status repeated in error_code. The platform delivers a
// push it was not acknowledged for once more. The message of an UNAUTHORIZED
// answer does not say which check failed.
func (a *Adapter) PushReply(err error) (status int, contentType string, body []byte) {
	reply := xhswire.PushReply{Success: true}
	status = http.StatusOK
	if err != nil {
		msg := "internal error"
		switch returns.ErrorCodeOf(err) {
		case returns.CodeUnauthorized:
			status, msg = http.StatusUnauthorized, "push not authenticated"
		case returns.CodeInvalid:
			status, msg = http.StatusBadRequest, returns.ErrorMessage(err)
		default:
			status = http.StatusInternalServerError
		}
		reply = xhswire.PushReply{Success: false, ErrorCode: status, ErrorMsg: msg}
	}
	b, mErr := json.Marshal(reply)
	if mErr != nil {
		// Unreachable: a bool, an int and a valid string always encode.
		b = []byte(`{"success":false,"error_code":500,"error_msg":"internal error"}`)
	}
	return status, pushContentType, b
}

// SellerID is the platform's id of the shop, from Config.SellerID; empty
// when it was not configured.
func (a *Adapter) SellerID() string { return a.cfg.SellerID }

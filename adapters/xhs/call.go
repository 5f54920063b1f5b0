package xhs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
)

// call posts one method with its business fields and decodes the envelope's
// data into out (when out is not nil). A write is never repeated once it may
// have reached the platform; throttling is retried for reads and writes.
func (a *Adapter) call(ctx context.Context, method string, business any, write bool, out any) error {
	fields, err := json.Marshal(business)
	if err != nil {
		return fmt.Errorf("xhs: encode %s: %w", method, err)
	}
	body, err := a.client.Do(ctx, adapters.Call{
		Method:      method,
		URL:         a.cfg.BaseURL,
		ContentType: "application/json;charset=utf-8",
		Build:       func() ([]byte, error) { return a.body(method, fields) },
		Write:       write,
		Decode:      decodeEnvelope,
	})
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	var env xhswire.Envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return a.malformed(method, err)
	}
	if len(env.Data) == 0 || string(env.Data) == "null" {
		// No data: out stays empty, and the caller decides what that means.
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(env.Data))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return a.malformed(method, err)
	}
	return nil
}

func (a *Adapter) malformed(method string, err error) error {
	return &adapters.PlatformError{Platform: returns.XHS, Method: method, Kind: adapters.KindMalformed, Err: err}
}

// body builds one attempt's request body: the business fields with the
// system fields beside them, signed with a fresh timestamp.
func (a *Adapter) body(method string, business []byte) ([]byte, error) {
	obj := map[string]json.RawMessage{}
	if err := json.Unmarshal(business, &obj); err != nil {
		return nil, fmt.Errorf("xhs: %s's fields are not a JSON object: %w", method, err)
	}
	ts := strconv.FormatInt(a.cfg.Now().Unix(), 10)
	sys := xhswire.System{
		AppID:       a.cfg.AppID,
		Timestamp:   ts,
		Version:     xhswire.Version,
		Method:      method,
		Sign:        sign(method, a.cfg.AppID, ts, xhswire.Version, a.cfg.AppSecret),
		AccessToken: a.tokens.AccessToken(),
	}
	sb, err := json.Marshal(sys)
	if err != nil {
		return nil, err
	}
	sysObj := map[string]json.RawMessage{}
	if err := json.Unmarshal(sb, &sysObj); err != nil {
		return nil, err
	}
	for k, v := range sysObj {
		if _, clash := obj[k]; clash {
			return nil, fmt.Errorf("xhs: %s's business field %q clashes with a system field", method, k)
		}
		obj[k] = v
	}
	// A map marshals with sorted keys: the body is deterministic.
	return json.Marshal(obj)
}

// decodeEnvelope reads XHS's envelope whatever the HTTP status. It accepts
// both layers: {success, error_code, error_msg, data} and the newer
// {code, msg, success, data}.
func decodeEnvelope(status int, _ http.Header, body []byte) error {
	var env xhswire.Envelope
	if err := json.Unmarshal(body, &env); err != nil || (env.Success == nil && env.ErrorCode == nil && env.Code == nil) {
		if err == nil {
			err = errors.New("not an XHS envelope")
		}
		if status >= 300 {
			// Not the platform's answer (a proxy's error page, say): a plain
			// error lets the client classify it by the status line.
			return fmt.Errorf("HTTP %d: %w", status, err)
		}
		return &adapters.PlatformError{Kind: adapters.KindMalformed, Err: err}
	}
	code, codeText, err := envelopeCode(env)
	if err != nil {
		return &adapters.PlatformError{Kind: adapters.KindMalformed, Err: err}
	}
	ok := code == 0
	if env.Success != nil {
		ok = *env.Success
	}
	if ok {
		return nil
	}
	msg := env.ErrorMsg
	if msg == "" {
		msg = env.Msg
	}
	return &adapters.PlatformError{Kind: errorKind(code, status), Code: codeText, Message: msg}
}

// envelopeCode reads error_code, or else code; either may be a number or a string.
func envelopeCode(env xhswire.Envelope) (int, string, error) {
	raw := env.ErrorCode
	if len(raw) == 0 || string(raw) == "null" {
		raw = env.Code
	}
	if len(raw) == 0 || string(raw) == "null" {
		return 0, "", nil
	}
	text := strings.Trim(string(raw), `"`)
	if text == "" {
		return 0, "", nil
	}
	n, err := strconv.Atoi(text)
	if err != nil {
		return 0, text, fmt.Errorf("error code %s is not an integer", raw)
	}
	return n, text, nil
}

// codeKinds is how the adapter treats each code of the wire's one table of
// error codes (xhswire.ErrorCodes, an assumption: see there). A test keeps
// the two tables in step.
var codeKinds = map[int]adapters.ErrorKind{
	xhswire.ErrSystem:            adapters.KindUnavailable,
	xhswire.ErrServiceBusy:       adapters.KindUnavailable,
	xhswire.ErrSignInvalid:       adapters.KindAuth,
	xhswire.ErrTimestampExpired:  adapters.KindAuth,
	xhswire.ErrAppInvalid:        adapters.KindAuth,
	xhswire.ErrTokenInvalid:      adapters.KindAuth,
	xhswire.ErrNoPermission:      adapters.KindAuth,
	xhswire.ErrAuthCodeInvalid:   adapters.KindAuth,
	xhswire.ErrRefreshInvalid:    adapters.KindAuth,
	xhswire.ErrMethodUnknown:     adapters.KindInvalid,
	xhswire.ErrParamInvalid:      adapters.KindInvalid,
	xhswire.ErrAppThrottled:      adapters.KindRateLimited,
	xhswire.ErrMethodThrottled:   adapters.KindRateLimited,
	xhswire.ErrAfterSaleNotFound: adapters.KindNotFound,
	xhswire.ErrStatusNotAllowed:  adapters.KindState,
}

// errorKind classifies an envelope error by its code. A code the table does
// not know is treated as a refusal (PLATFORM_REJECTED), unless the HTTP
// status says the platform failed.
func errorKind(code, status int) adapters.ErrorKind {
	if k, ok := codeKinds[code]; ok {
		return k
	}
	if status >= 500 {
		return adapters.KindUnavailable
	}
	return adapters.KindInvalid
}

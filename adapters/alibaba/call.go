package alibaba

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
	"github.com/returnsgw/returnsgw/returns"
)

// call sends one signed TOP call and decodes its answer into out, a pointer
// to the method's response type. Every attempt is signed afresh (a retry
// carries a new timestamp). Errors are *adapters.PlatformError.
func (a *Adapter) call(ctx context.Context, method string, biz map[string]string, out any) error {
	var decoded reflect.Value
	_, err := a.client.Do(ctx, adapters.Call{
		Method:      method,
		URL:         a.cfg.BaseURL,
		ContentType: alibabawire.ContentTypeForm,
		Build: func() ([]byte, error) {
			form := url.Values{}
			for k, v := range a.signedParams(method, biz, a.cfg.Now()) {
				form.Set(k, v)
			}
			return []byte(form.Encode()), nil
		},
		Decode: func(status int, _ http.Header, body []byte) error {
			// Decode into a fresh value per attempt so that a failed attempt
			// leaves nothing behind in out.
			v := reflect.New(reflect.TypeOf(out).Elem())
			if err := decodeResponse(method, status, body, v.Interface()); err != nil {
				return err
			}
			decoded = v
			return nil
		},
	})
	if err != nil {
		return err
	}
	if !decoded.IsValid() {
		return &adapters.PlatformError{Platform: returns.Alibaba, Method: method, Kind: adapters.KindMalformed,
			Message: "no response decoded"}
	}
	reflect.ValueOf(out).Elem().Set(decoded.Elem())
	return nil
}

// decodeResponse reads a TOP answer whatever its HTTP status: an
// error_response becomes a *adapters.PlatformError of the right kind; a
// success is unwrapped from "<method_with_underscores>_response" into out.
// A body that is no TOP envelope is malformed on a 2xx; on a failure status
// the caller classifies it by the status.
func decodeResponse(method string, status int, body []byte, out any) error {
	var env map[string]json.RawMessage
	if err := json.Unmarshal(body, &env); err != nil {
		if status >= 300 {
			return fmt.Errorf("HTTP %d with a body that is not JSON", status)
		}
		return &adapters.PlatformError{Kind: adapters.KindMalformed, Message: "the answer is not JSON", Err: err}
	}
	if raw, ok := env[alibabawire.ErrorKey]; ok {
		var e alibabawire.ErrorResponse
		if err := json.Unmarshal(raw, &e); err != nil {
			return &adapters.PlatformError{Kind: adapters.KindMalformed, Message: "unreadable error_response", Err: err}
		}
		return platformError(e)
	}
	raw, ok := env[alibabawire.ResponseKey(method)]
	if !ok {
		if status >= 300 {
			return fmt.Errorf("HTTP %d without a TOP envelope", status)
		}
		return &adapters.PlatformError{Kind: adapters.KindMalformed,
			Message: "the answer has no " + alibabawire.ResponseKey(method)}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(out); err != nil {
		return &adapters.PlatformError{Kind: adapters.KindMalformed, Message: "unreadable " + alibabawire.ResponseKey(method), Err: err}
	}
	return nil
}

// platformError turns TOP's error envelope into a typed platform error.
func platformError(e alibabawire.ErrorResponse) *adapters.PlatformError {
	msg := e.Msg
	if e.SubMsg != "" {
		msg = strings.TrimSpace(msg + ": " + e.SubMsg)
	}
	code := e.Code.String()
	if e.SubCode != "" {
		code += "/" + e.SubCode
	}
	pe := &adapters.PlatformError{Kind: errorKind(e.Code.String(), e.SubCode), Code: code, Message: msg}
	if pe.Kind == adapters.KindRateLimited {
		pe.RetryAfter = banDuration(e.SubMsg + " " + e.Msg)
	}
	return pe
}

// errorKind classifies a TOP error by its code and sub-code. The sub-code
// decides first, because TOP reports most business errors under one code
// (15 or 50) and tells them apart only there.
func errorKind(code, subCode string) adapters.ErrorKind {
	sub := strings.ToLower(subCode)
	switch {
	case strings.Contains(sub, "not-exist") || strings.Contains(sub, "not_exist") ||
		strings.Contains(sub, "not-found") || strings.Contains(sub, "not_found"):
		return adapters.KindNotFound
	case strings.HasPrefix(sub, "accesscontrol.") || strings.Contains(sub, "flow-limit") || strings.Contains(sub, "call-limited"):
		return adapters.KindRateLimited
	case strings.HasPrefix(sub, "isp."):
		return adapters.KindUnavailable
	case strings.Contains(sub, "session") || strings.Contains(sub, "token") || strings.Contains(sub, "permission"):
		return adapters.KindAuth
	}
	switch code {
	case alibabawire.CodeAppCallLimited:
		return adapters.KindRateLimited
	case alibabawire.CodeServiceUnavailable:
		return adapters.KindUnavailable
	case alibabawire.CodeInsufficientISVPermissions, alibabawire.CodeInsufficientUserPermissions, "13",
		alibabawire.CodeMissingSignature, alibabawire.CodeInvalidSignature,
		alibabawire.CodeMissingSession, alibabawire.CodeInvalidSession,
		alibabawire.CodeMissingAppKey, alibabawire.CodeInvalidAppKey,
		alibabawire.CodeInsufficientSessionPermission, "44", "53":
		return adapters.KindAuth
	case alibabawire.CodeMissingMethod, alibabawire.CodeInvalidMethod, alibabawire.CodeInvalidFormat,
		alibabawire.CodeMissingTimestamp, alibabawire.CodeInvalidTimestamp,
		alibabawire.CodeMissingVersion, alibabawire.CodeInvalidVersion, "34",
		alibabawire.CodeMissingRequiredArguments, alibabawire.CodeInvalidArguments,
		alibabawire.CodeParameterError, "47", alibabawire.CodeBusinessError:
		return adapters.KindInvalid
	}
	if strings.HasPrefix(sub, "isv.") {
		return adapters.KindInvalid
	}
	// An unknown code without a business sub-code is most likely the
	// platform's own trouble; a read may try again.
	return adapters.KindUnavailable
}

// banDuration reads how long TOP says a throttled app is banned ("This ban
// will last for 12 more seconds"); zero when it does not say.
func banDuration(msg string) time.Duration {
	const marker = "ban will last for "
	i := strings.Index(strings.ToLower(msg), marker)
	if i < 0 {
		return 0
	}
	rest := msg[i+len(marker):]
	j := 0
	for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
		j++
	}
	n, err := strconv.Atoi(rest[:j])
	if err != nil {
		return 0
	}
	return time.Duration(n) * time.Second
}

// isNotFound reports whether err says the platform has no such object.
func isNotFound(err error) bool {
	var pe *adapters.PlatformError
	return errors.As(err, &pe) && pe.Kind == adapters.KindNotFound
}

package returns

import (
	"errors"
	"fmt"
)

// ErrorCode classifies an error for the API's callers. The values are the
// GraphQL UserErrorCode values, plus INTERNAL for everything a caller must not
// see the details of.
type ErrorCode string

// Error codes. Every error a caller can act on carries one of them.
const (
	CodeInvalid             ErrorCode = "INVALID"                 // the input is malformed
	CodeNotFound            ErrorCode = "NOT_FOUND"               // no such case (or not visible to the organisation)
	CodeInvalidState        ErrorCode = "INVALID_STATE"           // the case's status does not allow the action
	CodeRuleViolation       ErrorCode = "RULE_VIOLATION"          // a return rule forbids the action
	CodeUnsupported         ErrorCode = "UNSUPPORTED_ON_PLATFORM" // the platform's API cannot do it
	CodePlatformUnavailable ErrorCode = "PLATFORM_UNAVAILABLE"    // the platform could not be reached; nothing changed
	CodePlatformRejected    ErrorCode = "PLATFORM_REJECTED"       // the platform refused the request
	CodeConflict            ErrorCode = "CONFLICT"                // e.g. an idempotency key reused with other input
	CodeUnauthorized        ErrorCode = "UNAUTHORIZED"            // the caller may not do this
	CodeOutcomeUnknown      ErrorCode = "OUTCOME_UNKNOWN"         // the write may or may not have taken effect; the gateway is finding out
	CodeStoreUnavailable    ErrorCode = "STORE_UNAVAILABLE"       // the gateway's database could not be reached; nothing changed
	CodeInternal            ErrorCode = "INTERNAL"                // a bug or an infrastructure failure; details are logged, not shown
)

// Error is the gateway's application error: a code, a message safe to show to
// the caller, optionally the input field and the rule it concerns, and the
// cause, which is logged but never shown.
type Error struct {
	Code    ErrorCode
	Message string
	Field   []string
	RuleID  string
	Err     error
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string {
	msg := string(e.Code) + ": " + e.Message
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// ErrorCode reports the error's code; it lets errors.As find a code through wrapping.
func (e *Error) ErrorCode() ErrorCode { return e.Code }

// WithField returns a copy of e that names the input field at fault.
func (e *Error) WithField(path ...string) *Error {
	c := *e
	c.Field = path
	return &c
}

// WithCause returns a copy of e with the cause attached.
func (e *Error) WithCause(err error) *Error {
	c := *e
	c.Err = err
	return &c
}

// coded is implemented by any error that knows its code, such as an
// adapter's typed platform errors.
type coded interface{ ErrorCode() ErrorCode }

// ErrorCodeOf returns the code of the first error in err's chain that has one,
// and CodeInternal for any other non-nil error.
func ErrorCodeOf(err error) ErrorCode {
	if err == nil {
		return ""
	}
	var c coded
	if errors.As(err, &c) {
		return c.ErrorCode()
	}
	return CodeInternal
}

// ErrorMessage returns the message of err that is safe to show to a caller:
// the message of an *Error, a generic text for anything internal.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	var m interface{ UserMessage() string }
	if errors.As(err, &m) {
		return m.UserMessage()
	}
	return "internal error"
}

// PlatformErrorKind classifies what went wrong talking to a platform. The
// adapters report it on their typed errors; the layers above them (the
// poller deciding whether to skip a case, say) read it with
// PlatformErrorKindOf without depending on any adapter.
type PlatformErrorKind string

// The kinds of platform error.
const (
	PlatformErrAuth        PlatformErrorKind = "AUTH"         // the platform refused the app's or shop's credentials
	PlatformErrRateLimited PlatformErrorKind = "RATE_LIMITED" // the platform is throttling us; the request was not processed
	PlatformErrInvalid     PlatformErrorKind = "INVALID"      // the platform refused the request as invalid
	PlatformErrState       PlatformErrorKind = "STATE"        // the case's platform status does not allow the request
	PlatformErrNotFound    PlatformErrorKind = "NOT_FOUND"    // no such object on the platform
	PlatformErrUnavailable PlatformErrorKind = "UNAVAILABLE"  // the platform could not be reached, failed, or timed out
	PlatformErrMalformed   PlatformErrorKind = "MALFORMED"    // the platform answered something we cannot read
)

// PlatformErrorKindOf returns the kind of the first platform error in err's
// chain, and "" when there is none.
func PlatformErrorKindOf(err error) PlatformErrorKind {
	var k interface{ PlatformErrorKind() PlatformErrorKind }
	if errors.As(err, &k) {
		return k.PlatformErrorKind()
	}
	return ""
}

// Package adapters holds what every marketplace adapter shares: the HTTP
// client with a per-platform retry policy, rate limiting and circuit
// breaking; typed platform errors; and the registry of configured shops.
// Each platform lives in its own sub-package (adapters/xhs, ...) with a
// simulator of its wire format beside it.
package adapters

import (
	"fmt"
	"time"

	"github.com/returnsgw/returnsgw/returns"
)

// ErrorKind classifies what went wrong talking to a platform. The
// vocabulary is the domain's (returns.PlatformErrorKind), so that the feed
// and the actions can read a kind without importing the adapters.
type ErrorKind = returns.PlatformErrorKind

// The kinds of platform error.
const (
	KindAuth        = returns.PlatformErrAuth
	KindRateLimited = returns.PlatformErrRateLimited
	KindInvalid     = returns.PlatformErrInvalid
	KindState       = returns.PlatformErrState
	KindNotFound    = returns.PlatformErrNotFound
	KindUnavailable = returns.PlatformErrUnavailable
	KindMalformed   = returns.PlatformErrMalformed
)

// PlatformError is an error reported by, or about, a platform's API.
type PlatformError struct {
	Platform   returns.PlatformID
	Method     string    // the API method called
	Kind       ErrorKind //
	Code       string    // the platform's own error code, if any
	Message    string    // the platform's own message, if any
	HTTPStatus int       // the HTTP status, 0 if no response
	RetryAfter time.Duration
	// Ambiguous is set when a write may have reached the platform before the
	// failure: the caller should read the state back before assuming either way.
	Ambiguous bool
	Err       error // a transport cause
}

func (e *PlatformError) Error() string {
	s := fmt.Sprintf("%s %s: %s", e.Platform, e.Method, e.Kind)
	if e.Code != "" {
		s += " (" + e.Code + ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.HTTPStatus != 0 {
		s += fmt.Sprintf(" [HTTP %d]", e.HTTPStatus)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the transport cause.
func (e *PlatformError) Unwrap() error { return e.Err }

// PlatformErrorKind reports the kind (see returns.PlatformErrorKindOf).
func (e *PlatformError) PlatformErrorKind() returns.PlatformErrorKind { return e.Kind }

// ErrorCode maps the kind onto the gateway's error codes.
func (e *PlatformError) ErrorCode() returns.ErrorCode {
	switch e.Kind {
	case KindNotFound:
		return returns.CodeNotFound
	case KindInvalid:
		return returns.CodePlatformRejected
	case KindState:
		return returns.CodeInvalidState
	default:
		return returns.CodePlatformUnavailable
	}
}

// UserMessage is the text a caller sees: what happened, never our internals.
func (e *PlatformError) UserMessage() string {
	name := e.Platform
	switch e.Kind {
	case KindAuth:
		return fmt.Sprintf("%s refused the shop's credentials; the platform cannot be reached until they are renewed", name)
	case KindRateLimited:
		return fmt.Sprintf("%s is throttling requests; try again shortly", name)
	case KindNotFound:
		return fmt.Sprintf("%s has no such case", name)
	case KindInvalid, KindState:
		if e.Message != "" {
			return fmt.Sprintf("%s refused the request: %s", name, e.Message)
		}
		return fmt.Sprintf("%s refused the request", name)
	case KindMalformed:
		return fmt.Sprintf("%s answered with a response the gateway cannot read", name)
	}
	return fmt.Sprintf("%s is unavailable", name)
}

// Retryable reports whether repeating the call may succeed, given whether it
// is a write: a throttled request was never processed and may always be
// repeated; a failed or timed-out one only if it is a read.
func (e *PlatformError) Retryable(write bool) bool {
	switch e.Kind {
	case KindRateLimited:
		return true
	case KindUnavailable, KindMalformed:
		return !write || !e.Ambiguous
	}
	return false
}

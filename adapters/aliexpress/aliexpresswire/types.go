package aliexpresswire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Long is a JSON integer kept as its decimal text. The platform's ids are
// Java longs (16 digits and more), beyond what a float64 holds exactly, so
// they are never decoded through a float. It accepts a JSON number or a
// string and is written as a bare JSON number when it is one.
type Long string

// UnmarshalJSON accepts 123, "123", "" and null.
func (l *Long) UnmarshalJSON(b []byte) error {
	s, err := scalarText(b)
	if err != nil {
		return fmt.Errorf("aliexpresswire: long: %w", err)
	}
	if s != "" && !isInteger(s) {
		return fmt.Errorf("aliexpresswire: long: %q is not an integer", s)
	}
	*l = Long(s)
	return nil
}

// MarshalJSON writes the integer as a bare JSON number, as the platform does.
func (l Long) MarshalJSON() ([]byte, error) {
	if l == "" {
		return []byte("null"), nil
	}
	if !isInteger(string(l)) {
		return nil, fmt.Errorf("aliexpresswire: long: %q is not an integer", string(l))
	}
	return []byte(l), nil
}

// String returns the decimal text.
func (l Long) String() string { return string(l) }

// Decimal is an amount as the platform wrote it ("407.47", "0.00", 1500),
// kept as text so that it is parsed exactly into minor units later.
type Decimal string

// UnmarshalJSON accepts a JSON string or number without going through float.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	s, err := scalarText(b)
	if err != nil {
		return fmt.Errorf("aliexpresswire: amount: %w", err)
	}
	*d = Decimal(s)
	return nil
}

// Bool is a flag that the platform writes as true/false, "true"/"false" or 1/0.
type Bool bool

// UnmarshalJSON accepts the spellings above; null and "" are false.
func (v *Bool) UnmarshalJSON(b []byte) error {
	s, err := scalarText(b)
	if err != nil {
		return fmt.Errorf("aliexpresswire: bool: %w", err)
	}
	switch strings.ToLower(s) {
	case "true", "1", "y", "yes":
		*v = true
	case "false", "0", "n", "no", "":
		*v = false
	default:
		return fmt.Errorf("aliexpresswire: bool: %q", s)
	}
	return nil
}

// Text is a string field that the platform sometimes writes as a number
// (error codes are "IncompleteSignature" on the new gateway and 15 on the
// legacy one).
type Text string

// UnmarshalJSON accepts a string, a number, a boolean or null.
func (t *Text) UnmarshalJSON(b []byte) error {
	s, err := scalarText(b)
	if err != nil {
		return fmt.Errorf("aliexpresswire: text: %w", err)
	}
	*t = Text(s)
	return nil
}

// scalarText returns the text of a JSON scalar: a string's content, a
// number's or boolean's literal text, "" for null.
func scalarText(b []byte) (string, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		return "", nil
	}
	switch b[0] {
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return "", err
		}
		return strings.TrimSpace(s), nil
	case '{', '[':
		return "", fmt.Errorf("expected a scalar, got %.20s", b)
	}
	return string(b), nil
}

func isInteger(s string) bool {
	if strings.HasPrefix(s, "-") {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ResponseKey is the name of the success wrapper of a method's response:
// the method name with dots turned into underscores, plus "_response"
// (aliexpress.issue.detail.get → aliexpress_issue_detail_get_response).
func ResponseKey(method string) string {
	return strings.ReplaceAll(method, ".", "_") + "_response"
}

// ErrorResponse is the platform's error envelope, {"error_response": {...}},
// which it sends whatever the HTTP status (often 200).
type ErrorResponse struct {
	Code      Text `json:"code"`
	Msg       Text `json:"msg"`
	SubCode   Text `json:"sub_code,omitempty"`
	SubMsg    Text `json:"sub_msg,omitempty"`
	RequestID Text `json:"request_id,omitempty"`
}

// ErrorEnvelope is the body of an error answer.
type ErrorEnvelope struct {
	ErrorResponse *ErrorResponse `json:"error_response"`
}

// EncodeSuccess returns the body of a successful answer to method: the
// response wrapped in the method's success key.
func EncodeSuccess(method string, response any) ([]byte, error) {
	inner, err := json.Marshal(response)
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]json.RawMessage{ResponseKey(method): inner})
}

// Envelope is a decoded answer: either the error or the raw success response.
type Envelope struct {
	Error   *ErrorResponse
	Success json.RawMessage // the object inside <method>_response
}

// DecodeEnvelope reads an answer to method. It fails when the body is not a
// JSON object holding either error_response or the method's success key.
func DecodeEnvelope(method string, body []byte) (*Envelope, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, fmt.Errorf("aliexpresswire: response is not a JSON object: %w", err)
	}
	if raw, ok := top["error_response"]; ok && !isNull(raw) {
		var e ErrorResponse
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("aliexpresswire: error_response: %w", err)
		}
		return &Envelope{Error: &e}, nil
	}
	raw, ok := top[ResponseKey(method)]
	if !ok || isNull(raw) {
		return nil, fmt.Errorf("aliexpresswire: response has neither error_response nor %s", ResponseKey(method))
	}
	return &Envelope{Success: raw}, nil
}

func isNull(b json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(b), []byte("null")) }

package aliexpresswire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// The element names under which the platform nests list items when a call
// is made with simplify=false, as the gateway does: "buyer_solution_list":
// {"solution_api_dto": [...]}. This is how the legacy TOP serializer writes
// XML-shaped lists as JSON, and how a real aliexpress.issue.detail.get
// response captured in public code looks; an empty list comes as {}.
//
// Uncertain: whether every method and gateway nests this way. Decoding
// therefore accepts a bare array too, and an object with any single array
// inside; encoding (the simulator) always nests. This is the one place
// where the nesting is decided.
const (
	ItemIssue         = "issue_api_issue_dto"
	ItemSolution      = "solution_api_dto"
	ItemProcess       = "api_issue_process_dto"
	ItemAttachment    = "api_attachment_dto"
	ItemRefundAddress = "refundselleraddresslist"
)

// IssueList is data_list of issuelist.get.
type IssueList []IssueSummary

// SolutionList is a buyer, seller or platform solution list.
type SolutionList []Solution

// ProcessList is process_dto_list, the issue's history.
type ProcessList []Process

// AttachmentList is the pictures attached to a process step.
type AttachmentList []Attachment

// RefundAddressList is refund_seller_address_list, the return addresses.
type RefundAddressList []Address

// UnmarshalJSON accepts the nested and the bare form.
func (l *IssueList) UnmarshalJSON(b []byte) error { return unmarshalList(b, (*[]IssueSummary)(l)) }

// MarshalJSON writes the nested form.
func (l IssueList) MarshalJSON() ([]byte, error) { return marshalList(ItemIssue, []IssueSummary(l)) }

// UnmarshalJSON accepts the nested and the bare form.
func (l *SolutionList) UnmarshalJSON(b []byte) error { return unmarshalList(b, (*[]Solution)(l)) }

// MarshalJSON writes the nested form.
func (l SolutionList) MarshalJSON() ([]byte, error) { return marshalList(ItemSolution, []Solution(l)) }

// UnmarshalJSON accepts the nested and the bare form.
func (l *ProcessList) UnmarshalJSON(b []byte) error { return unmarshalList(b, (*[]Process)(l)) }

// MarshalJSON writes the nested form.
func (l ProcessList) MarshalJSON() ([]byte, error) { return marshalList(ItemProcess, []Process(l)) }

// UnmarshalJSON accepts the nested and the bare form.
func (l *AttachmentList) UnmarshalJSON(b []byte) error {
	return unmarshalList(b, (*[]Attachment)(l))
}

// MarshalJSON writes the nested form.
func (l AttachmentList) MarshalJSON() ([]byte, error) {
	return marshalList(ItemAttachment, []Attachment(l))
}

// UnmarshalJSON accepts the nested and the bare form.
func (l *RefundAddressList) UnmarshalJSON(b []byte) error {
	return unmarshalList(b, (*[]Address)(l))
}

// MarshalJSON writes the nested form.
func (l RefundAddressList) MarshalJSON() ([]byte, error) {
	return marshalList(ItemRefundAddress, []Address(l))
}

func unmarshalList[T any](b []byte, dst *[]T) error {
	b = bytes.TrimSpace(b)
	*dst = nil
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		return nil
	}
	switch b[0] {
	case '[':
		return json.Unmarshal(b, dst)
	case '{':
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(b, &obj); err != nil {
			return err
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := bytes.TrimSpace(obj[k])
			if len(v) > 0 && v[0] == '[' {
				return json.Unmarshal(v, dst)
			}
		}
		for _, k := range keys {
			// A single item may come as an object rather than a one-element array.
			v := bytes.TrimSpace(obj[k])
			if len(v) > 0 && v[0] == '{' {
				var one T
				if err := json.Unmarshal(v, &one); err != nil {
					return err
				}
				*dst = []T{one}
				return nil
			}
		}
		return nil
	}
	return fmt.Errorf("aliexpresswire: expected a list, got %.20s", b)
}

func marshalList[T any](item string, xs []T) ([]byte, error) {
	if len(xs) == 0 {
		return []byte("{}"), nil
	}
	inner, err := json.Marshal(xs)
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]json.RawMessage{item: inner})
}

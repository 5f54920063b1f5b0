package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/returnsgw/returnsgw/returns"
)

// ExportReturnStore keeps the export-return workflows of Alibaba.com cases
// (XB-EXPORT-RETURN), one per case, scoped by organisation like every other
// record.
type ExportReturnStore interface {
	// GetExportReturn returns the case's export return, or NOT_FOUND (no
	// such case for the organisation, or none started on it).
	GetExportReturn(ctx context.Context, org returns.OrgID, key returns.CaseKey) (*returns.ExportReturn, error)
	// SaveExportReturn writes x and the case c (which carries x's terms,
	// c.Export) with exactly one event, in one transaction: all of it or
	// nothing. With x.Version 0 it creates the export return (CONFLICT if
	// the case has one); otherwise it writes only if the stored Version is
	// x.Version (CONFLICT if not). NOT_FOUND when the organisation has no
	// such case; INVALID when x and c are not of one case or x has not one
	// step of each kind in order. The result holds x as stored (Version one
	// up), the case as stored and its event.
	SaveExportReturn(ctx context.Context, org returns.OrgID, x *returns.ExportReturn, c *returns.Case, ch Change) (*ExportReturnResult, error)
}

// ExportReturnResult is what SaveExportReturn wrote.
type ExportReturnResult struct {
	ExportReturn *returns.ExportReturn
	Case         *returns.Case
	Event        *returns.Event
}

// CheckExportReturn rejects what no backend stores (INVALID): an export
// return of another case than c, or without its six steps in order.
func CheckExportReturn(x *returns.ExportReturn, c *returns.Case) error {
	if err := CheckCase(c); err != nil {
		return err
	}
	if x == nil || x.Key != c.Key() {
		return returns.Errorf(returns.CodeInvalid, "the export return is not of case %s/%s", c.Platform, c.PlatformCaseID)
	}
	if len(x.Steps) != len(returns.ExportStepKinds) {
		return returns.Errorf(returns.CodeInvalid, "an export return has %d steps, not %d", len(returns.ExportStepKinds), len(x.Steps))
	}
	for i, s := range x.Steps {
		if s.Kind != returns.ExportStepKinds[i] {
			return returns.Errorf(returns.CodeInvalid, "step %d is %s, not %s", i+1, s.Kind, returns.ExportStepKinds[i])
		}
	}
	return nil
}

// The row form both backends share: ids and the checklist as JSON text,
// times as unix nanoseconds (nil for none), money as minor units and
// currency (nil for none).

// ExportCheckRow is one checklist item as stored.
type ExportCheckRow struct {
	Item string `json:"item"`
	OK   bool   `json:"ok"`
	Note string `json:"note,omitempty"`
}

// ExportIDsText encodes evidence ids.
func ExportIDsText(ids []string) string {
	if ids == nil {
		ids = []string{}
	}
	b, _ := json.Marshal(ids) // strings always encode
	return string(b)
}

// ExportIDs decodes ExportIDsText.
func ExportIDs(s string) ([]string, error) {
	var ids []string
	if err := json.Unmarshal([]byte(s), &ids); err != nil {
		return nil, fmt.Errorf("decode evidence ids: %w", err)
	}
	return ids, nil
}

// ExportChecklistText encodes a checklist; nil for none.
func ExportChecklistText(list []returns.ExportCheck) any {
	if len(list) == 0 {
		return nil
	}
	rows := make([]ExportCheckRow, len(list))
	for i, c := range list {
		rows[i] = ExportCheckRow{Item: string(c.Item), OK: c.OK, Note: c.Note}
	}
	b, _ := json.Marshal(rows)
	return string(b)
}

// ExportChecklist decodes ExportChecklistText.
func ExportChecklist(s *string) ([]returns.ExportCheck, error) {
	if s == nil {
		return nil, nil
	}
	var rows []ExportCheckRow
	if err := json.Unmarshal([]byte(*s), &rows); err != nil {
		return nil, fmt.Errorf("decode checklist: %w", err)
	}
	out := make([]returns.ExportCheck, len(rows))
	for i, r := range rows {
		out[i] = returns.ExportCheck{Item: returns.ExportCheckItem(r.Item), OK: r.OK, Note: r.Note}
	}
	return out, nil
}

// NSOrNil is t as unix nanoseconds, nil for nil.
func NSOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixNano()
}

// TimeOrNil is the inverse of NSOrNil, in UTC.
func TimeOrNil(ns *int64) *time.Time {
	if ns == nil {
		return nil
	}
	t := time.Unix(0, *ns).UTC()
	return &t
}

// MoneyArgs is m as (minor, currency), both nil for nil.
func MoneyArgs(m *returns.Money) (any, any) {
	if m == nil {
		return nil, nil
	}
	return m.Minor, m.Currency
}

// MoneyOrNil is the inverse of MoneyArgs.
func MoneyOrNil(minor *int64, currency *string) *returns.Money {
	if minor == nil || currency == nil {
		return nil
	}
	return &returns.Money{Minor: *minor, Currency: *currency}
}

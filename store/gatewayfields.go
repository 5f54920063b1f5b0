package store

import (
	"reflect"
	"time"

	"github.com/returnsgw/returnsgw/returns"
)

// Ingest reports whether the change brings a platform's view of a case (the
// poller found it, or the platform pushed it), rather than the gateway's own
// write (a seller action, a timer). An ingest write cannot set the gateway's
// fields of a stored case: see KeepGatewayFields.
func (ch Change) Ingest() bool {
	return ch.Source == returns.SourcePoll || ch.Source == returns.SourceWebhook
}

// OlderView reports whether k, the case of an ingest write (see
// Change.Ingest), is an older view of the case than stored, the case as
// stored (returns.Case.OlderThan, the rule the ingester drops such a view
// by). A backend calls it inside its write transaction, under the lock that
// orders the case's writes, with the row it read there, before anything else
// of the write: the ingester decided from a read made before the write, under
// a lock that orders writes only within one process, and another replica may
// have stored a newer view since. Such a write writes nothing: no row
// changes, no event is made, and the result is the stored case as it is, as
// for an unchanged case. A write by the gateway itself (returns.SourceMutation)
// is not passed here.
func OlderView(k, stored *returns.Case) bool {
	return stored != nil && k.OlderThan(stored)
}

// KeepGatewayFields gives k, the canonical case of an ingest write (see
// Change.Ingest), the fields that only the gateway keeps from stored, the
// case as stored (canonical, as decoded from its document), and reports
// whether that changed k. A backend calls it inside its write transaction,
// under the lock that orders the case's writes, with the row it read there,
// and before comparing fingerprints: the caller kept those fields
// (returns.Case.KeepGatewayFields) from a read that may be stale by then, one
// made before another replica recorded a seller-centre step, say. So the
// stored case's fields win:
//
//   - PendingSteps: the stored ones while the status stands (once it has
//     moved, the caller has dropped the steps the platform now reflects);
//   - ApprovedAt, ReceivedAt: the stored ones where set, the milestones the
//     gateway saw first (platforms give neither);
//   - Export and Inspection: the stored ones where set (neither is ever
//     taken back).
//
// A write by the gateway itself (returns.SourceMutation) is not passed here:
// it is what sets those fields.
func KeepGatewayFields(k, stored *returns.Case) bool {
	if stored == nil {
		return false
	}
	before := gatewayFieldsOf(k)
	if stored.Status == k.Status {
		k.PendingSteps = stored.PendingSteps
	}
	if stored.ApprovedAt != nil {
		k.ApprovedAt = stored.ApprovedAt
	}
	if stored.ReceivedAt != nil {
		k.ReceivedAt = stored.ReceivedAt
	}
	if stored.Export != nil {
		k.Export = stored.Export
	}
	if stored.Inspection != nil {
		k.Inspection = stored.Inspection
	}
	if reflect.DeepEqual(before, gatewayFieldsOf(k)) {
		return false
	}
	*k = Canonical(k)
	return true
}

// gatewayFields are the fields KeepGatewayFields may set, for comparing.
type gatewayFields struct {
	pending                []returns.PendingStep
	approvedAt, receivedAt *time.Time
	export                 *returns.ExportTerms
	inspection             *returns.Inspection
}

func gatewayFieldsOf(k *returns.Case) gatewayFields {
	return gatewayFields{k.PendingSteps, k.ApprovedAt, k.ReceivedAt, k.Export, k.Inspection}
}

package returns

import (
	"reflect"
	"testing"
	"time"
)

func TestKeepGatewayFields(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	at := func(h int) *time.Time { v := t0.Add(time.Duration(h) * time.Hour); return &v }
	step := []PendingStep{{Action: ActionReject, RecordedAt: t0, Note: "refused in the seller centre"}}
	synced := t0.Add(30 * time.Minute)

	tests := []struct {
		name   string
		stored *Case // nil: a first sighting
		fresh  Case  // as the platform reports it
		want   Case  // what must be kept
	}{{
		name:  "first sighting awaiting the parcel: approved when first seen",
		fresh: Case{Status: StatusAwaitingBuyerShipment, UpdatedAt: *at(1)},
		want:  Case{Status: StatusAwaitingBuyerShipment, UpdatedAt: *at(1), ApprovedAt: at(1)},
	}, {
		name:  "first sighting: a platform's stray pending steps are not ours",
		fresh: Case{Status: StatusRequested, UpdatedAt: *at(0), PendingSteps: step},
		want:  Case{Status: StatusRequested, UpdatedAt: *at(0)},
	}, {
		name:   "approval seen: ApprovedAt is the platform's update time",
		stored: &Case{Status: StatusRequested, UpdatedAt: *at(0), Version: 3, SyncedAt: synced},
		fresh:  Case{Status: StatusAwaitingBuyerShipment, UpdatedAt: *at(1)},
		want:   Case{Status: StatusAwaitingBuyerShipment, UpdatedAt: *at(1), ApprovedAt: at(1), Version: 3, SyncedAt: synced},
	}, {
		name:   "a later view in the same status keeps the first instant",
		stored: &Case{Status: StatusAwaitingBuyerShipment, UpdatedAt: *at(1), ApprovedAt: at(1), Version: 4, SyncedAt: synced},
		fresh:  Case{Status: StatusAwaitingBuyerShipment, UpdatedAt: *at(2)},
		want:   Case{Status: StatusAwaitingBuyerShipment, UpdatedAt: *at(2), ApprovedAt: at(1), Version: 4, SyncedAt: synced},
	}, {
		name:   "receipt seen: ApprovedAt carried, ReceivedAt set",
		stored: &Case{Status: StatusInTransit, UpdatedAt: *at(2), ApprovedAt: at(1), Version: 5},
		fresh:  Case{Status: StatusReceived, UpdatedAt: *at(50)},
		want:   Case{Status: StatusReceived, UpdatedAt: *at(50), ApprovedAt: at(1), ReceivedAt: at(50), Version: 5},
	}, {
		name:   "the platform's own instants win over ours",
		stored: &Case{Status: StatusInTransit, UpdatedAt: *at(2), ApprovedAt: at(1), ReceivedAt: at(3)},
		fresh:  Case{Status: StatusReceived, UpdatedAt: *at(50), ApprovedAt: at(-5), ReceivedAt: at(-1)},
		want:   Case{Status: StatusReceived, UpdatedAt: *at(50), ApprovedAt: at(-5), ReceivedAt: at(-1)},
	}, {
		name:   "pending steps stay while the status stands",
		stored: &Case{Status: StatusRequested, UpdatedAt: *at(0), PendingSteps: step, Version: 7, SyncedAt: synced},
		fresh:  Case{Status: StatusRequested, UpdatedAt: *at(1)},
		want:   Case{Status: StatusRequested, UpdatedAt: *at(1), PendingSteps: step, Version: 7, SyncedAt: synced},
	}, {
		name:   "pending steps go once the case moved: the platform reflected them",
		stored: &Case{Status: StatusRequested, UpdatedAt: *at(0), PendingSteps: step, Version: 7},
		fresh:  Case{Status: StatusRejected, UpdatedAt: *at(1)},
		want:   Case{Status: StatusRejected, UpdatedAt: *at(1), Version: 7},
	}, {
		name:   "the store's version and sync time are the stored copy's, not the platform's zero",
		stored: &Case{Status: StatusRefunded, UpdatedAt: *at(9), Version: 12, SyncedAt: synced},
		fresh:  Case{Status: StatusRefunded, UpdatedAt: *at(9), Version: 0},
		want:   Case{Status: StatusRefunded, UpdatedAt: *at(9), Version: 12, SyncedAt: synced},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.fresh
			got.KeepGatewayFields(tt.stored)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

// A view read before a write but stored after it is recognised as older, even
// within the platform's one-second resolution.
func TestOlderThan(t *testing.T) {
	at := time.Date(2026, 12, 3, 11, 38, 44, 0, time.UTC)
	view := func(s Status, t time.Time) *Case { return &Case{Status: s, UpdatedAt: t} }
	cases := []struct {
		name          string
		fresh, stored *Case
		older         bool
	}{
		{"first sighting", view(StatusRequested, at), nil, false},
		{"earlier update", view(StatusRefunded, at.Add(-time.Second)), view(StatusRequested, at), true},
		{"later update, step back", view(StatusRequested, at.Add(time.Second)), view(StatusRefunded, at), false},
		{"same second, same status", view(StatusRefunded, at), view(StatusRefunded, at), false},
		{"same second, forward", view(StatusRefunded, at), view(StatusRequested, at), false},
		{"same second, step back", view(StatusRequested, at), view(StatusRefunded, at), true},
		{"same second, several steps back", view(StatusAwaitingBuyerShipment, at), view(StatusRefunded, at), true},
		{"same second, pending behind refunded", view(StatusRefundPending, at), view(StatusRefunded, at), true},
		{"same second, unexpected but not back", view(StatusClosed, at), view(StatusRefunded, at), false},
		{"same second, back and forth allowed", view(StatusNegotiating, at), view(StatusRequested, at), false},
	}
	for _, tc := range cases {
		if got := tc.fresh.OlderThan(tc.stored); got != tc.older {
			t.Errorf("%s: OlderThan = %v, want %v", tc.name, got, tc.older)
		}
	}
}

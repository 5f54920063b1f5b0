package storetest

import (
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

func (s suite) upsert(t *testing.T) {
	t.Run("New", s.upsertNew)
	t.Run("Unchanged", s.upsertUnchanged)
	t.Run("Changed", s.upsertChanged)
	t.Run("Always", s.upsertAlways)
	t.Run("Version", s.upsertVersion)
	t.Run("RoundTrip", s.upsertRoundTrip)
	t.Run("Invalid", s.upsertInvalid)
	t.Run("NotShared", s.upsertNotShared)
}

// A case seen for the first time is stored with Version 1 and one event that
// has no previous status.
func (s suite) upsertNew(t *testing.T) {
	e := s.env(t)
	c := NewFixtures(1, start).Case()
	res := e.upsert(t, e.orgA, c, store.Change{Source: returns.SourcePoll})
	if !res.Changed || res.Event == nil {
		t.Fatalf("new case: Changed=%v Event=%v, want a change with an event", res.Changed, res.Event)
	}
	want := stored(c, 1, start)
	sameCase(t, "UpsertResult.Case", res.Case, want)
	sameCase(t, "GetCase", e.get(t, e.orgA, c.Key()), want)

	if res.Event.Seq <= 0 {
		t.Fatalf("event Seq = %d, want > 0", res.Event.Seq)
	}
	sameEvent(t, "UpsertResult.Event", *res.Event, returns.Event{
		Seq: res.Event.Seq, Org: e.orgA, Key: c.Key(), PreviousStatus: nil, Status: c.Status,
		Source: returns.SourcePoll, OccurredAt: start,
	})
	evs := e.allEvents(t, e.orgA)
	if len(evs) != 1 {
		t.Fatalf("log has %d events, want 1", len(evs))
	}
	sameEvent(t, "logged event", evs[0], *res.Event)
}

// Storing what is already stored writes nothing, whatever the store's own
// fields, the zones of the times, or empty-versus-nil say.
func (s suite) upsertUnchanged(t *testing.T) {
	e := s.env(t)
	base := FullCase("R7000000000000001")
	base.Lines[1].Raw = nil
	base.PendingSteps = nil
	first := e.upsert(t, e.orgA, base, store.Change{Source: returns.SourceWebhook})
	want := stored(base, 1, start)

	variants := []struct {
		name   string
		change func(c *returns.Case)
		ch     store.Change
	}{
		{"identical", func(c *returns.Case) {}, store.Change{Source: returns.SourcePoll}},
		{"store fields differ", func(c *returns.Case) {
			c.Version = 42
			c.SyncedAt = start.Add(-time.Hour)
		}, store.Change{Source: returns.SourcePoll}},
		{"times in other zones", func(c *returns.Case) {
			c.CreatedAt = c.CreatedAt.In(returns.Pacific)
			c.UpdatedAt = c.UpdatedAt.In(returns.Shanghai)
			r := c.Deadlines.RespondBy.In(returns.Pacific)
			c.Deadlines.RespondBy = &r
			sh := c.ReturnShipment.ShippedAt.In(time.FixedZone("UTC+5", 5*3600))
			c.ReturnShipment.ShippedAt = &sh
		}, store.Change{Source: returns.SourcePoll}},
		{"empty instead of nil", func(c *returns.Case) {
			c.Lines[1].Raw = map[string]string{}
			c.PendingSteps = []returns.PendingStep{}
		}, store.Change{Source: returns.SourcePoll}},
		{"detail without Always", func(c *returns.Case) {}, store.Change{Source: returns.SourceMutation, Detail: map[string]string{"action": "returnApprove"}}},
	}
	for _, v := range variants {
		e.clock.Advance(time.Minute)
		c := Canonical(base)
		v.change(c)
		res := e.upsert(t, e.orgA, c, v.ch)
		if res.Changed || res.Event != nil {
			t.Fatalf("%s: Changed=%v Event=%+v, want nothing written", v.name, res.Changed, res.Event)
		}
		sameCase(t, v.name+": UpsertResult.Case", res.Case, want)
		sameCase(t, v.name+": GetCase", e.get(t, e.orgA, base.Key()), want)
	}
	evs := e.allEvents(t, e.orgA)
	if len(evs) != 1 || evs[0].Seq != first.Event.Seq {
		t.Fatalf("log has %d events, want only the first (seq %d)", len(evs), first.Event.Seq)
	}
}

// Any change of content, down to a nanosecond or one raw value, writes the
// case and exactly one event. A change of the gateway's own fields (gateway)
// is the gateway's write: a platform's view cannot make it (gatewayFields).
func (s suite) upsertChanged(t *testing.T) {
	ns := time.Nanosecond
	changes := []struct {
		name   string
		change func(c *returns.Case)
	}{
		{"status", func(c *returns.Case) {
			c.Status = returns.StatusReceived
			c.PlatformStatus = returns.PlatformStatus{Code: "12", Label: "换货待商家发货"}
		}},
		{"platform status label only", func(c *returns.Case) { c.PlatformStatus.Label = "待商家收货" }},
		{"respondBy moved 1ns", func(c *returns.Case) { d := c.Deadlines.RespondBy.Add(ns); c.Deadlines.RespondBy = &d }},
		{"respondBy removed", func(c *returns.Case) { c.Deadlines.RespondBy = nil }},
		{"refundBy removed", func(c *returns.Case) { c.Deadlines.RefundBy = nil }},
		{"autoAction", func(c *returns.Case) { c.Deadlines.AutoAction = "AUTO_REFUND" }},
		{"updatedAt 1ns later", func(c *returns.Case) { c.UpdatedAt = c.UpdatedAt.Add(ns) }},
		{"createdAt", func(c *returns.Case) { c.CreatedAt = c.CreatedAt.Add(-time.Hour) }},
		{"deliveredAt removed", func(c *returns.Case) { c.DeliveredAt = nil }},
		{"line quantity", func(c *returns.Case) { c.Lines[0].Quantity++ }},
		{"line price by one minor unit", func(c *returns.Case) { c.Lines[1].UnitPrice.Minor++ }},
		{"line currency", func(c *returns.Case) { c.Lines[0].UnitPrice.Currency = "HKD" }},
		{"line category", func(c *returns.Case) { c.Lines[0].Category = returns.CategoryNearExpiry }},
		{"line raw value", func(c *returns.Case) { c.Lines[0].Raw["price"] = "129.91" }},
		{"line added", func(c *returns.Case) {
			c.Lines = append(c.Lines, returns.Line{SKU: "XHS-SKU-0003-2", Title: "赠品", Quantity: 1,
				UnitPrice: returns.Money{Currency: "CNY"}, Category: returns.CategoryGeneral})
		}},
		{"line removed", func(c *returns.Case) { c.Lines = c.Lines[:1] }},
		{"lines reordered", func(c *returns.Case) { c.Lines[0], c.Lines[1] = c.Lines[1], c.Lines[0] }},
		{"raw value", func(c *returns.Case) { c.Raw["status"] = "2" }},
		{"raw key added", func(c *returns.Case) { c.Raw["returnsTag"] = "4" }},
		{"raw key removed", func(c *returns.Case) { delete(c.Raw, "reasonId") }},
		{"requested refund amount", func(c *returns.Case) { c.RequestedRefund.Minor -= 1000 }},
		{"refunded amount removed", func(c *returns.Case) { c.RefundedAmount = nil }},
		{"return freight currency", func(c *returns.Case) { c.ReturnFreight.Currency = "USD" }},
		{"freight payer", func(c *returns.Case) { c.ReturnFreightPaidBy = returns.PartyBuyer }},
		{"free return promise", func(c *returns.Case) { c.FreeReturnPromised = !c.FreeReturnPromised }},
		{"tariff", func(c *returns.Case) { c.Tariff = &returns.Money{Minor: 1, Currency: "CNY"} }},
		{"received at", func(c *returns.Case) { r := start.Add(time.Hour); c.ReceivedAt = &r }},
		{"tracking number", func(c *returns.Case) { c.ReturnShipment.TrackingNo = "SF1234567890124" }},
		{"shipment signed", func(c *returns.Case) { c.ReturnShipment.SignedAt = nil }},
		{"shipment removed", func(c *returns.Case) { c.ReturnShipment = nil }},
		{"pending step added", func(c *returns.Case) {
			c.PendingSteps = append(c.PendingSteps, returns.PendingStep{Action: returns.ActionRefund, RecordedAt: start, Note: "refund 259.81"})
		}},
		{"export terms", func(c *returns.Case) { c.Export.ContractReturnDays++ }},
		{"note", func(c *returns.Case) { c.Note += "。" }},
		{"reason", func(c *returns.Case) { c.Reason, c.PlatformReason = returns.ReasonWrongItem, "发错货" }},
		{"market", func(c *returns.Case) { c.Market = returns.MarketDomestic }},
		{"kind", func(c *returns.Case) { c.Kind = returns.KindExchange }},
		{"shop", func(c *returns.Case) { c.ShopID = "xhs-home-goods" }},
		{"order", func(c *returns.Case) { c.OrderID = "P781234567890123457" }},
		{"buyer", func(c *returns.Case) { c.BuyerID = "5f3a****c2d2" }},
	}
	gateway := map[string]bool{"received at": true, "pending step added": true, "export terms": true}
	e := s.env(t)
	for i, tc := range changes {
		t.Run(tc.name, func(t *testing.T) {
			base := FullCase("R71000000000" + string(rune('A'+i/26)) + string(rune('a'+i%26)))
			at := e.clock.Now()
			first := e.upsert(t, e.orgA, base, store.Change{Source: returns.SourcePoll})
			e.clock.Advance(time.Second)

			next := Canonical(base)
			tc.change(next)
			src := returns.SourceWebhook
			if gateway[tc.name] {
				src = returns.SourceMutation
			}
			res := e.upsert(t, e.orgA, next, store.Change{Source: src})
			if !res.Changed || res.Event == nil {
				t.Fatalf("Changed=%v Event=%v, want one event", res.Changed, res.Event)
			}
			want := stored(next, 2, e.clock.Now())
			sameCase(t, "UpsertResult.Case", res.Case, want)
			sameCase(t, "GetCase", e.get(t, e.orgA, base.Key()), want)
			if res.Event.Seq <= first.Event.Seq {
				t.Fatalf("second event Seq %d is not after the first's %d", res.Event.Seq, first.Event.Seq)
			}
			sameEvent(t, "event", *res.Event, returns.Event{
				Seq: res.Event.Seq, Org: e.orgA, Key: base.Key(), PreviousStatus: statusPtr(base.Status),
				Status: next.Status, Source: src, OccurredAt: e.clock.Now(),
			})
			evs, err := e.s.EventsAfter(t.Context(), e.orgA, first.Event.Seq-1, 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 2 {
				t.Fatalf("log after the first upsert (at %v) has %d events, want 2", at, len(evs))
			}
			sameEvent(t, "logged event", evs[1], *res.Event)

			// And the changed case stored again is no change.
			e.clock.Advance(time.Second)
			again := e.upsert(t, e.orgA, Canonical(next), store.Change{Source: returns.SourcePoll})
			if again.Changed || again.Event != nil {
				t.Fatalf("re-storing the changed case: Changed=%v, want no change", again.Changed)
			}
			sameCase(t, "re-stored case", again.Case, want)
		})
	}
}

// Change.Always records an event for an unchanged case (and only one for a
// changed one), keeping Detail and the status both before and after.
func (s suite) upsertAlways(t *testing.T) {
	e := s.env(t)
	c := NewFixtures(2, start).Case()
	e.upsert(t, e.orgA, c, store.Change{Source: returns.SourcePoll})

	e.clock.Advance(time.Minute)
	detail := map[string]string{"action": string(returns.ActionApprove), "idempotencyKey": "0b7c7f0e-1d2a-4f55-9a57-3c1c5d0e9a11", "rules": "CN-7D-WINDOW,XHS-7D"}
	res := e.upsert(t, e.orgA, Canonical(c), store.Change{Source: returns.SourceMutation, Detail: detail, Always: true})
	if !res.Changed || res.Event == nil {
		t.Fatalf("Always on an unchanged case: Changed=%v Event=%v, want an event", res.Changed, res.Event)
	}
	sameEvent(t, "Always event", *res.Event, returns.Event{
		Seq: res.Event.Seq, Org: e.orgA, Key: c.Key(), PreviousStatus: statusPtr(c.Status), Status: c.Status,
		Source: returns.SourceMutation, OccurredAt: e.clock.Now(), Detail: detail,
	})
	sameCase(t, "case after Always", e.get(t, e.orgA, c.Key()), stored(c, 2, e.clock.Now()))

	// Always with a real change: still exactly one event.
	e.clock.Advance(time.Minute)
	next := Canonical(c)
	next.Status = returns.StatusEscalated
	next.UpdatedAt = next.UpdatedAt.Add(time.Hour)
	detail2 := map[string]string{"action": string(returns.ActionEscalate)}
	res2 := e.upsert(t, e.orgA, next, store.Change{Source: returns.SourceMutation, Detail: detail2, Always: true})
	sameEvent(t, "Always with a change", *res2.Event, returns.Event{
		Seq: res2.Event.Seq, Org: e.orgA, Key: c.Key(), PreviousStatus: statusPtr(c.Status), Status: returns.StatusEscalated,
		Source: returns.SourceMutation, OccurredAt: e.clock.Now(), Detail: detail2,
	})

	// Detail is kept on an ordinary change too.
	e.clock.Advance(time.Minute)
	third := Canonical(next)
	third.Note = "escalated by the seller"
	detail3 := map[string]string{"msgTag": "msg_after_sale_update", "requestFrom": "2"}
	res3 := e.upsert(t, e.orgA, third, store.Change{Source: returns.SourceWebhook, Detail: detail3})

	evs := e.allEvents(t, e.orgA)
	if len(evs) != 4 {
		t.Fatalf("log has %d events, want 4", len(evs))
	}
	sameEvent(t, "logged Always event", evs[1], *res.Event)
	sameEvent(t, "logged Always event with change", evs[2], *res2.Event)
	sameEvent(t, "logged event with detail", evs[3], *res3.Event)
	if evs[3].Detail["msgTag"] != "msg_after_sale_update" {
		t.Fatalf("Detail not kept: %v", evs[3].Detail)
	}
	// The caller's map is not the event's: changing it changes nothing logged.
	detail3["msgTag"] = "changed"
	if evs := e.allEvents(t, e.orgA); evs[3].Detail["msgTag"] != "msg_after_sale_update" {
		t.Fatalf("changing the caller's Detail changed the log: %v", evs[3].Detail)
	}
}

// Version counts the stored changes; SyncedAt is the time of the last one.
func (s suite) upsertVersion(t *testing.T) {
	e := s.env(t)
	c := NewFixtures(3, start).Case()
	c.Version = 77 // the caller's value means nothing
	steps := []struct {
		change  func(c *returns.Case)
		always  bool
		version int64
		written bool
	}{
		{func(c *returns.Case) {}, false, 1, true},
		{func(c *returns.Case) {}, false, 1, false},
		{func(c *returns.Case) { c.Note = "first" }, false, 2, true},
		{func(c *returns.Case) { c.Note = "second" }, false, 3, true},
		{func(c *returns.Case) {}, false, 3, false},
		{func(c *returns.Case) {}, true, 4, true},
		{func(c *returns.Case) { c.UpdatedAt = c.UpdatedAt.Add(time.Millisecond) }, false, 5, true},
	}
	syncedAt := start
	for i, st := range steps {
		e.clock.Advance(time.Second)
		st.change(c)
		res := e.upsert(t, e.orgA, Canonical(c), store.Change{Source: returns.SourcePoll, Always: st.always})
		if st.written {
			syncedAt = e.clock.Now()
		}
		if res.Changed != st.written {
			t.Fatalf("step %d: Changed=%v, want %v", i, res.Changed, st.written)
		}
		got := e.get(t, e.orgA, c.Key())
		if got.Version != st.version || res.Case.Version != st.version {
			t.Fatalf("step %d: Version %d (result %d), want %d", i, got.Version, res.Case.Version, st.version)
		}
		if !got.SyncedAt.Equal(syncedAt) || !res.Case.SyncedAt.Equal(syncedAt) {
			t.Fatalf("step %d: SyncedAt %v (result %v), want %v", i, got.SyncedAt, res.Case.SyncedAt, syncedAt)
		}
	}
	if n := len(e.allEvents(t, e.orgA)); n != 5 {
		t.Fatalf("log has %d events, want 5 (one per Version)", n)
	}
}

// Every field comes back exactly: times in UTC to the nanosecond, amounts to
// the minor unit, nil pointers nil and set ones set.
func (s suite) upsertRoundTrip(t *testing.T) {
	full := FullCase("R7000000000000099")
	zero := zeroFields(reflectValue(full), "Case")
	for _, z := range zero {
		if z != "Case.Version" && z != "Case.SyncedAt" {
			t.Fatalf("FullCase leaves %s zero: extend it so the round trip covers every field", z)
		}
	}
	minimal := &returns.Case{
		Platform: returns.AliExpress, PlatformCaseID: "8100000000000001", Status: returns.StatusRequested,
		CreatedAt: time.Date(2025, 2, 28, 23, 59, 59, 999999999, returns.Pacific),
		UpdatedAt: time.Date(2025, 3, 1, 0, 0, 0, 1, returns.Pacific),
	}
	empty := NewFixtures(4, start).Case()
	empty.Lines, empty.Raw, empty.PendingSteps = []returns.Line{}, map[string]string{}, []returns.PendingStep{}

	e := s.env(t)
	fx := NewFixtures(5, start)
	cases := append([]*returns.Case{full, minimal, empty}, fx.Cases(30)...)
	for _, c := range cases {
		res := e.upsert(t, e.orgA, c, store.Change{Source: returns.SourcePoll})
		want := stored(c, 1, e.clock.Now())
		sameCase(t, keyOf(c)+" result", res.Case, want)
		got := e.get(t, e.orgA, c.Key())
		sameCase(t, keyOf(c)+" GetCase", got, want)
		if c == minimal {
			d := got.Deadlines
			if got.RequestedRefund != nil || got.RefundedAmount != nil || got.ReturnFreight != nil ||
				d.RespondBy != nil || d.BuyerShipBy != nil || d.RefundBy != nil || d.WindowClosesAt != nil ||
				d.AutoActionAt != nil || got.ReturnShipment != nil || got.DeliveredAt != nil {
				t.Fatalf("a case without amounts, deadlines or shipment came back with some: %+v", got)
			}
		}
		if c == full {
			// Spot checks that do not depend on the JSON comparison.
			if got.RefundedAmount.Minor != 1<<53+1 {
				t.Fatalf("RefundedAmount = %d, want %d", got.RefundedAmount.Minor, int64(1<<53+1))
			}
			if !got.Deadlines.RespondBy.Equal(*full.Deadlines.RespondBy) || got.Deadlines.RespondBy.Nanosecond() != full.Deadlines.RespondBy.Nanosecond() {
				t.Fatalf("RespondBy = %v, want %v", got.Deadlines.RespondBy, full.Deadlines.RespondBy)
			}
		}
		e.clock.Advance(time.Millisecond + time.Nanosecond)
	}
}

func (s suite) upsertInvalid(t *testing.T) {
	e := s.env(t)
	good := NewFixtures(6, start).Case()
	bad := []struct {
		name string
		org  returns.OrgID
		c    *returns.Case
	}{
		{"nil case", e.orgA, nil},
		{"unknown platform", e.orgA, func() *returns.Case { c := Canonical(good); c.Platform = "TAOBAO"; return c }()},
		{"empty platform", e.orgA, func() *returns.Case { c := Canonical(good); c.Platform = ""; return c }()},
		{"empty case id", e.orgA, func() *returns.Case { c := Canonical(good); c.PlatformCaseID = ""; return c }()},
		{"empty organisation", "", good},
	}
	for _, b := range bad {
		_, err := e.s.UpsertCase(t.Context(), b.org, b.c, store.Change{Source: returns.SourcePoll})
		wantCode(t, b.name, err, returns.CodeInvalid)
	}
	if evs := e.allEvents(t, e.orgA); len(evs) != 0 {
		t.Fatalf("rejected upserts wrote %d events", len(evs))
	}
}

// The store keeps its own copy: neither the caller's case nor a returned one
// is shared with it.
func (s suite) upsertNotShared(t *testing.T) {
	e := s.env(t)
	c := FullCase("R7000000000000077")
	want := stored(c, 1, start)
	res := e.upsert(t, e.orgA, c, store.Change{Source: returns.SourcePoll})

	c.Raw["status"] = "4"
	c.Lines[0].Raw["price"] = "1.00"
	c.Lines[0].Quantity = 99
	*c.Deadlines.RespondBy = c.Deadlines.RespondBy.Add(time.Hour)
	c.RequestedRefund.Minor = 1
	res.Case.Raw["status"] = "5"
	res.Case.Lines[1].Raw["price"] = "2.00"
	*res.Case.ReturnShipment.ShippedAt = start
	got := e.get(t, e.orgA, c.Key())
	sameCase(t, "after changing the caller's and the returned case", got, want)

	got.Raw["status"] = "6"
	got.Lines[0].Title = "changed"
	sameCase(t, "after changing a case GetCase returned", e.get(t, e.orgA, c.Key()), want)
}

package feed_test

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/feed"
	"github.com/returnsgw/returnsgw/returns"
)

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

const (
	orgA = returns.OrgID("org-a")
	orgB = returns.OrgID("org-b")
)

// change returns a change of a case on the platform with the status.
func change(org returns.OrgID, seq int64, p returns.PlatformID, st returns.Status) (returns.Event, *returns.Case) {
	c := &returns.Case{Platform: p, PlatformCaseID: fmt.Sprint("case-", seq), Status: st, Kind: returns.KindRefundOnly}
	return returns.Event{Seq: seq, Org: org, Key: c.Key(), Status: st, Source: returns.SourcePoll}, c
}

// drain takes what is waiting on the channel without blocking.
func drain(ch <-chan *feed.Change) (seqs []int64, closed bool) {
	for {
		select {
		case c, ok := <-ch:
			if !ok {
				return seqs, true
			}
			seqs = append(seqs, c.Seq)
		default:
			return seqs, false
		}
	}
}

// publishes is what every fan-out case publishes, in order.
var publishes = []struct {
	org    returns.OrgID
	seq    int64
	p      returns.PlatformID
	status returns.Status
}{
	{orgA, 1, returns.XHS, returns.StatusRequested},
	{orgA, 2, returns.Alibaba, returns.StatusRequested},
	{orgB, 3, returns.XHS, returns.StatusRequested},
	{orgA, 4, returns.XHS, returns.StatusRefunded},
	{orgA, 5, returns.AliExpress, returns.StatusRejected},
}

func TestBusFansOutByOrganisationAndFilter(t *testing.T) {
	tests := []struct {
		name   string
		org    returns.OrgID
		filter returns.Filter
		want   []int64
	}{
		{"everything of org A", orgA, returns.Filter{}, []int64{1, 2, 4, 5}},
		{"org B sees only its own", orgB, returns.Filter{}, []int64{3}},
		{"one platform", orgA, returns.Filter{Platforms: []returns.PlatformID{returns.XHS}}, []int64{1, 4}},
		{"statuses", orgA, returns.Filter{Statuses: []returns.Status{returns.StatusRefunded, returns.StatusRejected}}, []int64{4, 5}},
		{"platform and status", orgA, returns.Filter{Platforms: []returns.PlatformID{returns.XHS}, Statuses: []returns.Status{returns.StatusRequested}}, []int64{1}},
		{"nothing passes", orgA, returns.Filter{OrderID: "none"}, nil},
		{"an organisation without changes", "org-c", returns.Filter{}, nil},
	}
	bus := feed.NewBus(16)
	subs := make([]feed.Subscription, len(tests))
	for i, tt := range tests {
		subs[i] = bus.Subscribe(tt.org, tt.filter, feed.SubscribeOptions{})
	}
	if bus.Len() != len(tests) {
		t.Fatalf("Len = %d, want %d", bus.Len(), len(tests))
	}
	for _, p := range publishes {
		bus.Publish(change(p.org, p.seq, p.p, p.status))
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, closed := drain(subs[i].C())
			if fmt.Sprint(got) != fmt.Sprint(tt.want) || closed {
				t.Errorf("got %v (closed %v), want %v", got, closed, tt.want)
			}
		})
	}
}

func TestBusChangeCarriesTheCase(t *testing.T) {
	bus := feed.NewBus(0)
	sub := bus.Subscribe(orgA, returns.Filter{}, feed.SubscribeOptions{})
	ev, c := change(orgA, 7, returns.XHS, returns.StatusRequested)
	bus.Publish(ev, c)
	bus.Publish(returns.Event{Seq: 8, Org: orgA}, nil) // no case: nothing to deliver
	got := <-sub.C()
	if got.Case != c || got.Event.Seq != 7 || got.Seq != 7 || got.Status != returns.StatusRequested {
		t.Errorf("change = %+v", got)
	}
	if seqs, _ := drain(sub.C()); len(seqs) > 0 {
		t.Errorf("a change without a case was delivered: %v", seqs)
	}
}

// A subscriber that does not read is dropped once its buffer is full, with a
// reason that says where to resume; the others keep receiving, and
// publishing never waits.
func TestBusDropsASlowSubscriber(t *testing.T) {
	bus := feed.NewBus(2)
	slow := bus.Subscribe(orgA, returns.Filter{}, feed.SubscribeOptions{})
	// The fast reader's buffer holds the whole burst, so that whether it
	// keeps up does not depend on the scheduler.
	fast := bus.Subscribe(orgA, returns.Filter{}, feed.SubscribeOptions{Buffer: 5})
	big := bus.Subscribe(orgA, returns.Filter{}, feed.SubscribeOptions{Buffer: 10})

	published := make(chan struct{})
	go func() {
		defer close(published)
		for seq := int64(1); seq <= 5; seq++ {
			bus.Publish(change(orgA, seq, returns.XHS, returns.StatusRequested))
		}
	}()
	var fastGot []int64
	for len(fastGot) < 5 {
		select {
		case c := <-fast.C():
			fastGot = append(fastGot, c.Seq)
		case <-time.After(10 * time.Second):
			t.Fatalf("the fast subscriber got %v and then nothing", fastGot)
		}
	}
	select {
	case <-published:
	case <-time.After(10 * time.Second):
		t.Fatal("publishing blocked on the slow subscriber")
	}
	// What was buffered still arrives, then the channel is closed.
	got, closed := drain(slow.C())
	if fmt.Sprint(got) != "[1 2]" || !closed {
		t.Errorf("slow subscriber got %v (closed %v), want [1 2] then closed", got, closed)
	}
	var behind *feed.FellBehindError
	if !errors.As(slow.Err(), &behind) || behind.LastSeq != 2 || behind.Missed != 3 {
		t.Errorf("slow subscriber's error = %v, want fell behind by 3 after event 2", slow.Err())
	}
	if got, closed := drain(big.C()); fmt.Sprint(got) != "[1 2 3 4 5]" || closed {
		t.Errorf("subscriber with a larger buffer got %v (closed %v)", got, closed)
	}
	if fast.Err() != nil || big.Err() != nil {
		t.Errorf("errors of the others: %v, %v", fast.Err(), big.Err())
	}
	if bus.Len() != 2 {
		t.Errorf("Len = %d after dropping one of three", bus.Len())
	}
	bus.Publish(change(orgA, 6, returns.XHS, returns.StatusRequested))
	if got, _ := drain(fast.C()); fmt.Sprint(got) != "[6]" {
		t.Errorf("after the drop the fast subscriber got %v", got)
	}
}

func TestBusUnsubscribeAndClose(t *testing.T) {
	bus := feed.NewBus(4)
	a := bus.Subscribe(orgA, returns.Filter{}, feed.SubscribeOptions{})
	b := bus.Subscribe(orgA, returns.Filter{}, feed.SubscribeOptions{})
	c := bus.Subscribe(orgB, returns.Filter{}, feed.SubscribeOptions{})
	a.Close()
	a.Close() // twice is fine
	if _, closed := drain(a.C()); !closed || a.Err() != nil {
		t.Errorf("after Close: closed %v, err %v", closed, a.Err())
	}
	bus.Publish(change(orgA, 1, returns.XHS, returns.StatusRequested))
	if got, _ := drain(b.C()); fmt.Sprint(got) != "[1]" {
		t.Errorf("the remaining subscriber got %v", got)
	}
	if bus.Len() != 2 {
		t.Errorf("Len = %d, want 2", bus.Len())
	}

	bus.Close()
	for _, s := range []feed.Subscription{b, c} {
		if _, closed := drain(s.C()); !closed || !errors.Is(s.Err(), feed.ErrBusClosed) {
			t.Errorf("after the bus closed: closed %v, err %v", closed, s.Err())
		}
	}
	late := bus.Subscribe(orgA, returns.Filter{}, feed.SubscribeOptions{})
	if _, closed := drain(late.C()); !closed || !errors.Is(late.Err(), feed.ErrBusClosed) {
		t.Errorf("subscribing to a closed bus: closed %v, err %v", closed, late.Err())
	}
	bus.Publish(change(orgA, 2, returns.XHS, returns.StatusRequested)) // no one left: no panic
	if bus.Len() != 0 {
		t.Errorf("Len = %d after Close", bus.Len())
	}
}

// Publishers, readers and subscribers coming and going all at once (run
// with -race): every reader that stays gets every change, each publisher's
// in its order.
func TestBusConcurrentPublishAndSubscribe(t *testing.T) {
	const publishers, perPublisher, readers = 4, 500, 8
	bus := feed.NewBus(publishers * perPublisher)
	var stay []feed.Subscription
	for range readers {
		stay = append(stay, bus.Subscribe(orgA, returns.Filter{}, feed.SubscribeOptions{}))
	}
	var wg sync.WaitGroup
	results := make([][]int64, readers)
	for i, s := range stay {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range s.C() {
				results[i] = append(results[i], c.Seq)
			}
		}()
	}
	stop := make(chan struct{})
	var churn sync.WaitGroup
	for range 4 {
		churn.Add(1)
		go func() {
			defer churn.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				s := bus.Subscribe(orgA, returns.Filter{Platforms: []returns.PlatformID{returns.XHS}}, feed.SubscribeOptions{Buffer: 1})
				drain(s.C())
				s.Close()
			}
		}()
	}
	var pubs sync.WaitGroup
	for p := range publishers {
		pubs.Add(1)
		go func() {
			defer pubs.Done()
			for i := range perPublisher {
				bus.Publish(change(orgA, int64(p*perPublisher+i+1), returns.XHS, returns.StatusRequested))
			}
		}()
	}
	pubs.Wait()
	close(stop)
	churn.Wait()
	for _, s := range stay {
		s.Close()
	}
	wg.Wait()
	for i, got := range results {
		if len(got) != publishers*perPublisher {
			t.Errorf("reader %d got %d changes, want %d", i, len(got), publishers*perPublisher)
		}
		last := make([]int64, publishers)
		for _, seq := range got {
			p := (seq - 1) / perPublisher
			if seq <= last[p] {
				t.Errorf("reader %d: change %d after %d from the same publisher", i, seq, last[p])
			}
			last[p] = seq
		}
	}
	if bus.Len() != 0 {
		t.Errorf("Len = %d after everyone left", bus.Len())
	}
}

// Publishing to many subscribers allocates once, not once per subscriber.
func TestBusPublishDoesNotAllocatePerSubscriber(t *testing.T) {
	bus := feed.NewBus(1 << 20)
	for range 1000 {
		bus.Subscribe(orgA, returns.Filter{Platforms: []returns.PlatformID{returns.XHS}}, feed.SubscribeOptions{Buffer: 200})
	}
	ev, c := change(orgA, 1, returns.XHS, returns.StatusRequested)
	allocs := testing.AllocsPerRun(100, func() { bus.Publish(ev, c) })
	if allocs > 1 {
		t.Errorf("%v allocations per publish to 1,000 subscribers, want 1", allocs)
	}
}

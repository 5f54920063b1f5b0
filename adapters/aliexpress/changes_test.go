package aliexpress_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters/aliexpress"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
	"github.com/returnsgw/returnsgw/returns"
)

// listPlatform serves issuelist.get from a mutable set of issues, sorted by
// gmt_modified, newest first: the order in which a change moves an issue to
// a page the walk has already read.
type listPlatform struct {
	mu     sync.Mutex
	issues map[string]aliexpresswire.IssueSummary
	pages  int
	// beforePage runs before a page is served (with the lock released).
	beforePage func(page int)
}

func (p *listPlatform) set(id string, created, modified time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.issues[id] = aliexpresswire.IssueSummary{IssueID: aliexpresswire.Long(id), BuyerLoginID: "b" + id, IssueStatus: aliexpresswire.IssueProcessing,
		GmtCreate: pac(created), GmtModified: pac(modified), OrderID: "1" + aliexpresswire.Long(id)}
}

func pac(t time.Time) string { return t.In(returns.Pacific).Format(aliexpresswire.TimeLayout) }

func (p *listPlatform) serve(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	var q aliexpresswire.IssueListQuery
	_ = json.Unmarshal([]byte(r.PostForm.Get("query_dto")), &q)
	if p.beforePage != nil {
		p.beforePage(q.CurrentPage)
	}
	p.mu.Lock()
	p.pages++
	all := make([]aliexpresswire.IssueSummary, 0, len(p.issues))
	for _, it := range p.issues {
		all = append(all, it)
	}
	p.mu.Unlock()
	sort.Slice(all, func(i, j int) bool {
		if all[i].GmtModified != all[j].GmtModified {
			return all[i].GmtModified > all[j].GmtModified
		}
		return all[i].IssueID > all[j].IssueID
	})
	resp := aliexpresswire.IssueListResponse{CurrentPage: q.CurrentPage, PageSize: q.PageSize, TotalItem: len(all)}
	for i := (q.CurrentPage - 1) * q.PageSize; i >= 0 && i < len(all) && i < q.CurrentPage*q.PageSize; i++ {
		resp.DataList = append(resp.DataList, all[i])
	}
	body, _ := aliexpresswire.EncodeSuccess(aliexpresswire.MethodIssueList, resp)
	_, _ = w.Write(body)
}

func newListAdapter(t *testing.T, p *listPlatform, pageSize int) *aliexpress.Adapter {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(srv.Close)
	a, err := aliexpress.New(aliexpress.Config{BaseURL: srv.URL, AppKey: "k", AppSecret: "s", AccessToken: "t",
		Shop: returns.Shop{ID: "ae-1"}, Policy: fastPolicy, PageSize: pageSize, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// walkAll follows the change list until caught up, each step a minute
// after the one before.
func walkAll(t *testing.T, a *aliexpress.Adapter, cursor string, now time.Time) ([]string, string) {
	t.Helper()
	var ids []string
	for i := 0; i < 100; i++ {
		b, err := a.ListChanges(context.Background(), cursor, now.Add(time.Duration(i)*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range b.Refs {
			ids = append(ids, r.PlatformCaseID)
		}
		cursor = b.Cursor
		if b.CaughtUp {
			return ids, cursor
		}
	}
	t.Fatal("never caught up")
	return nil, ""
}

func count(ids []string, id string) int {
	n := 0
	for _, x := range ids {
		if x == id {
			n++
		}
	}
	return n
}

var t0 = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

func TestChangeDuringPagingIsListedByTheNextWalk(t *testing.T) {
	p := &listPlatform{issues: map[string]aliexpresswire.IssueSummary{}}
	for i := 0; i < 7; i++ {
		at := t0.Add(-time.Duration(i+1) * time.Hour)
		p.set(string(rune('1'+i))+"00", at, at)
	}
	// While the walk is between page 1 and page 2, the oldest issue (on
	// the last page) changes and jumps to page 1, which was already read.
	now := t0
	p.beforePage = func(page int) {
		if page == 2 {
			p.set("700", t0.Add(-7*time.Hour), now.Add(30*time.Second))
			p.beforePage = nil
		}
	}
	a := newListAdapter(t, p, 2)
	first, cursor := walkAll(t, a, "", now)
	if count(first, "700") != 0 {
		t.Fatalf("the race did not happen: %v", first)
	}
	for _, id := range []string{"100", "200", "300", "400", "500", "600"} {
		if count(first, id) == 0 {
			t.Errorf("first walk missed %s: %v", id, first)
		}
	}
	now = now.Add(5 * time.Minute)
	second, cursor := walkAll(t, a, cursor, now)
	if count(first, "700")+count(second, "700") == 0 || count(second, "700") != 1 {
		t.Errorf("the change made during paging was lost: first %v, second %v", first, second)
	}
	for _, id := range second {
		if id != "700" {
			t.Errorf("second walk listed unchanged %s", id)
		}
	}
	now = now.Add(5 * time.Minute)
	if third, _ := walkAll(t, a, cursor, now); len(third) != 0 {
		t.Errorf("nothing changed, yet listed %v", third)
	}
}

func TestSameSecondChangeIsNotLost(t *testing.T) {
	p := &listPlatform{issues: map[string]aliexpresswire.IssueSummary{}}
	s := t0.Add(-time.Hour)
	p.set("100", s, s)
	a := newListAdapter(t, p, 50)
	// The walk reads the issue half a second after it changed...
	_, cursor := walkAll(t, a, "", s.Add(500*time.Millisecond))
	// ...and it changes again within the same second: same gmt_modified.
	p.set("100", s, s)
	second, cursor := walkAll(t, a, cursor, s.Add(10*time.Second))
	if count(second, "100") != 1 {
		t.Errorf("a second change within the read's second was not listed again: %v", second)
	}
	if third, _ := walkAll(t, a, cursor, s.Add(20*time.Second)); len(third) != 0 {
		t.Errorf("nothing changed since, yet listed %v", third)
	}
}

func TestChangeAtTheWatermarkIsListedOnce(t *testing.T) {
	p := &listPlatform{issues: map[string]aliexpresswire.IssueSummary{}}
	p.set("100", t0.Add(-48*time.Hour), t0.Add(-48*time.Hour))
	a := newListAdapter(t, p, 50)
	_, cursor := walkAll(t, a, "", t0)
	// The next watermark is t0 minus the 2-minute lag: a change exactly
	// there is in the overlap of two walks.
	p.set("200", t0.Add(-2*time.Minute), t0.Add(-2*time.Minute))
	p.set("300", t0.Add(-2*time.Minute), t0.Add(-2*time.Minute))
	second, cursor := walkAll(t, a, cursor, t0.Add(time.Minute))
	third, _ := walkAll(t, a, cursor, t0.Add(2*time.Minute))
	for _, id := range []string{"200", "300"} {
		if n := count(second, id) + count(third, id); n != 1 {
			t.Errorf("%s listed %d times across the overlap (second %v, third %v)", id, n, second, third)
		}
	}
}

func TestFirstWalkHonoursLookbackOnCreateAndModify(t *testing.T) {
	p := &listPlatform{issues: map[string]aliexpresswire.IssueSummary{}}
	const old, oldBusy, recent, oldOpen = "100", "200", "300", "400"
	p.set(old, t0.Add(-40*24*time.Hour), t0.Add(-35*24*time.Hour))
	p.set(oldBusy, t0.Add(-40*24*time.Hour), t0.Add(-24*time.Hour))
	p.set(recent, t0.Add(-29*24*time.Hour), t0.Add(-29*24*time.Hour))
	p.set(oldOpen, t0.Add(-60*24*time.Hour), t0.Add(-50*24*time.Hour))
	it := p.issues[old]
	it.IssueStatus = aliexpresswire.IssueFinish
	p.issues[old] = it
	a := newListAdapter(t, p, 2)
	ids, cursor := walkAll(t, a, "", t0)
	if count(ids, old) != 0 || count(ids, oldBusy) != 1 || count(ids, recent) != 1 {
		t.Errorf("first walk listed %v; want the recent (300) and the recently modified (200), not the old finished (100)", ids)
	}
	// The first walk sweeps every open issue, however old: one under
	// platform mediation for weeks is still the seller's business.
	if count(ids, oldOpen) != 1 {
		t.Errorf("first walk listed %v; want the old open issue (400) once", ids)
	}
	// Later walks list changes only.
	again, _ := walkAll(t, a, cursor, t0.Add(time.Hour))
	if count(again, oldOpen) != 0 {
		t.Errorf("the next walk listed the unchanged old open issue again: %v", again)
	}
}

func TestRepeatedAutumnHourIsComparedAtItsLatestReading(t *testing.T) {
	// 2026-11-01 01:30 happens at 08:30 and at 09:30 UTC. A change written
	// "01:30:00" after a walk at 09:10 UTC may be the second one: it must be
	// listed by the next walk.
	p := &listPlatform{issues: map[string]aliexpresswire.IssueSummary{}}
	walkAt := time.Date(2026, 11, 1, 9, 10, 0, 0, time.UTC)
	a := newListAdapter(t, p, 50)
	_, cursor := walkAll(t, a, "", walkAt)
	p.mu.Lock()
	p.issues["100"] = aliexpresswire.IssueSummary{IssueID: "100", BuyerLoginID: "b", IssueStatus: aliexpresswire.IssueProcessing,
		GmtCreate: "2026-11-01 01:30:00", GmtModified: "2026-11-01 01:30:00"}
	p.mu.Unlock()
	ids, _ := walkAll(t, a, cursor, walkAt.Add(30*time.Minute))
	if count(ids, "100") != 1 {
		t.Errorf("change in the repeated hour lost: %v", ids)
	}
}

func TestForeignCursorIsInvalid(t *testing.T) {
	p := &listPlatform{issues: map[string]aliexpresswire.IssueSummary{}}
	a := newListAdapter(t, p, 50)
	for _, c := range []string{"not base64 !", "eyJ2Ijo5fQ"} {
		_, err := a.ListChanges(context.Background(), c, t0)
		if code := returns.ErrorCodeOf(err); code != returns.CodeInvalid {
			t.Errorf("ListChanges(%q) = %v, want INVALID", c, err)
		}
	}
	if p.pages != 0 {
		t.Errorf("a bad cursor still called the platform %d times", p.pages)
	}
}

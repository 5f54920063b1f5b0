package sqlite

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/storetest"
)

// queryPlan returns SQLite's plan for the statement, one line per step.
func queryPlan(t *testing.T, s *Store, text string, args []any) string {
	t.Helper()
	rows, err := s.r.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+text, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}

var (
	tableScan = regexp.MustCompile(`(?m)^SCAN (cases|case_docs|case_counts|case_deadlines)\b`)
	tempTree  = regexp.MustCompile(`USE TEMP B-TREE`)
)

// Every filter the API offers, alone and combined, in every order and
// direction, with and without a cursor, walks an index from the cursor and
// reads documents by id: no list scans the cases table or sorts in a
// temporary B-tree. The one exception is a filter on an order id, whose few
// cases are found through their order and then sorted.
func TestListPlans(t *testing.T) {
	s := openTemp(t, nil)
	const org returns.OrgID = "org"
	seedCases(t, s, org, storetest.NewFixtures(3, start).Cases(40))
	before, after := start.Add(48*time.Hour), start.Add(-48*time.Hour)
	xhs, ae := []returns.PlatformID{returns.XHS}, []returns.PlatformID{returns.XHS, returns.AliExpress}
	req, open := []returns.Status{returns.StatusRequested}, []returns.Status{returns.StatusRequested, returns.StatusEscalated}
	filters := map[string]returns.Filter{
		"none":                {},
		"platform":            {Platforms: xhs},
		"platforms":           {Platforms: ae},
		"status":              {Statuses: req},
		"statuses":            {Statuses: open},
		"platform+status":     {Platforms: xhs, Statuses: req},
		"platforms+statuses":  {Platforms: ae, Statuses: open},
		"reason":              {Reasons: []returns.Reason{returns.ReasonSizeFit}},
		"market":              {Markets: []returns.Market{returns.MarketDomestic}},
		"kind":                {Kinds: []returns.Kind{returns.KindRefundOnly}},
		"shop":                {ShopIDs: []string{"shop-1"}},
		"order":               {OrderID: "o-1"},
		"respond_before":      {RespondBefore: &before},
		"updated_after":       {UpdatedAfter: &after},
		"next_before":         {NextDeadlineBefore: &before},
		"status+next_before":  {Statuses: req, NextDeadlineBefore: &before},
		"status+shop+kind":    {Statuses: req, ShopIDs: []string{"shop-1"}, Kinds: []returns.Kind{returns.KindRefundOnly}},
		"platform+respond":    {Platforms: xhs, RespondBefore: &before},
		"status+updatedAfter": {Statuses: req, UpdatedAfter: &after},
		"everything": {Platforms: xhs, Statuses: req, Reasons: []returns.Reason{returns.ReasonSizeFit},
			Markets: []returns.Market{returns.MarketDomestic}, Kinds: []returns.Kind{returns.KindRefundOnly},
			ShopIDs: []string{"shop-1"}, RespondBefore: &before, UpdatedAfter: &after, NextDeadlineBefore: &before},
	}
	for name, f := range filters {
		for _, o := range []store.Order{store.OrderUpdatedDesc, store.OrderRespondByAsc, store.OrderCreatedDesc, store.OrderNextDeadlineAsc} {
			cur := store.Cursor{Order: o, Value: start.UnixNano(), Platform: returns.XHS, CaseID: "R1"}
			for _, q := range []store.ListQuery{
				{Filter: f, Order: o, First: 50},
				{Filter: f, Order: o, First: 50, After: &cur},
				{Filter: f, Order: o, Last: 50},
				{Filter: f, Order: o, Last: 50, Before: &cur},
			} {
				if err := q.Normalize(); err != nil {
					t.Fatal(err)
				}
				p := planList(org, &q)
				what := fmt.Sprintf("%s, %s, first=%d last=%d cursor=%v", name, o, q.First, q.Last, q.After != nil || q.Before != nil)
				for _, text := range []string{p.pageCounting, p.page} {
					plan := queryPlan(t, s, text, p.args)
					if tableScan.MatchString(plan) {
						t.Errorf("%s: a table scan:\n%s", what, plan)
					}
					if tempTree.MatchString(plan) && f.OrderID == "" {
						t.Errorf("%s: a sort:\n%s", what, plan)
					}
					if !strings.Contains(plan, "SEARCH cases USING INDEX "+p.index+" (org=?") ||
						!strings.Contains(plan, "d USING INTEGER PRIMARY KEY") {
						t.Errorf("%s: the page does not walk %s:\n%s", what, p.index, plan)
					}
					if (q.After != nil || q.Before != nil) && f.OrderID == "" &&
						!regexp.MustCompile(`\(org=\?( AND status=\?)? AND \(`+sortColumn(o)+`,platform,case_id\)`).MatchString(plan) {
						t.Errorf("%s: the cursor does not bound the index search:\n%s", what, plan)
					}
				}
				if p.summed {
					if plan := queryPlan(t, s, p.pageCounting, p.args); !strings.Contains(plan, "SEARCH case_counts USING PRIMARY KEY (org=?") {
						t.Errorf("%s: the total is not a sum of kept counts:\n%s", what, plan)
					}
				}
				for _, text := range []string{p.count, p.counts} {
					args := p.args[:p.filterArgs]
					if text == p.counts {
						args = p.args[:p.cursorArgs]
					}
					if plan := queryPlan(t, s, text, args); tableScan.MatchString(plan) {
						t.Errorf("%s: counting scans a table:\n%s", what, plan)
					}
				}
			}
		}
	}
}

// The deadline timer's query walks the deadline index from its cursor.
func TestDuePlan(t *testing.T) {
	s := openTemp(t, nil)
	seedCases(t, s, "org", storetest.NewFixtures(3, start).Cases(40))
	plan := queryPlan(t, s, dueCasesSQL, []any{"org", 0, int64(0), int64(-1), int64(1 << 62), 10})
	if tableScan.MatchString(plan) || tempTree.MatchString(plan) ||
		!strings.Contains(plan, "SEARCH m USING COVERING INDEX case_deadlines_due (org=? AND anchor=? AND (at_ns,id)>(?,?) AND at_ns<?)") {
		t.Errorf("due cases plan:\n%s", plan)
	}
}

// Reading cases by key looks each key up in the cases' unique index,
// whatever the size of the organisation.
func TestGetCasesPlan(t *testing.T) {
	s := openTemp(t, nil)
	seedCases(t, s, "org", storetest.NewFixtures(3, start).Cases(40))
	for name, q := range map[string]string{"get cases": getCasesSQL, "peek cases": peekCasesSQL} {
		plan := queryPlan(t, s, q, []any{"org", `[["XHS","1"],["ALIBABA","2"]]`})
		if tableScan.MatchString(plan) || tempTree.MatchString(plan) ||
			!strings.Contains(plan, "SCAN j VIRTUAL TABLE") ||
			!strings.Contains(plan, "SEARCH c USING INDEX sqlite_autoindex_cases_1 (org=? AND platform=? AND case_id=?)") {
			t.Errorf("%s plan:\n%s", name, plan)
		}
	}
}

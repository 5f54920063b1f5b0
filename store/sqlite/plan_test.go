package sqlite

import (
	"strings"
	"testing"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/storetest"
)

// Every order and direction walks its own index from the cursor, and reads
// documents by id: no table scan, no sort of the organisation's cases.
func TestListPlans(t *testing.T) {
	s := openTemp(t, nil)
	const org returns.OrgID = "org"
	seedCases(t, s, org, storetest.NewFixtures(3, start).Cases(40))
	index := map[store.Order]string{
		store.OrderUpdatedDesc:  "cases_by_updated",
		store.OrderRespondByAsc: "cases_by_respond",
		store.OrderCreatedDesc:  "cases_by_created",
	}
	for o, idx := range index {
		cur := store.Cursor{Order: o, Value: start.UnixNano(), Platform: returns.XHS, CaseID: "R1"}
		for _, q := range []store.ListQuery{
			{Order: o, First: 50},
			{Order: o, First: 50, After: &cur},
			{Order: o, Last: 50},
			{Order: o, Last: 50, Before: &cur},
		} {
			if err := q.Normalize(); err != nil {
				t.Fatal(err)
			}
			p := planList(org, &q)
			rows, err := s.r.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+p.page, p.args...)
			if err != nil {
				t.Fatal(err)
			}
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			rows.Close()
			all := strings.Join(plan, "\n")
			if !strings.Contains(all, "SEARCH cases USING INDEX "+idx+" (org=?") ||
				strings.Contains(all, "SCAN cases") || strings.Contains(all, "TEMP B-TREE FOR ORDER BY\nSEARCH cases") ||
				!strings.Contains(all, "d USING INTEGER PRIMARY KEY") {
				t.Errorf("%s first=%d last=%d cursor=%v: plan\n%s", o, q.First, q.Last, q.After != nil || q.Before != nil, all)
			}
			if q.After != nil || q.Before != nil {
				if !strings.Contains(all, "(org=? AND ("+sortColumn(o)+",platform,case_id)") {
					t.Errorf("%s: the cursor does not bound the index search:\n%s", o, all)
				}
			}
		}
	}
}

package store

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
)

func TestDetectSpikes(t *testing.T) {
	c := func(sku string, r returns.Reason, week string, n int) ReasonWeekCount {
		return ReasonWeekCount{SKU: sku, Reason: r, Week: week, Count: n}
	}
	size, dmg := returns.ReasonSizeFit, returns.ReasonDamagedInTransit
	counts := []ReasonWeekCount{
		c("A", size, "2026-W48", 4), c("A", size, "2026-W49", 8), // ×2: a spike at the default threshold
		c("A", dmg, "2026-W48", 1), c("A", dmg, "2026-W49", 3), // ×3 but below the minimum count
		c("B", size, "2026-W47", 2), c("B", size, "2026-W49", 6), // W48 empty: 6 / max(0, 1) = 6
		c("C", size, "2026-W52", 5), c("C", size, "2026-W53", 9), // ×1.8: below 2
		c("D", dmg, "2026-W53", 10), c("D", dmg, "2027-W01", 20), // across a year with 53 weeks
		c("E", size, "2026-W49", 10), c("E", size, "2026-W50", 10), // flat
	}
	keys := func(ss []Spike) []string {
		var out []string
		for _, s := range ss {
			out = append(out, fmt.Sprintf("%s/%s/%s %d/%d=%g", s.SKU, s.Reason, s.Week, s.Count, s.Previous, s.Ratio))
		}
		return out
	}
	// Latest week first, then the largest ratio. A week with no week before
	// it in the data (D's W53, C's W52, E's W49) compares with 1.
	want := []string{
		"D/DAMAGED_IN_TRANSIT/2027-W01 20/10=2",
		"D/DAMAGED_IN_TRANSIT/2026-W53 10/0=10",
		"C/SIZE_FIT/2026-W52 5/0=5",
		"E/SIZE_FIT/2026-W49 10/0=10",
		"B/SIZE_FIT/2026-W49 6/0=6",
		"A/SIZE_FIT/2026-W49 8/4=2",
	}
	if got := keys(DetectSpikes(counts, DefaultSpikeThreshold, DefaultSpikeMinCount)); !reflect.DeepEqual(got, want) {
		t.Errorf("defaults:\n got %q\nwant %q", got, want)
	}
	// A higher threshold drops the doublings; a lower minimum lets A's
	// damage (1 → 3) and A's first week (4) through.
	want = []string{
		"D/DAMAGED_IN_TRANSIT/2026-W53 10/0=10",
		"C/SIZE_FIT/2026-W52 5/0=5",
		"E/SIZE_FIT/2026-W49 10/0=10",
		"B/SIZE_FIT/2026-W49 6/0=6",
		"A/DAMAGED_IN_TRANSIT/2026-W49 3/1=3",
		"A/SIZE_FIT/2026-W48 4/0=4",
	}
	if got := keys(DetectSpikes(counts, 3, 3)); !reflect.DeepEqual(got, want) {
		t.Errorf("threshold 3, minimum 3:\n got %q\nwant %q", got, want)
	}
	if got := DetectSpikes(counts, 1000, 1); len(got) != 0 {
		t.Errorf("threshold 1000: %v", keys(got))
	}
}

func TestWeeks(t *testing.T) {
	for _, c := range []struct {
		t    time.Time
		week string
	}{
		{time.Date(2026, 12, 4, 23, 59, 0, 0, time.UTC), "2026-W49"},
		{time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), "2026-W53"},
		{time.Date(2025, 12, 29, 0, 0, 0, 0, time.UTC), "2026-W01"},
	} {
		if got := ISOWeek(c.t); got != c.week {
			t.Errorf("ISOWeek(%v) = %s, want %s", c.t, got, c.week)
		}
	}
	if PrevWeek("2027-W01") != "2026-W53" || PrevWeek("2026-W01") != "2025-W52" || PrevWeek("x") != "" {
		t.Error("PrevWeek across years")
	}
	for _, bad := range []string{"2025-W53", "2026-W00", "2026-W54", "2026-w49", "26-W49", "2026-W4", " 2026-W49"} {
		if ValidWeek(bad) {
			t.Errorf("%q is valid", bad)
		}
	}
	if got := WeeksBetween("2026-W52", "2027-W02", 10); !reflect.DeepEqual(got, []string{"2026-W52", "2026-W53", "2027-W01", "2027-W02"}) {
		t.Errorf("WeeksBetween: %v", got)
	}
	if WeeksBetween("2026-W01", "2026-W10", 5) != nil || WeeksBetween("2026-W10", "2026-W01", 50) != nil {
		t.Error("WeeksBetween beyond max or backwards")
	}
}

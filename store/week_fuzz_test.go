package store

import "testing"

// An ISO week string is accepted only when it names a week that exists, and
// then it round-trips through its Monday; the week before it is valid too.
func FuzzWeek(f *testing.F) {
	for _, s := range []string{"2026-W49", "2026-W53", "2025-W53", "2027-W01", "1970-W01", "9999-W52", "2026-W00", "x", "2026-W4\n9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		start, ok := WeekStart(s)
		if ok != ValidWeek(s) {
			t.Fatalf("WeekStart and ValidWeek disagree on %q", s)
		}
		if !ok {
			if PrevWeek(s) != "" {
				t.Fatalf("PrevWeek of invalid %q", s)
			}
			return
		}
		if ISOWeek(start) != s || start.Weekday() != 1 || start.Hour() != 0 {
			t.Fatalf("%q starts %v (%s)", s, start, ISOWeek(start))
		}
		if p := PrevWeek(s); s != "1970-W01" && !ValidWeek(p) {
			t.Fatalf("the week before %q is %q", s, p)
		}
	})
}

package aliexpress

import (
	"fmt"
	"time"

	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
	"github.com/returnsgw/returnsgw/returns"
)

// pacificTime is a wall-clock time from the issue APIs resolved to instants.
// Most wall times name one instant; at the autumn change an hour of wall
// times happens twice (Earliest and Latest differ), and at the spring change
// an hour never happens.
type pacificTime struct {
	Earliest time.Time // UTC
	Latest   time.Time // UTC
}

// parsePacific reads a time of the issue APIs (aliexpresswire.TimeLayout, US
// Pacific time) and resolves it to UTC deterministically, the way java.time
// resolves a local time (the platform is written in Java):
//   - an ambiguous wall time (01:00–01:59 on the first Sunday of November)
//     is the earlier instant, daylight time (PDT): for a deadline the earlier
//     instant is also the safe side;
//   - a wall time that does not exist (02:00–02:59 on the second Sunday of
//     March) is moved forward by the gap: 02:30 is read as 03:30 PDT.
//
// Latest is the later instant of an ambiguous time (Earliest otherwise): the
// change feed compares with it, so that a change is never missed because
// its time was read an hour early.
//
// An empty string is the zero value and ok=false.
func parsePacific(s string) (pacificTime, bool, error) {
	if s == "" {
		return pacificTime{}, false, nil
	}
	wall, err := time.ParseInLocation(aliexpresswire.TimeLayout, s, time.UTC)
	if err != nil {
		return pacificTime{}, false, fmt.Errorf("time %q: %w", s, err)
	}
	// A case holding a time in year 9999 could not be stored or served once
	// in UTC or with a deadline added (JSON has no year past 9999).
	if wall.Year() >= 9999 {
		return pacificTime{}, false, fmt.Errorf("time %q is out of range", s)
	}
	// The zone's offsets a day before and a day after bracket any change
	// near this wall time (changes are months apart).
	_, offBefore := wall.Add(-24 * time.Hour).In(returns.Pacific).Zone()
	_, offAfter := wall.Add(24 * time.Hour).In(returns.Pacific).Zone()
	var valid []time.Time
	for _, off := range []int{offBefore, offAfter} {
		u := wall.Add(-time.Duration(off) * time.Second)
		if _, got := u.In(returns.Pacific).Zone(); got == off {
			valid = append(valid, u)
		}
	}
	switch {
	case len(valid) == 0:
		// In the spring gap: the offset before the change moves it forward.
		u := wall.Add(-time.Duration(offBefore) * time.Second).UTC()
		return pacificTime{Earliest: u, Latest: u}, true, nil
	case len(valid) == 2 && !valid[0].Equal(valid[1]):
		e, l := valid[0], valid[1]
		if l.Before(e) {
			e, l = l, e
		}
		return pacificTime{Earliest: e.UTC(), Latest: l.UTC()}, true, nil
	}
	return pacificTime{Earliest: valid[0].UTC(), Latest: valid[0].UTC()}, true, nil
}

package returns

import (
	"time"
	_ "time/tzdata" // the zones below must load on a machine without a zoneinfo database
)

// The time zones the platforms and the rules speak in.
var (
	// Shanghai is China time: Chinese law counts days in it, and XHS is in it.
	Shanghai = mustZone("Asia/Shanghai")
	// Pacific is US Pacific time, daylight saving included: AliExpress's issue
	// APIs and Alibaba.com report times in it.
	Pacific = mustZone("America/Los_Angeles")
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic("returns: time zone " + name + ": " + err.Error())
	}
	return loc
}

package adapters

import (
	"fmt"
	"testing"

	"github.com/returnsgw/returnsgw/returns"
)

// The layers above the adapters read a failure's kind through returns, not
// through this package: every kind must come through.
func TestPlatformErrorKindReachesTheDomain(t *testing.T) {
	for _, k := range []ErrorKind{KindAuth, KindRateLimited, KindInvalid, KindState, KindNotFound, KindUnavailable, KindMalformed} {
		err := fmt.Errorf("sync: %w", &PlatformError{Platform: returns.XHS, Method: "m", Kind: k})
		if got := returns.PlatformErrorKindOf(err); got != k {
			t.Errorf("kind %s read as %q", k, got)
		}
	}
}

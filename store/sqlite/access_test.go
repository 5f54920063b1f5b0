package sqlite

import (
	"testing"

	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/storetest"
)

func TestAccessConformance(t *testing.T) {
	storetest.RunAccess(t, func(t *testing.T) store.Access { return openTemp(t, nil) })
}

package sqlite

import (
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/storetest"
)

func TestConnectionsConformance(t *testing.T) {
	storetest.RunConnections(t, func(t *testing.T, now func() time.Time) store.ConnectionStore { return openTemp(t, now) })
}

func TestExportReturnsConformance(t *testing.T) {
	storetest.RunExportReturns(t, func(t *testing.T, now func() time.Time) storetest.ExportReturnBackend { return openTemp(t, now) })
}

func TestTimelineConformance(t *testing.T) {
	storetest.RunTimeline(t, func(t *testing.T, now func() time.Time) storetest.TimelineBackend { return openTemp(t, now) })
}

func TestRoutesConformance(t *testing.T) {
	storetest.RunRoutes(t, func(t *testing.T, now func() time.Time) store.RouteStore { return openTemp(t, now) })
}

func TestTemplatesConformance(t *testing.T) {
	storetest.RunTemplates(t, func(t *testing.T, now func() time.Time) store.TemplateStore { return openTemp(t, now) })
}

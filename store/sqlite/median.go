package sqlite

import (
	"database/sql/driver"
	"errors"
	"slices"

	"modernc.org/sqlite"
)

// medianFunc is the SQL aggregate median(x) that analytics uses (SQLite has
// none): the middle of the group's non-NULL integers in order, or the mean
// of the middle two, as a real; NULL for none. The same as PostgreSQL's
// percentile_cont(0.5), so that both backends answer alike.
const medianFunc = "rgw_median"

func init() {
	sqlite.MustRegisterFunction(medianFunc, &sqlite.FunctionImpl{
		NArgs:         1,
		Deterministic: true,
		MakeAggregate: func(sqlite.FunctionContext) (sqlite.AggregateFunction, error) { return &median{}, nil },
	})
}

type median struct{ vals []int64 }

func (m *median) Step(_ *sqlite.FunctionContext, args []driver.Value) error {
	switch v := args[0].(type) {
	case nil:
	case int64:
		m.vals = append(m.vals, v)
	default:
		return errors.New(medianFunc + " takes integers")
	}
	return nil
}

func (m *median) WindowInverse(*sqlite.FunctionContext, []driver.Value) error {
	return errors.New(medianFunc + " is not a window function")
}

func (m *median) WindowValue(*sqlite.FunctionContext) (driver.Value, error) {
	n := len(m.vals)
	if n == 0 {
		return nil, nil
	}
	slices.Sort(m.vals)
	if n%2 == 1 {
		return float64(m.vals[n/2]), nil
	}
	// Halved first: two nanosecond counts may not add up inside an int64.
	return float64(m.vals[n/2-1])/2 + float64(m.vals[n/2])/2, nil
}

func (m *median) Final(*sqlite.FunctionContext) {}

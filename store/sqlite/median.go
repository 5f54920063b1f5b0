package sqlite

import (
	"database/sql/driver"
	"encoding/binary"
	"errors"

	"modernc.org/sqlite"
)

// valuesFunc is the SQL aggregate rgw_values(x) that analytics uses for
// medians (SQLite has no median): the group's non-NULL integers packed as
// little-endian int64s in a blob, NULL for none. Go takes the medians from
// them (store.RunAnalytics), as it does from PostgreSQL's array_agg.
const valuesFunc = "rgw_values"

func init() {
	sqlite.MustRegisterFunction(valuesFunc, &sqlite.FunctionImpl{
		NArgs:         1,
		Deterministic: true,
		MakeAggregate: func(sqlite.FunctionContext) (sqlite.AggregateFunction, error) { return &values{}, nil },
	})
}

type values struct{ b []byte }

func (v *values) Step(_ *sqlite.FunctionContext, args []driver.Value) error {
	switch x := args[0].(type) {
	case nil:
	case int64:
		v.b = binary.LittleEndian.AppendUint64(v.b, uint64(x))
	default:
		return errors.New(valuesFunc + " takes integers")
	}
	return nil
}

func (v *values) WindowInverse(*sqlite.FunctionContext, []driver.Value) error {
	return errors.New(valuesFunc + " is not a window function")
}

func (v *values) WindowValue(*sqlite.FunctionContext) (driver.Value, error) {
	if len(v.b) == 0 {
		return nil, nil
	}
	return v.b, nil
}

func (v *values) Final(*sqlite.FunctionContext) {}

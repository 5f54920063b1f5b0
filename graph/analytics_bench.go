package graph

import (
	"context"

	"github.com/returnsgw/returnsgw/graph/model"
)

// RunAnalyticsForBench runs Query.returnAnalytics's resolver outside the
// executor, for bench/ (which measures the query's own cost).
func RunAnalyticsForBench(r *Resolver, ctx context.Context, in model.ReturnAnalyticsInput) (*model.ReturnAnalytics, error) {
	return r.analytics(ctx, in)
}

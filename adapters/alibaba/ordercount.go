package alibaba

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
	"github.com/returnsgw/returnsgw/returns"
)

var _ returns.OrderCounter = (*Adapter)(nil)

// CountOrders counts the shop's orders created in [from, to) with one call
// of alibaba.seller.order.list (one order per page: only total_count is
// read). The list's date bounds are whole seconds, inclusive, in US Pacific
// time (ASSUMED, as for the change list), so the end is the second before
// to. A missing or unreadable total_count is an error: a count is never
// guessed from a page.
func (a *Adapter) CountOrders(ctx context.Context, from, to time.Time) (int64, error) {
	if !from.Before(to) {
		return 0, returns.Errorf(returns.CodeInvalid, "an empty time range")
	}
	q := alibabawire.OrderListQuery{
		Role:            alibabawire.RoleSeller,
		StartPage:       0,
		PageSize:        1,
		CreateDateStart: &alibabawire.DateQuery{DateStr: from.Add(time.Second - 1).Truncate(time.Second).In(returns.Pacific).Format(alibabawire.DateQueryLayout)},
		CreateDateEnd:   &alibabawire.DateQuery{DateStr: to.Add(-1).Truncate(time.Second).In(returns.Pacific).Format(alibabawire.DateQueryLayout)},
	}
	b, err := json.Marshal(q)
	if err != nil {
		return 0, err
	}
	var resp alibabawire.OrderListResponse
	if err := a.call(ctx, alibabawire.MethodOrderList, map[string]string{alibabawire.ParamOrderListQuery: string(b)}, &resp); err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(resp.Value.TotalCount.String(), 10, 64)
	if err != nil || n < 0 {
		return 0, &adapters.PlatformError{Platform: returns.Alibaba, Method: alibabawire.MethodOrderList, Kind: adapters.KindMalformed,
			Message: fmt.Sprintf("order list without a readable total_count (%q)", resp.Value.TotalCount.String())}
	}
	return n, nil
}

package returns

import (
	"context"
	"time"
)

// OrderCounter is a Platform whose order API can count the shop's orders
// created in a time range (Alibaba.com: alibaba.seller.order.list's
// total_count). Analytics divides returns by such counts for return rates;
// a platform without one has its counts given by the seller.
type OrderCounter interface {
	// CountOrders counts the orders created in [from, to).
	CountOrders(ctx context.Context, from, to time.Time) (int64, error)
}

package xhs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/categories"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
)

// How long an order's facts are cached. A delivered, finished or closed
// order does not change what the rules read, so it is fetched once; an order
// still on its way is read again at most every few minutes.
const (
	orderSettledTTL = 7 * 24 * time.Hour
	orderOpenTTL    = 5 * time.Minute
	itemTTL         = 24 * time.Hour
)

// orderFacts returns the facts of the case's order: order.getOrderDetail,
// order.getOrderTracking once the order has shipped, and product.getItemInfo
// per item. It is cached by order id, so the cases of one order and later
// changes of a case cost no order call. A failed read returns nil facts (the
// case then says they are missing) and is not cached; only a cancelled
// context is an error.
func (a *Adapter) orderFacts(ctx context.Context, orderID string) (*returns.OrderFacts, error) {
	if orderID == "" {
		return nil, nil
	}
	key := "order/" + orderID
	if v, ok := a.orders.Get(key); ok {
		return v.(*returns.OrderFacts), nil
	}
	var detail xhswire.OrderDetail
	if err := a.call(ctx, xhswire.MethodGetOrderDetail, xhswire.GetOrderDetailRequest{OrderID: orderID}, false, &detail); err != nil {
		return nil, a.factsFailed(ctx, xhswire.MethodGetOrderDetail, orderID, err)
	}
	if detail.OrderID == "" {
		a.cfg.Logger.Warn("xhs: order detail is empty", "shop", a.cfg.Shop.ID, "orderId", orderID)
		return nil, nil
	}
	var tracking *xhswire.OrderTrackingData
	if shipped(detail) {
		var t xhswire.OrderTrackingData
		if err := a.call(ctx, xhswire.MethodGetOrderTracking, xhswire.GetOrderTrackingRequest{OrderID: orderID}, false, &t); err != nil {
			if err := a.factsFailed(ctx, xhswire.MethodGetOrderTracking, orderID, err); err != nil {
				return nil, err
			}
		} else {
			tracking = &t
		}
	}
	items := map[string]*xhswire.ItemInfo{}
	for _, s := range detail.SKUList {
		if s.ItemID == "" || items[s.ItemID] != nil {
			continue
		}
		it, err := a.item(ctx, s.ItemID)
		if err != nil {
			if err := a.factsFailed(ctx, xhswire.MethodGetItemInfo, s.ItemID, err); err != nil {
				return nil, err
			}
			continue
		}
		items[s.ItemID] = it
	}
	f, warnings, err := orderFactsFrom(&detail, tracking, items, a.mapper())
	if err != nil {
		a.cfg.Logger.Warn("xhs: order cannot be read", "shop", a.cfg.Shop.ID, "orderId", orderID, "err", err)
		return nil, nil
	}
	for _, w := range warnings {
		a.cfg.Logger.Warn("xhs: order value", "shop", a.cfg.Shop.ID, "orderId", orderID, "detail", w)
	}
	ttl := orderOpenTTL
	if f.DeliveredAt != nil || detail.OrderStatus == xhswire.OrderClosed || detail.OrderStatus == xhswire.OrderCancelled {
		ttl = orderSettledTTL
	}
	a.orders.Set(key, f, ttl)
	return f, nil
}

// factsFailed logs a failed fact read and returns an error only when the
// caller's context ended (the case is then not worth writing).
func (a *Adapter) factsFailed(ctx context.Context, method, id string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var pe *adapters.PlatformError
	if errors.As(err, &pe) && pe.Kind == adapters.KindNotFound {
		a.cfg.Logger.Warn("xhs: fact source not found", "shop", a.cfg.Shop.ID, "method", method, "id", id)
		return nil
	}
	a.cfg.Logger.Warn("xhs: fact read failed; facts marked missing", "shop", a.cfg.Shop.ID, "method", method, "id", id, "err", err)
	return nil
}

// item calls product.getItemInfo, cached per item.
func (a *Adapter) item(ctx context.Context, itemID string) (*xhswire.ItemInfo, error) {
	key := "item/" + itemID
	if v, ok := a.orders.Get(key); ok {
		return v.(*xhswire.ItemInfo), nil
	}
	var data xhswire.ItemInfoData
	if err := a.call(ctx, xhswire.MethodGetItemInfo, xhswire.GetItemInfoRequest{ItemID: itemID, PageNo: 1, PageSize: 20}, false, &data); err != nil {
		return nil, err
	}
	if data.ItemInfo == nil {
		return nil, &adapters.PlatformError{Platform: returns.XHS, Method: xhswire.MethodGetItemInfo, Kind: adapters.KindNotFound, Message: "no item " + itemID}
	}
	a.orders.Set(key, data.ItemInfo, itemTTL)
	return data.ItemInfo, nil
}

func (a *Adapter) mapper() categories.Mapper {
	return categories.Mapper{Platform: returns.XHS, Overrides: a.cfg.CategoryOverrides}
}

// shipped reports whether the order has left the seller, so that tracking
// can hold a sign-for record.
func shipped(d xhswire.OrderDetail) bool {
	switch d.OrderStatus {
	case xhswire.OrderPartlyShipped, xhswire.OrderAwaitingReceipt, xhswire.OrderCompleted:
		return true
	}
	return d.DeliveryTime > 0
}

// orderFactsFrom reads the facts out of the order's answers (pure). Money in
// the order methods is integer fen.
func orderFactsFrom(d *xhswire.OrderDetail, tr *xhswire.OrderTrackingData, items map[string]*xhswire.ItemInfo, m categories.Mapper) (*returns.OrderFacts, []string, error) {
	var warnings []string
	f := &returns.OrderFacts{OrderID: d.OrderID, Currency: currency, Lines: map[string]returns.OrderLine{}, Raw: map[string]string{}}
	raw := func(k, v string) {
		if v != "" && v != "0" {
			f.Raw[k] = v
		}
	}
	raw("orderStatus", strconv.Itoa(d.OrderStatus))
	raw("logisticsMode", strconv.Itoa(d.LogisticsMode))
	raw("deliveryTime", strconv.FormatInt(d.DeliveryTime, 10))
	raw("finishTime", strconv.FormatInt(d.FinishTime, 10))
	raw("totalShippingFree", string(d.TotalShippingFree))
	raw("totalPayAmount", string(d.TotalPayAmount))
	raw("customsCode", d.CustomsCode)
	f.ShippedAt = msTime(d.DeliveryTime)

	switch d.LogisticsMode {
	case xhswire.LogisticsDomestic:
		f.Fulfilment = returns.FulfilmentDomestic
	case xhswire.LogisticsBonded:
		f.Fulfilment = returns.FulfilmentBonded
	case xhswire.LogisticsDirectMail, xhswire.LogisticsPersonalParcel:
		f.Fulfilment = returns.FulfilmentDirect
	case 0:
		warnings = append(warnings, "no logisticsMode; fulfilment from the shop's market")
	default:
		warnings = append(warnings, fmt.Sprintf("logisticsMode %d is unknown; fulfilment from the shop's market", d.LogisticsMode))
	}

	if d.TotalShippingFree != "" {
		fen, err := fenOf("totalShippingFree", d.TotalShippingFree)
		if err != nil {
			return nil, nil, err
		}
		f.ShippingPaid = &returns.Money{Minor: fen, Currency: currency}
	}

	// Tariff: the bonded node's order tax, else the lines' tax.
	crossBorder := f.Fulfilment == returns.FulfilmentBonded || f.Fulfilment == returns.FulfilmentDirect
	var tax int64
	var taxSeen bool
	if b := d.BoundExtendInfo; b != nil && b.TaxAmount != "" {
		fen, err := fenOf("boundExtendInfo.taxAmount", b.TaxAmount)
		if err != nil {
			return nil, nil, err
		}
		tax, taxSeen = fen, true
		raw("boundExtendInfo.taxAmount", string(b.TaxAmount))
	}
	for i, s := range d.SKUList {
		line := returns.OrderLine{}
		if s.TotalPaidAmount != "" {
			fen, err := fenOf(fmt.Sprintf("skuList[%d].totalPaidAmount", i), s.TotalPaidAmount)
			if err != nil {
				return nil, nil, err
			}
			line.Paid = &returns.Money{Minor: fen, Currency: currency}
		}
		if s.TotalTaxAmount != "" && !(d.BoundExtendInfo != nil && d.BoundExtendInfo.TaxAmount != "") {
			fen, err := fenOf(fmt.Sprintf("skuList[%d].totalTaxAmount", i), s.TotalTaxAmount)
			if err != nil {
				return nil, nil, err
			}
			tax += fen
			taxSeen = true
		}
		it := items[s.ItemID]
		switch {
		case s.ItemID == "":
			line.Category, line.CategorySource = returns.CategoryGeneral, returns.FactMissing
			warnings = append(warnings, fmt.Sprintf("skuList[%d] has no itemId; category missing", i))
		case it == nil:
			line.Category, line.CategorySource = returns.CategoryGeneral, returns.FactMissing
		default:
			line.PlatformCategory = it.CategoryID
			line.Category, line.CategorySource = m.Map(it.CategoryID)
			line.NoFreeReturn = it.FreeReturn == xhswire.FreeReturnNo
			if line.CategorySource == returns.FactUnmapped {
				warnings = append(warnings, fmt.Sprintf("item %s: categoryId %q is not in the category table; GENERAL", s.ItemID, it.CategoryID))
			}
		}
		f.Lines[s.SKUID] = line
		for _, sd := range s.SKUDetailList {
			if _, ok := f.Lines[sd.SKUID]; !ok && sd.SKUID != "" {
				f.Lines[sd.SKUID] = line
			}
		}
	}
	if crossBorder {
		f.TariffKnown = taxSeen
		if taxSeen && tax > 0 {
			f.Tariff = &returns.Money{Minor: tax, Currency: currency}
		}
		if !taxSeen {
			warnings = append(warnings, "cross-border order without a tax amount; tariff missing")
		}
	} else {
		f.TariffKnown = true
	}

	// The buyer saw "no 7-day no-reason return" on an item marked so, and
	// bought it: XHS shows the mark on the product and at checkout. ASSUMPTION
	// (docs/platforms.md): the order API has no separate confirmation field.
	if len(items) > 0 {
		f.CheckoutKnown = true
		for _, l := range f.Lines {
			if l.NoFreeReturn {
				f.CheckoutConfirmed = true
			}
		}
	}

	if tr != nil {
		f.DeliveredAt = signedAt(tr)
		if f.DeliveredAt != nil {
			raw("tracking.signedAt", strconv.FormatInt(f.DeliveredAt.UnixMilli(), 10))
		}
	}
	if f.DeliveredAt == nil && (d.OrderStatus == xhswire.OrderCompleted) {
		warnings = append(warnings, "completed order without a sign-for record; delivery time missing")
	}
	return f, warnings, nil
}

// signedAt finds the earliest sign-for record of the order's parcels.
func signedAt(tr *xhswire.OrderTrackingData) *time.Time {
	var best *time.Time
	for _, info := range tr.OrderTrackInfos {
		for _, r := range info.Records {
			if r.TrackingStatus != xhswire.TrackingSigned && !strings.Contains(r.TrackingStatusDesc, xhswire.SignedDesc) {
				continue
			}
			t := trackTime(r.EventAt)
			if t != nil && (best == nil || t.Before(*best)) {
				best = t
			}
		}
	}
	return best
}

// trackTime reads eventAt as ms, or as China time text.
func trackTime(s string) *time.Time {
	s = strings.TrimSpace(s)
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return msTime(ms)
	}
	if t, err := time.ParseInLocation(xhswire.TrackTimeLayout, s, returns.Shanghai); err == nil {
		u := t.UTC()
		return &u
	}
	return nil
}

// fenOf reads an integer fen amount.
func fenOf(field string, n json.Number) (int64, error) {
	v, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%s: %q is not a whole number of fen", field, n)
	}
	return v, nil
}

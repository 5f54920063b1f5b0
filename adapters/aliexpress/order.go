package aliexpress

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
	"github.com/returnsgw/returnsgw/adapters/categories"
	"github.com/returnsgw/returnsgw/returns"
)

// orderFacts returns the facts of the order: the seller's order
// detail and the product detail of each line, cached by order and product id
// so that an order is read once however many issues and changes it has. A
// failed read gives nil facts (the case says they are missing) and is not
// cached; only a cancelled context is an error.
func (a *Adapter) orderFacts(ctx context.Context, orderID string) (*returns.OrderFacts, error) {
	if orderID == "" {
		return nil, nil
	}
	key := "order/" + orderID
	if v, ok := a.orders.Get(key); ok {
		return v.(*returns.OrderFacts), nil
	}
	q, _ := json.Marshal(aliexpresswire.OrderDetailQuery{OrderID: aliexpresswire.Long(orderID)})
	var resp aliexpresswire.FindOrderResponse
	if err := a.call(ctx, aliexpresswire.MethodFindOrderByID, map[string]string{aliexpresswire.ParamParam1: string(q)}, false, &resp); err != nil {
		return nil, a.factsFailed(ctx, aliexpresswire.MethodFindOrderByID, orderID, err)
	}
	if resp.Target == nil {
		a.log.Warn("aliexpress: order detail without target", "order", orderID)
		return nil, nil
	}
	cats := map[string]string{}
	for _, l := range resp.Target.ChildOrderList {
		id := l.ProductID.String()
		if _, done := cats[id]; done || id == "" {
			continue
		}
		cat, err := a.productCategory(ctx, id)
		if err != nil {
			if err := a.factsFailed(ctx, aliexpresswire.MethodProductInfo, id, err); err != nil {
				return nil, err
			}
		}
		cats[id] = cat
	}
	f, warnings, err := OrderFactsFrom(resp.Target, cats, categories.Mapper{Platform: returns.AliExpress, Overrides: a.cfg.CategoryOverrides})
	if err != nil {
		a.log.Warn("aliexpress: order cannot be read", "order", orderID, "err", err)
		return nil, nil
	}
	for _, w := range warnings {
		a.log.Warn("aliexpress: order value", "order", orderID, "detail", w)
	}
	ttl := orderOpenTTL
	if f.DeliveredAt != nil {
		ttl = orderSettledTTL
	}
	a.orders.Set(key, f, ttl)
	return f, nil
}

func (a *Adapter) factsFailed(ctx context.Context, method, id string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var pe *adapters.PlatformError
	if errors.As(err, &pe) && pe.Kind == adapters.KindNotFound {
		a.log.Warn("aliexpress: fact source not found", "method", method, "id", id)
		return nil
	}
	a.log.Warn("aliexpress: fact read failed; facts marked missing", "method", method, "id", id, "err", err)
	return nil
}

// productCategory reads a product's category_id, cached per product.
func (a *Adapter) productCategory(ctx context.Context, productID string) (string, error) {
	key := "product/" + productID
	if v, ok := a.orders.Get(key); ok {
		return v.(string), nil
	}
	var resp aliexpresswire.ProductInfoResponse
	if err := a.call(ctx, aliexpresswire.MethodProductInfo, map[string]string{aliexpresswire.ParamProductID: productID}, false, &resp); err != nil {
		return "", err
	}
	if resp.Result == nil {
		return "", nil
	}
	cat := resp.Result.CategoryID.String()
	a.orders.Set(key, cat, productTTL)
	return cat, nil
}

// OrderFactsFrom reads the facts out of the order detail (pure); cats are
// the platform category ids of its products ("" unknown).
func OrderFactsFrom(o *aliexpresswire.OrderTarget, cats map[string]string, m categories.Mapper) (*returns.OrderFacts, []string, error) {
	var warnings []string
	f := &returns.OrderFacts{OrderID: o.ID.String(), Lines: map[string]returns.OrderLine{}, Raw: map[string]string{}}
	put := func(k, v string) {
		if v != "" {
			f.Raw[k] = v
		}
	}
	put("order_status", o.OrderStatus)
	put("logistics_status", o.LogisticsStatus)
	put("gmt_create", o.GmtCreate)
	money := func(field string, x *aliexpresswire.Money) (*returns.Money, error) {
		if x == nil || x.Amount == "" {
			return nil, nil
		}
		v, err := returns.ParseMoney(string(x.Amount), x.CurrencyCode)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
		if f.Currency == "" {
			f.Currency = v.Currency
		}
		return &v, nil
	}
	var err error
	if _, err = money("order_amount", o.OrderAmount); err != nil {
		return nil, nil, err
	}
	if f.ShippingPaid, err = money("logistics_amount", o.LogisticsAmount); err != nil {
		return nil, nil, err
	}
	// AliExpress collects import taxes itself where it does; the seller's
	// order shows them when it does (tax_amount, ASSUMPTION). Nothing said
	// is no tariff for the seller to refund.
	if f.Tariff, err = money("tax_amount", o.TaxAmount); err != nil {
		return nil, nil, err
	}
	f.TariffKnown = true
	for i, l := range o.ChildOrderList {
		line := returns.OrderLine{}
		if line.Paid, err = money(fmt.Sprintf("child_order_list[%d].init_order_amt", i), l.InitOrderAmt); err != nil {
			return nil, nil, err
		}
		id := l.ProductID.String()
		line.PlatformCategory = cats[id]
		line.Category, line.CategorySource = m.Map(cats[id])
		if line.CategorySource == returns.FactUnmapped {
			warnings = append(warnings, fmt.Sprintf("product %s: category_id %s is not in the category table; GENERAL", id, cats[id]))
		}
		f.Lines[id] = line
	}
	for i, p := range o.LogisticInfo {
		if t, ok, err := parsePacific(p.GmtSend); err == nil && ok && f.ShippedAt == nil {
			at := t.Earliest
			f.ShippedAt = &at
		}
		if p.GmtReceived == "" {
			continue
		}
		t, ok, err := parsePacific(p.GmtReceived)
		if err != nil {
			return nil, nil, fmt.Errorf("logistic_info_list[%d].gmt_received: %w", i, err)
		}
		if ok && (f.DeliveredAt == nil || t.Earliest.Before(*f.DeliveredAt)) {
			at := t.Earliest
			f.DeliveredAt = &at
			put("gmt_received", p.GmtReceived)
		}
	}
	if f.DeliveredAt == nil && o.LogisticsStatus == aliexpresswire.LogisticsBuyerAcceptGoods {
		warnings = append(warnings, "the buyer accepted the goods but no parcel says when; delivery time missing")
	}
	return f, warnings, nil
}

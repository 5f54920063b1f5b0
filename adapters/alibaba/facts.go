package alibaba

import (
	"context"
	"errors"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
	"github.com/returnsgw/returnsgw/adapters/categories"
	"github.com/returnsgw/returnsgw/returns"
)

// orderFacts gathers what the order tells the rules. On Alibaba.com a case
// is a refund record of the order, so the order and its logistics are read
// with the case; only the products' categories need calls of their own
// (alibaba.icbu.product.get), cached per product.
func (a *Adapter) orderFacts(ctx context.Context, c *returns.Case, o *alibabawire.Order) (*returns.OrderFacts, []string, error) {
	cats := map[string]string{}
	for _, l := range c.Lines {
		pid := l.Raw["product_id"]
		if _, done := cats[pid]; done {
			continue
		}
		cat, err := a.productCategory(ctx, pid)
		switch {
		case ctx.Err() != nil:
			return nil, nil, ctx.Err()
		case err != nil:
			a.log.Warn("alibaba: product read failed; category marked missing", "product", pid, "err", err)
		}
		cats[pid] = cat
	}
	f, warn := orderFactsFrom(c, o, cats, categories.Mapper{Platform: returns.Alibaba, Overrides: a.cfg.CategoryOverrides})
	return f, warn, nil
}

// orderFactsFrom builds the order's facts from the normalized case, the
// order, and the category ids of its products ("" when unknown); pure.
func orderFactsFrom(c *returns.Case, o *alibabawire.Order, cats map[string]string, mapper categories.Mapper) (*returns.OrderFacts, []string) {
	// Alibaba.com export orders carry no import tax for the seller to refund:
	// the buyer clears customs at home.
	f := &returns.OrderFacts{OrderID: c.OrderID, Lines: map[string]returns.OrderLine{}, TariffKnown: true}
	var warn []string
	if c.DeliveredAt != nil {
		t := *c.DeliveredAt
		f.DeliveredAt = &t
	}
	if o != nil && o.ShipmentFee != nil && o.ShipmentFee.Amount != "" {
		if m, _, err := parseMoney(*o.ShipmentFee); err == nil {
			f.ShippingPaid = &m
			f.Currency = m.Currency
		} else {
			warn = append(warn, "shipment_fee: "+err.Error())
		}
	}
	for _, l := range c.Lines {
		pid := l.Raw["product_id"]
		line := returns.OrderLine{PlatformCategory: cats[pid]}
		line.Category, line.CategorySource = mapper.Map(cats[pid])
		if line.CategorySource == returns.FactUnmapped {
			warn = append(warn, "product "+pid+": category_id "+cats[pid]+" is not in the category table; GENERAL")
		}
		f.Lines[l.SKU] = line
	}
	return f, warn
}

// productCategory reads a product's category id, cached per product.
func (a *Adapter) productCategory(ctx context.Context, productID string) (string, error) {
	if productID == "" {
		return "", errors.New("the line has no product id")
	}
	if v, ok := a.products.Get(productID); ok {
		return v.(string), nil
	}
	var resp alibabawire.ProductGetResponse
	if err := a.call(ctx, alibabawire.MethodProductGet, map[string]string{alibabawire.ParamProductID: productID}, &resp); err != nil {
		return "", err
	}
	if resp.Product == nil {
		return "", &adapters.PlatformError{Platform: returns.Alibaba, Method: alibabawire.MethodProductGet, Kind: adapters.KindNotFound, Message: "no product " + productID}
	}
	cat := resp.Product.CategoryID.String()
	a.products.Set(productID, cat, productTTL)
	return cat, nil
}

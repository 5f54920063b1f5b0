package alibabasim

import (
	"fmt"
	"strconv"
	"time"

	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
	"github.com/returnsgw/returnsgw/returns"
)

// wireDate renders an instant as a DateVo: epoch milliseconds and the
// Pacific wall-clock with its PDT or PST suffix.
func wireDate(t time.Time) alibabawire.Date {
	return alibabawire.Date{
		Timestamp:  alibabawire.Number(strconv.FormatInt(t.UnixMilli(), 10)),
		FormatDate: t.In(returns.Pacific).Format("Jan. 2, 2006, 15:04:05 MST."),
	}
}

func wireDatePtr(t *time.Time) *alibabawire.Date {
	if t == nil {
		return nil
	}
	d := wireDate(*t)
	return &d
}

// price renders minor units as the currency's plain decimal.
func price(minorUnits int64, currency string) *alibabawire.Price {
	return &alibabawire.Price{Amount: alibabawire.Text(returns.Money{Minor: minorUnits, Currency: currency}.Decimal()), Currency: currency}
}

// price4 renders ten-thousandths with four decimals, as unit prices come.
func price4(v4 int64, currency string) alibabawire.Price {
	return alibabawire.Price{Amount: alibabawire.Text(fmt.Sprintf("%d.%04d", v4/10000, v4%10000)), Currency: currency}
}

func renderOrder(o *order) alibabawire.Order {
	w := alibabawire.Order{
		TradeID:           alibabawire.Text(o.tradeID),
		TradeStatus:       o.status,
		Buyer:             o.buyer,
		CreateDate:        wireDate(o.created),
		ModifyDate:        wireDate(o.modified),
		ShipmentMethod:    "express",
		TradeTerm:         "DAP",
		ExportServiceType: "self_run_service",
		ShippingAddress:   &alibabawire.Address{CountryCode: o.buyer.Country},
		StatusAction:      &alibabawire.StatusAction{Status: o.status},
	}
	var products []alibabawire.OrderProduct
	for _, l := range o.lines {
		p := alibabawire.OrderProduct{
			ID:        alibabawire.Text(l.id),
			ProductID: alibabawire.Text(l.product.id),
			Name:      l.product.name,
			Quantity:  alibabawire.Text(fmt.Sprintf("%d.0000", l.qty)),
			Unit:      l.product.unit,
			UnitPrice: price4(l.price4, o.currency),
			SKUID:     alibabawire.Text(l.product.id[len(l.product.id)-4:]),
			SKUCode:   l.product.skuCode,
		}
		var attrs []alibabawire.SKUAttribute
		for _, a := range l.attrs {
			attrs = append(attrs, alibabawire.SKUAttribute{Key: a[0], Value: a[1]})
		}
		p.SKUAttributes = alibabawire.Wrap("sku_attribute", attrs...)
		products = append(products, p)
	}
	w.OrderProducts = alibabawire.Wrap("trade_ecology_order_product", products...)
	productTotal := minor(o.total4(), o.currency)
	w.ProductTotalAmount = price(productTotal, o.currency)
	w.ShipmentFee = price(o.shipFee, o.currency)
	w.TotalAmount = price(productTotal+o.shipFee, o.currency)
	return w
}

func renderFund(o *order, sel map[string]bool) alibabawire.Fund {
	var f alibabawire.Fund
	total := minor(o.total4(), o.currency) + o.shipFee
	if sel[alibabawire.DataSelectFundPay] {
		f.FundPayList = alibabawire.Wrap("fund_pay", alibabawire.FundPay{
			PayAmount:       price(total, o.currency),
			PayMethod:       "CREDIT_CARD",
			PayStatus:       alibabawire.PayStatusPaid,
			PayStep:         alibabawire.PayStepAdvance,
			PayTime:         wireDatePtr(&o.paid),
			ReceiveAmount:   price(total, o.currency),
			ReceiveTime:     wireDatePtr(&o.paid),
			ShouldPayAmount: price(total, o.currency),
		})
	}
	if sel[alibabawire.DataSelectServiceFee] {
		f.ServiceFee = price(total*2/100, o.currency)
	}
	if sel[alibabawire.DataSelectFundRefund] {
		var rs []alibabawire.Refund
		for _, r := range o.refunds {
			w := alibabawire.Refund{
				RefundID:          alibabawire.Text(r.id),
				RefundStatus:      r.status,
				RefundType:        r.typ,
				RefundReason:      r.reason,
				RefundDesc:        r.desc,
				ApplyRefundAmount: price(r.apply, o.currency),
				CreateDate:        wireDate(r.created),
				ModifyDate:        wireDate(r.modified),
				RefundDate:        wireDatePtr(r.refundedAt),
			}
			if r.refunded != nil {
				w.RefundAmount = price(*r.refunded, o.currency)
			}
			if r.ret != nil {
				w.ReturnLogistics = &alibabawire.ReturnLogistics{
					Carrier:        r.ret.carrier,
					TrackingNumber: r.ret.tracking,
					ShipDate:       wireDatePtr(&r.ret.shipped),
					ReceiveDate:    wireDatePtr(r.ret.received),
				}
			}
			var lines []alibabawire.RefundProduct
			for _, l := range r.lines {
				lines = append(lines, alibabawire.RefundProduct{ID: alibabawire.Text(l.lineID), Quantity: alibabawire.Text(strconv.Itoa(l.qty))})
			}
			w.RefundProducts = alibabawire.Wrap("trade_ecology_refund_product", lines...)
			rs = append(rs, w)
		}
		f.RefundList = alibabawire.Wrap("trade_ecology_refund", rs...)
	}
	return f
}

func renderLogistics(o *order, parcels bool) alibabawire.Logistics {
	l := alibabawire.Logistics{LogisticStatus: alibabawire.LogisticsNotShipped}
	if len(o.parcels) > 0 {
		l.LogisticStatus = alibabawire.LogisticsDelivered
		for _, p := range o.parcels {
			if p.signed == nil {
				l.LogisticStatus = alibabawire.LogisticsShipped
			}
		}
	}
	if !parcels {
		return l
	}
	var ps []alibabawire.ShippingOrder
	for _, p := range o.parcels {
		sp := alibabawire.ShippingOrder{
			ShippingOrderID: alibabawire.Text(p.id),
			Carrier:         p.carrier,
			TrackingNumber:  p.tracking,
			Status:          alibabawire.ParcelInTransit,
			SendDate:        wireDatePtr(&p.sent),
			SignDate:        wireDatePtr(p.signed),
		}
		if p.signed != nil {
			sp.Status = alibabawire.ParcelSigned
		}
		ps = append(ps, sp)
	}
	l.ShippingOrderList = alibabawire.Wrap("trade_ecology_shipping_order", ps...)
	return l
}

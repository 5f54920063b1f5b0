package graph

import (
	"strings"

	"github.com/returnsgw/returnsgw/graph/model"
	"github.com/returnsgw/returnsgw/returns"
)

// costModel answers Query.returnCostModel: the input's money parsed, the
// model computed by returns.ComputeCostModel.
func (r *Resolver) costModel(in model.ReturnCostModelInput) (*model.ReturnCostModel, error) {
	var ci returns.CostModelInput
	ci.Orders, ci.ReturnRate = int64(in.Orders), in.ReturnRate
	for _, f := range []struct {
		name string
		in   *model.MoneyInput
		dst  *returns.Money
	}{{"price", in.Price, &ci.Price}, {"outboundShipping", in.OutboundShipping, &ci.OutboundShipping},
		{"processingCost", in.ProcessingCost, &ci.ProcessingCost}, {"resaleLoss", in.ResaleLoss, &ci.ResaleLoss}} {
		m, err := parseInputMoney(f.in.Amount, strings.ToUpper(strings.TrimSpace(f.in.CurrencyCode)))
		if err != nil {
			return nil, returns.Errorf(returns.CodeInvalid, "%s", returns.ErrorMessage(err)).WithField("input", f.name)
		}
		*f.dst = m
	}
	cm, err := returns.ComputeCostModel(ci)
	if err != nil {
		return nil, err
	}
	out := &model.ReturnCostModel{Returns: cm.Returns, OutboundShippingLost: &cm.OutboundShippingLost,
		ProcessingCost: &cm.ProcessingCost, ResaleLoss: &cm.ResaleLoss, Total: &cm.Total, CostPer100Orders: &cm.CostPer100Orders}
	if cm.MarginPoints != "" {
		out.MarginPoints = &cm.MarginPoints
	}
	return out, nil
}

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
	if err := costModelMoney(&ci, in.Price, in.OutboundShipping, in.ProcessingCost, in.ResaleLoss, "input"); err != nil {
		return nil, err
	}
	cm, err := returns.ComputeCostModel(ci)
	if err != nil {
		return nil, err
	}
	return costModelOut(cm), nil
}

// costModelMoney parses the model's four amounts into ci; an error names the
// input field under path.
func costModelMoney(ci *returns.CostModelInput, price, outbound, processing, resale *model.MoneyInput, path ...string) error {
	for _, f := range []struct {
		name string
		in   *model.MoneyInput
		dst  *returns.Money
	}{{"price", price, &ci.Price}, {"outboundShipping", outbound, &ci.OutboundShipping},
		{"processingCost", processing, &ci.ProcessingCost}, {"resaleLoss", resale, &ci.ResaleLoss}} {
		m, err := parseInputMoney(f.in.Amount, strings.ToUpper(strings.TrimSpace(f.in.CurrencyCode)))
		if err != nil {
			return returns.Errorf(returns.CodeInvalid, "%s", returns.ErrorMessage(err)).WithField(append(path, f.name)...)
		}
		*f.dst = m
	}
	return nil
}

// costModelOut is the schema's view of a computed cost model.
func costModelOut(cm *returns.CostModel) *model.ReturnCostModel {
	out := &model.ReturnCostModel{Returns: cm.Returns, OutboundShippingLost: &cm.OutboundShippingLost,
		ProcessingCost: &cm.ProcessingCost, ResaleLoss: &cm.ResaleLoss, Total: &cm.Total, CostPer100Orders: &cm.CostPer100Orders}
	if cm.MarginPoints != "" {
		out.MarginPoints = &cm.MarginPoints
	}
	return out
}

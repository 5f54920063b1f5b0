package graph

import (
	"time"

	"github.com/returnsgw/returnsgw/graph/model"
	"github.com/returnsgw/returnsgw/returns"
)

// now is the resolvers' clock: rules are evaluated at the instant of the request.
func (r *Resolver) now() time.Time { return r.deps.Now() }

func (r *Resolver) policy(c *returns.Case) returns.RulePolicy { return r.deps.Actions.Policy(c) }

func (r *Resolver) caseDeadlines(c *returns.Case) *returns.Deadlines {
	d := returns.RuleDeadlines(c, returns.CaseTimes{ApprovedAt: c.ApprovedAt, ReceivedAt: c.ReceivedAt}, r.policy(c), r.now())
	return &d
}

func (r *Resolver) caseEligibility(c *returns.Case) *returns.Eligibility {
	e := returns.EvaluateCase(c, r.policy(c), r.now())
	return &e
}

func (r *Resolver) refundDue(c *returns.Case) *model.RefundDue {
	b, err := returns.RefundBreakdown(c, r.policy(c), returns.RefundBasis{Tariff: c.Tariff})
	if err != nil {
		return nil // an exchange, or amounts the rules cannot add up: no default
	}
	out := &model.RefundDue{Amount: &b.Total, Rules: make([]*returns.RuleApplication, len(b.Rules)), Breakdown: refundBreakdown(b.Parts)}
	for i := range b.Rules {
		out.Rules[i] = &b.Rules[i]
	}
	return out
}

// eligibility answers Query.returnEligibility with the organisation's default policy.
func (r *Resolver) eligibility(in model.ReturnEligibilityInput) (*returns.Eligibility, error) {
	ei := returns.EligibilityInput{
		Platform:                     in.Platform,
		Kind:                         in.Kind,
		Reason:                       in.Reason,
		DeliveredAt:                  in.DeliveredAt,
		RequestedAt:                  in.RequestedAt,
		Condition:                    condition(in.Condition),
		ExemptionConfirmedAtCheckout: deref(in.ExemptionConfirmedAtCheckout),
		SellerAgreesToRefundOnly:     deref(in.SellerAgreesToRefundOnly),
		FreeReturnPromised:           deref(in.FreeReturnPromised),
		CrossBorderCarveOutConfirmed: deref(in.CrossBorderCarveOutConfirmed),
		CheckoutConfirmed:            deref(in.CheckoutConfirmed),
	}
	if in.Market != nil {
		ei.Market = *in.Market
	}
	if in.Category != nil {
		ei.Category = *in.Category
	}
	if err := ei.Validate(); err != nil {
		return nil, err
	}
	if d := in.ContractReturnDays; d != nil {
		if *d < 1 || *d > returns.MaxContractReturnDays || in.Platform != returns.Alibaba {
			return nil, returns.Errorf(returns.CodeInvalid, "contractReturnDays must be 1 to %d, on an Alibaba.com order", returns.MaxContractReturnDays).WithField("input", "contractReturnDays")
		}
		ei.ContractReturnDays = *d
	}
	if ei.DeliveredAt != nil && ei.RequestedAt.Before(*ei.DeliveredAt) {
		return nil, returns.Errorf(returns.CodeInvalid, "requestedAt is before deliveredAt").WithField("input", "requestedAt")
	}
	policy := r.deps.Actions.Policy(&returns.Case{Platform: in.Platform})
	e := returns.Evaluate(ei, policy, r.now())
	return &e, nil
}

func (r *Resolver) rules(platform *returns.PlatformID) []*returns.Rule {
	var rules []returns.Rule
	if platform != nil {
		rules = returns.RuleCatalogue(*platform)
	} else {
		rules = returns.Rules()
	}
	out := make([]*returns.Rule, len(rules))
	for i := range rules {
		out[i] = &rules[i]
	}
	return out
}

func condition(in *model.ItemConditionInput) returns.ItemCondition {
	if in == nil {
		return returns.ItemCondition{}
	}
	return returns.ItemCondition{PackagingOpened: in.PackagingOpened, TagsIntact: in.TagsIntact, Used: in.Used, DamagedByBuyer: in.DamagedByBuyer}
}

func deref(b *bool) bool { return b != nil && *b }

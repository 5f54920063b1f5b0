package graph

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/returnsgw/returnsgw/actions"
	"github.com/returnsgw/returnsgw/graph/model"
	"github.com/returnsgw/returnsgw/returns"
)

// maxChecklist bounds the checklist of one request before it is read.
const maxChecklist = 10

// exportReturnRun validates what the mutation resolvers hand over, runs the
// request through the actions service and shapes its answer as run does.
func (r *Resolver) exportReturnRun(ctx context.Context, id string, key *string, input any, req actions.ExportReturnRequest, errs []*returns.Error) (*model.ReturnCasePayload, error) {
	org, err := OrgFrom(ctx)
	if err != nil {
		return nil, err
	}
	ck, err := ParseCaseID(id)
	if err != nil {
		e, _ := err.(*returns.Error)
		return payload(&actions.Outcome{Errors: []*returns.Error{e.WithField("input", "id")}}), nil
	}
	if len(errs) > 0 {
		c, _ := r.deps.Store.GetCase(ctx, org, ck)
		return payload(&actions.Outcome{Case: c, Errors: errs}), nil
	}
	b, err := json.Marshal(input)
	if err != nil {
		return nil, err
	}
	req.Org, req.Key, req.Input = org, ck, b
	if key != nil {
		req.IdempotencyKey = *key
	}
	out, err := r.deps.Actions.ExportReturn(ctx, req)
	if err != nil {
		return nil, err
	}
	return payload(out), nil
}

func exportStartRequest(in model.ExportReturnStartInput) (actions.ExportReturnRequest, any) {
	start := &returns.ExportStart{
		ContractNo:             strings.TrimSpace(in.ContractNumber),
		ContractReturnDays:     in.ContractReturnDays,
		SalesContractIDs:       in.SalesContractEvidenceIds,
		InvoiceIDs:             in.InvoiceEvidenceIds,
		LogisticsChannel:       strings.TrimSpace(in.LogisticsChannel),
		Carrier:                strings.TrimSpace(in.Carrier),
		CarrierAcceptanceHours: in.CarrierAcceptanceHours,
	}
	if in.Note != nil {
		start.Note = strings.TrimSpace(*in.Note)
	}
	in.IdempotencyKey = nil
	return actions.ExportReturnRequest{Start: start}, struct {
		Action string `json:"action"`
		Input  any    `json:"input"`
	}{"exportReturnStart", in}
}

func exportCompleteRequest(in model.ExportReturnCompleteStepInput) (actions.ExportReturnRequest, any, []*returns.Error) {
	var errs []*returns.Error
	done := &returns.ExportCompletion{Kind: returns.ExportStepKind(in.Step)}
	if in.Note != nil {
		done.Note = strings.TrimSpace(*in.Note)
	}
	if len(in.Checklist) > maxChecklist {
		errs = append(errs, returns.Errorf(returns.CodeInvalid, "at most %d checklist entries", maxChecklist).WithField("input", "checklist"))
	} else {
		for _, c := range in.Checklist {
			e := returns.ExportCheck{Item: returns.ExportCheckItem(c.Item), OK: c.Ok}
			if c.Note != nil {
				e.Note = strings.TrimSpace(*c.Note)
			}
			done.Checklist = append(done.Checklist, e)
		}
	}
	amount := func(name string, v *model.MoneyInput) *returns.Money {
		if v == nil {
			return nil
		}
		m, err := parseInputMoney(v.Amount, strings.ToUpper(strings.TrimSpace(v.CurrencyCode)))
		if err != nil {
			errs = append(errs, returns.Errorf(returns.CodeInvalid, "%s", returns.ErrorMessage(err)).WithField("input", name))
			return nil
		}
		return &m
	}
	done.Freight, done.Insurance = amount("freight", in.Freight), amount("insurance", in.Insurance)
	in.IdempotencyKey = nil
	return actions.ExportReturnRequest{Complete: done}, struct {
		Action string `json:"action"`
		Input  any    `json:"input"`
	}{"exportReturnCompleteStep", in}, errs
}

// exportReturn is ReturnCase.exportReturn: the workflow with each step's
// state at the request's instant.
func (r *Resolver) exportReturn(ctx context.Context, c *returns.Case) (*model.ExportReturn, error) {
	if c.Platform != returns.Alibaba || c.Export == nil {
		// The case carries the terms exactly when it has a workflow (they are
		// saved together): a list of cases without one costs no query.
		return nil, nil
	}
	org, err := OrgFrom(ctx)
	if err != nil {
		return nil, err
	}
	x, err := r.deps.Actions.GetExportReturn(ctx, org, c.Key())
	if err != nil || x == nil {
		return nil, err
	}
	now := r.now()
	out := &model.ExportReturn{
		ContractReturnDays:        x.ContractReturnDays,
		FreightAndInsurancePaidBy: returns.PartySeller,
		ContractNumber:            x.ContractNo,
		SalesContractEvidenceIds:  x.SalesContractIDs,
		InvoiceEvidenceIds:        x.InvoiceIDs,
		LogisticsChannel:          x.LogisticsChannel,
		Carrier:                   x.Carrier,
		CarrierAcceptanceHours:    x.CarrierAcceptanceHours,
		Freight:                   x.Freight,
		Insurance:                 x.Insurance,
		StartedAt:                 x.StartedAt,
		Steps:                     make([]*model.ExportReturnStep, len(x.Steps)),
	}
	for i := range x.Steps {
		s := &x.Steps[i]
		st := &model.ExportReturnStep{Kind: model.ExportReturnStepKind(s.Kind), State: model.ExportReturnStepState(s.State(now)),
			DueBy: s.DueBy, CompletedAt: s.CompletedAt, Checklist: make([]*model.ExportChecklistEntry, len(s.Checklist))}
		if s.Note != "" {
			st.Note = &s.Note
		}
		for j, c := range s.Checklist {
			e := &model.ExportChecklistEntry{Item: model.ExportChecklistItem(c.Item), Ok: c.OK}
			if c.Note != "" {
				e.Note = &s.Checklist[j].Note
			}
			st.Checklist[j] = e
		}
		out.Steps[i] = st
		if s.CompletedAt == nil && out.NextStep == nil {
			k := model.ExportReturnStepKind(s.Kind)
			out.NextStep = &k
		}
	}
	return out, nil
}

// refundBreakdown is RefundDue.breakdown.
func refundBreakdown(parts []returns.RefundPart) []*model.RefundComponent {
	out := make([]*model.RefundComponent, len(parts))
	for i := range parts {
		p := &parts[i]
		out[i] = &model.RefundComponent{Kind: model.RefundComponentKind(p.Kind), Amount: &p.Amount, PaidBy: p.PaidBy, RuleID: p.RuleID}
	}
	return out
}

package aliexpress

import (
	"context"
	"fmt"
	"sort"

	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
	"github.com/returnsgw/returnsgw/returns"
)

// Negotiation fetches the issue and returns its history: every solution of
// the buyer, the seller and the platform, and every step of
// process_dto_list, in time order.
func (a *Adapter) Negotiation(ctx context.Context, c *returns.Case) ([]returns.NegotiationEntry, error) {
	if c == nil {
		return nil, returns.Errorf(returns.CodeInvalid, "no case")
	}
	l, err := a.listedFor(ctx, c.PlatformCaseID, c.BuyerID)
	if err != nil {
		return nil, err
	}
	d, err := a.issueDetail(ctx, c.PlatformCaseID, l.BuyerLoginID)
	if err != nil {
		return nil, err
	}
	return NegotiationOf(d), nil
}

// Entry kinds of the negotiation.
const (
	EntryProposal  = "PROPOSAL"
	EntryAccepted  = "ACCEPTED"
	EntryRefused   = "REFUSED"
	EntryWithdrawn = "WITHDRAWN"
	EntryCancelled = "CANCELLED"
	EntryEscalated = "ESCALATED"
	EntryRuling    = "RULING"
	EntryShipped   = "SHIPPED"
	EntryReceived  = "RECEIVED"
	EntryMessage   = "MESSAGE"
)

var processKinds = map[string]string{
	aliexpresswire.ActInitiate:                 EntryProposal,
	aliexpresswire.ActBuyerCreateSolution:      EntryProposal,
	aliexpresswire.ActSellerCreateSolution:     EntryProposal,
	aliexpresswire.ActBuyerModifySolution:      EntryProposal,
	aliexpresswire.ActSellerModifySolution:     EntryProposal,
	aliexpresswire.ActBuyerAccept:              EntryAccepted,
	aliexpresswire.ActSellerAccept:             EntryAccepted,
	aliexpresswire.ActBuyerRefuse:              EntryRefused,
	aliexpresswire.ActBuyerDeleteSolution:      EntryWithdrawn,
	aliexpresswire.ActSellerDeleteSolution:     EntryWithdrawn,
	aliexpresswire.ActCancel:                   EntryCancelled,
	aliexpresswire.ActBuyerInitiateArbitration: EntryEscalated,
	aliexpresswire.ActPlatformForceReach:       EntryRuling,
	aliexpresswire.ActPerformSolution:          EntryRuling,
	aliexpresswire.ActBuyerReturnGoods:         EntryShipped,
	aliexpresswire.ActSellerConfirmReceipt:     EntryReceived,
}

func partyOf(role string) returns.Party {
	switch role {
	case aliexpresswire.RoleBuyer:
		return returns.PartyBuyer
	case aliexpresswire.RoleSeller:
		return returns.PartySeller
	}
	// platform, waiter (customer service), system
	return returns.PartyPlatform
}

// NegotiationOf is the pure part of Negotiation. A solution and the process
// step that created it (same party, same second, a creating action) become
// one PROPOSAL entry carrying the solution's terms and the step's raw values.
// Entries with the same time keep the platform's order: solutions first
// (buyer, seller, platform), then the process steps oldest first.
func NegotiationOf(d *aliexpresswire.IssueDetail) []returns.NegotiationEntry {
	sol := pickSolutions(d)
	type item struct {
		e   returns.NegotiationEntry
		seq int
	}
	var items []item
	seq := 0
	add := func(e returns.NegotiationEntry) {
		items = append(items, item{e, seq})
		seq++
	}
	type key struct {
		party returns.Party
		at    string
	}
	proposals := map[key]int{} // index into items of a solution's entry
	for _, list := range []aliexpresswire.SolutionList{d.BuyerSolutionList, d.SellerSolutionList, d.PlatformSolutionList} {
		for i := range list {
			x := &list[i]
			at, _ := utcOf(x.GmtCreate)
			raw := map[string]string{}
			for k, v := range map[string]string{
				"id": x.ID.String(), "solution_owner": x.SolutionOwner, "solution_type": x.SolutionType,
				"status": x.Status, "refund_money": string(x.RefundMoney), "refund_money_currency": x.RefundMoneyCurrency,
				"refund_money_post": string(x.RefundMoneyPost), "refund_money_post_currency": x.RefundMoneyPostCurrency,
				"logistics_fee_bear_role": x.LogisticsFeeBearRole, "reached_type": x.ReachedType,
				"reached_time": x.ReachedTime, "gmt_create": x.GmtCreate, "is_default": fmt.Sprint(bool(x.IsDefault)),
			} {
				if v != "" {
					raw[k] = v
				}
			}
			p := partyOf(x.SolutionOwner)
			proposals[key{p, x.GmtCreate}] = len(items)
			add(returns.NegotiationEntry{At: at, Party: p, Kind: EntryProposal, Text: x.Content,
				Amount: sol.amountOf(x), Raw: raw})
		}
	}
	// process_dto_list comes newest first; walk it oldest first.
	procs := append([]aliexpresswire.Process(nil), d.ProcessDtoList...)
	sort.SliceStable(procs, func(i, j int) bool {
		ti, _ := utcOf(procs[i].GmtCreate)
		tj, _ := utcOf(procs[j].GmtCreate)
		return ti.Before(tj)
	})
	for _, p := range procs {
		kind, ok := processKinds[p.ActionType]
		if !ok {
			kind = EntryMessage
		}
		raw := map[string]string{"action_type": p.ActionType, "submit_member_type": p.SubmitMemberType,
			"gmt_create": p.GmtCreate}
		if p.ID != "" {
			raw["process_id"] = p.ID.String()
		}
		if len(p.Attachments) > 0 {
			raw["attachments"] = fmt.Sprint(len(p.Attachments))
		}
		party := partyOf(p.SubmitMemberType)
		if kind == EntryProposal {
			if i, ok := proposals[key{party, p.GmtCreate}]; ok {
				e := &items[i].e
				for k, v := range raw {
					e.Raw["process."+k] = v
				}
				if e.Text == "" {
					e.Text = p.Content
				}
				delete(proposals, key{party, p.GmtCreate})
				continue
			}
		}
		at, _ := utcOf(p.GmtCreate)
		add(returns.NegotiationEntry{At: at, Party: party, Kind: kind, Text: p.Content, Raw: raw})
	}
	sort.SliceStable(items, func(i, j int) bool {
		if !items[i].e.At.Equal(items[j].e.At) {
			return items[i].e.At.Before(items[j].e.At)
		}
		return items[i].seq < items[j].seq
	})
	out := make([]returns.NegotiationEntry, len(items))
	for i, it := range items {
		out[i] = it.e
	}
	return out
}

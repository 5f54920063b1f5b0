package aliexpress

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

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
	aliexpresswire.ActInitiate:                  EntryProposal,
	aliexpresswire.ActBuyerCreateSolution:       EntryProposal,
	aliexpresswire.ActSellerCreateSolution:      EntryProposal,
	aliexpresswire.ActBuyerModifySolution:       EntryProposal,
	aliexpresswire.ActSellerModifySolution:      EntryProposal,
	aliexpresswire.ActBuyerAccept:               EntryAccepted,
	aliexpresswire.ActSellerAccept:              EntryAccepted,
	aliexpresswire.ActBuyerRefuse:               EntryRefused,
	aliexpresswire.ActBuyerDeleteSolution:       EntryWithdrawn,
	aliexpresswire.ActSellerDeleteSolution:      EntryWithdrawn,
	aliexpresswire.ActCancel:                    EntryCancelled,
	aliexpresswire.ActBuyerInitiateArbitration:  EntryEscalated,
	aliexpresswire.ActSellerInitiateArbitration: EntryEscalated,
	aliexpresswire.ActPlatformForceReach:        EntryRuling,
	aliexpresswire.ActPerformSolution:           EntryRuling,
	aliexpresswire.ActBuyerReturnGoods:          EntryShipped,
	aliexpresswire.ActSellerConfirmReceipt:      EntryReceived,
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

// proposalSlack is how far apart a solution's times and the process step
// that created or changed it may lie. ASSUMED: the platform writes both in
// one operation, so a few seconds at most; the simulator writes the same
// second.
const proposalSlack = 5 * time.Second

// creating and changing steps of a solution.
var (
	createsSolution = map[string]bool{aliexpresswire.ActInitiate: true, aliexpresswire.ActBuyerCreateSolution: true,
		aliexpresswire.ActSellerCreateSolution: true}
	changesSolution = map[string]bool{aliexpresswire.ActBuyerModifySolution: true, aliexpresswire.ActSellerModifySolution: true}
)

// NegotiationOf is the pure part of Negotiation: one entry per proposal and
// per other step, each with a stable identity (Raw "entry_id"), in time
// order.
//
// A proposal is a solution (identity: its id). The detail lists it twice
// over: in its party's solution list, with its current terms, and in
// process_dto_list, as the step that created it and one step per later
// change. Those steps are folded into the solution's one entry, which
// stands at its latest version (when its current terms were proposed) with
// the current terms; before, a changed offer showed twice (the solution at
// its creation with the new terms, and the change step again). A step is
// matched to a solution of the same party: a creating step to the one
// created within proposalSlack of it, a changing step to the one whose
// life (created … modified) spans it. Steps that match nothing keep their
// own entry. Entries with the same time keep the platform's order:
// solutions first (buyer, seller, platform), then the process steps oldest
// first.
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
	type proposal struct {
		idx               int // into items
		party             returns.Party
		created, modified time.Time
		createdClaimed    bool
	}
	var proposals []*proposal
	for _, list := range []aliexpresswire.SolutionList{d.BuyerSolutionList, d.SellerSolutionList, d.PlatformSolutionList} {
		for i := range list {
			x := &list[i]
			at, _ := utcOf(x.GmtCreate)
			mod, _ := utcOf(x.GmtModified)
			if mod.Before(at) {
				mod = at
			}
			raw := map[string]string{}
			for k, v := range map[string]string{
				"id": x.ID.String(), "solution_owner": x.SolutionOwner, "solution_type": x.SolutionType,
				"status": x.Status, "refund_money": string(x.RefundMoney), "refund_money_currency": x.RefundMoneyCurrency,
				"refund_money_post": string(x.RefundMoneyPost), "refund_money_post_currency": x.RefundMoneyPostCurrency,
				"logistics_fee_bear_role": x.LogisticsFeeBearRole, "reached_type": x.ReachedType,
				"reached_time": x.ReachedTime, "gmt_create": x.GmtCreate, "gmt_modified": x.GmtModified,
				"is_default": fmt.Sprint(bool(x.IsDefault)),
			} {
				if v != "" {
					raw[k] = v
				}
			}
			raw[EntryIDKey] = "solution:" + x.ID.String()
			p := partyOf(x.SolutionOwner)
			proposals = append(proposals, &proposal{idx: len(items), party: p, created: at, modified: mod})
			add(returns.NegotiationEntry{At: at, Party: p, Kind: EntryProposal, Text: x.Content,
				Amount: sol.amountOf(x), Raw: raw})
		}
	}
	within := func(a, b time.Time) bool { d := a.Sub(b); return d <= proposalSlack && d >= -proposalSlack }
	// process_dto_list comes newest first; walk it oldest first.
	procs := append([]aliexpresswire.Process(nil), d.ProcessDtoList...)
	sort.SliceStable(procs, func(i, j int) bool {
		ti, _ := utcOf(procs[i].GmtCreate)
		tj, _ := utcOf(procs[j].GmtCreate)
		return ti.Before(tj)
	})
	// Each solution takes the creating step of its party nearest its
	// creation (within the slack), nearest pairs first, each step once.
	created := map[int]*proposal{} // index into procs
	type pair struct {
		step int
		p    *proposal
		gap  time.Duration
	}
	var pairs []pair
	for i, pr := range procs {
		if !createsSolution[pr.ActionType] {
			continue
		}
		at, _ := utcOf(pr.GmtCreate)
		for _, p := range proposals {
			if p.party == partyOf(pr.SubmitMemberType) && within(p.created, at) {
				pairs = append(pairs, pair{i, p, absDur(p.created.Sub(at))})
			}
		}
	}
	sort.SliceStable(pairs, func(i, j int) bool { return pairs[i].gap < pairs[j].gap })
	for _, x := range pairs {
		if _, taken := created[x.step]; taken || x.p.createdClaimed {
			continue
		}
		created[x.step], x.p.createdClaimed = x.p, true
	}
	// changed finds the solution a changing step belongs to: the latest of
	// the party's whose life (created … modified) spans it.
	changed := func(party returns.Party, at time.Time) *proposal {
		var best *proposal
		for _, p := range proposals {
			if p.party != party || p.created.After(at.Add(proposalSlack)) || p.modified.Before(at.Add(-proposalSlack)) {
				continue
			}
			if best == nil || p.created.After(best.created) {
				best = p
			}
		}
		return best
	}
	for i, p := range procs {
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
		at, _ := utcOf(p.GmtCreate)
		var m *proposal
		switch {
		case createsSolution[p.ActionType]:
			m = created[i]
		case changesSolution[p.ActionType]:
			m = changed(party, at)
		}
		if m != nil {
			e := &items[m.idx].e
			if createsSolution[p.ActionType] {
				for k, v := range raw {
					e.Raw["process."+k] = v
				}
			} else {
				// A change: the entry stands at the latest version.
				e.Raw["revisions"] = fmt.Sprint(atoi(e.Raw["revisions"]) + 1)
				e.Raw["revised.process_id"] = raw["process_id"]
				if at.After(e.At) {
					e.At = at
					items[m.idx].seq = seq
					seq++
				}
			}
			if e.Text == "" {
				e.Text = p.Content
			}
			continue
		}
		if p.ID != "" {
			raw[EntryIDKey] = "process:" + p.ID.String()
		} else {
			raw[EntryIDKey] = "process:" + p.ActionType + "/" + p.SubmitMemberType + "/" + p.GmtCreate
		}
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
	return returns.NormalizeNegotiation(out)
}

// EntryIDKey is the Raw key of an entry's stable identity.
const EntryIDKey = returns.NegotiationIDKey

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

package returns

import (
	"errors"
	"strconv"
)

// RulePolicy is a shop's choices where the rules leave one (the rules marked
// configurable in RULES.md). A zero field means the default, so a
// configuration file names only what it overrides; DefaultRulePolicy spells
// every default out.
type RulePolicy struct {
	// Freight is who pays return freight when the platform does not say,
	// per platform (CN-FREIGHT, ALIBABA-FREIGHT, AE-COSTS).
	Freight FreightDefaults `json:"freight"`
	// FreeReturnFreight reports that the shop promises free return freight on
	// no-reason returns, so the seller pays it (CN-FREIGHT "agreed otherwise").
	FreeReturnFreight bool `json:"freeReturnFreight"`
	// AliExpress holds the periods AliExpress is reported to use (AE-WINDOW, AE-RESPOND).
	AliExpress AliExpressPeriods `json:"aliexpress"`
	// XHSRespondHours is the answer deadline counted from the request when XHS
	// gives no expireTime on a case (XHS-RESPOND).
	XHSRespondHours int `json:"xhsRespondHours"`
}

// FreightDefaults is who pays return freight on each platform when the
// platform does not state it on the case.
type FreightDefaults struct {
	XHS        FreightPolicy `json:"XHS"`
	Alibaba    FreightPolicy `json:"ALIBABA"`
	AliExpress FreightPolicy `json:"ALIEXPRESS"`
}

// FreightPolicy is who pays return freight, by whose side the return is on.
type FreightPolicy struct {
	NoReason    Party `json:"noReason"`    // a return without the seller's fault
	SellerFault Party `json:"sellerFault"` // a return for the seller's fault
}

// AliExpressPeriods are the AliExpress periods, in days. Third parties report
// them and the platform does not publish them, hence configurable.
type AliExpressPeriods struct {
	WindowDays    int `json:"windowDays"`    // the buyer applies within this many days after delivery
	RespondDays   int `json:"respondDays"`   // the seller answers within this many days of the request
	BuyerShipDays int `json:"buyerShipDays"` // the buyer ships within this many days of approval
	StepInDays    int `json:"stepInDays"`    // the platform steps in when the refund is this late after receipt
}

// The defaults and the ranges a shop may choose from.
const (
	defaultAEWindowDays    = 15
	defaultAERespondDays   = 5
	defaultAEBuyerShipDays = 10
	defaultAEStepInDays    = 7
	defaultXHSRespondHours = 48

	// The reported AliExpress periods are uncertain; the ranges are wide
	// enough for the platform's real values and narrow enough to catch typos.
	maxAEWindowDays    = 90
	maxAERespondDays   = 15
	maxAEBuyerShipDays = 30
	maxAEStepInDays    = 30
	// XHS asks for an answer within 24-48 hours: a shop may hold itself to
	// less, never to more.
	maxXHSRespondHours = 48
)

// DefaultRulePolicy returns the defaults, every field filled in.
func DefaultRulePolicy() RulePolicy {
	return RulePolicy{
		Freight: FreightDefaults{
			XHS: FreightPolicy{NoReason: PartyBuyer, SellerFault: PartySeller},
			// ALIBABA-FREIGHT: seed 001 has the seller paying for the buyer's
			// change of mind and the buyer paying for the seller's wrong item,
			// which contradicts itself and CN-FREIGHT. The default follows
			// CN-FREIGHT's reading (buyer for no-reason, seller for its fault);
			// a shop whose contract says otherwise overrides it here.
			Alibaba:    FreightPolicy{NoReason: PartyBuyer, SellerFault: PartySeller},
			AliExpress: FreightPolicy{NoReason: PartyBuyer, SellerFault: PartySeller},
		},
		AliExpress: AliExpressPeriods{
			WindowDays:    defaultAEWindowDays,
			RespondDays:   defaultAERespondDays,
			BuyerShipDays: defaultAEBuyerShipDays,
			StepInDays:    defaultAEStepInDays,
		},
		XHSRespondHours: defaultXHSRespondHours,
	}
}

// Validate reports every field outside its allowed values, each as an
// INVALID *Error naming the field (its JSON path) and what is allowed.
func (p RulePolicy) Validate() error {
	var errs []error
	bad := func(path, msg string) {
		errs = append(errs, (&Error{Code: CodeInvalid, Message: path + " " + msg}).WithField(path))
	}
	payer := func(path string, v Party) {
		if v != "" && v != PartyBuyer && v != PartySeller {
			bad(path, "must be BUYER or SELLER (or empty for the default), not "+strconv.Quote(string(v)))
		}
	}
	payer("freight.XHS.noReason", p.Freight.XHS.NoReason)
	if v := p.Freight.XHS.SellerFault; v != "" && v != PartySeller {
		bad("freight.XHS.sellerFault", "must be SELLER (or empty): Chinese law makes the seller pay when at fault (CN-FREIGHT), not "+strconv.Quote(string(v)))
	}
	payer("freight.ALIBABA.noReason", p.Freight.Alibaba.NoReason)
	payer("freight.ALIBABA.sellerFault", p.Freight.Alibaba.SellerFault)
	payer("freight.ALIEXPRESS.noReason", p.Freight.AliExpress.NoReason)
	payer("freight.ALIEXPRESS.sellerFault", p.Freight.AliExpress.SellerFault)

	days := func(path string, v, max int, unit string) {
		if v < 0 || v > max {
			bad(path, "must be between 1 and "+strconv.Itoa(max)+" "+unit+" (or 0 for the default), not "+strconv.Itoa(v))
		}
	}
	days("aliexpress.windowDays", p.AliExpress.WindowDays, maxAEWindowDays, "days")
	days("aliexpress.respondDays", p.AliExpress.RespondDays, maxAERespondDays, "days")
	days("aliexpress.buyerShipDays", p.AliExpress.BuyerShipDays, maxAEBuyerShipDays, "days")
	days("aliexpress.stepInDays", p.AliExpress.StepInDays, maxAEStepInDays, "days")
	days("xhsRespondHours", p.XHSRespondHours, maxXHSRespondHours, "hours")
	return errors.Join(errs...)
}

// freightFor returns the platform's freight defaults with empty fields filled in.
func (p *RulePolicy) freightFor(pl PlatformID) FreightPolicy {
	var f FreightPolicy
	switch pl {
	case XHS:
		f = p.Freight.XHS
	case Alibaba:
		f = p.Freight.Alibaba
	case AliExpress:
		f = p.Freight.AliExpress
	}
	if f.NoReason == "" {
		f.NoReason = PartyBuyer
	}
	if f.SellerFault == "" || pl == XHS {
		// On XHS the law decides, whatever an unvalidated policy says.
		f.SellerFault = PartySeller
	}
	return f
}

func orDefault(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

func (p *RulePolicy) aeWindowDays() int {
	return orDefault(p.AliExpress.WindowDays, defaultAEWindowDays)
}
func (p *RulePolicy) aeRespondDays() int {
	return orDefault(p.AliExpress.RespondDays, defaultAERespondDays)
}
func (p *RulePolicy) aeBuyerShipDays() int {
	return orDefault(p.AliExpress.BuyerShipDays, defaultAEBuyerShipDays)
}
func (p *RulePolicy) aeStepInDays() int {
	return orDefault(p.AliExpress.StepInDays, defaultAEStepInDays)
}
func (p *RulePolicy) xhsRespondHours() int {
	return orDefault(p.XHSRespondHours, defaultXHSRespondHours)
}

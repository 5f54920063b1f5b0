package returns

import "time"

// The rule ids of RULES.md, used verbatim in verdicts, violations, API answers
// and tests, plus the GW- ids the gateway adds for its own invariants.
const (
	RuleCN7DWindow          = "CN-7D-WINDOW"
	RuleCN7DIntact          = "CN-7D-INTACT"
	RuleCN7DExemptStatutory = "CN-7D-EXEMPT-STATUTORY"
	RuleCN7DExemptDisclosed = "CN-7D-EXEMPT-DISCLOSED"
	RuleCNRefund7D          = "CN-REFUND-7D"
	RuleCNFreight           = "CN-FREIGHT"
	RuleCNSellerFault       = "CN-SELLER-FAULT"
	RuleCNDisclosure        = "CN-DISCLOSURE"
	RuleCNRefundOnly        = "CN-REFUND-ONLY"

	RuleXBDirectCarveOut = "XB-DIRECT-CARVEOUT"
	RuleXBTariffRefund   = "XB-TARIFF-REFUND"
	RuleXBFulfilment     = "XB-FULFILMENT"
	RuleXBExportReturn   = "XB-EXPORT-RETURN"

	RuleXHS7D                   = "XHS-7D"
	RuleXHSRespond              = "XHS-RESPOND"
	RuleXHSMediation            = "XHS-MEDIATION"
	RuleXHSOnPlatform           = "XHS-ON-PLATFORM"
	RuleXHSCrossBorderAfterSale = "XHS-CROSSBORDER-AFTERSALE"

	RuleAlibaba7D        = "ALIBABA-7D"
	RuleAlibabaNegotiate = "ALIBABA-NEGOTIATE"
	RuleAlibabaRecords   = "ALIBABA-RECORDS"
	RuleAlibabaFreight   = "ALIBABA-FREIGHT"

	RuleAEFlow    = "AE-FLOW"
	RuleAEWindow  = "AE-WINDOW"
	RuleAERespond = "AE-RESPOND"
	RuleAECosts   = "AE-COSTS"
	RuleAEAbuse   = "AE-ABUSE"

	RuleOPSRoutes  = "OPS-ROUTES"
	RuleOPSGrades  = "OPS-GRADES"
	RuleOPSReasons = "OPS-REASONS"
	RuleOPSCost    = "OPS-COST"
	RuleOPSRates   = "OPS-RATES"

	RuleGWRefundCap      = "GW-REFUND-CAP"
	RuleGWRefundCurrency = "GW-REFUND-CURRENCY"
	RuleGWTariffNone     = "GW-TARIFF-NONE"
	RuleGWInput          = "GW-INPUT"
)

// Rule is one entry of the rules catalogue: what it says, where it comes from
// and where it applies.
type Rule struct {
	ID          string       // stable id, as in RULES.md
	Explanation string       // the rule in one line
	Source      string       // the seed file or law it comes from, or "gateway invariant"
	Platforms   []PlatformID // the platforms it applies to
	Markets     []Market     // the markets it applies to; empty means every market
	// Configurable reports whether a shop may change the rule's defaults
	// through RulePolicy.
	Configurable bool
	// Zone names the time zone the rule counts days in, when it counts any.
	Zone string
	// CatalogueOnly marks guidance the gateway shows but never decides a
	// verdict with (operations advice, record keeping).
	CatalogueOnly bool
	// Reason says why the gateway adds a GW- rule that RULES.md does not name.
	Reason string
}

// AppliesTo reports whether the rule applies to the platform.
func (r Rule) AppliesTo(p PlatformID) bool {
	for _, x := range r.Platforms {
		if x == p {
			return true
		}
	}
	return false
}

// Effect is what a rule did to a verdict.
type Effect string

// The effects, as the GraphQL RuleEffect enum names them.
const (
	EffectAllows  Effect = "ALLOWS"
	EffectForbids Effect = "FORBIDS"
	EffectInfo    Effect = "INFO"
)

// VerdictField is a set of Eligibility fields; a RuleApplication names the
// fields whose value it explains, so that no value goes unexplained.
type VerdictField uint8

// The Eligibility fields a rule application can explain.
const (
	FieldNoReasonReturn  VerdictField = 1 << iota // NoReasonReturnAllowed
	FieldReturn                                   // ReturnAllowed
	FieldWindow                                   // WindowClosesAt
	FieldFreight                                  // ReturnFreightPaidBy
	FieldTariff                                   // TariffRefundable
	FieldRefundDue                                // RefundDueDaysAfterReceipt
	FieldSellerAgreement                          // NeedsSellerAgreement

	// AllVerdictFields is every field of a verdict.
	AllVerdictFields = FieldNoReasonReturn | FieldReturn | FieldWindow | FieldFreight | FieldTariff |
		FieldRefundDue | FieldSellerAgreement
)

var verdictFieldNames = [...]string{
	"noReasonReturnAllowed", "returnAllowed", "windowClosesAt", "returnFreightPaidBy",
	"tariffRefundable", "refundDueDaysAfterReceipt", "needsSellerAgreement",
}

// Names returns the GraphQL names of the fields in the set, in a stable order.
func (f VerdictField) Names() []string {
	var out []string
	for i, n := range verdictFieldNames {
		if f&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// RuleApplication is one rule's part in a verdict.
type RuleApplication struct {
	RuleID      string
	Effect      Effect
	Explanation string       // one line for a human, specific to the case
	Explains    VerdictField // the verdict fields this application decided or explains
}

// ItemCondition is the state of the goods as far as return rules care. A nil
// field is unknown, which is not the same as false: the rules presume goods
// intact until someone has looked.
type ItemCondition struct {
	PackagingOpened *bool
	TagsIntact      *bool
	Used            *bool // used beyond inspection and reasonable testing
	DamagedByBuyer  *bool
}

// EligibilityInput is what a verdict is computed from: the GraphQL
// ReturnEligibilityInput plus what a real case adds.
type EligibilityInput struct {
	Platform PlatformID
	Market   Market   // empty means DOMESTIC
	Kind     Kind     // what the buyer asks for
	Reason   Reason   // why
	Category Category // empty means GENERAL
	// DeliveredAt is when the buyer signed for the goods; nil means not
	// delivered or not known.
	DeliveredAt *time.Time
	// RequestedAt is when the buyer asked; zero means now.
	RequestedAt time.Time
	Condition   ItemCondition
	// ExemptionConfirmedAtCheckout reports that the buyer confirmed, at
	// checkout, a disclosed exclusion from the no-reason return (CN-7D-EXEMPT-DISCLOSED).
	//
	// Deprecated: set CheckoutConfirmed; it is read as CheckoutConfirmed.
	ExemptionConfirmedAtCheckout bool
	// SellerAgreesToRefundOnly reports that the seller agreed to refund
	// without getting the goods back (CN-REFUND-ONLY).
	SellerAgreesToRefundOnly bool
	// FreightPaidByOnPlatform is who bears return freight as the platform
	// states it on the case (AliExpress per solution); empty when unstated.
	FreightPaidByOnPlatform Party
	// FreeReturnPromised reports a free-return promise on the order, such as
	// freight insurance, which moves no-reason return freight to the seller.
	FreeReturnPromised bool
	// CrossBorderCarveOutConfirmed reports that on a cross-border direct
	// purchase the buyer confirmed the 7-day return does not apply (XB-DIRECT-CARVEOUT).
	//
	// Deprecated: one checkout event, one fact: set CheckoutConfirmed. Kept
	// one release; it is read as CheckoutConfirmed.
	CrossBorderCarveOutConfirmed bool
	// CheckoutConfirmed reports that the buyer confirmed at checkout that the
	// no-reason return does not apply. The engine decides what that means for
	// the market and the category: a disclosed exclusion
	// (CN-7D-EXEMPT-DISCLOSED) or the cross-border direct carve-out
	// (XB-DIRECT-CARVEOUT).
	CheckoutConfirmed bool
	// DeliveryMissing reports that the platform was asked for the delivery
	// time and had none: the verdict then says which rule it could not decide.
	DeliveryMissing bool
	// TariffMissing reports that a cross-border order does not state its tariff.
	TariffMissing bool
	// ContractReturnDays is the return period of the sales contract of an
	// Alibaba.com export return (XB-EXPORT-RETURN), which replaces the 7
	// days of ALIBABA-7D; 0 when the case is no export return.
	ContractReturnDays int
	// Inspected is the grade the seller's inspection gave the returned goods
	// (OPS-GRADES), empty when not inspected. CaseInput also sets Condition
	// from it; the verdict cites the grade.
	Inspected Grade
}

// confirmed reports the one checkout confirmation, from whichever field set it.
func (in *EligibilityInput) confirmed() bool {
	return in.CheckoutConfirmed || in.ExemptionConfirmedAtCheckout || in.CrossBorderCarveOutConfirmed
}

// Eligibility is a verdict: what the rules allow for a return request, by
// when, who pays, and which rules say so.
type Eligibility struct {
	// NoReasonReturnAllowed reports whether a return without reason (the
	// 7-day right or the platform's own) applies.
	NoReasonReturnAllowed bool
	// ReturnAllowed reports whether what the buyer asked for, for the stated
	// reason, may go ahead as things stand.
	ReturnAllowed bool
	// WindowClosesAt is the end of the no-reason return window, in UTC; nil
	// when it cannot be established.
	WindowClosesAt *time.Time
	// ReturnFreightPaidBy is who bears the return shipping.
	ReturnFreightPaidBy Party
	// TariffRefundable reports whether the import tariff the buyer paid is
	// refunded with the price.
	TariffRefundable bool
	// RefundDueDaysAfterReceipt is how many days after receiving the goods the
	// refund is due; nil when no rule sets it.
	RefundDueDaysAfterReceipt *int
	// NeedsSellerAgreement reports that the request goes ahead only if the
	// seller agrees: the buyer has no right to it under the rules.
	NeedsSellerAgreement bool
	// Rules lists every rule that produced the verdict, in evaluation order.
	Rules []RuleApplication
}

// Cites reports whether the verdict cites the rule, and with which effect.
func (e *Eligibility) Cites(ruleID string) (Effect, bool) {
	for _, a := range e.Rules {
		if a.RuleID == ruleID {
			return a.Effect, true
		}
	}
	return "", false
}

package returns

// The catalogue is data: one table per group, in RULES.md's order. The tables
// are built by functions rather than kept in package variables so that no
// caller can change the rules for everybody else.

const (
	sourceSeed000     = "seed 000"
	sourceMeasures    = "seed 000; Interim Measures for Seven-Day Unconditional Return of Online Purchases"
	sourceGateway     = "gateway invariant"
	zoneShanghainName = "Asia/Shanghai"
	zonePacificName   = "America/Los_Angeles"
)

// The helpers below return fresh lists, so a caller editing one rule's
// Platforms or Markets cannot change another's.

func allPlatforms() []PlatformID        { return []PlatformID{XHS, Alibaba, AliExpress} }
func only(p ...PlatformID) []PlatformID { return p }
func crossBorder() []Market             { return []Market{MarketCrossBorderBonded, MarketCrossBorderDirect} }

// chineseRules is Chinese consumer law: the baseline XHS applies to its shops,
// domestic and cross-border import alike (the buyers are in China).
func chineseRules() []Rule {
	return []Rule{
		{ID: RuleCN7DWindow, Explanation: "A buyer may return goods bought online without giving a reason within 7 days; the days start the day after signing and end at 24:00 China time on the 7th day.",
			Source: sourceMeasures, Platforms: only(XHS), Zone: zoneShanghainName},
		{ID: RuleCN7DIntact, Explanation: "The goods must be intact (quality, functions, components, tags); opening the packaging to inspect and reasonable tests do not break intactness, and a seller may not refuse solely because the packaging was opened.",
			Source: sourceSeed000, Platforms: only(XHS)},
		{ID: RuleCN7DExemptStatutory, Explanation: "Custom-made, fresh or perishable goods (live plants and animals included), downloaded digital goods, unsealed audio-video or software and delivered periodicals are not returnable without reason, whatever was disclosed.",
			Source: sourceMeasures, Platforms: only(XHS)},
		{ID: RuleCN7DExemptDisclosed, Explanation: "Goods unsuitable by nature (hygiene once unsealed, value lost once activated, near-expiry or flawed goods sold as such) are excluded only if the buyer confirmed the exclusion at checkout.",
			Source: sourceMeasures, Platforms: only(XHS)},
		{ID: RuleCNRefund7D, Explanation: "The seller refunds within 7 days after receiving the returned goods.",
			Source: sourceSeed000, Platforms: only(XHS), Zone: zoneShanghainName},
		{ID: RuleCNFreight, Explanation: "The buyer pays return freight for a no-reason return unless agreed otherwise (freight insurance, free-return promise); the seller pays when at fault.",
			Source: "Consumer Rights Protection Law; seed 000", Platforms: only(XHS), Configurable: true},
		{ID: RuleCNSellerFault, Explanation: "A return for the seller's fault is not limited by the 7-day window or the exemptions: a defective custom-made item can still be returned.",
			Source: "Consumer Rights Protection Law", Platforms: only(XHS)},
		{ID: RuleCNDisclosure, Explanation: "A restriction that significantly affects the buyer's rights must be clearly shown before purchase; an undisclosed restriction cannot be relied on.",
			Source: sourceSeed000, Platforms: only(XHS)},
		{ID: RuleCNRefundOnly, Explanation: "Since 22 April 2025 a refund without return for goods the buyer received needs the seller's agreement; it stays normal when the goods never shipped or were lost in transit.",
			Source: sourceSeed000, Platforms: only(XHS), Zone: zoneShanghainName},
	}
}

// crossBorderRules are the rules of cross-border trade: XHS imports (XB-DIRECT-CARVEOUT,
// XB-TARIFF-REFUND, XB-FULFILMENT) and export returns on the export platforms.
func crossBorderRules() []Rule {
	return []Rule{
		{ID: RuleXBDirectCarveOut, Explanation: "On a cross-border direct purchase, a buyer who confirmed that the 7-day no-reason return does not apply may be refused a no-reason return.",
			Source: sourceSeed000, Platforms: only(XHS), Markets: []Market{MarketCrossBorderDirect}},
		{ID: RuleXBTariffRefund, Explanation: "On XHS cross-border orders the tariff the buyer paid is refunded with the price once the returned goods are received.",
			Source: sourceSeed000, Platforms: only(XHS), Markets: crossBorder()},
		{ID: RuleXBFulfilment, Explanation: "The fulfilment model shapes the return: a bonded warehouse in China returns fast, direct shipping from abroad cannot simply re-enter the bonded warehouse and has tariff implications.",
			Source: sourceSeed000, Platforms: only(XHS), Markets: crossBorder()},
		{ID: RuleXBExportReturn, Explanation: "An export return needs an application with the contract and invoice, platform review, the exporter's logistics channel, the contract's return period and quality, original packaging for customs, and the exporter bears the costs.",
			Source: "seed 002", Platforms: only(Alibaba, AliExpress), Markets: crossBorder()},
	}
}

func xhsRules() []Rule {
	return []Rule{
		{ID: RuleXHS7D, Explanation: "XHS applies the Chinese 7-day rules (CN-7D-*) to its shops; products carry a seven-day no-reason flag (freeReturn).",
			Source: "seed 000; platform API", Platforms: only(XHS)},
		{ID: RuleXHSRespond, Explanation: "A merchant answers an after-sale request within 24-48 hours; the platform's expireTime is the exact deadline, and a slow answer hurts the store score.",
			Source: "seed 000; platform API", Platforms: only(XHS), Configurable: true, Zone: zoneShanghainName},
		{ID: RuleXHSMediation, Explanation: "If merchant and buyer disagree the buyer can escalate; the platform rules on the evidence and may pay the buyer from the merchant's funds or deposit.",
			Source: sourceSeed000, Platforms: only(XHS)},
		{ID: RuleXHSOnPlatform, Explanation: "Disputes are handled on the platform; moving them to outside channels removes the merchant's protection.",
			Source: sourceSeed000, Platforms: only(XHS)},
		{ID: RuleXHSCrossBorderAfterSale, Explanation: "On cross-border orders the platform handles after-sales for quality or transport problems on the merchant's behalf and can deduct it from the pending payout.",
			Source: sourceSeed000, Platforms: only(XHS), Markets: crossBorder()},
	}
}

func alibabaRules() []Rule {
	return []Rule{
		{ID: RuleAlibaba7D, Explanation: "Buyers may return without reason within 7 days of receiving the goods; the seller inspects that they match the description and pictures.",
			Source: "seed 001", Platforms: only(Alibaba), Zone: zonePacificName},
		{ID: RuleAlibabaNegotiate, Explanation: "Seller and buyer first negotiate a return or exchange; without agreement either takes it to the platform's mediation, and a seller can appeal with evidence.",
			Source: "seed 001", Platforms: only(Alibaba)},
		{ID: RuleAlibabaRecords, Explanation: "Keep a record of every return's reason.",
			Source: "seed 001", Platforms: only(Alibaba), CatalogueOnly: true},
		{ID: RuleAlibabaFreight, Explanation: "Seed 001's freight paragraph contradicts itself; the gateway defaults to CN-FREIGHT's reading (buyer pays for a change of mind, seller for its fault), configurable per shop.",
			Source: "seed 001", Platforms: only(Alibaba), Configurable: true},
	}
}

func aliExpressRules() []Rule {
	return []Rule{
		{ID: RuleAEFlow, Explanation: "Buyer applies, seller agrees with a return address, buyer ships back, seller receives and checks, seller refunds, the platform completes the case.",
			Source: "seed 003", Platforms: only(AliExpress)},
		{ID: RuleAEWindow, Explanation: "The buyer applies within the platform's return period after receipt (reported: 15 days after delivery).",
			Source: "seed 003; third-party reports", Platforms: only(AliExpress), Configurable: true, Zone: zonePacificName},
		{ID: RuleAERespond, Explanation: "The seller responds in time (reported: 5 days, then the buyer's proposal is carried out); the buyer ships within 10 days; the platform steps in after 7 days if the refund is not handled.",
			Source: "seed 003; third-party reports", Platforms: only(AliExpress), Configurable: true, Zone: zonePacificName},
		{ID: RuleAECosts, Explanation: "Who pays return shipping is stated in the application (logistics_fee_bear_role: seller, buyer or platform).",
			Source: "seed 003; platform API", Platforms: only(AliExpress), Configurable: true},
		{ID: RuleAEAbuse, Explanation: "Fraudulent returns or malicious non-payment lead to platform penalties and lower store credit.",
			Source: "seed 003", Platforms: only(AliExpress)},
	}
}

// gatewayRules are the gateway's own invariants. Each one's Reason says why
// the gateway needs it although RULES.md does not name it.
func gatewayRules() []Rule {
	return []Rule{
		{ID: RuleGWRefundCap, Explanation: "A refund is more than zero and, with what was already refunded, never more than the buyer paid (goods, tariff and reimbursed freight).",
			Source: sourceGateway, Platforms: allPlatforms(),
			Reason: "money sent that was never paid is a loss no platform reverses; the seller cannot acknowledge it away"},
		{ID: RuleGWRefundCurrency, Explanation: "A refund is made in the order's currency.",
			Source: sourceGateway, Platforms: allPlatforms(),
			Reason: "platforms settle refunds in the order's currency, and converting would need a rate the gateway does not have"},
		{ID: RuleGWTariffNone, Explanation: "Tariff is refunded only where a rule promises it (XB-TARIFF-REFUND); elsewhere the verdict says it is not.",
			Source: sourceGateway, Platforms: allPlatforms(),
			Reason: "every value of a verdict must be explained, including a tariff refund that no rule grants"},
		{ID: RuleGWInput, Explanation: "A verdict needs a known platform, kind, reason, market, category and freight party; otherwise it allows nothing.",
			Source: sourceGateway, Platforms: allPlatforms(),
			Reason: "a verdict computed from values the engine does not know would be a guess presented as a rule"},
	}
}

func operationsRules() []Rule {
	return []Rule{
		{ID: RuleOPSRoutes, Explanation: "Return routes: local return address (low cost, 3-5 days), overseas warehouse (medium cost, 5-10 days, fast refund), direct return home (high cost, 15-30 days; high-value or customized goods).",
			Source: "seed 004", Platforms: allPlatforms(), CatalogueOnly: true},
		// Not catalogue-only: the grade feeds the goods' condition into the
		// verdicts, and the grading deadline is alerted (GRADE).
		{ID: RuleOPSGrades, Explanation: "Inspect and grade within one business day of arrival: A restock as new, B outlet, C liquidate or dispose; restocked goods recover 80-90% of value.",
			Source: "seed 004", Platforms: allPlatforms(), Zone: zoneShanghainName},
		{ID: RuleOPSReasons, Explanation: "Track return reasons by category per SKU and review weekly; a spike of one reason on one SKU is a listing or supplier problem.",
			Source: "seed 004", Platforms: allPlatforms(), CatalogueOnly: true},
		{ID: RuleOPSCost, Explanation: "Cost of returns per N orders = returns x (outbound shipping lost + return processing + resale loss).",
			Source: "seed 004", Platforms: allPlatforms(), CatalogueOnly: true},
		{ID: RuleOPSRates, Explanation: "Cross-border return rates run 2-3x domestic, 8-20% in fashion and electronics; XHS livestream orders average over RMB 400 with a 33% return rate.",
			Source: "seeds 004, 000", Platforms: allPlatforms(), CatalogueOnly: true},
	}
}

// Rules returns the whole catalogue in a stable order: Chinese law,
// cross-border, XHS, Alibaba.com, AliExpress, the gateway's own, operations.
func Rules() []Rule {
	var out []Rule
	for _, t := range [...]func() []Rule{chineseRules, crossBorderRules, xhsRules, alibabaRules, aliExpressRules, gatewayRules, operationsRules} {
		out = append(out, t()...)
	}
	return out
}

// RuleCatalogue returns every rule that applies to the platform, in the
// stable order of Rules; nil for an unknown platform.
func RuleCatalogue(platform PlatformID) []Rule {
	if !platform.Valid() {
		return nil
	}
	var out []Rule
	for _, r := range Rules() {
		if r.AppliesTo(platform) {
			out = append(out, r)
		}
	}
	return out
}

// LookupRule returns the rule with the id.
func LookupRule(id string) (Rule, bool) {
	for _, r := range Rules() {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

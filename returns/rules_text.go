package returns

// The explanations a verdict cites. They are constants, so a verdict costs no
// string building; the instants themselves are in the verdict's fields.
const (
	explXHS7D = "XHS applies the Chinese 7-day no-reason return rules to its shops."

	explCNWindowUnknown = "The buyer's signing for the goods is not known, so the 7-day window cannot be established; it is treated as not closed, since the days only start after signing and the seller holds the delivery record."
	explCNWindowMissing = "The platform's order has no sign-for record, so CN-7D-WINDOW cannot be decided: the window is treated as not closed until the seller shows when the buyer signed."
	explCNWindowOpen    = "Requested within the 7 days after signing (counted from the next day, ending at 24:00 China time on the 7th day)."
	explCNWindowClosed  = "Requested after 24:00 China time on the 7th day after signing: the no-reason return window had closed."

	explIntactUnknown       = "Nobody has reported the goods' condition yet: they are presumed intact until inspected."
	explIntactChecked       = "The goods are reported intact."
	explIntactOpened        = "The packaging was opened, which inspection allows: the goods still count as intact while they can be resold."
	explGradeA              = "The seller's inspection graded the goods A, resellable as new: they came back intact (OPS-GRADES)."
	explGradeB              = "The seller's inspection graded the goods B, open box or minor flaws: an opened packaging does not make them not intact (OPS-GRADES)."
	explGradeC              = "The seller's inspection graded the goods C, damaged, on a return without seller fault: they came back not intact, which grounds a refusal or a partial refund (OPS-GRADES, CN-7D-INTACT)."
	explGradeCFault         = "The seller's inspection graded the goods C, damaged, as the buyer's claim of the seller's fault says: the damage does not limit the buyer's return (OPS-GRADES, CN-SELLER-FAULT)."
	explExportReturnDamaged = "The seller's inspection found the goods damaged: an export return must meet the sales contract's quality standard without obvious damage, so the return may be refused or settled by a partial refund (XB-EXPORT-RETURN)."
	explIntactDamaged       = "The buyer damaged the goods: they are no longer intact, so no return without reason."
	explIntactUsed          = "The goods were used beyond inspection and reasonable testing: they are no longer intact, so no return without reason."
	explIntactNoTags        = "The tags are not intact: the goods are no longer intact, so no return without reason."
	explExemptCustom        = "Custom-made to the buyer's order: not returnable without reason, whatever was disclosed."
	explExemptFresh         = "Fresh or perishable goods: not returnable without reason, whatever was disclosed."
	explExemptLive          = "Live plants or animals: not returnable without reason, whatever was disclosed."
	explExemptDigital       = "Digital goods downloaded online: not returnable without reason, whatever was disclosed."
	explExemptMedia         = "Audio-video or software the buyer unsealed: not returnable without reason, whatever was disclosed."
	explExemptPeriodic      = "A newspaper or periodical already delivered: not returnable without reason, whatever was disclosed."

	explDisclosedUnconfirmed  = "The category could be excluded from the no-reason return, but the buyer did not confirm an exclusion at checkout, so the seller may not refuse on it."
	explDisclosureMissing     = "A restriction not clearly shown and confirmed before purchase cannot be relied on."
	explDisclosedConfirmed    = "The buyer confirmed at checkout that this kind of goods is excluded from the no-reason return, and the goods are past the point the exclusion names (unsealed, activated, or near expiry)."
	explDisclosedNotTriggered = "The buyer confirmed an exclusion at checkout, but it applies only once the goods are unsealed or activated, and they are not."
	explGeneralNotExcludable  = "A confirmation at checkout excludes only goods unsuitable by nature; this category is not one, so the no-reason return still applies."

	explCarveOutConfirmed = "A cross-border direct purchase whose buyer confirmed that the 7-day no-reason return does not apply: a no-reason return may be refused."
	explCarveOutNone      = "A cross-border direct purchase, but the buyer did not confirm that the 7-day no-reason return is excluded, so it applies."

	explRefundOnlyNotReceived    = "The buyer does not have the goods (not shipped, not signed for, or lost in transit): a refund without return is normal."
	explRefundOnlyBeforeCutoff   = "Requested before 22 April 2025, when platforms still granted a refund without return by default."
	explRefundOnlyAgreed         = "The buyer has the goods and the seller agreed to refund without getting them back."
	explRefundOnlyNeedsAgreement = "The buyer has the goods: a refund without return needs the seller's agreement."
	explSellerFault              = "The reason is the seller's fault (defect, wrong item, not as described, damaged or missing): the return is not limited by the 7-day window or the exemptions."

	explFreightStatedBuyer     = "The platform states that the buyer pays return freight on this case."
	explFreightStatedSeller    = "The platform states that the seller pays return freight on this case."
	explFreightStatedPlatform  = "The platform states that it pays return freight on this case."
	explFreightFaultSeller     = "The seller is at fault, so the seller pays return freight."
	explFreightFaultBuyer      = "The shop's policy has the buyer pay return freight even when the seller is at fault."
	explFreightFreeReturnOrder = "The order carries a free-return promise (freight insurance or free returns), so the seller pays return freight."
	explFreightFreeReturnShop  = "The shop promises free return freight, so the seller pays it."
	explFreightNoReasonBuyer   = "A return without the seller's fault: the buyer pays return freight (no free return was promised)."
	explFreightNoReasonSeller  = "A return without the seller's fault, and the shop's policy is that the seller pays return freight."
	explAlibabaFreightDefault  = " (Alibaba.com's published rule contradicts itself: the shop's setting applies, by default Chinese law's reading.)"

	explRefundDue7          = "The seller refunds within 7 days after receiving the returned goods."
	explRefundDueExchange   = "An exchange refunds nothing, so no refund period runs."
	explRefundDueRefundOnly = "No goods come back on a refund without return, so no refund period runs from their receipt."

	explTariffRefunded      = "A cross-border order: the tariff the buyer paid is refunded with the price (after the returned goods are received)."
	explTariffAmountMissing = "A cross-border order: the tariff the buyer paid is refunded with the price, but the order does not state the tariff, so XB-TARIFF-REFUND cannot say how much."
	explTariffExchange      = "An exchange refunds nothing, tariff included."
	explTariffDomestic      = "A domestic order carries no import tariff to refund."
	explTariffAlibaba       = "No rule promises a tariff refund on Alibaba.com orders; duties are settled outside the case."
	explTariffAliExpress    = "No rule promises a tariff refund on AliExpress orders; duties are settled outside the case."

	explFulfilmentBonded        = "Shipped from a bonded warehouse in China: the return is domestic and the refund fastest."
	explFulfilmentDirect        = "Shipped directly from abroad: the goods cannot simply re-enter a bonded warehouse, and the return has tariff implications."
	explXHSCrossBorderAfterSale = "A quality or transport problem on a cross-border order: the platform may handle it on the merchant's behalf and deduct it from the pending payout."
	explXHSRespond              = "Answer within 24-48 hours; the platform's expireTime on the case is the exact deadline, and a slow answer hurts the store score."
	explXHSMediation            = "If the seller refuses or disputes, the buyer can escalate; the platform rules on both sides' evidence and may pay the buyer from the merchant's funds or deposit."
	explXHSOnPlatform           = "Keep the dispute on the platform: moving it to outside channels removes the merchant's protection."

	explAlibabaWindowMissing        = "The order's logistics have no receipt record, so ALIBABA-7D cannot be decided: the window is treated as not closed until the seller shows when the buyer received the goods."
	explAlibabaWindowUnknown        = "The buyer's receipt of the goods is not known, so the 7-day window cannot be established; it is treated as not closed, since the days only start after receipt."
	explAlibabaWindowOpen           = "Requested within 7 days of receiving the goods (whole days, US Pacific time)."
	explAlibabaWindowClosed         = "Requested more than 7 days after receiving the goods (whole days, US Pacific time): no return without reason."
	explAlibabaNotAsDelivered       = "The seller's inspection found the goods damaged, used or without tags, so they do not match the description as delivered."
	explAlibabaRefundNotReceived    = "The buyer does not have the goods: the refund needs no return; seller and buyer settle it, or the platform mediates. No refund period is stated."
	explAlibabaRefundAgreed         = "The seller agreed to refund without a return; the agreement sets when."
	explAlibabaRefundNeedsAgreement = "A refund without return of received goods needs the seller's agreement; without it either side asks the platform to mediate."
	explAlibabaNegotiateTiming      = "Seller and buyer settle the return and the refund's timing between them (no refund period is stated); without agreement the platform mediates."
	explAlibabaFaultNegotiated      = "A return for the seller's fault is negotiated first; without agreement the platform's mediation decides, and the seller may appeal with evidence. No refund period is stated."
	explAlibabaOutsideNegotiated    = "Outside the 7-day return and without the seller's fault, a return happens only if the seller agrees or mediation rules for the buyer."

	explAEWindowUnknown  = "The delivery time is not known, so the 15-day return period cannot be established; it is treated as not closed, since it only starts at delivery."
	explAEWindowMissing  = "The order has no receipt record, so AE-WINDOW cannot be decided: the return period is treated as not closed until the seller shows when the goods were delivered."
	explAEWindowUnknownA = "The delivery time is not known, so the "
	explAEWindowUnknownB = "-day return period cannot be established; it is treated as not closed, since it only starts at delivery."
	explAEWindowOpen     = "Applied within 15 days after delivery (whole days, US Pacific time)."
	explAEWindowOpenA    = "Applied within "
	explAEWindowOpenB    = " days after delivery (whole days, US Pacific time)."
	explAEWindowClosed   = "Applied more than 15 days after delivery (whole days, US Pacific time): past the return period."
	explAEWindowClosedA  = "Applied more than "
	explAEWindowClosedB  = " days after delivery (whole days, US Pacific time): past the return period."

	explAERefundNotReceived    = "The buyer does not have the goods: a refund needs no return."
	explAERefundFault          = "A refund for the seller's fault: the buyer's proposal stands unless the seller answers in time."
	explAERefundAgreed         = "The seller agreed to refund without a return."
	explAERefundNeedsAgreement = "A refund without return of goods the buyer has, without the seller's fault, needs the seller's agreement."
	explAENotAsDelivered       = "The seller checks the goods on receipt: goods the buyer damaged, used or stripped of tags need not be taken back without the seller's fault."
	explAEFlow                 = "Buyer applies, seller agrees with a return address, buyer ships back, seller checks and refunds, the platform completes the case."
	explAERespond              = "The seller answers within 5 days or the buyer's proposal is carried out; the buyer ships a return within 10 days of approval (reported periods)."
	explAERefundDueExchange    = "An exchange refunds nothing, so no refund period runs."
	explAERefundDueRefundOnly  = "A refund without return is paid once agreed; no period runs from a receipt."
	explAEStepIn               = "The platform steps in if the seller has not refunded within 7 days of receiving the goods (reported period)."
	explAEStepInA              = "The platform steps in if the seller has not refunded within "
	explAEStepInB              = " days of receiving the goods (reported period, shop policy)."
	explAEAbuse                = "The buyer is owed this: withholding the refund counts as malicious non-payment, with platform penalties and lower store credit."

	explExportReturn = "An export return: the goods travel back through the exporter's designated logistics channel, in original packaging for customs, within the sales contract's return period; export practice has the exporter bear the return costs, while the freight verdict follows the platform's statement or the shop's policy."

	explExportWindowUnknownA = "An export return: the buyer's receipt of the goods is not known, so the sales contract's "
	explExportWindowUnknownB = "-day return period cannot be established; it is treated as not closed."
	explExportWindowOpenA    = "An export return: requested within the sales contract's return period of "
	explExportWindowOpenB    = " days after receiving the goods (whole days, US Pacific time), which replaces the 7 days."
	explExportWindowClosedA  = "An export return: requested after the sales contract's return period of "
	explExportWindowClosedB  = " days after receiving the goods (whole days, US Pacific time) ended."
	explExportFreight        = "An export return: the exporter bears every cost of the return, the freight and its insurance included."

	explInvalidContractDays     = "The contract's return period must be between 1 and 365 days."
	explInvalidContractPlatform = "A contract return period applies to Alibaba.com export returns only."
	explInvalidPlatform         = "The platform is not one the gateway knows."
	explInvalidMarket           = "The market is not one the gateway knows."
	explInvalidKind             = "The request kind is not one the gateway knows."
	explInvalidReason           = "The reason is not one the gateway knows."
	explInvalidCategory         = "The product category is not one the gateway knows."
	explInvalidParty            = "The freight payer stated on the case is not a known party."
)

func conditionText(c condition) string {
	switch c {
	case conditionIntact:
		return explIntactChecked
	case conditionOpened:
		return explIntactOpened
	case conditionDamaged:
		return explIntactDamaged
	case conditionUsed:
		return explIntactUsed
	case conditionTagsRemoved:
		return explIntactNoTags
	}
	return explIntactUnknown
}

func statutoryText(c Category) string {
	switch c {
	case CategoryCustomMade:
		return explExemptCustom
	case CategoryPerishable:
		return explExemptFresh
	case CategoryLivePlantOrAnimal:
		return explExemptLive
	case CategoryDigitalDownload:
		return explExemptDigital
	case CategoryUnsealedMedia:
		return explExemptMedia
	}
	return explExemptPeriodic
}

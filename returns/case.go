package returns

import "time"

// OrgID identifies an organisation: a seller account that owns shops on the
// platforms. Every case, event, idempotency record and cursor belongs to one.
type OrgID string

// PlatformID names a marketplace.
type PlatformID string

// The marketplaces the gateway speaks to.
const (
	XHS        PlatformID = "XHS"        // Xiaohongshu (RedNote)
	Alibaba    PlatformID = "ALIBABA"    // Alibaba.com (international B2B)
	AliExpress PlatformID = "ALIEXPRESS" // AliExpress
)

// PlatformIDs lists every platform in a stable order.
var PlatformIDs = []PlatformID{XHS, Alibaba, AliExpress}

// Valid reports whether p is one of the known platforms.
func (p PlatformID) Valid() bool { return p == XHS || p == Alibaba || p == AliExpress }

// Kind is what the buyer asked for.
type Kind string

// The kinds of after-sales request.
const (
	KindRefundOnly      Kind = "REFUND_ONLY"
	KindReturnAndRefund Kind = "RETURN_AND_REFUND"
	KindExchange        Kind = "EXCHANGE"
)

// Reason is the normalized reason the buyer gave.
type Reason string

// The normalized reasons. Each platform's labels map onto these; anything
// unrecognised maps to ReasonOther and keeps its label in Case.PlatformReason.
const (
	ReasonSizeFit          Reason = "SIZE_FIT"
	ReasonNotAsDescribed   Reason = "NOT_AS_DESCRIBED"
	ReasonQualityDefect    Reason = "QUALITY_DEFECT"
	ReasonDamagedInTransit Reason = "DAMAGED_IN_TRANSIT"
	ReasonWrongItem        Reason = "WRONG_ITEM"
	ReasonMissingParts     Reason = "MISSING_PARTS"
	ReasonNotReceived      Reason = "NOT_RECEIVED"
	ReasonChangedMind      Reason = "CHANGED_MIND"
	ReasonOther            Reason = "OTHER"
)

// SellerAtFault reports whether the reason puts the fault on the seller's side
// (defect, wrong item, not as described, damaged or missing), which changes
// who pays freight and lifts no-reason exemptions.
func (r Reason) SellerAtFault() bool {
	switch r {
	case ReasonNotAsDescribed, ReasonQualityDefect, ReasonDamagedInTransit, ReasonWrongItem, ReasonMissingParts, ReasonNotReceived:
		return true
	}
	return false
}

// Market is where and how the order was sold.
type Market string

// The markets.
const (
	MarketDomestic          Market = "DOMESTIC"
	MarketCrossBorderBonded Market = "CROSS_BORDER_BONDED" // shipped from a bonded warehouse in China
	MarketCrossBorderDirect Market = "CROSS_BORDER_DIRECT" // shipped directly from abroad
)

// CrossBorder reports whether the market is one of the cross-border ones.
func (m Market) CrossBorder() bool {
	return m == MarketCrossBorderBonded || m == MarketCrossBorderDirect
}

// Party is a side of a case.
type Party string

// The parties.
const (
	PartyBuyer    Party = "BUYER"
	PartySeller   Party = "SELLER"
	PartyPlatform Party = "PLATFORM"
)

// Category is a product category as far as return rules care.
type Category string

// The categories the return rules distinguish.
const (
	CategoryGeneral            Category = "GENERAL"
	CategoryCustomMade         Category = "CUSTOM_MADE"
	CategoryPerishable         Category = "PERISHABLE"
	CategoryLivePlantOrAnimal  Category = "LIVE_PLANT_OR_ANIMAL"
	CategoryDigitalDownload    Category = "DIGITAL_DOWNLOAD"
	CategoryUnsealedMedia      Category = "UNSEALED_MEDIA"
	CategoryPeriodical         Category = "PERIODICAL"
	CategoryHygiene            Category = "HYGIENE"
	CategoryActivatedValueLoss Category = "ACTIVATED_VALUE_LOSS"
	CategoryNearExpiry         Category = "NEAR_EXPIRY"
)

// Categories lists every category in a stable order.
var Categories = []Category{
	CategoryGeneral, CategoryCustomMade, CategoryPerishable, CategoryLivePlantOrAnimal, CategoryDigitalDownload,
	CategoryUnsealedMedia, CategoryPeriodical, CategoryHygiene, CategoryActivatedValueLoss, CategoryNearExpiry,
}

// Valid reports whether c is a known category.
func (c Category) Valid() bool {
	for _, k := range Categories {
		if c == k {
			return true
		}
	}
	return false
}

// CaseKey identifies a case within an organisation: the platform and the
// platform's own id for it.
type CaseKey struct {
	Platform       PlatformID
	PlatformCaseID string
}

// PlatformStatus is the platform's own status code and label, untouched.
type PlatformStatus struct {
	Code  string
	Label string
}

// Deadlines are the instants that matter on a case, in UTC; nil means none.
type Deadlines struct {
	RespondBy      *time.Time // the seller must decide by then
	BuyerShipBy    *time.Time // the buyer must send the goods back by then
	RefundBy       *time.Time // the refund is due by then
	WindowClosesAt *time.Time // end of the no-reason return window
	AutoActionAt   *time.Time // when the platform acts by itself if nobody does
	AutoAction     string     // what it will do then
}

// Shipment is a parcel on its way: the buyer's return or a replacement.
type Shipment struct {
	CarrierCode string
	CarrierName string
	TrackingNo  string
	ShippedAt   *time.Time
	SignedAt    *time.Time
}

// Line is one product line of a case.
type Line struct {
	SKU       string
	Title     string
	Quantity  int
	UnitPrice Money
	Category  Category
	// CategorySource says where Category came from: PRODUCT_API (the
	// platform's product category through the gateway's table), SHOP_CONFIG,
	// UNMAPPED (GENERAL: no mapping for the platform's category), MISSING, DEFAULT.
	CategorySource FactSource
	// Raw keeps the platform's own values for the line (ids, codes, amounts as sent).
	Raw map[string]string
}

// Case is one after-sales case on one platform, normalized into the gateway's
// single lifecycle. Every normalized value keeps the platform's raw value
// beside it (PlatformStatus, PlatformReason, Raw).
type Case struct {
	Platform       PlatformID
	PlatformCaseID string
	ShopID         string // the platform account (shop) the case belongs to
	OrderID        string
	BuyerID        string // the platform's buyer id, masked by the platform or the adapter
	Kind           Kind
	Status         Status
	PlatformStatus PlatformStatus
	Reason         Reason
	PlatformReason string // the platform's label for the reason, as sent
	Market         Market
	Lines          []Line

	RequestedRefund *Money // what the buyer asked to get back
	RefundedAmount  *Money // what has actually been refunded
	ReturnFreight   *Money // return shipping the buyer claims, where the platform states it

	Deadlines      Deadlines
	ReturnShipment *Shipment // the buyer's parcel back to the seller
	Note           string    // the buyer's remark

	// DeliveredAt is when the buyer signed for the original goods, when known.
	DeliveredAt *time.Time

	// ReturnFreightPaidBy is who bears return shipping, where the platform states it.
	ReturnFreightPaidBy Party
	// FreeReturnPromised reports a free-return promise on the order (freight
	// insurance, a shop's free-return offer): the seller pays return freight.
	FreeReturnPromised bool
	// ExemptionConfirmedAtCheckout reports that the buyer confirmed, when
	// paying, a disclosed exclusion from the no-reason return.
	ExemptionConfirmedAtCheckout bool
	// Tariff is the cross-border tax the buyer paid, where known (XB-TARIFF-REFUND).
	Tariff *Money
	// ShippingPaid is the freight the buyer paid on the order, from the order API.
	ShippingPaid *Money
	// Fulfilment is the order's fulfilment model (bonded, direct, hybrid or
	// domestic), from the order where the platform says, else the shop's market.
	Fulfilment Fulfilment
	// Facts says where each fact of the case came from (FactSource by fact
	// name, see FactDeliveredAt and LineCategoryFact); a fact recorded as
	// MISSING is one the verdict could not rely on.
	Facts map[string]string

	// ApprovedAt and ReceivedAt are when the case reached
	// AWAITING_BUYER_SHIPMENT and RECEIVED: from the platform where it says,
	// otherwise when the gateway first saw the move. Rule deadlines count from them.
	ApprovedAt *time.Time
	ReceivedAt *time.Time

	// PendingSteps are seller actions the gateway recorded that must still be
	// completed in the platform's seller centre, because its API cannot do them.
	PendingSteps []PendingStep

	// Export carries the terms of the case's export return, when it has one
	// (XB-EXPORT-RETURN): the rules count its window and its refund from
	// them. Absent from the documents of other cases (omitempty), so their
	// fingerprints and fast decoding are as before.
	Export *ExportTerms `json:",omitempty"`
	// Inspection is the seller's grading of the returned goods, the
	// gateway's own record (returnRecordInspection); nil until graded.
	Inspection *Inspection `json:",omitempty"`

	CreatedAt time.Time // when the buyer opened the case (platform time, UTC)
	UpdatedAt time.Time // when the platform last changed it (platform time, UTC)

	// Raw keeps every platform value that was normalized, by the platform's
	// field name, exactly as it was sent.
	Raw map[string]string

	// Set by the store.
	Version  int64     // increases with every stored change
	SyncedAt time.Time // when the gateway last wrote the case
}

// Key returns the case's key.
func (c *Case) Key() CaseKey { return CaseKey{Platform: c.Platform, PlatformCaseID: c.PlatformCaseID} }

// OlderThan reports whether c, a case freshly read from its platform, is an
// older view than stored, the gateway's copy: its update time is earlier, or
// it is the same (platforms stamp whole seconds) and c's status is one the
// stored status has already left, so a read that started before a write
// landed after it. A same-second move the lifecycle does not expect but
// which is not a step back is still taken: the platform is the truth.
func (c *Case) OlderThan(stored *Case) bool {
	if stored == nil {
		return false
	}
	if !c.UpdatedAt.Equal(stored.UpdatedAt) {
		return c.UpdatedAt.Before(stored.UpdatedAt)
	}
	return c.Status != stored.Status && !stored.Status.CanMoveTo(c.Status) && c.Status.CanReach(stored.Status)
}

// KeepGatewayFields gives c, a case freshly read from its platform, the
// fields the platform knows nothing of and only the gateway keeps, taken from
// stored, the gateway's copy (nil for a first sighting): the seller-centre
// steps it recorded, the milestones it saw first, and the store's version
// and sync time, and the seller's inspection. Every path that replaces a stored case by the platform's
// view (ingest, a mutation's answer or read-back, a live `current` field)
// goes through here, so the rule lives in one place. stored may be stale by
// the time c is written (another replica's write): the store keeps the
// fields of the case it holds over an ingest write's (store.KeepGatewayFields).
func (c *Case) KeepGatewayFields(stored *Case) {
	c.keepPendingSteps(stored)
	c.keepMilestones(stored)
	if stored != nil {
		c.Inspection = stored.Inspection // the platform knows nothing of it
		c.Version, c.SyncedAt = stored.Version, stored.SyncedAt
		c.Export = stored.Export // the platform knows nothing of the contract
	}
}

// keepPendingSteps keeps the steps recorded for the seller centre while the
// status stands, and drops them once the case has moved on: the platform has
// then reflected what the seller did.
func (c *Case) keepPendingSteps(old *Case) {
	c.PendingSteps = nil
	if old != nil && old.Status == c.Status {
		c.PendingSteps = old.PendingSteps
	}
}

// keepMilestones carries ApprovedAt and ReceivedAt over from the stored view
// and, when the platform gave none, sets them to the platform's update time
// of the first view that shows the case awaiting the buyer's parcel or
// received.
func (c *Case) keepMilestones(old *Case) {
	if old != nil {
		if c.ApprovedAt == nil {
			c.ApprovedAt = old.ApprovedAt
		}
		if c.ReceivedAt == nil {
			c.ReceivedAt = old.ReceivedAt
		}
	}
	at := c.UpdatedAt
	switch {
	case c.Status == StatusAwaitingBuyerShipment && c.ApprovedAt == nil:
		c.ApprovedAt = &at
	case c.Status == StatusReceived && c.ReceivedAt == nil:
		c.ReceivedAt = &at
	}
}

// PendingStep is a seller action that the gateway recorded but the platform's
// API cannot carry out: the seller completes it in the platform's seller centre.
type PendingStep struct {
	Action     Action
	RecordedAt time.Time
	Note       string // what the seller decided, in their words or the action's input
	URL        string // where in the seller centre to complete it
}

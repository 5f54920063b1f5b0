package returns

import (
	"context"
	"time"
)

// Shop is one seller account on one platform, as configured in the gateway.
type Shop struct {
	ID       string     // the gateway's name for the shop, unique per platform
	Platform PlatformID // the platform it is on
	Name     string     // a human name
	Market   Market     // the market the shop sells in (a cross-border shop on XHS, say)
}

// Capabilities is what a platform's API can really do.
type Capabilities struct {
	// Actions the API can carry out. An action missing here is either
	// recorded by the gateway for completion in the platform's seller centre,
	// or refused as UNSUPPORTED_ON_PLATFORM.
	Actions []Action
	// ManualActions are the actions the platform offers only in its seller
	// centre: the gateway records them as PendingSteps (see SellerCentre).
	ManualActions []Action
	// Push reports whether the platform pushes changes (webhooks); otherwise
	// polling is the only way in.
	Push bool
}

// Supports reports whether the API can carry out the action.
func (c Capabilities) Supports(a Action) bool { return contains(c.Actions, a) }

// Offers reports whether the seller can take the action on the platform at
// all, through the API or in the seller centre.
func (c Capabilities) Offers(a Action) bool {
	return contains(c.Actions, a) || contains(c.ManualActions, a)
}

// CaseRef is a case seen in a platform's change list: enough to decide
// whether it must be fetched.
type CaseRef struct {
	PlatformCaseID string
	UpdatedAt      time.Time
	PlatformStatus string
}

// ChangeBatch is one step of walking a platform's change list.
type ChangeBatch struct {
	Refs   []CaseRef // the cases seen in this step; may repeat across steps
	Cursor string    // where the next step starts; persist it after handling Refs
	// CaughtUp is true when the cursor has reached the present: the caller
	// should wait before asking again.
	CaughtUp bool
}

// ActionRequest asks a platform to carry out a seller action on a case.
type ActionRequest struct {
	Action Action
	Case   *Case // the case as the gateway knows it

	ReturnAddressID string    // approve: where the goods go back (empty: the shop's default)
	Message         string    // approve: a message to the buyer
	ReasonID        string    // reject: the platform's reason id (empty: the platform's "other")
	Note            string    // reject: the explanation
	Amount          *Money    // refund or offer: the amount (nil: the full requested amount)
	OfferKind       Kind      // offer: what the seller proposes instead (refund only, or return and refund)
	Shipment        *Shipment // confirm receipt of an exchange: the replacement parcel
	// Evidence goes with an escalation (Note is the seller's statement): the
	// adapter uploads what its platform's mediation call takes.
	Evidence []EvidenceFile
}

// EvidenceFile is a file the seller gives the platform's mediation.
type EvidenceFile struct {
	ID          string // the gateway's evidence id
	Name        string // a safe base name
	ContentType string // sniffed by the gateway
	Data        []byte
}

// EvidenceUploader is implemented by adapters whose platform takes evidence
// files through its API with an escalation; Uploads says which types it
// takes (the others stay with the gateway, named in the record).
type EvidenceUploader interface {
	UploadsEvidence(contentType string) bool
}

// ActionResult is what a platform answered to an action.
type ActionResult struct {
	// Case is the case as the platform reports it right after the action, or
	// nil when it could not be read back; the feed will catch up later.
	Case *Case
	// Expected is the status the action leads to by the platform's rules,
	// used when Case is nil.
	Expected Status
}

// Platform is what every marketplace adapter implements: one instance talks
// to one shop on one platform.
//
// Errors carry a code (see ErrorCodeOf): NOT_FOUND for an unknown case,
// PLATFORM_UNAVAILABLE when the platform could not be reached or is
// throttling (nothing changed), PLATFORM_REJECTED when it refused a request,
// INVALID_STATE when the case's platform status does not allow an action, and
// UNSUPPORTED_ON_PLATFORM for what the API cannot do.
type Platform interface {
	// ID names the platform.
	ID() PlatformID
	// Shop is the account this instance acts for.
	Shop() Shop
	// Capabilities reports what the platform's API can do.
	Capabilities() Capabilities
	// AllowedActions reports which actions the platform accepts for the case
	// in its current platform status. The rules engine may forbid more.
	AllowedActions(c *Case) []Action
	// ListChanges walks the platform's change list from cursor (empty: from
	// the configured look-back) up to now, one bounded step per call.
	ListChanges(ctx context.Context, cursor string, now time.Time) (ChangeBatch, error)
	// GetCase fetches one case, normalized.
	GetCase(ctx context.Context, platformCaseID string) (*Case, error)
	// Perform carries out a seller action on the platform. It must not be
	// repeated blindly: a write that may have reached the platform is never
	// retried by the adapter.
	Perform(ctx context.Context, req ActionRequest) (*ActionResult, error)
}

// RejectReason is one of the reasons a platform accepts for refusing a case.
type RejectReason struct {
	ID   string
	Name string
}

// Address is a seller's return address on a platform.
type Address struct {
	ID       string
	Name     string // contact name
	Phone    string
	Full     string // the whole address on one line
	Default  bool   // the shop's default for returns
	Platform PlatformID
}

// RejectReasonLister is implemented by adapters whose platform needs one of
// its own reason ids to refuse a case.
type RejectReasonLister interface {
	RejectReasons(ctx context.Context, c *Case) ([]RejectReason, error)
}

// AddressLister is implemented by adapters whose platform keeps the seller's
// return addresses.
type AddressLister interface {
	ReturnAddresses(ctx context.Context) ([]Address, error)
}

// NegotiationEntry is one step of the negotiation on a case: a proposal, an
// answer, a message or a ruling, as the platform records it.
type NegotiationEntry struct {
	At     time.Time
	Party  Party
	Kind   string // e.g. PROPOSAL, ACCEPTED, REFUSED, MESSAGE, RULING (platform terms are kept in Raw)
	Text   string
	Amount *Money
	Raw    map[string]string
}

// NegotiationSource is implemented by adapters whose platform keeps a
// negotiation history; it is live data, fetched on demand.
type NegotiationSource interface {
	Negotiation(ctx context.Context, c *Case) ([]NegotiationEntry, error)
}

// SellerCentre is implemented by adapters for platforms that offer some seller
// actions only in their web seller centre: the gateway records such an action
// on the case as a PendingStep and points the seller there.
type SellerCentre interface {
	// SellerCentreActions reports which actions the seller can take for the
	// case in the seller centre now.
	SellerCentreActions(c *Case) []Action
	// SellerCentreURL is where the seller completes the action.
	SellerCentreURL(c *Case, a Action) string
}

// ActionState is implemented by a Platform whose AllowedActions (and
// SellerCentreActions) read no more of a case's raw values than the
// case-level Raw keys it names, and never a line's Raw. A list that shows the
// actions then needs only those keys decoded (store.ListQuery.RawKeys); the
// adapters' conformance suite holds each adapter to its list.
type ActionState interface {
	ActionRawKeys() []string
}

// PushRequest is a platform's push (webhook) request as it arrived.
type PushRequest struct {
	Path   string              // the request path, e.g. /webhooks/xhs
	Query  map[string][]string // the URL's query parameters
	Header map[string][]string // the HTTP headers
	Body   []byte
}

// PushedChange is one change a push message names.
type PushedChange struct {
	Ref      CaseRef
	SellerID string // the platform's seller (shop) the change belongs to
	Tag      string // the platform's message type
}

// PushSource is implemented by adapters whose platform pushes changes.
type PushSource interface {
	// ReadPush verifies a push and returns the changes it names. Returns
	// UNAUTHORIZED for a bad signature or a timestamp outside the replay
	// window, INVALID for a body that cannot be read.
	ReadPush(req PushRequest, now time.Time) ([]PushedChange, error)
	// PushReply is the answer the platform expects: err nil acknowledges the
	// push, an error asks the platform to deliver it again.
	PushReply(err error) (status int, contentType string, body []byte)
	// SellerID is the platform's id of the seller this instance acts for, to
	// route pushed changes to the right shop.
	SellerID() string
}

package store

import (
	"crypto/sha256"
	"encoding/json"
	"maps"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/returnsgw/returnsgw/returns"
)

// Canonical returns the content of c as a backend stores and fingerprints it:
// every time in UTC, empty maps and slices as nil (a platform answer decoded
// as {} is the same content as one decoded as null), and the store's own
// fields (Version, SyncedAt) zero, since they must not make an otherwise
// equal case look changed. It does not modify c.
func Canonical(c *returns.Case) returns.Case {
	k := *c
	k.Version, k.SyncedAt = 0, time.Time{}
	k.CreatedAt, k.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	k.DeliveredAt = utcPtr(c.DeliveredAt)
	k.ApprovedAt, k.ReceivedAt = utcPtr(c.ApprovedAt), utcPtr(c.ReceivedAt)

	d := c.Deadlines
	d.RespondBy, d.BuyerShipBy, d.RefundBy = utcPtr(d.RespondBy), utcPtr(d.BuyerShipBy), utcPtr(d.RefundBy)
	d.WindowClosesAt, d.AutoActionAt = utcPtr(d.WindowClosesAt), utcPtr(d.AutoActionAt)
	k.Deadlines = d

	if c.ReturnShipment != nil {
		sh := *c.ReturnShipment
		sh.ShippedAt, sh.SignedAt = utcPtr(sh.ShippedAt), utcPtr(sh.SignedAt)
		k.ReturnShipment = &sh
	}

	k.Lines = nil
	for _, l := range c.Lines {
		l.Raw = nilIfEmpty(l.Raw)
		k.Lines = append(k.Lines, l)
	}
	k.PendingSteps = nil
	for _, p := range c.PendingSteps {
		p.RecordedAt = p.RecordedAt.UTC()
		k.PendingSteps = append(k.PendingSteps, p)
	}
	if c.Inspection != nil {
		in := *c.Inspection
		in.InspectedAt = in.InspectedAt.UTC()
		if len(in.EvidenceIDs) == 0 {
			in.EvidenceIDs = nil
		}
		k.Inspection = &in
	}
	k.Raw = nilIfEmpty(c.Raw)
	return k
}

// CheckCase rejects what no backend stores: no case, an unknown platform, an
// empty platform case id, or ids that are not text every backend keeps as it
// is (INVALID): the stored document is JSON, which would turn a bad byte into
// U+FFFD, so that the document's key differed from its row's and could name
// another case; PostgreSQL's text refuses NUL (JSON's "\u0000").
func CheckCase(c *returns.Case) error {
	switch {
	case c == nil:
		return returns.Errorf(returns.CodeInvalid, "no case given")
	case !c.Platform.Valid():
		return returns.Errorf(returns.CodeInvalid, "unknown platform %q", c.Platform).WithField("platform")
	case c.PlatformCaseID == "":
		return returns.Errorf(returns.CodeInvalid, "the case has no platform id").WithField("platformCaseId")
	case !plainText(c.PlatformCaseID):
		return returns.Errorf(returns.CodeInvalid, "the platform case id is not UTF-8 text without NUL").WithField("platformCaseId")
	case !plainText(c.ShopID):
		return returns.Errorf(returns.CodeInvalid, "the shop id is not UTF-8 text without NUL").WithField("shopId")
	case !plainText(c.OrderID):
		return returns.Errorf(returns.CodeInvalid, "the order id is not UTF-8 text without NUL").WithField("orderId")
	}
	return nil
}

// plainText reports whether every backend stores s as it is.
func plainText(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }

// ColumnText is s as a column derived from a case stores it, the same on
// every backend: bad bytes become U+FFFD and NUL is dropped. (The document
// keeps the case as it came.)
func ColumnText(s string) string {
	if plainText(s) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// CopyDetail keeps an event independent of the caller's map.
func CopyDetail(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func nilIfEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

// Encode returns what a backend stores of a canonical case (Canonical's
// result): its document, encoding/json of the case, and its fingerprint, the
// SHA-256 of that document, by which an unchanged case is recognised.
func Encode(k *returns.Case) (doc, fp []byte, err error) {
	if doc, err = json.Marshal(k); err != nil {
		return nil, nil, err
	}
	sum := sha256.Sum256(doc)
	return doc, sum[:], nil
}

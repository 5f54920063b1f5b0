package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	"github.com/returnsgw/returnsgw/returns"
)

// EvidenceKind is what a piece of evidence is.
type EvidenceKind string

// The kinds of evidence.
const (
	EvidencePhoto           EvidenceKind = "PHOTO"
	EvidenceLogisticsRecord EvidenceKind = "LOGISTICS_RECORD"
	EvidenceChatExcerpt     EvidenceKind = "CHAT_EXCERPT"
	EvidenceContract        EvidenceKind = "CONTRACT"
	EvidenceInvoice         EvidenceKind = "INVOICE"
	EvidenceOther           EvidenceKind = "OTHER"
)

// EvidenceKinds lists every kind.
var EvidenceKinds = []EvidenceKind{EvidencePhoto, EvidenceLogisticsRecord, EvidenceChatExcerpt,
	EvidenceContract, EvidenceInvoice, EvidenceOther}

// Valid reports whether k is a known kind.
func (k EvidenceKind) Valid() bool {
	for _, x := range EvidenceKinds {
		if k == x {
			return true
		}
	}
	return false
}

// CodeQuotaExceeded answers an upload that would take the organisation past
// its evidence quota; nothing was stored.
const CodeQuotaExceeded returns.ErrorCode = "QUOTA_EXCEEDED"

// Evidence is one file the seller attached to a case. The bytes live in the
// database (BLOB / bytea), so every replica on one PostgreSQL serves them.
type Evidence struct {
	ID          string
	Case        returns.CaseKey
	Kind        EvidenceKind
	FileName    string // already reduced to a safe base name by the caller
	ContentType string // sniffed by the gateway, never the client's claim
	Size        int64
	SHA256      string // lower hex of the bytes
	UploadedAt  time.Time
}

// Escalation is the seller's request for the platform's mediation of a case:
// once per case (a second request does not replace the first).
type Escalation struct {
	At          time.Time
	Statement   string
	EvidenceIDs []string
	// Uploaded are the evidence ids the platform received through its API.
	Uploaded []string
	ViaAPI   bool
	// URL is where to complete it in the seller centre when not ViaAPI.
	URL string
}

// EvidenceStore keeps evidence files and escalations, scoped by organisation
// like everything else: another organisation's case or evidence is NOT_FOUND.
type EvidenceStore interface {
	// AddEvidence stores e and its bytes on the organisation's case e.Case
	// (NOT_FOUND without one), assigning e.ID when empty, and counts the
	// bytes against the organisation's usage in the same transaction:
	// QUOTA_EXCEEDED, with nothing stored, if the usage would pass quota
	// (quota <= 0: no limit). Two concurrent uploads can never both pass
	// the quota's edge. It returns the evidence as stored (UploadedAt the
	// store's clock).
	AddEvidence(ctx context.Context, org returns.OrgID, e *Evidence, data []byte, quota int64) (*Evidence, error)
	// ListEvidence returns the case's evidence, oldest first (then by id).
	ListEvidence(ctx context.Context, org returns.OrgID, key returns.CaseKey) ([]Evidence, error)
	// GetEvidence returns one piece of evidence and its bytes; NOT_FOUND if
	// the organisation has none with that id.
	GetEvidence(ctx context.Context, org returns.OrgID, id string) (*Evidence, []byte, error)
	// EvidenceExists answers nil when every id is evidence on that case of
	// the organisation; INVALID naming the first id that is not.
	EvidenceExists(ctx context.Context, org returns.OrgID, key returns.CaseKey, ids []string) error
	// EvidenceUsage is the bytes the organisation's evidence takes.
	EvidenceUsage(ctx context.Context, org returns.OrgID) (int64, error)
	// SaveEscalation records the case's escalation unless one is recorded
	// already; it returns the one stored (the first).
	SaveEscalation(ctx context.Context, org returns.OrgID, key returns.CaseKey, e *Escalation) (*Escalation, error)
	// GetEscalation returns the case's escalation, or nil.
	GetEscalation(ctx context.Context, org returns.OrgID, key returns.CaseKey) (*Escalation, error)
}

// MaxEvidenceIDs bounds the ids of one EvidenceExists call (and of one
// escalation).
const MaxEvidenceIDs = 50

// NewEvidenceID returns a fresh evidence id: "ev_" and 32 hex digits.
func NewEvidenceID() string {
	var b [16]byte
	rand.Read(b[:])
	return "ev_" + hex.EncodeToString(b[:])
}

// ValidEvidenceID reports whether s has NewEvidenceID's form.
func ValidEvidenceID(s string) bool {
	h, ok := strings.CutPrefix(s, "ev_")
	if !ok || len(h) != 32 {
		return false
	}
	for _, r := range h {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

// CheckEvidence validates what a backend is asked to store.
func CheckEvidence(e *Evidence, data []byte) error {
	switch {
	case e == nil:
		return returns.Errorf(returns.CodeInvalid, "no evidence given")
	case !e.Case.Platform.Valid() || e.Case.PlatformCaseID == "":
		return returns.Errorf(returns.CodeInvalid, "evidence needs a case").WithField("case")
	case !e.Kind.Valid():
		return returns.Errorf(returns.CodeInvalid, "unknown evidence kind %q", e.Kind).WithField("kind")
	case e.FileName == "" || len(e.FileName) > 255:
		return returns.Errorf(returns.CodeInvalid, "evidence needs a file name of at most 255 bytes").WithField("name")
	case e.ContentType == "":
		return returns.Errorf(returns.CodeInvalid, "evidence needs a content type")
	case len(data) == 0:
		return returns.Errorf(returns.CodeInvalid, "the file is empty")
	case e.ID != "" && !ValidEvidenceID(e.ID):
		return returns.Errorf(returns.CodeInvalid, "malformed evidence id")
	}
	return nil
}

// CheckEvidenceIDs validates a list of evidence ids: at most MaxEvidenceIDs,
// each well formed, none twice.
func CheckEvidenceIDs(ids []string) error {
	if len(ids) > MaxEvidenceIDs {
		return returns.Errorf(returns.CodeInvalid, "at most %d evidence ids", MaxEvidenceIDs).WithField("evidenceIds")
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if !ValidEvidenceID(id) {
			return returns.Errorf(returns.CodeInvalid, "malformed evidence id %q", truncateID(id)).WithField("evidenceIds")
		}
		if seen[id] {
			return returns.Errorf(returns.CodeInvalid, "evidence id %s given twice", id).WithField("evidenceIds")
		}
		seen[id] = true
	}
	return nil
}

func truncateID(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

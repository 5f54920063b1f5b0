package graph

import (
	"encoding/base64"
	"strings"

	"github.com/returnsgw/returnsgw/returns"
)

// Global ids are opaque to clients: base64url of "<Type>:<platform>:<platform id>".
const caseType = "ReturnCase"

// CaseID returns the global id of a case.
func CaseID(k returns.CaseKey) string {
	return base64.RawURLEncoding.EncodeToString([]byte(caseType + ":" + string(k.Platform) + ":" + k.PlatformCaseID))
}

// ParseCaseID reads a case's global id. A malformed id is INVALID; a
// well-formed id of another type is NOT_FOUND (it names nothing that is a case).
func ParseCaseID(id string) (returns.CaseKey, error) {
	typ, rest, err := parseID(id)
	if err != nil {
		return returns.CaseKey{}, err
	}
	if typ != caseType {
		return returns.CaseKey{}, returns.Errorf(returns.CodeNotFound, "id %q is not a return case", id)
	}
	platform, caseID, ok := strings.Cut(rest, ":")
	if !ok || caseID == "" || !returns.PlatformID(platform).Valid() {
		return returns.CaseKey{}, malformedID(id)
	}
	return returns.CaseKey{Platform: returns.PlatformID(platform), PlatformCaseID: caseID}, nil
}

func parseID(id string) (typ, rest string, err error) {
	b, derr := base64.RawURLEncoding.DecodeString(strings.TrimRight(id, "="))
	if derr != nil || len(b) == 0 {
		return "", "", malformedID(id)
	}
	typ, rest, ok := strings.Cut(string(b), ":")
	if !ok || typ == "" || rest == "" {
		return "", "", malformedID(id)
	}
	for _, r := range typ {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			return "", "", malformedID(id)
		}
	}
	return typ, rest, nil
}

func malformedID(id string) error {
	if len(id) > 60 {
		id = id[:60] + "…"
	}
	return returns.Errorf(returns.CodeInvalid, "malformed id %q", id)
}

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabasim"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresssim"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhssim"
	"github.com/returnsgw/returnsgw/returns"
)

// SimulateRequest is the body of POST /sandbox/simulate: what a simulated
// buyer does on a platform.
type SimulateRequest struct {
	Platform       returns.PlatformID `json:"platform"`       // XHS, ALIBABA or ALIEXPRESS
	Action         string             `json:"action"`         // open, ship, cancel or escalate
	PlatformCaseID string             `json:"platformCaseId"` // the case; not for open
	ShopID         string             `json:"shopId"`         // open on XHS: the shop (default: the first)
}

// SimulateResponse answers it.
type SimulateResponse struct {
	Platform       returns.PlatformID `json:"platform"`
	Action         string             `json:"action"`
	PlatformCaseID string             `json:"platformCaseId"`
	// Delivery says how the change will reach the gateway: by the platform's
	// push, or by the next poll. It never goes into the store directly.
	Delivery string `json:"delivery"`
}

type simError struct {
	Error string `json:"error"`
}

var simulateActions = []string{"open", "ship", "cancel", "escalate"}

// buyer is what a simulated buyer can do on one platform's simulator.
type buyer interface {
	open(shopID string) (string, error)
	ship(id, carrier, trackingNo string) error
	cancel(id string) error
	escalate(id string) error
	has(id string) bool
	delivery() string
}

// simulateHandler serves POST /sandbox/simulate. The simulator changes the
// case as the platform would; the gateway learns of it only the way it
// learns of a real change, by push or by poll.
func (sb *Sandbox) simulateHandler() http.Handler {
	var parcels atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeJSON(w, http.StatusMethodNotAllowed, simError{"use POST with a JSON body"})
			return
		}
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			writeJSON(w, http.StatusUnsupportedMediaType, simError{"the body must be application/json"})
			return
		}
		var req SimulateRequest
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			writeJSON(w, http.StatusBadRequest, simError{"malformed JSON: " + err.Error()})
			return
		}
		b, ok := sb.buyer(req.Platform)
		if !ok {
			writeJSON(w, http.StatusBadRequest, simError{fmt.Sprintf("platform must be XHS, ALIBABA or ALIEXPRESS, not %q", req.Platform)})
			return
		}
		if !slices.Contains(simulateActions, req.Action) {
			writeJSON(w, http.StatusBadRequest, simError{fmt.Sprintf("action must be one of %s, not %q", strings.Join(simulateActions, ", "), req.Action)})
			return
		}
		if req.Action == "open" {
			if req.PlatformCaseID != "" {
				writeJSON(w, http.StatusBadRequest, simError{"open creates a case: give no platformCaseId"})
				return
			}
			id, err := b.open(req.ShopID)
			if err != nil {
				writeJSON(w, http.StatusBadRequest, simError{err.Error()})
				return
			}
			writeJSON(w, http.StatusOK, SimulateResponse{req.Platform, req.Action, id, b.delivery()})
			return
		}
		if req.PlatformCaseID == "" {
			writeJSON(w, http.StatusBadRequest, simError{req.Action + " needs platformCaseId"})
			return
		}
		if !b.has(req.PlatformCaseID) {
			writeJSON(w, http.StatusNotFound, simError{fmt.Sprintf("%s has no case %q", req.Platform, req.PlatformCaseID)})
			return
		}
		var err error
		switch req.Action {
		case "ship":
			err = b.ship(req.PlatformCaseID, "SF", fmt.Sprintf("SF%012d", 700000000000+parcels.Add(1)))
		case "cancel":
			err = b.cancel(req.PlatformCaseID)
		case "escalate":
			err = b.escalate(req.PlatformCaseID)
		}
		if err != nil {
			// The case exists: the platform refuses the move in its status.
			writeJSON(w, http.StatusConflict, simError{err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, SimulateResponse{req.Platform, req.Action, req.PlatformCaseID, b.delivery()})
	})
}

func (sb *Sandbox) buyer(p returns.PlatformID) (buyer, bool) {
	switch p {
	case returns.XHS:
		return xhsBuyer{sb.XHS}, sb.XHS != nil
	case returns.AliExpress:
		return aeBuyer{sb.AliExpress}, sb.AliExpress != nil
	case returns.Alibaba:
		return alibabaBuyer{sb.Alibaba}, sb.Alibaba != nil
	}
	return nil, false
}

type xhsBuyer struct{ s *xhssim.Server }

func (b xhsBuyer) open(shopID string) (string, error) {
	shops := xhssim.DefaultShops()
	if shopID == "" {
		shopID = shops[0].ShopID
	}
	if !slices.ContainsFunc(shops, func(s xhssim.Shop) bool { return s.ShopID == shopID }) {
		return "", errors.New("no sandbox XHS shop " + shopID)
	}
	return b.s.Open(shopID, xhssim.OpenRequest{})
}
func (b xhsBuyer) ship(id, carrier, no string) error { return b.s.Ship(id, carrierCode(carrier), no) }
func (b xhsBuyer) cancel(id string) error            { return b.s.Cancel(id) }
func (b xhsBuyer) escalate(id string) error          { return b.s.Escalate(id) }
func (b xhsBuyer) has(id string) bool {
	for _, sh := range xhssim.DefaultShops() {
		if slices.Contains(b.s.CaseIDs(sh.ShopID), id) {
			return true
		}
	}
	return false
}
func (b xhsBuyer) delivery() string { return "PUSH" }

// carrierCode is the XHS code of the sandbox's carrier.
func carrierCode(string) string { return "shunfeng" }

type aeBuyer struct{ s *aliexpresssim.Server }

func (b aeBuyer) open(string) (string, error)       { return b.s.Open(aliexpresssim.OpenRequest{}) }
func (b aeBuyer) ship(id, carrier, no string) error { return b.s.Ship(id, carrier, no) }
func (b aeBuyer) cancel(id string) error            { return b.s.Cancel(id) }
func (b aeBuyer) escalate(id string) error          { return b.s.Escalate(id) }
func (b aeBuyer) has(id string) bool                { return slices.Contains(b.s.CaseIDs(), id) }
func (b aeBuyer) delivery() string                  { return "POLL" }

type alibabaBuyer struct{ s *alibabasim.Server }

func (b alibabaBuyer) open(string) (string, error) {
	return b.s.Open(alibabasim.OpenRequest{ReturnGoods: true, Description: "opened from /sandbox/simulate"})
}
func (b alibabaBuyer) ship(id, carrier, no string) error { return b.s.Ship(id, carrier, no) }
func (b alibabaBuyer) cancel(id string) error            { return b.s.Cancel(id) }
func (b alibabaBuyer) escalate(id string) error          { return b.s.Escalate(id) }
func (b alibabaBuyer) has(id string) bool                { return slices.Contains(b.s.CaseIDs(), id) }
func (b alibabaBuyer) delivery() string                  { return "POLL" }

// routes adds the sandbox's own routes: POST /sandbox/simulate.
func (sb *Sandbox) routes(mux *http.ServeMux) {
	mux.Handle("/sandbox/simulate", sb.simulateHandler())
}

// listening tells the simulators where the gateway listens, so the XHS
// simulator pushes to its webhook as the platform pushes to an app's URL.
func (sb *Sandbox) listening(gatewayURL string) {
	sb.XHS.SetPushURL(gatewayURL + "/webhooks/xhs")
}

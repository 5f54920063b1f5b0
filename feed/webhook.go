package feed

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/returnsgw/returnsgw/returns"
)

// maxPushBody bounds a push request: a platform batches a few messages, not megabytes.
const maxPushBody = 1 << 20

// Webhook receives one platform's push messages: it verifies them through the
// platform's adapter (signature, replay window), fetches each case named and
// writes it through the store, and answers in the platform's reply format. A
// push that fails verification changes nothing. Poll and push go through the
// same Ingester, so a change seen by both produces one event.
type Webhook struct {
	Platform returns.PlatformID
	// Connections returns the configured connections to the platform (one per shop).
	Connections func() []returns.Platform
	Ingester    *Ingester
	Now         func() time.Time
	Log         *slog.Logger
	// FetchTimeout bounds fetching the cases of one push (default 20 s).
	FetchTimeout time.Duration
}

// ServeHTTP handles one push request.
func (h *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	conns := h.Connections()
	var sources []returns.PushSource
	for _, p := range conns {
		if ps, ok := p.(returns.PushSource); ok {
			sources = append(sources, ps)
		}
	}
	if len(sources) == 0 {
		http.Error(w, "this platform does not push", http.StatusNotFound)
		return
	}
	src := sources[0]
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.reply(w, src, returns.Errorf(returns.CodeInvalid, "push requests are POST"), http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPushBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.reply(w, src, returns.Errorf(returns.CodeInvalid, "the push body is larger than %d bytes", maxPushBody), http.StatusRequestEntityTooLarge)
			return
		}
		h.reply(w, src, returns.Errorf(returns.CodeInvalid, "the push body could not be read"), 0)
		return
	}
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	// Shops may be connected through different apps, each signing its pushes
	// with its own secret: the push is the first connection's that verifies
	// it. Failing that, a connection that verified the push but could not
	// read it says more than one that did not recognise it.
	preq := returns.PushRequest{Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header, Body: body}
	at := now()
	var changes []returns.PushedChange
	for i, ps := range sources {
		changes, err = ps.ReadPush(preq, at)
		if i == 0 || err == nil || returns.ErrorCodeOf(err) != returns.CodeUnauthorized {
			src = ps
		}
		if err == nil || returns.ErrorCodeOf(err) != returns.CodeUnauthorized {
			break
		}
	}
	if err != nil {
		h.log().Warn("push refused", "platform", h.Platform, "err", err, "remote", r.RemoteAddr)
		h.reply(w, src, err, 0)
		return
	}
	timeout := h.FetchTimeout
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	// The platform is waiting for the answer; the work must not depend on it
	// staying connected, but must end.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), timeout)
	defer cancel()
	var failed error
	for _, ch := range distinctCases(changes) {
		err := h.ingest(ctx, conns, ch)
		if returns.ErrorCodeOf(err) == returns.CodeNotFound {
			// No shop has the case (deleted, or another app's seller):
			// asking again would not help, so the push is acknowledged.
			h.log().Info("pushed case not found on any shop; acknowledged", "platform", h.Platform,
				"case", ch.Ref.PlatformCaseID, "seller", ch.SellerID, "err", err)
			continue
		}
		if err != nil {
			h.log().Warn("pushed change not stored; the platform will push it again, and the poller will catch it",
				"platform", h.Platform, "case", ch.Ref.PlatformCaseID, "err", err)
			failed = errors.Join(failed, err)
		}
	}
	h.reply(w, src, failed, 0)
}

// distinctCases keeps one change per case and seller (the latest): a push
// that names a case many times fetches it once.
func distinctCases(changes []returns.PushedChange) []returns.PushedChange {
	type key struct{ seller, id string }
	at := make(map[key]int, len(changes))
	out := changes[:0:0]
	for _, ch := range changes {
		k := key{ch.SellerID, ch.Ref.PlatformCaseID}
		if i, ok := at[k]; ok {
			if ch.Ref.UpdatedAt.After(out[i].Ref.UpdatedAt) {
				out[i] = ch
			}
			continue
		}
		at[k] = len(out)
		out = append(out, ch)
	}
	return out
}

// ingest fetches the pushed case from the connection of the seller it belongs to.
func (h *Webhook) ingest(ctx context.Context, conns []returns.Platform, ch returns.PushedChange) error {
	var tried []returns.Platform
	for _, p := range conns {
		ps, ok := p.(returns.PushSource)
		if ok && ch.SellerID != "" && ps.SellerID() == ch.SellerID {
			_, err := h.Ingester.Fetch(ctx, p, ch.Ref.PlatformCaseID, returns.SourceWebhook)
			return err
		}
		if ok && ch.SellerID != "" && ps.SellerID() != "" {
			continue // another seller's shop: it cannot have the case
		}
		tried = append(tried, p)
	}
	// No connection claims the seller: ask each in turn (a shop configured
	// without its seller id), taking the first that knows the case.
	var last error = returns.Errorf(returns.CodeNotFound, "no configured shop has seller %q", ch.SellerID)
	for _, p := range tried {
		_, err := h.Ingester.Fetch(ctx, p, ch.Ref.PlatformCaseID, returns.SourceWebhook)
		if err == nil {
			return nil
		}
		last = err
		if returns.ErrorCodeOf(err) != returns.CodeNotFound {
			return err
		}
	}
	return last
}

func (h *Webhook) reply(w http.ResponseWriter, src returns.PushSource, err error, status int) {
	code, ct, body := src.PushReply(err)
	if status != 0 {
		code = status
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(code)
	w.Write(body)
}

func (h *Webhook) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

package aliexpress

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
	"github.com/returnsgw/returnsgw/returns"
)

// changeCursor is ListChanges' position, handed out as opaque base64 JSON.
//
// aliexpress.issue.issuelist.get has no time filter and no documented sort
// order, so every scan reads all pages, one page per ListChanges call, and
// lists the issues whose gmt_modified is at or after the watermark:
//   - the first scan's watermark is now minus the look-back, so it lists
//     every issue created or modified within it, each once;
//   - when a scan ends, the watermark moves to the scan's start minus a lag
//     (not to the newest time seen), so an issue changed while the scan was
//     paging — possibly moved to a page already read — is listed again by
//     the next scan, and clock skew up to the lag loses nothing;
//   - the (issue id, gmt_modified) pairs listed at or after the new
//     watermark are kept, so the overlap does not list them twice, while a
//     change exactly at the watermark is still listed (at or after);
//   - a pair is kept only once its second is over (settle): the platform
//     writes whole seconds, so a second change within the same second as
//     the read would carry the same pair; such a fresh pair is listed again
//     by the next scan rather than risk losing the change.
type changeCursor struct {
	V         int      `json:"v"`
	Watermark int64    `json:"wm"`             // unix ms: list changes at or after it
	ScanStart int64    `json:"scan,omitempty"` // unix ms: start of the scan in progress, 0 between scans
	Page      int      `json:"page,omitempty"` // next page of the scan in progress
	Seen      []string `json:"seen,omitempty"` // pairs listed at or after Watermark by earlier scans
	Listed    []string `json:"new,omitempty"`  // pairs this scan listed at or after its future watermark
	// Sweep makes the scan in progress also list every open issue older
	// than the watermark: the first walk's look-back is by time, and an
	// issue opened earlier that is still open (under mediation, say) would
	// otherwise never be seen. The list is read whole anyway, so the sweep
	// costs no call.
	Sweep bool `json:"sweep,omitempty"`
}

const cursorVersion = 1

// settle is how long after a second the gateway trusts that no further
// change carries that second's timestamp: the second itself and a second
// of clock skew.
const settle = 2 * time.Second

func pairKey(id, modified string) string { return id + "@" + modified }

func encodeCursor(c changeCursor) string {
	b, _ := json.Marshal(c) // cannot fail: plain fields
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (changeCursor, error) {
	var c changeCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.V != cursorVersion {
		return changeCursor{}, returns.Errorf(returns.CodeInvalid, "not an AliExpress change cursor").WithField("cursor")
	}
	return c, nil
}

// ListChanges reads one page of the issue list (see changeCursor for how a
// walk stays complete). Every issue read is remembered with its buyer's
// login id for later detail calls.
func (a *Adapter) ListChanges(ctx context.Context, cursor string, now time.Time) (returns.ChangeBatch, error) {
	var cur changeCursor
	if cursor == "" {
		cur = changeCursor{V: cursorVersion, Watermark: now.Add(-a.cfg.Lookback).UnixMilli(), Sweep: true}
	} else {
		var err error
		if cur, err = decodeCursor(cursor); err != nil {
			return returns.ChangeBatch{}, err
		}
	}
	if cur.ScanStart == 0 {
		cur.ScanStart, cur.Page, cur.Listed = now.UnixMilli(), 1, nil
	}
	resp, err := a.issueList(ctx, cur.Page)
	if err != nil {
		return returns.ChangeBatch{}, err
	}
	watermark := time.UnixMilli(cur.Watermark)
	nextWatermark := time.UnixMilli(cur.ScanStart).Add(-a.cfg.ChangeLag)
	skip := make(map[string]bool, len(cur.Seen)+len(cur.Listed))
	for _, k := range cur.Seen {
		skip[k] = true
	}
	for _, k := range cur.Listed {
		skip[k] = true
	}
	var batch returns.ChangeBatch
	for _, it := range resp.DataList {
		l := listedFrom(it)
		a.remember(l)
		key := pairKey(l.IssueID, l.GmtModified)
		mod, ok, err := parsePacific(l.GmtModified)
		if err != nil || !ok {
			// Without a time it cannot be placed: list it rather than lose it.
			a.log.Warn("aliexpress: issue without a readable gmt_modified is listed every scan", "issue", l.IssueID, "gmt_modified", l.GmtModified)
			batch.Refs = append(batch.Refs, returns.CaseRef{PlatformCaseID: l.IssueID, PlatformStatus: l.IssueStatus})
			continue
		}
		// Latest: an hour of wall times repeats in autumn; comparing the
		// later reading never drops a change made in the second hour.
		swept := cur.Sweep && l.IssueStatus == aliexpresswire.IssueProcessing
		if (mod.Latest.Before(watermark) && !swept) || skip[key] {
			continue
		}
		skip[key] = true
		batch.Refs = append(batch.Refs, returns.CaseRef{PlatformCaseID: l.IssueID, UpdatedAt: mod.Earliest, PlatformStatus: l.IssueStatus})
		if !mod.Latest.Before(nextWatermark) && mod.Latest.Add(settle).Before(now) {
			cur.Listed = append(cur.Listed, key)
		}
	}
	if !lastPage(resp, cur.Page, a.cfg.PageSize) {
		cur.Page++
		batch.Cursor = encodeCursor(cur)
		return batch, nil
	}
	// The scan is complete: move the watermark and keep the overlap's pairs.
	var seen []string
	for _, k := range append(cur.Seen, cur.Listed...) {
		if pairAtOrAfter(k, nextWatermark) {
			seen = append(seen, k)
		}
	}
	batch.Cursor = encodeCursor(changeCursor{V: cursorVersion, Watermark: nextWatermark.UnixMilli(), Seen: dedupe(seen)})
	batch.CaughtUp = true
	return batch, nil
}

func pairAtOrAfter(key string, t time.Time) bool {
	for i := len(key) - 1; i >= 0; i-- {
		if key[i] == '@' {
			p, ok, err := parsePacific(key[i+1:])
			return err == nil && ok && !p.Latest.Before(t)
		}
	}
	return false
}

func dedupe(xs []string) []string {
	seen := make(map[string]bool, len(xs))
	out := xs[:0]
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

package sqlite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// UpsertCase stores the platform's current view of a case; see store.Store.
// An unchanged case is recognised by its fingerprint on a read connection
// first, so that a poller re-reading unchanged cases never queues behind the
// writer. Every written event also rewrites the case with the next Version,
// so a case's Version is the number of its events.
func (s *Store) UpsertCase(ctx context.Context, org returns.OrgID, c *returns.Case, ch store.Change) (*store.UpsertResult, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	if err := checkCase(c); err != nil {
		return nil, err
	}
	k := canonical(c)
	doc, err := json.Marshal(&k)
	if err != nil {
		return nil, fmt.Errorf("sqlite: encode case %s/%s: %w", k.Platform, k.PlatformCaseID, err)
	}
	sum := sha256.Sum256(doc)
	fp := sum[:]
	key := []any{string(org), string(k.Platform), k.PlatformCaseID}

	if !ch.Always {
		var version, synced int64
		var stored []byte
		err := s.stmts.peekCase.QueryRowContext(ctx, key...).Scan(&version, &synced, &stored)
		switch {
		case err == nil && bytes.Equal(stored, fp):
			return unchanged(doc, version, synced)
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return nil, fmt.Errorf("sqlite: read case %s/%s: %w", k.Platform, k.PlatformCaseID, err)
		}
	}

	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: begin: %w", err)
	}
	defer rollback(tx)

	// Read again under the write lock: the case may have changed since the
	// peek, and the event's PreviousStatus must be the status it replaces.
	var (
		id, prevVersion, prevSynced int64
		prevStatus, prevKind        string
		prevMarket, prevShop        string
		prevFP                      []byte
		exists                      = true
	)
	err = tx.StmtContext(ctx, s.stmts.lockCase).QueryRowContext(ctx, key...).Scan(&id, &prevVersion, &prevSynced, &prevStatus, &prevKind, &prevMarket, &prevShop, &prevFP)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		exists = false
	case err != nil:
		return nil, fmt.Errorf("sqlite: read case %s/%s: %w", k.Platform, k.PlatformCaseID, err)
	case bytes.Equal(prevFP, fp) && !ch.Always:
		return unchanged(doc, prevVersion, prevSynced)
	}

	nowNS := s.now().UnixNano()
	version := prevVersion + 1
	write := s.stmts.insertCase
	if exists {
		write = s.stmts.updateCase
	}
	res, err := tx.StmtContext(ctx, write).ExecContext(ctx,
		string(org), string(k.Platform), k.PlatformCaseID, k.ShopID, k.OrderID, string(k.Kind), string(k.Status),
		string(k.Reason), string(k.Market), k.UpdatedAt.UnixNano(), k.CreatedAt.UnixNano(),
		store.SortValue(store.OrderRespondByAsc, &k), version, nowNS, fp,
	)
	if err == nil && !exists {
		id, err = res.LastInsertId()
	}
	if err == nil {
		_, err = tx.StmtContext(ctx, s.stmts.writeDoc).ExecContext(ctx, id, doc)
	}
	if err == nil {
		err = s.writeMarks(ctx, tx, org, id, &k)
	}
	// The case's count moves with it when it changes bucket.
	moved := exists && (prevStatus != string(k.Status) || prevKind != string(k.Kind) ||
		prevMarket != string(k.Market) || prevShop != k.ShopID)
	if err == nil && moved {
		_, err = tx.StmtContext(ctx, s.stmts.countCase).ExecContext(ctx,
			string(org), string(k.Platform), prevStatus, prevKind, prevMarket, prevShop, -1)
	}
	if err == nil && (moved || !exists) {
		_, err = tx.StmtContext(ctx, s.stmts.countCase).ExecContext(ctx,
			string(org), string(k.Platform), string(k.Status), string(k.Kind), string(k.Market), k.ShopID, 1)
	}
	if err == nil {
		_, err = tx.StmtContext(ctx, s.stmts.bumpGeneration).ExecContext(ctx, string(org))
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: write case %s/%s: %w", k.Platform, k.PlatformCaseID, err)
	}

	ev := returns.Event{
		Org:        org,
		Key:        k.Key(),
		Status:     k.Status,
		Source:     ch.Source,
		OccurredAt: fromNS(nowNS),
		Detail:     copyDetail(ch.Detail),
	}
	var prev, detail any
	if exists {
		ps := returns.Status(prevStatus)
		ev.PreviousStatus = &ps
		prev = prevStatus
	}
	if ev.Detail != nil {
		b, err := json.Marshal(ev.Detail)
		if err != nil {
			return nil, fmt.Errorf("sqlite: encode event detail: %w", err)
		}
		detail = b
	}
	res, err = tx.StmtContext(ctx, s.stmts.insertEvent).ExecContext(ctx,
		string(org), string(k.Platform), k.PlatformCaseID, prev, string(k.Status), string(ch.Source), nowNS, detail)
	if err != nil {
		return nil, fmt.Errorf("sqlite: append event for %s/%s: %w", k.Platform, k.PlatformCaseID, err)
	}
	if ev.Seq, err = res.LastInsertId(); err != nil {
		return nil, fmt.Errorf("sqlite: event sequence: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: commit case %s/%s: %w", k.Platform, k.PlatformCaseID, err)
	}

	stored, err := decodeCase(doc, version, nowNS)
	if err != nil {
		return nil, err
	}
	return &store.UpsertResult{Case: stored, Changed: true, Event: &ev}, nil
}

// unchanged answers an upsert that writes nothing. The stored document equals
// doc (their fingerprints match), so it is decoded from doc rather than read.
func unchanged(doc []byte, version, synced int64) (*store.UpsertResult, error) {
	c, err := decodeCase(doc, version, synced)
	if err != nil {
		return nil, err
	}
	return &store.UpsertResult{Case: c}, nil
}

// GetCase returns one case; NOT_FOUND if the organisation has none with the key.
func (s *Store) GetCase(ctx context.Context, org returns.OrgID, key returns.CaseKey) (*returns.Case, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	var version, synced int64
	var doc sql.RawBytes
	rows, err := s.stmts.getCase.QueryContext(ctx, string(org), string(key.Platform), key.PlatformCaseID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: get case: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("sqlite: get case: %w", err)
		}
		return nil, returns.Errorf(returns.CodeNotFound, "no case %s/%s", key.Platform, key.PlatformCaseID)
	}
	if err := rows.Scan(&version, &synced, &doc); err != nil {
		return nil, fmt.Errorf("sqlite: get case: %w", err)
	}
	return decodeCase(doc, version, synced)
}

// GetCases returns the cases for the keys in the keys' order, nil where there
// is none, in one query whatever the number of keys.
func (s *Store) GetCases(ctx context.Context, org returns.OrgID, keys []returns.CaseKey) ([]*returns.Case, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	out := make([]*returns.Case, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	pairs := make([][2]string, len(keys))
	for i, k := range keys {
		pairs[i] = [2]string{string(k.Platform), k.PlatformCaseID}
	}
	arg, err := json.Marshal(pairs)
	if err != nil {
		return nil, fmt.Errorf("sqlite: encode keys: %w", err)
	}
	rows, err := s.stmts.getCases.QueryContext(ctx, string(org), string(arg))
	if err != nil {
		return nil, fmt.Errorf("sqlite: get cases: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var i int
		var version, synced int64
		var doc sql.RawBytes
		if err := rows.Scan(&i, &version, &synced, &doc); err != nil {
			return nil, fmt.Errorf("sqlite: get cases: %w", err)
		}
		if i < 0 || i >= len(out) {
			return nil, fmt.Errorf("sqlite: get cases: key index %d out of range", i)
		}
		if out[i], err = decodeCase(doc, version, synced); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: get cases: %w", err)
	}
	return out, nil
}

func checkCase(c *returns.Case) error {
	switch {
	case c == nil:
		return returns.Errorf(returns.CodeInvalid, "no case given")
	case !c.Platform.Valid():
		return returns.Errorf(returns.CodeInvalid, "unknown platform %q", c.Platform).WithField("platform")
	case c.PlatformCaseID == "":
		return returns.Errorf(returns.CodeInvalid, "the case has no platform id").WithField("platformCaseId")
	}
	return nil
}

// canonical returns the content of c as it is stored and fingerprinted: every
// time in UTC, empty maps and slices as nil (a platform answer decoded as {}
// is the same content as one decoded as null), and the store's own fields
// (Version, SyncedAt) zero, since they are columns and must not make an
// otherwise equal case look changed. It does not modify c.
func canonical(c *returns.Case) returns.Case {
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
	k.Raw = nilIfEmpty(c.Raw)
	return k
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

// copyDetail keeps the event independent of the caller's map.
func copyDetail(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}

func decodeCase(doc []byte, version, synced int64) (*returns.Case, error) {
	return decodeCaseRaw(doc, version, synced, true)
}

// decodeCaseRaw decodes a case, without Raw maps unless raw.
func decodeCaseRaw(doc []byte, version, synced int64, raw bool) (*returns.Case, error) {
	c := new(returns.Case)
	if err := decodeDocRaw(doc, c, raw); err != nil {
		return nil, fmt.Errorf("sqlite: decode stored case: %w", err)
	}
	c.Version = version
	c.SyncedAt = fromNS(synced)
	return c, nil
}

// fromNS is the inverse of UnixNano, in UTC.
func fromNS(ns int64) time.Time { return time.Unix(0, ns).UTC() }

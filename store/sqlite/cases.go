package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
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
	res, err := s.UpsertCases(ctx, org, []store.CaseWrite{{Case: c, Change: ch}})
	if err != nil {
		return nil, err
	}
	return res[0], nil
}

// UpsertCases stores a window of cases in one transaction; see store.Store.
// The unchanged ones are recognised on a read connection first, as in
// UpsertCase, and the transaction holds the changed ones only.
func (s *Store) UpsertCases(ctx context.Context, org returns.OrgID, writes []store.CaseWrite) ([]*store.UpsertResult, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	if len(writes) > store.MaxUpsertBatch {
		return nil, returns.Errorf(returns.CodeInvalid, "at most %d cases in one batch, not %d", store.MaxUpsertBatch, len(writes))
	}
	out := make([]*store.UpsertResult, len(writes))
	all := make([]*pendingWrite, 0, len(writes))
	seen := make(map[returns.CaseKey]bool, len(writes))
	for i, w := range writes {
		if err := store.CheckCase(w.Case); err != nil {
			return nil, err
		}
		if seen[w.Case.Key()] {
			return nil, returns.Errorf(returns.CodeInvalid, "case %s/%s twice in one batch", w.Case.Platform, w.Case.PlatformCaseID)
		}
		seen[w.Case.Key()] = true
		p, err := encodeWrite(org, w.Case, w.Change)
		if err != nil {
			return nil, err
		}
		p.at = i
		all = append(all, p)
	}
	if err := s.peek(ctx, org, all); err != nil {
		return nil, err
	}
	pending := all[:0]
	for _, p := range all {
		if p.result != nil {
			out[p.at] = p.result
		} else {
			pending = append(pending, p)
		}
	}
	if len(pending) == 0 {
		return out, nil
	}

	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: begin: %w", err)
	}
	defer rollback(tx)
	nowNS := s.now().UnixNano()
	t := newTally()
	for _, p := range pending {
		if err := s.writeTx(ctx, tx, org, p, nowNS, t); err != nil {
			return nil, err
		}
	}
	if err := s.writeTally(ctx, tx, org, t); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: commit %d cases: %w", len(pending), err)
	}
	for _, p := range pending {
		if p.result == nil {
			stored, err := decodeCase(p.doc, p.version, nowNS)
			if err != nil {
				return nil, err
			}
			p.result = &store.UpsertResult{Case: stored, Changed: true, Event: p.event}
		}
		out[p.at] = p.result
	}
	return out, nil
}

// pendingWrite is one case of an upsert on its way to the writer.
type pendingWrite struct {
	at   int // its place in the batch
	k    returns.Case
	ch   store.Change
	doc  []byte
	fp   []byte
	key  []any
	sort int64 // its respondBy sort value
	next int64 // its next-deadline sort value
	an   store.AnalyticsColumns

	version int64
	event   *returns.Event
	result  *store.UpsertResult // set when the write is settled without a write
}

// encodeWrite encodes a case for a write.
func encodeWrite(org returns.OrgID, c *returns.Case, ch store.Change) (*pendingWrite, error) {
	p := &pendingWrite{k: store.Canonical(c), ch: ch}
	p.key = []any{string(org), string(p.k.Platform), p.k.PlatformCaseID}
	return p, p.encode()
}

// encode sets what is written of the case (its document, fingerprint and
// sort and analytics values) from the case as it now is.
func (p *pendingWrite) encode() error {
	k := &p.k
	var err error
	if p.doc, p.fp, err = store.Encode(k); err != nil {
		return fmt.Errorf("sqlite: encode case %s/%s: %w", k.Platform, k.PlatformCaseID, err)
	}
	p.sort = store.SortValue(store.OrderRespondByAsc, k)
	p.next = store.SortValue(store.OrderNextDeadlineAsc, k)
	p.an = store.AnalyticsColumnsOf(k)
	return nil
}

// peek reads the stored fingerprints of the writes that are not Always, on
// a read connection, and settles each unchanged one at once. A window's
// cases are read by one statement: one each was a tenth of a window's time.
func (s *Store) peek(ctx context.Context, org returns.OrgID, ps []*pendingWrite) error {
	var keys [][2]string
	var at []*pendingWrite
	for _, p := range ps {
		if !p.ch.Always {
			keys = append(keys, [2]string{string(p.k.Platform), p.k.PlatformCaseID})
			at = append(at, p)
		}
	}
	settle := func(p *pendingWrite, version, synced int64, stored []byte) (err error) {
		if bytes.Equal(stored, p.fp) {
			p.result, err = unchanged(p.doc, version, synced)
		}
		return err
	}
	switch len(at) {
	case 0:
		return nil
	case 1:
		p := at[0]
		var version, synced int64
		var stored []byte
		err := s.stmts.peekCase.QueryRowContext(ctx, p.key...).Scan(&version, &synced, &stored)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return nil
		case err != nil:
			return fmt.Errorf("sqlite: read case %s/%s: %w", p.k.Platform, p.k.PlatformCaseID, err)
		}
		return settle(p, version, synced, stored)
	}
	arg, err := json.Marshal(keys)
	if err != nil {
		return fmt.Errorf("sqlite: encode case keys: %w", err)
	}
	rows, err := s.stmts.peekCases.QueryContext(ctx, string(org), string(arg))
	if err != nil {
		return fmt.Errorf("sqlite: read %d cases: %w", len(keys), err)
	}
	defer rows.Close()
	for rows.Next() {
		var i int
		var version, synced int64
		var stored []byte
		if err := rows.Scan(&i, &version, &synced, &stored); err != nil {
			return fmt.Errorf("sqlite: read %d cases: %w", len(keys), err)
		}
		if i < 0 || i >= len(at) {
			return fmt.Errorf("sqlite: read %d cases: row for key %d", len(keys), i)
		}
		if err := settle(at[i], version, synced, stored); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: read %d cases: %w", len(keys), err)
	}
	return nil
}

// writeTx writes one case and its event inside tx, or settles it as
// unchanged if the stored case turns out to be the same.
func (s *Store) writeTx(ctx context.Context, tx *sql.Tx, org returns.OrgID, p *pendingWrite, nowNS int64, t *tally) error {
	k, ch, key := &p.k, p.ch, p.key
	// Read again under the write lock: the case may have changed since the
	// peek, and the event's PreviousStatus must be the status it replaces.
	var (
		id, prevVersion, prevSynced int64
		prevStatus, prevKind        string
		prevMarket, prevShop        string
		prevFP                      []byte
		exists                      = true
		err                         error
	)
	err = tx.StmtContext(ctx, s.stmts.lockCase).QueryRowContext(ctx, key...).Scan(&id, &prevVersion, &prevSynced, &prevStatus, &prevKind, &prevMarket, &prevShop, &prevFP)
	if err == nil && ch.Ingest() && !bytes.Equal(prevFP, p.fp) {
		// An ingest write is a view its caller judged from a read made
		// perhaps before another replica's write: an older view than the
		// stored one writes nothing, and the stored gateway's fields win.
		var stored *returns.Case
		if stored, err = s.readStored(ctx, tx, id, prevVersion, prevSynced); err != nil {
			return fmt.Errorf("sqlite: read case %s/%s: %w", k.Platform, k.PlatformCaseID, err)
		}
		if store.OlderView(k, stored) {
			p.result = &store.UpsertResult{Case: stored}
			return nil
		}
		if store.KeepGatewayFields(k, stored) {
			if err = p.encode(); err != nil {
				return err
			}
		}
	}
	if err == nil && k.Inspection == nil && returns.GoodsBack(k) {
		// A view without the stored inspection (read before it was
		// recorded, on another replica) must not drop it.
		if err = restoreInspection(ctx, tx, p); err != nil {
			return fmt.Errorf("sqlite: read inspection of %s/%s: %w", k.Platform, k.PlatformCaseID, err)
		}
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		exists = false
	case err != nil:
		return fmt.Errorf("sqlite: read case %s/%s: %w", k.Platform, k.PlatformCaseID, err)
	case bytes.Equal(prevFP, p.fp) && !ch.Always:
		p.result, err = unchanged(p.doc, prevVersion, prevSynced)
		return err
	}

	// The case's count moves with it when it changes bucket.
	var from *store.CountBucket
	if exists {
		from = &store.CountBucket{Platform: string(k.Platform), Status: prevStatus, Kind: prevKind, Market: prevMarket, Shop: prevShop}
	}
	t.moves.Move(from, store.BucketOf(k))
	t.wrote = true

	version := prevVersion + 1
	write := s.stmts.insertCase
	if exists {
		write = s.stmts.updateCase
	}
	res, err := tx.StmtContext(ctx, write).ExecContext(ctx,
		string(org), string(k.Platform), k.PlatformCaseID, k.ShopID, k.OrderID, string(k.Kind), string(k.Status),
		string(k.Reason), string(k.Market), k.UpdatedAt.UnixNano(), k.CreatedAt.UnixNano(),
		p.sort, version, nowNS, p.fp,
		p.an.SKU, p.an.Week, p.an.Approved, p.an.RespondedHint, p.an.RefundedHint,
		p.an.RefundMinor, p.an.RefundCurrency, p.an.RespondDue, p.an.RefundDue, p.next,
	)
	if err == nil && !exists {
		id, err = res.LastInsertId()
	}
	if err == nil {
		_, err = tx.StmtContext(ctx, s.stmts.writeDoc).ExecContext(ctx, id, p.doc)
	}
	if err == nil {
		err = s.writeMarks(ctx, tx, org, id, k, !exists)
	}
	if err == nil && k.Inspection != nil {
		err = writeInspection(ctx, tx, org, k)
	}
	if err != nil {
		return fmt.Errorf("sqlite: write case %s/%s: %w", k.Platform, k.PlatformCaseID, err)
	}

	ev := returns.Event{
		Org:        org,
		Key:        k.Key(),
		Status:     k.Status,
		Source:     ch.Source,
		OccurredAt: fromNS(nowNS),
		Detail:     store.CopyDetail(ch.Detail),
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
			return fmt.Errorf("sqlite: encode event detail: %w", err)
		}
		detail = b
	}
	res, err = tx.StmtContext(ctx, s.stmts.insertEvent).ExecContext(ctx,
		string(org), string(k.Platform), k.PlatformCaseID, prev, string(k.Status), string(ch.Source), nowNS, detail)
	if err != nil {
		return fmt.Errorf("sqlite: append event for %s/%s: %w", k.Platform, k.PlatformCaseID, err)
	}
	if ev.Seq, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("sqlite: event sequence: %w", err)
	}
	p.version, p.event = version, &ev
	return nil
}

// readStored reads the case stored under id inside the write's transaction,
// for an ingest write (store.OlderView, store.KeepGatewayFields).
func (s *Store) readStored(ctx context.Context, tx *sql.Tx, id, version, synced int64) (*returns.Case, error) {
	var doc docBytes
	if err := tx.StmtContext(ctx, s.stmts.readDoc).QueryRowContext(ctx, id).Scan(&doc); err != nil {
		return nil, err
	}
	return decodeCase(doc, version, synced)
}

// tally is what a transaction's case writes change in rows they share: the
// organisation's counts and its generation. It is written once, before the
// commit (writeTally), not once per case: a window of 100 new cases made 200
// statements of it.
type tally struct {
	moves store.CountMoves
	wrote bool // some case was written: the generation moves
}

func newTally() *tally { return &tally{moves: store.CountMoves{}} }

// writeTally writes t's count changes, in their fixed order, and moves the
// generation if any case was written.
func (s *Store) writeTally(ctx context.Context, tx *sql.Tx, org returns.OrgID, t *tally) error {
	for _, b := range t.moves.Changed() {
		if _, err := tx.StmtContext(ctx, s.stmts.countCase).ExecContext(ctx,
			string(org), b.Platform, b.Status, b.Kind, b.Market, b.Shop, t.moves[b]); err != nil {
			return fmt.Errorf("sqlite: count cases: %w", err)
		}
	}
	if t.wrote {
		if _, err := tx.StmtContext(ctx, s.stmts.bumpGeneration).ExecContext(ctx, string(org)); err != nil {
			return fmt.Errorf("sqlite: move the generation: %w", err)
		}
	}
	return nil
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
	var doc docBytes
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
		var doc docBytes
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

package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// pendingCase is one case of a window on its way in: canonical, encoded and
// fingerprinted.
type pendingCase struct {
	k       returns.Case
	doc, fp []byte
	ch      store.Change
}

// newPending canonicalises, encodes and fingerprints one write.
func newPending(c *returns.Case, ch store.Change) (pendingCase, error) {
	p := pendingCase{k: store.Canonical(c), ch: ch}
	return p, p.encode()
}

// encode sets the document and fingerprint from the case as it now is.
func (p *pendingCase) encode() error {
	var err error
	if p.doc, p.fp, err = store.Encode(&p.k); err != nil {
		return fmt.Errorf("postgres: encode case %s/%s: %w", p.k.Platform, p.k.PlatformCaseID, err)
	}
	return nil
}

// storedCase is what the window's write needs of a case already stored.
type storedCase struct {
	exists          bool
	version, synced int64
	bucket          store.CountBucket
	fp              []byte
	inspection      *returns.Inspection
	// doc is the stored document, read only for an ingest write whose
	// fingerprint differs: an older view than it writes nothing
	// (store.OlderView), and the gateway's fields are kept from it
	// (store.KeepGatewayFields).
	doc []byte
}

// writeWindow writes a window's cases, their deadline marks and their events
// inside tx, which holds the log's lock (lockLog): the cases that are
// unchanged after all are left alone. It reads what is stored of all of them
// in one query and sends the writes in one pipelined batch, in the window's
// order, so that a window costs a few round trips rather than several per
// case. The cases' moves between buckets go to moves.
func (s *Store) writeWindow(ctx context.Context, tx pgx.Tx, org returns.OrgID, ps []pendingCase, moves store.CountMoves) ([]*store.UpsertResult, error) {
	prev, err := readStored(ctx, tx, org, ps)
	if err != nil {
		return nil, err
	}
	out := make([]*store.UpsertResult, len(ps))
	nowNS := s.now().UnixNano()
	b := &pgx.Batch{}
	// queued is a written case and the statements queued for it before its event.
	type queued struct{ i, writes int }
	var written []queued
	for i := range ps {
		p, pv := &ps[i], &prev[i]
		if pv.doc != nil {
			// An ingest write carries the gateway's fields as its caller read
			// them, perhaps before another replica wrote them: the stored
			// ones win.
			stored, err := decodeCase(pv.doc, pv.version, pv.synced)
			if err != nil {
				return nil, err
			}
			if store.OlderView(&p.k, stored) {
				// Another replica stored a newer view since the caller's
				// read: this one writes nothing.
				out[i] = &store.UpsertResult{Case: stored}
				continue
			}
			if store.KeepGatewayFields(&p.k, stored) {
				if err := p.encode(); err != nil {
					return nil, err
				}
			}
		}
		if pv.exists && p.k.Inspection == nil && pv.inspection != nil && returns.GoodsBack(&p.k) {
			// A view without the stored inspection (read before it was
			// recorded, on another replica) must not drop it.
			p.k.Inspection = pv.inspection
			if err := p.encode(); err != nil {
				return nil, err
			}
		}
		if pv.exists && bytes.Equal(pv.fp, p.fp) && !p.ch.Always {
			if out[i], err = unchanged(p.doc, pv.version, pv.synced); err != nil {
				return nil, err
			}
			continue
		}
		n, err := queueCase(b, org, p, pv, nowNS)
		if err != nil {
			return nil, err
		}
		written = append(written, queued{i, n})
		var from *store.CountBucket
		if pv.exists {
			from = &pv.bucket
		}
		moves.Move(from, store.BucketOf(&p.k))
	}
	if len(written) == 0 {
		return out, nil
	}
	// Delivered at commit, to every replica listening (Listen); one
	// notification says there are events, however many.
	b.Queue(`SELECT pg_notify($1, '')`, eventsChannel)

	br := tx.SendBatch(ctx, b)
	for _, q := range written {
		i := q.i
		if out[i], err = readWritten(br, org, &ps[i], &prev[i], q.writes, nowNS); err != nil {
			br.Close()
			return nil, err
		}
	}
	if _, err := br.Exec(); err != nil {
		br.Close()
		return nil, storeErr("notify", err)
	}
	if err := br.Close(); err != nil {
		return nil, storeErr("write cases", err)
	}
	return out, nil
}

// readStored reads what is stored of the window's cases, in its order, in
// one query; a case not stored has exists false. The document comes only for
// an ingest write (store.Change.Ingest) whose fingerprint is not the stored
// one: an unchanged case costs no more than before. The query is planned for
// each call's arrays (QueryExecModeExec): the cached statement's generic
// plan, made for arrays of unknown length, took over a millisecond in about
// one call of five for a window of one case.
func readStored(ctx context.Context, tx pgx.Tx, org returns.OrgID, ps []pendingCase) ([]storedCase, error) {
	platforms, ids := make([]string, len(ps)), make([]string, len(ps))
	fps, ingest := make([][]byte, len(ps)), make([]bool, len(ps))
	for i := range ps {
		platforms[i], ids[i] = string(ps[i].k.Platform), ps[i].k.PlatformCaseID
		fps[i], ingest[i] = ps[i].fp, ps[i].ch.Ingest()
	}
	rows, err := tx.Query(ctx, `SELECT k.i, c.version, c.synced_ns, c.status, c.kind, c.market, c.shop_id, c.fingerprint,
			i.grade, i.disposition, i.recovered_minor, i.recovered_currency, i.notes, i.evidence_ids, i.inspected_ns,
			CASE WHEN k.ingest AND c.fingerprint <> k.fp THEN c.doc END
		FROM unnest($2::text[], $3::text[], $4::bytea[], $5::bool[]) WITH ORDINALITY AS k (platform, case_id, fp, ingest, i)
		JOIN cases AS c ON c.org = $1 AND c.platform = k.platform AND c.case_id = k.case_id
		LEFT JOIN inspections AS i ON i.org = $1 AND i.platform = k.platform AND i.case_id = k.case_id`,
		pgx.QueryExecModeExec, string(org), platforms, ids, fps, ingest)
	if err != nil {
		return nil, storeErr("read cases", err)
	}
	defer rows.Close()
	out := make([]storedCase, len(ps))
	for rows.Next() {
		var (
			n      int64
			sc     storedCase
			grade  *string
			in     returns.Inspection
			dp, ev *string
			minor  *int64
			cur    *string
			notes  *string
			at     *int64
		)
		if err := rows.Scan(&n, &sc.version, &sc.synced, &sc.bucket.Status, &sc.bucket.Kind, &sc.bucket.Market, &sc.bucket.Shop, &sc.fp,
			&grade, &dp, &minor, &cur, &notes, &ev, &at, &sc.doc); err != nil {
			return nil, storeErr("read cases", err)
		}
		if n < 1 || int(n) > len(out) {
			return nil, fmt.Errorf("postgres: read cases: key index %d out of range", n)
		}
		sc.exists = true
		sc.bucket.Platform = platforms[n-1]
		if grade != nil {
			in.Grade, in.Disposition = returns.Grade(*grade), returns.Disposition(deref(dp))
			in.RecoveredValue.Minor, in.RecoveredValue.Currency = derefInt(minor), deref(cur)
			in.Notes, in.InspectedAt = deref(notes), fromNS(derefInt(at))
			if err := json.Unmarshal([]byte(deref(ev)), &in.EvidenceIDs); err != nil {
				return nil, fmt.Errorf("postgres: decode inspection evidence: %w", err)
			}
			if len(in.EvidenceIDs) == 0 {
				in.EvidenceIDs = nil
			}
			sc.inspection = &in
		}
		out[n-1] = sc
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr("read cases", err)
	}
	return out, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefInt(n *int64) int64 {
	if n == nil {
		return 0
	}
	return *n
}

// upsertCaseSQL writes a case. $17.. are the analytics columns
// (store.AnalyticsColumns): $19 is ApprovedAt, $20 the responded hint, $21
// the refunded hint. A new case takes up an inspection already there; later
// ones come by trigger. $26 is next_ns (store.OrderNextDeadlineAsc's sort
// value).
const upsertCaseSQL = `INSERT INTO cases (org, platform, case_id, shop_id, order_id, kind, status, reason, market,
		updated_ns, created_ns, respond_ns, version, synced_ns, fingerprint, doc,
		sku, week, responded_ns, refunded_ns, refund_minor, refund_currency, respond_due_ns, refund_due_ns,
		grade, recovered_minor, recovered_currency, next_ns)
	SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
		$17, $18, coalesce($19::bigint, $20::bigint), $21::bigint, $22::bigint, $23::text, $24::bigint, $25::bigint,
		i.grade, i.recovered_minor, i.recovered_currency, $26
	FROM (SELECT 1) AS one LEFT JOIN inspections AS i ON i.org = $1 AND i.platform = $2 AND i.case_id = $3
	ON CONFLICT (org, platform, case_id) DO UPDATE SET shop_id = $4, order_id = $5, kind = $6, status = $7,
		reason = $8, market = $9, updated_ns = $10, created_ns = $11, respond_ns = $12, version = $13,
		synced_ns = $14, fingerprint = $15, doc = $16,
		sku = $17, week = $18, responded_ns = coalesce($19::bigint, cases.responded_ns, $20::bigint),
		refunded_ns = coalesce(cases.refunded_ns, $21::bigint), refund_minor = $22::bigint, refund_currency = $23::text,
		respond_due_ns = coalesce($24::bigint, cases.respond_due_ns), refund_due_ns = coalesce($25::bigint, cases.refund_due_ns),
		next_ns = $26`

// The deadline marks name their case by key, not by id: the id is not known
// until the case's insert has run, earlier in the same batch.
const (
	deleteMarksSQL = `DELETE FROM case_deadlines WHERE id = (SELECT id FROM cases WHERE org = $1 AND platform = $2 AND case_id = $3)`
	insertMarksSQL = `INSERT INTO case_deadlines (id, n, org, anchor, at_ns)
		SELECT c.id, m.n, $1, m.anchor, m.at_ns
		FROM cases AS c CROSS JOIN unnest($4::int[], $5::int[], $6::bigint[]) AS m (n, anchor, at_ns)
		WHERE c.org = $1 AND c.platform = $2 AND c.case_id = $3`
	insertEventSQL = `INSERT INTO events (org, platform, case_id, prev_status, status, source, occurred_ns, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq`
)

// queueCase queues one case's writes: the case, its deadline marks, its
// inspection if it carries one, and its event. It returns how many it
// queued before the event.
func queueCase(b *pgx.Batch, org returns.OrgID, p *pendingCase, pv *storedCase, nowNS int64) (writes int, err error) {
	k := &p.k
	an := store.AnalyticsColumnsOf(k)
	b.Queue(upsertCaseSQL,
		string(org), string(k.Platform), k.PlatformCaseID, k.ShopID, k.OrderID, string(k.Kind), string(k.Status),
		string(k.Reason), string(k.Market), k.UpdatedAt.UnixNano(), k.CreatedAt.UnixNano(),
		store.SortValue(store.OrderRespondByAsc, k), pv.version+1, nowNS, p.fp, p.doc,
		an.SKU, an.Week, an.Approved, an.RespondedHint, an.RefundedHint, an.RefundMinor, an.RefundCurrency,
		an.RespondDue, an.RefundDue, store.SortValue(store.OrderNextDeadlineAsc, k))
	b.Queue(deleteMarksSQL, string(org), string(k.Platform), k.PlatformCaseID)
	writes = 2 // the case, and its old marks
	if marks := store.DeadlineMarks(k); len(marks) > 0 {
		ns, anchors, ats := make([]int32, len(marks)), make([]int32, len(marks)), make([]int64, len(marks))
		for i, m := range marks {
			ns[i], ats[i] = int32(i), m.At.UnixNano()
			if m.Anchor {
				anchors[i] = 1
			}
		}
		b.Queue(insertMarksSQL, string(org), string(k.Platform), k.PlatformCaseID, ns, anchors, ats)
		writes++
	}
	if k.Inspection != nil {
		sql, args, err := inspectionWrite(org, k)
		if err != nil {
			return 0, storeErr("encode inspection", err)
		}
		b.Queue(sql, args...)
		writes++
	}
	var prev *string
	if pv.exists {
		prev = &pv.bucket.Status
	}
	var detail []byte
	if p.ch.Detail != nil {
		if detail, err = json.Marshal(p.ch.Detail); err != nil {
			return 0, storeErr("encode event detail", err)
		}
	}
	b.Queue(insertEventSQL, string(org), string(k.Platform), k.PlatformCaseID, prev, string(k.Status), string(p.ch.Source), nowNS, detail)
	return writes, nil
}

// readWritten reads the results of what queueCase queued for p, in the same
// order: its writes, then its event. It returns the write's result.
func readWritten(br pgx.BatchResults, org returns.OrgID, p *pendingCase, pv *storedCase, writes int, nowNS int64) (*store.UpsertResult, error) {
	k := &p.k
	for range writes {
		if _, err := br.Exec(); err != nil {
			return nil, storeErr(fmt.Sprintf("write case %s/%s", k.Platform, k.PlatformCaseID), err)
		}
	}
	ev := returns.Event{
		Org:        org,
		Key:        k.Key(),
		Status:     k.Status,
		Source:     p.ch.Source,
		OccurredAt: fromNS(nowNS),
		Detail:     store.CopyDetail(p.ch.Detail),
	}
	if pv.exists {
		ps := returns.Status(pv.bucket.Status)
		ev.PreviousStatus = &ps
	}
	if err := br.QueryRow().Scan(&ev.Seq); err != nil {
		return nil, storeErr(fmt.Sprintf("append event for %s/%s", k.Platform, k.PlatformCaseID), err)
	}
	stored, err := decodeCase(p.doc, pv.version+1, nowNS)
	if err != nil {
		return nil, err
	}
	return &store.UpsertResult{Case: stored, Changed: true, Event: &ev}, nil
}

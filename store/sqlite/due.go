package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// dueCasesSQL reads one range of the deadline index from a cursor.
const dueCasesSQL = `SELECT m.at_ns, m.id, c.version, c.synced_ns, d.doc FROM case_deadlines AS m
	JOIN cases AS c ON c.id = m.id JOIN case_docs AS d ON d.id = m.id
	WHERE m.org = ?1 AND m.anchor = ?2 AND (m.at_ns, m.id) > (?3, ?4) AND m.at_ns < ?5
	ORDER BY m.at_ns, m.id LIMIT ?6`

// DueCases returns a page of the open cases with a deadline mark in range;
// see store.DueStore. Given deadlines and anchors are two ranges of the index
// case_deadlines_due, walked one after the other from the cursor
// (anchor, at_ns, id); the documents of the page's cases only are read.
func (s *Store) DueCases(ctx context.Context, org returns.OrgID, q store.DueQuery) (*store.DuePage, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	anchor, at, id := 0, q.From.UnixNano(), int64(-1)
	if q.After != "" {
		var err error
		if anchor, at, id, err = store.DecodeDueCursor(q.After); err != nil {
			return nil, err
		}
	}
	page := &store.DuePage{}
	for ; anchor <= 1; anchor, id = anchor+1, -1 {
		if id < 0 { // a fresh range: from its lower bound
			at = q.From.UnixNano()
			if anchor == 1 {
				at = q.From.Add(-q.Lead).UnixNano()
			}
		}
		want := q.First - len(page.Cases)
		rows, err := s.stmts.dueCases.QueryContext(ctx, string(org), anchor, at, id, q.To.UnixNano(), want+1)
		if err != nil {
			return nil, fmt.Errorf("sqlite: due cases: %w", err)
		}
		n := 0
		for rows.Next() {
			if n == want {
				page.Next = store.EncodeDueCursor(anchor, at, id)
				break
			}
			var version, synced int64
			var doc docBytes
			if err := rows.Scan(&at, &id, &version, &synced, &doc); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlite: due cases: %w", err)
			}
			c, err := decodeCase(doc, version, synced)
			if err != nil {
				rows.Close()
				return nil, err
			}
			page.Cases = append(page.Cases, c)
			n++
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("sqlite: due cases: %w", err)
		}
		if page.Next != "" {
			return page, nil
		}
		if len(page.Cases) == q.First && anchor == 0 {
			// Full at the end of the given range: the anchors may follow.
			page.Next = store.EncodeDueCursor(1, 0, -1)
			return page, nil
		}
	}
	return page, nil
}

// writeMarks replaces the deadline marks of case id inside the write's
// transaction. A fresh case (inserted by this transaction) has none to
// delete: a mark's foreign key keeps none behind for a reused id.
func (s *Store) writeMarks(ctx context.Context, tx *sql.Tx, org returns.OrgID, id int64, c *returns.Case, fresh bool) error {
	if !fresh {
		if _, err := tx.StmtContext(ctx, s.stmts.deleteMarks).ExecContext(ctx, id); err != nil {
			return err
		}
	}
	for i, m := range store.DeadlineMarks(c) {
		anchor := 0
		if m.Anchor {
			anchor = 1
		}
		if _, err := tx.StmtContext(ctx, s.stmts.insertMark).ExecContext(ctx, id, i, string(org), anchor, m.At.UnixNano()); err != nil {
			return err
		}
	}
	return nil
}

// backfillSize is the cases per transaction of a backfill (a variable for tests).
var backfillSize = 2000

// backfillDeadlines fills case_deadlines for the cases stored before it
// existed (migration 0002 leaves a marker when there were any), in batches
// of one transaction each, and removes the marker when done, so that an
// interrupted backfill resumes on the next open.
func (s *Store) backfillDeadlines(ctx context.Context) error {
	var pending int
	if err := s.w.QueryRowContext(ctx, `SELECT count(*) FROM backfills WHERE name = 'deadlines'`).Scan(&pending); err != nil {
		return fmt.Errorf("sqlite: backfill deadlines: %w", err)
	}
	if pending == 0 {
		return nil
	}
	batch := backfillSize
	for after := int64(math.MinInt64); ; {
		tx, err := s.w.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("sqlite: backfill deadlines: %w", err)
		}
		n, last, err := s.backfillBatch(ctx, tx, after, batch)
		if err == nil && n < batch {
			_, err = tx.ExecContext(ctx, `DELETE FROM backfills WHERE name = 'deadlines'`)
		}
		if err == nil {
			err = tx.Commit()
		}
		rollback(tx)
		if err != nil {
			return fmt.Errorf("sqlite: backfill deadlines: %w", err)
		}
		if n < batch {
			s.log.InfoContext(ctx, "indexed the deadlines of the stored cases")
			return nil
		}
		after = last
	}
}

func (s *Store) backfillBatch(ctx context.Context, tx *sql.Tx, after int64, limit int) (int, int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT c.id, c.org, d.doc FROM cases AS c JOIN case_docs AS d ON d.id = c.id
		WHERE c.id > ? ORDER BY c.id LIMIT ?`, after, limit)
	if err != nil {
		return 0, 0, err
	}
	type one struct {
		id  int64
		org returns.OrgID
		c   *returns.Case
	}
	var all []one
	for rows.Next() {
		var o one
		var org string
		var doc []byte
		if err := rows.Scan(&o.id, &org, &doc); err != nil {
			rows.Close()
			return 0, 0, err
		}
		o.org = returns.OrgID(org)
		if o.c, err = decodeCase(doc, 0, 0); err != nil {
			rows.Close()
			return 0, 0, err
		}
		all = append(all, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	for _, o := range all {
		if err := s.writeMarks(ctx, tx, o.org, o.id, o.c, false); err != nil {
			return 0, 0, err
		}
		after = o.id
	}
	return len(all), after, nil
}

-- What analytics groups and sums over, as columns of the case (written with
-- it by every upsert, see store.AnalyticsColumnsOf), so that an aggregation
-- is one GROUP BY over an index rather than a decoding of every document.
-- Times are unix nanoseconds; NULL is "not known / not yet".
ALTER TABLE cases ADD COLUMN sku             TEXT    NOT NULL DEFAULT ''; -- the first line's SKU
ALTER TABLE cases ADD COLUMN week            TEXT    NOT NULL DEFAULT ''; -- ISO week of created_ns, UTC: 2026-W49
ALTER TABLE cases ADD COLUMN refund_minor    INTEGER;                     -- RefundedAmount
ALTER TABLE cases ADD COLUMN refund_currency TEXT;
ALTER TABLE cases ADD COLUMN responded_ns    INTEGER; -- the seller's first response (ApprovedAt, else first decided view)
ALTER TABLE cases ADD COLUMN refunded_ns     INTEGER; -- the first view that showed REFUNDED
ALTER TABLE cases ADD COLUMN respond_due_ns  INTEGER; -- respondBy while the case waited for the seller
ALTER TABLE cases ADD COLUMN refund_due_ns   INTEGER; -- refundBy
-- The case's inspection (the inspections table), copied by the triggers below
-- so that grades and recovered values are summed in the same scan.
ALTER TABLE cases ADD COLUMN grade              TEXT;
ALTER TABLE cases ADD COLUMN recovered_minor    INTEGER;
ALTER TABLE cases ADD COLUMN recovered_currency TEXT;

-- The backfill of the cases stored before: the same derivation from the
-- stored document (encoding/json of returns.Case: Go field names, times as
-- RFC 3339 text).
UPDATE cases SET
    sku = coalesce((SELECT json_extract(d.doc, '$.Lines[0].SKU') FROM case_docs AS d WHERE d.id = cases.id), ''),
    week = strftime('%G-W%V', created_ns / 1000000000, 'unixepoch'),
    refund_minor = (SELECT json_extract(d.doc, '$.RefundedAmount.Minor') FROM case_docs AS d WHERE d.id = cases.id),
    refund_currency = (SELECT json_extract(d.doc, '$.RefundedAmount.Currency') FROM case_docs AS d WHERE d.id = cases.id),
    responded_ns = coalesce(
        (SELECT CAST(round((julianday(json_extract(d.doc, '$.ApprovedAt')) - 2440587.5) * 86400000) AS INTEGER) * 1000000
            FROM case_docs AS d WHERE d.id = cases.id),
        CASE WHEN status NOT IN ('REQUESTED', 'CANCELLED', 'CLOSED') THEN updated_ns END),
    refunded_ns = CASE WHEN status = 'REFUNDED' THEN updated_ns END,
    respond_due_ns = CASE WHEN status = 'REQUESTED' AND respond_ns <> 9223372036854775807 THEN respond_ns END,
    refund_due_ns = (SELECT CAST(round((julianday(json_extract(d.doc, '$.Deadlines.RefundBy')) - 2440587.5) * 86400000) AS INTEGER) * 1000000
            FROM case_docs AS d WHERE d.id = cases.id);

UPDATE cases SET (grade, recovered_minor, recovered_currency) =
    (SELECT i.grade, i.recovered_minor, i.recovered_currency FROM inspections AS i
     WHERE i.org = cases.org AND i.platform = cases.platform AND i.case_id = cases.case_id);

-- Whoever writes an inspection, its case's copy follows, in the same
-- transaction. (An inspection needs its case received, so the case exists.)
CREATE TRIGGER inspections_copy_insert AFTER INSERT ON inspections BEGIN
    UPDATE cases SET grade = NEW.grade, recovered_minor = NEW.recovered_minor, recovered_currency = NEW.recovered_currency
    WHERE org = NEW.org AND platform = NEW.platform AND case_id = NEW.case_id;
END;
CREATE TRIGGER inspections_copy_update AFTER UPDATE ON inspections BEGIN
    UPDATE cases SET grade = NULL, recovered_minor = NULL, recovered_currency = NULL
    WHERE org = OLD.org AND platform = OLD.platform AND case_id = OLD.case_id;
    UPDATE cases SET grade = NEW.grade, recovered_minor = NEW.recovered_minor, recovered_currency = NEW.recovered_currency
    WHERE org = NEW.org AND platform = NEW.platform AND case_id = NEW.case_id;
END;
CREATE TRIGGER inspections_copy_delete AFTER DELETE ON inspections BEGIN
    UPDATE cases SET grade = NULL, recovered_minor = NULL, recovered_currency = NULL
    WHERE org = OLD.org AND platform = OLD.platform AND case_id = OLD.case_id;
END;

-- Analytics reads every case of the organisation that passes the filter:
-- this index holds every column it reads, so the aggregation scans the index
-- alone (no table row). It leads with (sku, reason, week), so that the
-- spike counts (per SKU, reason and week) stream in order without a sort.
CREATE INDEX cases_analytics ON cases (org, sku, reason, week, platform, shop_id, market,
    status, kind, created_ns, responded_ns, refunded_ns, refund_currency, refund_minor,
    respond_due_ns, refund_due_ns, grade, recovered_currency, recovered_minor, updated_ns, respond_ns, order_id, case_id);

-- Order counts per shop and ISO week (and SKU, "" for all), that return
-- rates divide by: from the platform's order API or given by the seller.
CREATE TABLE order_counts (
    org        TEXT    NOT NULL,
    platform   TEXT    NOT NULL,
    shop_id    TEXT    NOT NULL,
    week       TEXT    NOT NULL,
    sku        TEXT    NOT NULL,
    orders     INTEGER NOT NULL CHECK (orders >= 0),
    source     TEXT    NOT NULL,
    updated_ns INTEGER NOT NULL,
    PRIMARY KEY (org, platform, shop_id, week, sku)
) WITHOUT ROWID;

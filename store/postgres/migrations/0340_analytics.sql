-- What analytics groups and sums over; see store/sqlite's migration of the
-- same name.
ALTER TABLE cases ADD COLUMN sku             text   NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN week            text   NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN refund_minor    bigint;
ALTER TABLE cases ADD COLUMN refund_currency text;
ALTER TABLE cases ADD COLUMN responded_ns    bigint;
ALTER TABLE cases ADD COLUMN refunded_ns     bigint;
ALTER TABLE cases ADD COLUMN respond_due_ns  bigint;
ALTER TABLE cases ADD COLUMN refund_due_ns   bigint;
-- The case's inspection, copied by the trigger below.
ALTER TABLE cases ADD COLUMN grade              text;
ALTER TABLE cases ADD COLUMN recovered_minor    bigint;
ALTER TABLE cases ADD COLUMN recovered_currency text;

-- The backfill from the stored document (encoding/json of returns.Case).
UPDATE cases SET
    sku = coalesce(j.doc -> 'Lines' -> 0 ->> 'SKU', ''),
    week = to_char(to_timestamp(created_ns / 1000000000) AT TIME ZONE 'UTC', 'IYYY-"W"IW'),
    refund_minor = (j.doc -> 'RefundedAmount' ->> 'Minor')::bigint,
    refund_currency = j.doc -> 'RefundedAmount' ->> 'Currency',
    responded_ns = coalesce(
        (extract(epoch FROM (j.doc ->> 'ApprovedAt')::timestamptz) * 1000000)::bigint * 1000,
        CASE WHEN status NOT IN ('REQUESTED', 'CANCELLED', 'CLOSED') THEN updated_ns END),
    refunded_ns = CASE WHEN status = 'REFUNDED' THEN updated_ns END,
    respond_due_ns = CASE WHEN status = 'REQUESTED' AND respond_ns <> 9223372036854775807 THEN respond_ns END,
    refund_due_ns = (extract(epoch FROM (j.doc -> 'Deadlines' ->> 'RefundBy')::timestamptz) * 1000000)::bigint * 1000
FROM (SELECT id, convert_from(doc, 'UTF8')::jsonb AS doc FROM cases) AS j
WHERE j.id = cases.id;

UPDATE cases SET grade = i.grade, recovered_minor = i.recovered_minor, recovered_currency = i.recovered_currency
FROM inspections AS i WHERE i.org = cases.org AND i.platform = cases.platform AND i.case_id = cases.case_id;

-- Whoever writes an inspection, its case's copy follows, in the same transaction.
CREATE FUNCTION inspections_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE cases SET grade = NULL, recovered_minor = NULL, recovered_currency = NULL
        WHERE org = OLD.org AND platform = OLD.platform AND case_id = OLD.case_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE cases SET grade = NEW.grade, recovered_minor = NEW.recovered_minor, recovered_currency = NEW.recovered_currency
        WHERE org = NEW.org AND platform = NEW.platform AND case_id = NEW.case_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER inspections_copy AFTER INSERT OR UPDATE OR DELETE ON inspections
    FOR EACH ROW EXECUTE FUNCTION inspections_copy();

-- Every column analytics reads, so that the aggregation is an index-only scan.
CREATE INDEX cases_analytics ON cases (org, sku, reason, week, platform, shop_id, market)
    INCLUDE (status, kind, created_ns, responded_ns, refunded_ns, refund_currency, refund_minor,
    respond_due_ns, refund_due_ns, grade, recovered_currency, recovered_minor, updated_ns, respond_ns, case_id, order_id);

CREATE TABLE order_counts (
    org        text   NOT NULL,
    platform   text   NOT NULL,
    shop_id    text   NOT NULL,
    week       text   NOT NULL,
    sku        text   NOT NULL,
    orders     bigint NOT NULL CHECK (orders >= 0),
    source     text   NOT NULL,
    updated_ns bigint NOT NULL,
    PRIMARY KEY (org, platform, shop_id, week, sku)
);

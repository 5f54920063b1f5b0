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

-- Every column analytics reads, so that the aggregation is an index-only scan.
CREATE INDEX cases_analytics ON cases (org, platform, reason, sku, week, shop_id, market)
    INCLUDE (status, kind, created_ns, responded_ns, refunded_ns, refund_currency, refund_minor,
    respond_due_ns, refund_due_ns, updated_ns, respond_ns, case_id, order_id);

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

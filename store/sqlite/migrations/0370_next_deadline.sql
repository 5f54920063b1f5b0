-- The seller's next deadline (store.OrderNextDeadlineAsc, returns.Case.
-- NextSellerDeadline): of an open case, the earlier of respondBy and
-- refundBy, in unix nanoseconds; store.NoDeadline (max int64) for none, so
-- that such cases sort last without NULL handling. Written by every upsert.
ALTER TABLE cases ADD COLUMN next_ns INTEGER NOT NULL DEFAULT 9223372036854775807;

-- The backfill of the cases stored before, from the same facts: respond_ns
-- is respondBy exactly; refundBy is read from the stored document
-- (encoding/json of the canonical case: RFC 3339 in UTC, "Z", up to nine
-- fraction digits, trailing zeros dropped), whole seconds and fraction
-- apart so that no nanosecond is lost to floating point.
UPDATE cases SET next_ns = CASE
    WHEN status IN ('REQUESTED', 'NEGOTIATING', 'AWAITING_BUYER_SHIPMENT', 'IN_TRANSIT', 'RECEIVED',
                    'REFUND_PENDING', 'EXCHANGE_SHIPPED', 'REJECTED', 'ESCALATED')
    THEN min(respond_ns, coalesce(
        (SELECT CAST(strftime('%s', substr(r.t, 1, 19)) AS INTEGER) * 1000000000 +
                CASE WHEN substr(r.t, 20, 1) = '.'
                     THEN CAST(substr(substr(r.t, 21, length(r.t) - 21) || '000000000', 1, 9) AS INTEGER)
                     ELSE 0 END
         FROM (SELECT json_extract(d.doc, '$.Deadlines.RefundBy') AS t FROM case_docs AS d WHERE d.id = cases.id) AS r
         WHERE r.t IS NOT NULL),
        9223372036854775807))
    ELSE 9223372036854775807 END;

-- The order's indexes, like migration 0004's: one that carries every column
-- a filter tests, one per status. The other order indexes gain next_ns so
-- that a nextDeadlineBefore filter is checked on their entries too.
CREATE INDEX cases_by_next ON cases (org, next_ns, platform, case_id,
    status, kind, market, shop_id, reason, updated_ns, created_ns, respond_ns);
CREATE INDEX cases_by_status_next ON cases (org, status, next_ns, platform, case_id);
DROP INDEX cases_by_updated;
DROP INDEX cases_by_respond;
DROP INDEX cases_by_created;
CREATE INDEX cases_by_updated ON cases (org, updated_ns, platform, case_id,
    status, kind, market, shop_id, reason, respond_ns, created_ns, next_ns);
CREATE INDEX cases_by_respond ON cases (org, respond_ns, platform, case_id,
    status, kind, market, shop_id, reason, updated_ns, created_ns, next_ns);
CREATE INDEX cases_by_created ON cases (org, created_ns, platform, case_id,
    status, kind, market, shop_id, reason, updated_ns, respond_ns, next_ns);

-- The seller's next deadline; see store/sqlite's migration of the same name.
ALTER TABLE cases ADD COLUMN next_ns bigint NOT NULL DEFAULT 9223372036854775807;

-- The backfill: respond_ns is respondBy exactly; refundBy comes from the
-- stored document (RFC 3339 in UTC, up to nine fraction digits), seconds
-- and fraction apart so that no nanosecond is lost.
UPDATE cases SET next_ns = CASE
    WHEN status IN ('REQUESTED', 'NEGOTIATING', 'AWAITING_BUYER_SHIPMENT', 'IN_TRANSIT', 'RECEIVED',
                    'REFUND_PENDING', 'EXCHANGE_SHIPPED', 'REJECTED', 'ESCALATED')
    THEN least(respond_ns, coalesce(
        extract(epoch FROM (substr(r.t, 1, 19) || 'Z')::timestamptz)::bigint * 1000000000 +
            CASE WHEN substr(r.t, 20, 1) = '.'
                 THEN rpad(substr(r.t, 21, length(r.t) - 21), 9, '0')::bigint
                 ELSE 0 END,
        9223372036854775807))
    ELSE 9223372036854775807 END
FROM (SELECT id, convert_from(doc, 'UTF8')::jsonb -> 'Deadlines' ->> 'RefundBy' AS t FROM cases) AS r
WHERE r.id = cases.id;

CREATE INDEX cases_by_next ON cases (org, next_ns, platform, case_id);

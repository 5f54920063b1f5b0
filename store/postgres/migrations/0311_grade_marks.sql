-- Goods that wait to be graded (OPS-GRADES) are now indexed by their arrival
-- (store.DeadlineMarks). Cases stored before get an anchor mark at their
-- ReceivedAt while open; the deadline timer decides from the case whether
-- grading is still due, so a mark too many costs a read, never an alert.
-- Slot 100 is past any slot the store writes; the case's next write
-- replaces its marks.
INSERT INTO case_deadlines (id, n, org, anchor, at_ns)
SELECT id, 100, org, 1,
       (extract(epoch FROM (convert_from(doc, 'UTF8')::jsonb ->> 'ReceivedAt')::timestamptz) * 1000000)::bigint * 1000
FROM cases
WHERE status IN ('RECEIVED', 'REFUND_PENDING', 'ESCALATED', 'EXCHANGE_SHIPPED', 'REJECTED')
  AND convert_from(doc, 'UTF8')::jsonb ->> 'ReceivedAt' IS NOT NULL;

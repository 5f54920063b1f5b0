-- Goods that wait to be graded (OPS-GRADES) are now indexed by their arrival
-- (store.DeadlineMarks): reindex the stored cases' deadlines on open, as
-- migration 0002 asked for when the index was new (backfillDeadlines).
INSERT OR IGNORE INTO backfills (name) SELECT 'deadlines' WHERE EXISTS (SELECT 1 FROM cases);

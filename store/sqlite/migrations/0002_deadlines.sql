-- The deadline marks of every open case (store.DeadlineMarks), so that the
-- deadline timer reads the cases inside its horizon through an index instead
-- of scanning every open case. slot numbers a case's marks; anchor is 1 for
-- the anchor of a rule-derived deadline, 0 for a deadline the platform gave.
-- Rows of cases stored before this migration are filled in by the store on
-- open (see backfillDeadlines), which the marker row below asks for.
CREATE TABLE case_deadlines (
    id     INTEGER NOT NULL REFERENCES cases (id),
    slot   INTEGER NOT NULL,
    org    TEXT    NOT NULL,
    anchor INTEGER NOT NULL,
    at_ns  INTEGER NOT NULL,
    PRIMARY KEY (id, slot)
) WITHOUT ROWID;
CREATE INDEX case_deadlines_due ON case_deadlines (org, anchor, at_ns);

CREATE TABLE backfills (name TEXT PRIMARY KEY) WITHOUT ROWID;
INSERT INTO backfills (name) SELECT 'deadlines' WHERE EXISTS (SELECT 1 FROM cases);

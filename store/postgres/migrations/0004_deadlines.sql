-- The deadline marks of open cases (store.DeadlineMarks), so that the
-- deadline timer reads a horizon through an index instead of every case.
CREATE TABLE case_deadlines (
    id     bigint  NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    n      integer NOT NULL,
    org    text    NOT NULL,
    anchor integer NOT NULL,
    at_ns  bigint  NOT NULL,
    PRIMARY KEY (id, n)
);
CREATE INDEX case_deadlines_due ON case_deadlines (org, anchor, at_ns, id);

-- The seller's inspection of a returned case's goods: one per case (a new
-- grading replaces it; the event log keeps the history). Analytics reads the
-- grade mix and the recovered value from here. Times are unix nanoseconds.
CREATE TABLE inspections (
    org                TEXT    NOT NULL,
    platform           TEXT    NOT NULL,
    case_id            TEXT    NOT NULL,
    grade              TEXT    NOT NULL CHECK (grade IN ('A', 'B', 'C')),
    disposition        TEXT    NOT NULL CHECK (disposition IN ('RESTOCK', 'OUTLET', 'LIQUIDATE', 'DISPOSE')),
    recovered_minor    INTEGER NOT NULL CHECK (recovered_minor >= 0),
    recovered_currency TEXT    NOT NULL,
    notes              TEXT    NOT NULL,
    evidence_ids       TEXT    NOT NULL, -- a JSON array of evidence ids
    inspected_ns       INTEGER NOT NULL,
    PRIMARY KEY (org, platform, case_id)
);
CREATE INDEX inspections_by_time ON inspections (org, inspected_ns);

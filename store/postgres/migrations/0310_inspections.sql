-- The seller's inspection of a returned case's goods; see store/sqlite's
-- migration of the same name.
CREATE TABLE inspections (
    org                text   NOT NULL,
    platform           text   NOT NULL,
    case_id            text   NOT NULL,
    grade              text   NOT NULL CHECK (grade IN ('A', 'B', 'C')),
    disposition        text   NOT NULL CHECK (disposition IN ('RESTOCK', 'OUTLET', 'LIQUIDATE', 'DISPOSE')),
    recovered_minor    bigint NOT NULL CHECK (recovered_minor >= 0),
    recovered_currency text   NOT NULL,
    notes              text   NOT NULL,
    evidence_ids       text   NOT NULL, -- a JSON array of evidence ids
    inspected_ns       bigint NOT NULL,
    PRIMARY KEY (org, platform, case_id)
);
CREATE INDEX inspections_by_time ON inspections (org, inspected_ns);

-- Export returns (XB-EXPORT-RETURN): one workflow per Alibaba.com case, its
-- six steps one row each. The case document carries the terms the rules need
-- (Case.Export); these tables are the workflow's record. Times are unix
-- nanoseconds; money is minor units with its currency.
CREATE TABLE export_returns (
    org                      TEXT    NOT NULL,
    platform                 TEXT    NOT NULL,
    case_id                  TEXT    NOT NULL,
    contract_no              TEXT    NOT NULL,
    contract_return_days     INTEGER NOT NULL CHECK (contract_return_days BETWEEN 1 AND 365),
    sales_contract_ids       TEXT    NOT NULL, -- a JSON array of evidence ids, as given
    invoice_ids              TEXT    NOT NULL, -- a JSON array of evidence ids, as given
    logistics_channel        TEXT    NOT NULL,
    carrier                  TEXT    NOT NULL,
    carrier_acceptance_hours INTEGER NOT NULL CHECK (carrier_acceptance_hours > 0),
    freight_minor            INTEGER CHECK (freight_minor >= 0),
    freight_currency         TEXT,
    insurance_minor          INTEGER CHECK (insurance_minor >= 0),
    insurance_currency       TEXT,
    started_ns               INTEGER NOT NULL,
    version                  INTEGER NOT NULL,
    PRIMARY KEY (org, platform, case_id)
);

CREATE TABLE export_return_steps (
    org          TEXT    NOT NULL,
    platform     TEXT    NOT NULL,
    case_id      TEXT    NOT NULL,
    step         INTEGER NOT NULL CHECK (step BETWEEN 1 AND 6),
    kind         TEXT    NOT NULL CHECK (kind IN ('APPLICATION', 'REVIEW', 'LOGISTICS_CHANNEL', 'RETURN_PERIOD',
                                                  'CUSTOMS_CHECKLIST', 'FREIGHT_INSURANCE')),
    due_ns       INTEGER,
    completed_ns INTEGER,
    note         TEXT    NOT NULL,
    checklist    TEXT,             -- CUSTOMS_CHECKLIST: a JSON array of {item, ok, note}
    PRIMARY KEY (org, platform, case_id, step),
    FOREIGN KEY (org, platform, case_id) REFERENCES export_returns (org, platform, case_id) ON DELETE CASCADE
);
-- The open steps by deadline, for a timer that alerts on them.
CREATE INDEX export_return_steps_due ON export_return_steps (org, due_ns) WHERE completed_ns IS NULL;

-- Export returns (XB-EXPORT-RETURN); see store/sqlite's migration of the
-- same name.
CREATE TABLE export_returns (
    org                      text    NOT NULL,
    platform                 text    NOT NULL,
    case_id                  text    NOT NULL,
    contract_no              text    NOT NULL,
    contract_return_days     bigint NOT NULL CHECK (contract_return_days BETWEEN 1 AND 365),
    sales_contract_ids       text    NOT NULL, -- a JSON array of evidence ids, as given
    invoice_ids              text    NOT NULL, -- a JSON array of evidence ids, as given
    logistics_channel        text    NOT NULL,
    carrier                  text    NOT NULL,
    carrier_acceptance_hours bigint NOT NULL CHECK (carrier_acceptance_hours > 0),
    freight_minor            bigint CHECK (freight_minor >= 0),
    freight_currency         text,
    insurance_minor          bigint CHECK (insurance_minor >= 0),
    insurance_currency       text,
    started_ns               bigint NOT NULL,
    version                  bigint NOT NULL,
    PRIMARY KEY (org, platform, case_id)
);

CREATE TABLE export_return_steps (
    org          text    NOT NULL,
    platform     text    NOT NULL,
    case_id      text    NOT NULL,
    step         bigint NOT NULL CHECK (step BETWEEN 1 AND 6),
    kind         text    NOT NULL CHECK (kind IN ('APPLICATION', 'REVIEW', 'LOGISTICS_CHANNEL', 'RETURN_PERIOD',
                                                  'CUSTOMS_CHECKLIST', 'FREIGHT_INSURANCE')),
    due_ns       bigint,
    completed_ns bigint,
    note         text    NOT NULL,
    checklist    text,             -- CUSTOMS_CHECKLIST: a JSON array of {item, ok, note}
    PRIMARY KEY (org, platform, case_id, step),
    FOREIGN KEY (org, platform, case_id) REFERENCES export_returns (org, platform, case_id) ON DELETE CASCADE
);
-- The open steps by deadline, for a timer that alerts on them.
CREATE INDEX export_return_steps_due ON export_return_steps (org, due_ns) WHERE completed_ns IS NULL;

-- Buyer message templates: an organisation's default per reason and language
-- (platform = '' and shop_id = ''), and a shop's overrides. The built-in
-- templates are code (package returns), not rows.
CREATE TABLE message_templates (
    org        TEXT    NOT NULL,
    platform   TEXT    NOT NULL,
    shop_id    TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    language   TEXT    NOT NULL CHECK (language IN ('ZH', 'EN')),
    body       TEXT    NOT NULL,
    updated_ns INTEGER NOT NULL,
    PRIMARY KEY (org, platform, shop_id, reason, language)
);

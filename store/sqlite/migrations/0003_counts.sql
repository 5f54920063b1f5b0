-- How many cases each organisation has per (platform, status, kind, market,
-- shop), kept in the same transaction as every write of a case, so that the
-- total of a list filtered on these columns is a sum over a few rows instead
-- of a count over every matching case.
CREATE TABLE case_counts (
    org      TEXT    NOT NULL,
    platform TEXT    NOT NULL,
    status   TEXT    NOT NULL,
    kind     TEXT    NOT NULL,
    market   TEXT    NOT NULL,
    shop_id  TEXT    NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (org, platform, status, kind, market, shop_id)
) WITHOUT ROWID;
INSERT INTO case_counts (org, platform, status, kind, market, shop_id, n)
    SELECT org, platform, status, kind, market, shop_id, count(*) FROM cases
    GROUP BY org, platform, status, kind, market, shop_id;

-- How many cases each organisation has per (platform, status, kind, market,
-- shop): the same table as store/sqlite's migration 0003_counts.sql, kept in
-- the transaction of every write that adds a case, moves it to another
-- bucket or deletes it, so that the total of a list filtered on these
-- columns is a sum over a few rows instead of a count over every matching
-- case.
CREATE TABLE case_counts (
    org      text   NOT NULL,
    platform text   NOT NULL,
    status   text   NOT NULL,
    kind     text   NOT NULL,
    market   text   NOT NULL,
    shop_id  text   NOT NULL,
    n        bigint NOT NULL,
    PRIMARY KEY (org, platform, status, kind, market, shop_id)
);

-- The log's lock (logLock in postgres.go), which every write of a case
-- holds: a replica still running the code before this migration cannot
-- write a case between the count below and its commit. (Its writes after
-- the commit are not counted: as with 0370's next_ns, replicas of the older
-- release must not keep writing once this one has migrated.)
SELECT pg_advisory_xact_lock(1919383330);

-- The back-fill from the cases already stored.
INSERT INTO case_counts (org, platform, status, kind, market, shop_id, n)
    SELECT org, platform, status, kind, market, shop_id, count(*) FROM cases
    GROUP BY org, platform, status, kind, market, shop_id;

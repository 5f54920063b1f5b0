-- Indexes for every filter and order of the case list (see planList, which
-- names the index each query walks, and TestListPlans, which proves that no
-- list scans the table or sorts):
--
-- * The order indexes also carry every column a filter tests, so that a
--   filter on anything but the status is checked on index entries, without
--   reading a row, as the walk along the order goes.
-- * A filter on one status walks an index that starts with the status, in
--   each order; a platform filter beside it is checked on its entries.
DROP INDEX cases_by_updated;
DROP INDEX cases_by_respond;
DROP INDEX cases_by_created;
DROP INDEX cases_by_status;
CREATE INDEX cases_by_updated ON cases (org, updated_ns, platform, case_id,
    status, kind, market, shop_id, reason, respond_ns, created_ns);
CREATE INDEX cases_by_respond ON cases (org, respond_ns, platform, case_id,
    status, kind, market, shop_id, reason, updated_ns, created_ns);
CREATE INDEX cases_by_created ON cases (org, created_ns, platform, case_id,
    status, kind, market, shop_id, reason, updated_ns, respond_ns);
CREATE INDEX cases_by_status_updated ON cases (org, status, updated_ns, platform, case_id);
CREATE INDEX cases_by_status_respond ON cases (org, status, respond_ns, platform, case_id);
CREATE INDEX cases_by_status_created ON cases (org, status, created_ns, platform, case_id);

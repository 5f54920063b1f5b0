-- One case's events in log order (ReturnCase.events, the console's timeline),
-- without walking the organisation's whole log.
CREATE INDEX events_by_case ON events (org, platform, case_id, seq);

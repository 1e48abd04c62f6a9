-- Reports made here (on the web and in the API) beside those received from other servers
-- (`Flag`): who reported (a local person), which post or person, and how a moderator resolved
-- it. No foreign keys, so SQLite can drop the columns again.
ALTER TABLE reports ADD COLUMN reporter_id BIGINT;
ALTER TABLE reports ADD COLUMN post_id BIGINT;
ALTER TABLE reports ADD COLUMN person_id BIGINT;
ALTER TABLE reports ADD COLUMN resolved_by BIGINT;
ALTER TABLE reports ADD COLUMN resolution TEXT NOT NULL DEFAULT '';
CREATE INDEX reports_open ON reports (resolved_at, id);

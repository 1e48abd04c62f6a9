DROP INDEX reports_open;
ALTER TABLE reports DROP COLUMN resolution;
ALTER TABLE reports DROP COLUMN resolved_by;
ALTER TABLE reports DROP COLUMN person_id;
ALTER TABLE reports DROP COLUMN post_id;
ALTER TABLE reports DROP COLUMN reporter_id;

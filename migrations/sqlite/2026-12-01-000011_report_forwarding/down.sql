ALTER TABLE reports DROP COLUMN forwarded_at;

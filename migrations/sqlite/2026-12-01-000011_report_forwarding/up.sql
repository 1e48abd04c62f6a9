-- A report about content or a person from another server, forwarded by a moderator to that
-- server (a `Flag` from our instance actor): when it was sent.
ALTER TABLE reports ADD COLUMN forwarded_at TIMESTAMP;

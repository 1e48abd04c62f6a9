ALTER TABLE instance_settings DROP COLUMN modlog_names;
DROP TABLE mod_log;
ALTER TABLE threads DROP COLUMN removed;
ALTER TABLE posts DROP COLUMN removed_reason;
ALTER TABLE posts DROP COLUMN removed_at;

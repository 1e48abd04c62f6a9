ALTER TABLE instance_settings DROP COLUMN logo_url;
ALTER TABLE instance_settings DROP COLUMN accent_color;
DROP TABLE likes;
DROP TABLE post_revisions;
DROP TABLE posts;
DROP TABLE threads;
DROP TABLE spaces;

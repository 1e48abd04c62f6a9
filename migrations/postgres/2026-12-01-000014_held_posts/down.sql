DROP INDEX posts_held;
ALTER TABLE spaces DROP COLUMN newcomer_posts;
ALTER TABLE threads DROP COLUMN held;
ALTER TABLE posts DROP COLUMN held_activity;
ALTER TABLE posts DROP COLUMN held_reason;
ALTER TABLE posts DROP COLUMN held_at;

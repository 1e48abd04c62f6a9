-- Moderators remove posts with a reason; they never change the words. A removed post keeps its
-- text (its author still sees it, and a restore brings it back); everyone else sees the reason.
ALTER TABLE posts ADD COLUMN removed_at TIMESTAMP;
ALTER TABLE posts ADD COLUMN removed_reason TEXT NOT NULL DEFAULT '';
-- Set when the opening post is removed: lists show the thread without its title.
ALTER TABLE threads ADD COLUMN removed BOOLEAN NOT NULL DEFAULT FALSE;

-- The public moderation log: who did what to which content or person, when and why.
CREATE TABLE mod_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    moderator_id BIGINT REFERENCES persons (id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    space_id BIGINT REFERENCES spaces (id) ON DELETE SET NULL,
    post_id BIGINT REFERENCES posts (id) ON DELETE SET NULL,
    person_id BIGINT REFERENCES persons (id) ON DELETE SET NULL,
    reason TEXT NOT NULL,
    expires_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX mod_log_post ON mod_log (post_id);

-- Whether the public log names the moderator, or says "a moderator".
ALTER TABLE instance_settings ADD COLUMN modlog_names BOOLEAN NOT NULL DEFAULT TRUE;

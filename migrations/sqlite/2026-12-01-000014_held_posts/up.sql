-- The newcomer gate: a post that waits for a moderator's approval before anyone else sees it
-- (and before it federates, notifies or reaches the desk), and why it waits.
ALTER TABLE posts ADD COLUMN held_at TIMESTAMP;
ALTER TABLE posts ADD COLUMN held_reason TEXT NOT NULL DEFAULT '';
-- For a post from another server: the activity as received, passed on once approved.
ALTER TABLE posts ADD COLUMN held_activity TEXT;
-- Set while the opening post waits: the thread is not listed.
ALTER TABLE threads ADD COLUMN held BOOLEAN NOT NULL DEFAULT FALSE;
-- How many posts of a newcomer wait for approval in this space (0: none).
ALTER TABLE spaces ADD COLUMN newcomer_posts BIGINT NOT NULL DEFAULT 0;
CREATE INDEX posts_held ON posts (held_at) WHERE held_at IS NOT NULL;

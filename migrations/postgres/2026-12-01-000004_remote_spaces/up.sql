-- Spaces on other servers that people here follow: a `spaces` row stands for the remote Group
-- (name `support@host`), as a `persons` row stands for a remote person. No foreign key, so
-- SQLite can drop the column again.
ALTER TABLE spaces ADD COLUMN remote_actor_id BIGINT;
CREATE UNIQUE INDEX spaces_remote_actor ON spaces (remote_actor_id);

-- People here following a space on another server. `accepted_at` is set when its Group
-- answers the Follow with an Accept.
CREATE TABLE space_subscriptions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    space_id BIGINT NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    follow_activity_id TEXT NOT NULL UNIQUE,
    accepted_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (space_id, person_id)
);

-- Lemmy's `postingRestrictedToMods` of a remote Group: only its moderators start threads.
ALTER TABLE remote_actors ADD COLUMN posting_restricted BOOLEAN NOT NULL DEFAULT FALSE;

-- Signing keys of local actors (people and spaces), created the first time an actor federates.
CREATE TABLE actor_keys (
    handle TEXT PRIMARY KEY NOT NULL REFERENCES handles (name),
    public_key_pem TEXT NOT NULL,
    private_key_pem TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- The instance actor (signs fetches) keeps its keys with the instance settings.
ALTER TABLE instance_settings ADD COLUMN public_key_pem TEXT NOT NULL DEFAULT '';
ALTER TABLE instance_settings ADD COLUMN private_key_pem TEXT NOT NULL DEFAULT '';

-- Actors on other servers we have seen: people, groups, instance actors. A cache, refreshed
-- from their origin.
CREATE TABLE remote_actors (
    id INTEGER PRIMARY KEY NOT NULL,
    ap_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    username TEXT NOT NULL,
    domain TEXT NOT NULL,
    display_name TEXT NOT NULL,
    summary_html TEXT NOT NULL,
    avatar_url TEXT,
    inbox TEXT NOT NULL,
    shared_inbox TEXT,
    public_key_pem TEXT NOT NULL,
    last_refreshed_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX remote_actors_domain ON remote_actors (domain);

-- Remote actors following a space.
CREATE TABLE follows (
    id INTEGER PRIMARY KEY NOT NULL,
    space_id BIGINT NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
    follower_id BIGINT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    follow_activity_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (space_id, follower_id)
);

-- Activities already received, by id: a redelivered activity changes nothing.
CREATE TABLE received_activities (
    ap_id TEXT PRIMARY KEY NOT NULL,
    received_at TIMESTAMP NOT NULL
);

-- Outgoing deliveries: one row per activity and inbox, written in the same transaction as the
-- change that causes it, sent (and retried) by the delivery worker, kept across restarts.
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY NOT NULL,
    activity_id TEXT NOT NULL,
    signer TEXT NOT NULL,
    inbox TEXT NOT NULL,
    inbox_host TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    -- While a worker sends the row, no other worker takes it (until the claim expires).
    claimed_until TIMESTAMP,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    -- The post the activity is about, for staff to see where it went.
    post_id BIGINT,
    UNIQUE (activity_id, inbox)
);
CREATE INDEX deliveries_post ON deliveries (post_id);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);

-- What happened (a thread or reply was written, …), recorded by the service layer in the same
-- transaction as the change. The federation side turns each event into activities and
-- delivery rows, then marks it processed.
CREATE TABLE outbox_events (
    id INTEGER PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
        -- Who acted, when it is not the subject's author (the person who liked, for a like).
    actor_id BIGINT,
    -- For activities received from elsewhere that the Group passes on: the activity as received.
    payload TEXT,
    created_at TIMESTAMP NOT NULL,
    processed_at TIMESTAMP
);
CREATE INDEX outbox_events_pending ON outbox_events (processed_at, id);

-- People from other servers who write in our spaces are persons too (name `user@host`, no
-- password), so threads and replies have one kind of author. SQLite: no foreign key here, so the column can be dropped again.
ALTER TABLE persons ADD COLUMN remote_actor_id BIGINT;
CREATE UNIQUE INDEX persons_remote_actor ON persons (remote_actor_id);

-- The ActivityPub id of posts that came from other servers (ours are derived from their row id).
ALTER TABLE posts ADD COLUMN ap_id TEXT;
CREATE UNIQUE INDEX posts_ap_id ON posts (ap_id);

-- Reports (Flag) received from other servers, kept for the moderators.
CREATE TABLE reports (
    id INTEGER PRIMARY KEY NOT NULL,
    activity_id TEXT NOT NULL UNIQUE,
    reporter TEXT NOT NULL,
    reason TEXT NOT NULL,
    objects TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP
);

-- Other servers as delivery targets: one that has failed for days is marked unreachable; then
-- only one probe delivery goes to it now and then, until it answers and the rest resume.
CREATE TABLE peers (
    host TEXT PRIMARY KEY NOT NULL,
    failing_since TIMESTAMP,
    unreachable BOOLEAN NOT NULL DEFAULT FALSE,
    next_probe_at TIMESTAMP,
    last_success_at TIMESTAMP
);

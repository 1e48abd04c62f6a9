-- People and spaces share one namespace: every local handle is a row here, so a space named
-- `support` and a person named `support` cannot both exist (WebFinger resolves one name to one actor).
-- People from other servers are listed as `name@host` ('remote'), which no local handle can be.
CREATE TABLE handles (
    name TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('person', 'space', 'remote'))
);

CREATE TABLE persons (
    id INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE REFERENCES handles (name),
    display_name TEXT NOT NULL DEFAULT '',
    bio TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL CHECK (role IN ('admin', 'moderator', 'staff', 'member')),
    status TEXT NOT NULL CHECK (status IN ('active', 'pending', 'rejected', 'suspended')),
    password_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Web sessions, API login tokens and personal access tokens. Only a SHA-256 of the token is kept.
CREATE TABLE auth_tokens (
    id INTEGER PRIMARY KEY NOT NULL,
    person_id BIGINT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('session', 'login', 'personal')),
    label TEXT NOT NULL DEFAULT '',
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP
);
CREATE INDEX auth_tokens_person ON auth_tokens (person_id);

CREATE TABLE instance_settings (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    registration_mode TEXT NOT NULL CHECK (registration_mode IN ('open', 'approval', 'invite', 'closed')),
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO instance_settings (id, name, description, registration_mode, updated_at)
VALUES (1, 'Hearth', '', 'open', CURRENT_TIMESTAMP);

CREATE TABLE invites (
    id INTEGER PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    created_by BIGINT REFERENCES persons (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    used_by BIGINT REFERENCES persons (id) ON DELETE SET NULL,
    used_at TIMESTAMP
);

-- What administrators did, and when. Never shown to the public; kept for accountability.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY NOT NULL,
    actor_id BIGINT REFERENCES persons (id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Spaces: the communities of an instance ("Support", "Ideas"). Their names live in `handles`
-- with the people's, so one name is one actor.
CREATE TABLE spaces (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL UNIQUE REFERENCES handles (name),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    description_html TEXT NOT NULL DEFAULT '',
    rules TEXT NOT NULL DEFAULT '',
    rules_html TEXT NOT NULL DEFAULT '',
    posting_mode TEXT NOT NULL CHECK (posting_mode IN ('open', 'announcements')),
    archived BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- A thread is a title plus its opening post; every reply is a post too.
CREATE TABLE threads (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    space_id BIGINT NOT NULL REFERENCES spaces (id),
    author_id BIGINT NOT NULL REFERENCES persons (id),
    title TEXT NOT NULL,
    slug TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_activity_at TIMESTAMP NOT NULL,
    reply_count BIGINT NOT NULL DEFAULT 0,
    like_count BIGINT NOT NULL DEFAULT 0,
    answer_post_id BIGINT,
    answered_at TIMESTAMP,
    answered_by BIGINT REFERENCES persons (id),
    deleted BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX threads_space_new ON threads (space_id, created_at, id);
CREATE INDEX threads_space_active ON threads (space_id, last_activity_at, id);
CREATE INDEX threads_space_top ON threads (space_id, like_count, id);
CREATE INDEX threads_author ON threads (author_id, id);

-- `parent_id` is NULL for a thread's opening post; a reply points at the post it answers.
CREATE TABLE posts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    thread_id BIGINT NOT NULL REFERENCES threads (id),
    parent_id BIGINT REFERENCES posts (id),
    author_id BIGINT NOT NULL REFERENCES persons (id),
    body TEXT NOT NULL,
    body_html TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    edited_at TIMESTAMP,
    deleted_at TIMESTAMP,
    like_count BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX posts_thread ON posts (thread_id, id);
CREATE INDEX posts_author ON posts (author_id, id);

-- Earlier versions of a post, kept on every edit; `title` for opening posts.
CREATE TABLE post_revisions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    title TEXT,
    body TEXT NOT NULL,
    body_html TEXT NOT NULL,
    written_at TIMESTAMP NOT NULL,
    replaced_at TIMESTAMP NOT NULL
);
CREATE INDEX post_revisions_post ON post_revisions (post_id, id);

CREATE TABLE likes (
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (post_id, person_id)
);
CREATE INDEX likes_person ON likes (person_id);

-- The look of the instance: an accent colour and an optional logo.
ALTER TABLE instance_settings ADD COLUMN accent_color TEXT NOT NULL DEFAULT '#b4461c';
ALTER TABLE instance_settings ADD COLUMN logo_url TEXT NOT NULL DEFAULT '';

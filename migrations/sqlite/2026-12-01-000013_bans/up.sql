-- Bans: from one space (space_id) or from the whole instance (space_id NULL), for people from
-- here or from other servers, until expires_at (NULL: until lifted). A banned person still reads,
-- exports and deletes what they wrote; they cannot post, reply, edit, like or report there.
CREATE TABLE bans (
    id INTEGER PRIMARY KEY NOT NULL,
    person_id BIGINT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    space_id BIGINT REFERENCES spaces (id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    created_by BIGINT REFERENCES persons (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    lifted_at TIMESTAMP,
    lifted_by BIGINT REFERENCES persons (id) ON DELETE SET NULL,
    -- The public log entry of the ban (the `Block` an unban undoes).
    log_entry_id BIGINT REFERENCES mod_log (id) ON DELETE SET NULL
);
CREATE INDEX bans_person ON bans (person_id);

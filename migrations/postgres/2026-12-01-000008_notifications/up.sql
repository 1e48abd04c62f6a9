-- In-app notifications for local people: staff hear of new threads in the spaces here and of
-- customers writing again on threads assigned to them; everyone hears of replies to them,
-- mentions (@name) and their reply being accepted as the answer. Nothing leaves the instance.
CREATE TABLE notifications (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES persons (id),
    kind TEXT NOT NULL CHECK (kind IN ('new_thread', 'assigned_reply', 'reply', 'mention', 'answer_accepted')),
    thread_id BIGINT NOT NULL REFERENCES threads (id),
    post_id BIGINT REFERENCES posts (id),
    actor_id BIGINT REFERENCES persons (id),
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP
);
CREATE INDEX notifications_person ON notifications (person_id, id);
CREATE INDEX notifications_unread ON notifications (person_id) WHERE read_at IS NULL;

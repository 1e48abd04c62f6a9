-- The listening desk. A thread waits for a staff response from `waiting_since`: the first post
-- by someone who is not staff after the last staff reply (or after staff marked it answered).
-- A staff reply or "mark answered" clears it; the customer writing again sets it. The queue is
-- ordered by it and nothing else. `first_staff_reply_at` is kept for the response-time
-- figures. `assignee_id` is the staff member who took the thread. No foreign keys, so SQLite
-- can drop the columns again.
ALTER TABLE threads ADD COLUMN waiting_since TIMESTAMP;
ALTER TABLE threads ADD COLUMN first_staff_reply_at TIMESTAMP;
ALTER TABLE threads ADD COLUMN assignee_id BIGINT;
ALTER TABLE threads ADD COLUMN assigned_at TIMESTAMP;
CREATE INDEX threads_waiting ON threads (waiting_since, id) WHERE waiting_since IS NOT NULL;

-- How soon staff should answer in a space (minutes); threads waiting longer are highlighted.
ALTER TABLE spaces ADD COLUMN response_target_minutes BIGINT NOT NULL DEFAULT 1440;

-- Threads written before this migration get their place in the queue from their posts.
UPDATE threads SET first_staff_reply_at = (
    SELECT MIN(p.created_at) FROM posts p JOIN persons a ON a.id = p.author_id
    WHERE p.thread_id = threads.id AND p.parent_id IS NOT NULL AND a.role IN ('admin', 'staff')
);
UPDATE threads SET waiting_since = (
    SELECT MIN(p.created_at) FROM posts p JOIN persons a ON a.id = p.author_id
    WHERE p.thread_id = threads.id
      AND p.deleted_at IS NULL
      AND a.role NOT IN ('admin', 'staff')
      AND p.created_at > COALESCE((
          SELECT MAX(s.created_at) FROM posts s JOIN persons sa ON sa.id = s.author_id
          WHERE s.thread_id = threads.id AND sa.role IN ('admin', 'staff')
      ), '0001-01-01 00:00:00')
)
WHERE deleted = FALSE
  AND space_id IN (SELECT id FROM spaces WHERE remote_actor_id IS NULL);

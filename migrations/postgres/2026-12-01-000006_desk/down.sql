ALTER TABLE spaces DROP COLUMN response_target_minutes;
DROP INDEX threads_waiting;
ALTER TABLE threads DROP COLUMN assigned_at;
ALTER TABLE threads DROP COLUMN assignee_id;
ALTER TABLE threads DROP COLUMN first_staff_reply_at;
ALTER TABLE threads DROP COLUMN waiting_since;

ALTER TABLE remote_actors DROP COLUMN posting_restricted;
DROP TABLE space_subscriptions;
DROP INDEX spaces_remote_actor;
ALTER TABLE spaces DROP COLUMN remote_actor_id;

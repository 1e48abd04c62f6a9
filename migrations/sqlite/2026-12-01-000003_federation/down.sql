DROP TABLE outbox_events;
DROP TABLE deliveries;
DROP TABLE received_activities;
DROP TABLE follows;
DROP TABLE remote_actors;
ALTER TABLE instance_settings DROP COLUMN private_key_pem;
ALTER TABLE instance_settings DROP COLUMN public_key_pem;
DROP TABLE actor_keys;

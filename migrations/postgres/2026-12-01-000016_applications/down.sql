DROP TABLE applications;
ALTER TABLE instance_settings DROP COLUMN registration_questions;

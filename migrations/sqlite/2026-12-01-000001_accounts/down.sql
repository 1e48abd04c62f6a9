DROP TABLE audit_log;
DROP TABLE invites;
DROP TABLE instance_settings;
DROP TABLE auth_tokens;
DROP TABLE persons;
DROP TABLE handles;

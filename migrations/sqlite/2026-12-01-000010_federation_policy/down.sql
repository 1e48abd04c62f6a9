ALTER TABLE instance_settings DROP COLUMN federation_mode;
DROP TABLE federation_domains;

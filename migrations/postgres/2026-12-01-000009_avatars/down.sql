ALTER TABLE persons DROP COLUMN avatar;

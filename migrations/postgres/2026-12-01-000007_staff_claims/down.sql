ALTER TABLE persons DROP COLUMN staff_of;
ALTER TABLE remote_actors DROP COLUMN staff_title;
ALTER TABLE remote_actors DROP COLUMN staff_of;

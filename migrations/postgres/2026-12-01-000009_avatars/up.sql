-- A local person's avatar: the SHA-256 (hex) of the image, stored under
-- <data_dir>/avatars/local/<hash> and served at /media/avatars/local/<hash>.
ALTER TABLE persons ADD COLUMN avatar TEXT;

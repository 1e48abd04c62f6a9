ALTER TABLE spaces DROP COLUMN spam_threshold;
DROP TABLE spam_tokens;
ALTER TABLE posts DROP COLUMN trained_spam;
DROP INDEX posts_body_hash;
ALTER TABLE posts DROP COLUMN body_hash;
ALTER TABLE posts DROP COLUMN spam_why;
ALTER TABLE posts DROP COLUMN spam_score;

-- The spam score (#6): every new post by a member gets a score from 0 to 100 and the reasons
-- for it; a space holds posts scoring at or above its threshold for a moderator.
ALTER TABLE posts ADD COLUMN spam_score BIGINT;
ALTER TABLE posts ADD COLUMN spam_why TEXT NOT NULL DEFAULT '';
-- A hash of the post's own words (links and mentions left out), to see the same text posted
-- again in other threads or spaces.
ALTER TABLE posts ADD COLUMN body_hash BIGINT;
CREATE INDEX posts_body_hash ON posts (body_hash) WHERE body_hash IS NOT NULL;
-- What a moderator's decision taught the filter about this post: TRUE spam, FALSE not spam,
-- NULL nothing (so a reversed decision can be taken back).
ALTER TABLE posts ADD COLUMN trained_spam BOOLEAN;
-- The filter's word counts: in how many posts judged spam and not spam each word appeared.
-- The row with the empty token holds how many posts were judged each way.
CREATE TABLE spam_tokens (
    token TEXT PRIMARY KEY NOT NULL,
    spam BIGINT NOT NULL DEFAULT 0,
    ham BIGINT NOT NULL DEFAULT 0
);
INSERT INTO spam_tokens (token, spam, ham) VALUES ('', 0, 0);
-- Posts scoring at least this wait for a moderator (0: the score holds nothing here).
ALTER TABLE spaces ADD COLUMN spam_threshold BIGINT NOT NULL DEFAULT 50;

-- Staff of a brand on another server, as verified here: an actor claims to be staff of a Group
-- (`staffOf`, with a `staffTitle`) and counts as such only when the Group is on the actor's own
-- server and its `staff` collection lists the actor. `staff_of` is the Group's id once
-- verified, NULL otherwise. The person row standing for the actor carries the same, for pages.
ALTER TABLE remote_actors ADD COLUMN staff_of TEXT;
ALTER TABLE remote_actors ADD COLUMN staff_title TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN staff_of TEXT;

-- Registration in approval mode (#6): the operator's questions (a JSON array of strings) and
-- each application with its answers, its decision and the reason given to the applicant.
ALTER TABLE instance_settings ADD COLUMN registration_questions TEXT NOT NULL DEFAULT '[]';
CREATE TABLE applications (
    person_id BIGINT PRIMARY KEY NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    -- A JSON array of {"question", "answer"}: the questions as they were asked.
    answers TEXT NOT NULL DEFAULT '[]',
    created_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP,
    decided_by BIGINT REFERENCES persons (id) ON DELETE SET NULL,
    reason TEXT NOT NULL DEFAULT ''
);

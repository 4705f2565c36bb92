-- The leads' reminder that an agent's assignment letter (surat penugasan) ends within 14 days
-- (gateway/sla/assignments.py): one row per agent, letter and last day once its leads were
-- told, so each is told once; a renewed letter (a new number or a new last day) is a new row.
CREATE TABLE assignment_reminder (
    id {pk},
    agent TEXT NOT NULL,
    assignment TEXT NOT NULL,
    assigned_until VARCHAR(10) NOT NULL,
    sent_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX assignment_reminder_once ON assignment_reminder (agent, assignment, assigned_until);

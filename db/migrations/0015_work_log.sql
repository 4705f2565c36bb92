-- The work agents record with #tindakan (#action): one row per action, against the catalogue
-- of actions per level (gateway/desk/actions.toml). Who did it, in which team and at which
-- level, the action's code, the application it touched (SPSE, SIKaP; empty when the action
-- names none) and the agent's note. The reports count these rows per level, team, code and
-- application.
CREATE TABLE work_log (
    id {pk},
    ticket_id INTEGER NOT NULL REFERENCES ticket (id),
    agent TEXT NOT NULL,
    team VARCHAR(64) NOT NULL,
    level VARCHAR(2) NOT NULL,
    code VARCHAR(48) NOT NULL,
    application VARCHAR(32),
    note TEXT NOT NULL DEFAULT '',
    at TIMESTAMP NOT NULL
);
CREATE INDEX work_log_ticket ON work_log (ticket_id);
CREATE INDEX work_log_at ON work_log (at);

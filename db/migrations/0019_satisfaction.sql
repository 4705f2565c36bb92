-- The reporter's satisfaction (issue 18, item 3): one row each time a closing mail asked the
-- reporter the one question (the IKM scale, 1 tidak baik .. 4 sangat baik), for the team and
-- level that resolved the ticket; the answer (a reply, or later a web page) fills `score`,
-- `comment` (the reporter's own words, kept as text) and `answered_at`. `reporter` (lower
-- case) and `asked_at` keep to at most one survey per reporter per period.
CREATE TABLE survey (
    id {pk},
    ticket_id INTEGER NOT NULL REFERENCES ticket (id),
    reporter TEXT NOT NULL,
    team VARCHAR(64) NOT NULL,
    level VARCHAR(2) NOT NULL,
    asked_at TIMESTAMP NOT NULL,
    score SMALLINT,
    comment TEXT,
    answered_at TIMESTAMP,
    message_id INTEGER REFERENCES message (id)
);
CREATE INDEX survey_ticket ON survey (ticket_id);
CREATE INDEX survey_reporter ON survey (reporter, asked_at);
CREATE INDEX survey_answered ON survey (answered_at);
-- PostgreSQL's B-tree takes at most about 2,700 bytes an entry (see 0007): a hash index there.
{postgresql_only} DROP INDEX survey_reporter;
{postgresql_only} CREATE INDEX survey_reporter ON survey USING hash (reporter);

-- Links between tickets (gateway/store/links.py), one row per link, read both ways:
--   merged:  ticket_id was merged into other_id (a duplicate; mail to it lands on other_id);
--   parent:  ticket_id is a child of the incident other_id (the incident's answers reach it);
--   related: the two tickets are about related things (no effect but the link itself).
-- `kind` is free text so other links (a reply after closing that opens a new ticket) can be
-- kept here too. A link is never removed: the table is the history.
CREATE TABLE ticket_link (
    id {pk},
    ticket_id INTEGER NOT NULL REFERENCES ticket (id),
    other_id INTEGER NOT NULL REFERENCES ticket (id),
    kind VARCHAR(16) NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX ticket_link_once ON ticket_link (ticket_id, other_id, kind);
CREATE INDEX ticket_link_other ON ticket_link (other_id, kind);

-- A ticket's followers: people the reporter copied (To/Cc of the report) or an agent added
-- with #follow. They get the reporter's mail as Cc. A follower who leaves keeps the row,
-- marked removed (when and by whom), so the history stays; following again makes a new row.
CREATE TABLE follower (
    id {pk},
    ticket_id INTEGER NOT NULL REFERENCES ticket (id),
    email TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    added_by TEXT NOT NULL,
    added_at TIMESTAMP NOT NULL,
    removed_by TEXT,
    removed_at TIMESTAMP
);
CREATE INDEX follower_ticket ON follower (ticket_id);
-- The addresses of an outbox row sent to more than one (the reporter and the followers in
-- Cc), one row each: such a row's `recipient` lists them all, so the per-address count of
-- automatic mail (the loop cap) finds them here.
CREATE TABLE outbox_copy (
    id {pk},
    outbox_id INTEGER NOT NULL REFERENCES outbox (id),
    email TEXT NOT NULL,
    template VARCHAR(64) NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX outbox_copy_email ON outbox_copy (email, created_at);
-- PostgreSQL's B-tree takes at most about 2,700 bytes an entry (see 0007): a hash index there.
{postgresql_only} DROP INDEX outbox_copy_email;
{postgresql_only} CREATE INDEX outbox_copy_email ON outbox_copy USING hash (email);

-- The per-sender cap on new tickets ([loops] new_tickets_per_hour): a mail past the cap is
-- kept in quarantine (held_mail names its sender, so `ldp quarantine retry` can release it
-- past the cap), and flood_notice remembers when the L0 leads last heard of a sender.
CREATE TABLE held_mail (
    id {pk},
    quarantine_id INTEGER NOT NULL REFERENCES quarantine (id),
    sender TEXT NOT NULL,
    digest VARCHAR(64) NOT NULL,
    held_at TIMESTAMP NOT NULL
);
CREATE INDEX held_mail_sender ON held_mail (sender, held_at);
CREATE INDEX held_mail_digest ON held_mail (digest);

CREATE TABLE flood_notice (
    id {pk},
    sender TEXT NOT NULL UNIQUE,
    notified_at TIMESTAMP NOT NULL
);

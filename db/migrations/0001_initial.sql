-- The first schema. Placeholders: {pk} an auto-incrementing primary key, {blob} raw bytes.
-- Times are UTC, stored without a zone. Raw mail is kept for ever.

CREATE TABLE ticket (
    id {pk},
    ref VARCHAR(32) UNIQUE,
    subject TEXT NOT NULL,
    reporter_email VARCHAR(320) NOT NULL,
    reporter_name TEXT NOT NULL DEFAULT '',
    level VARCHAR(2) NOT NULL,
    team VARCHAR(64) NOT NULL,
    status VARCHAR(16) NOT NULL,
    priority VARCHAR(16) NOT NULL,
    category VARCHAR(64),
    assignee VARCHAR(320),
    language VARCHAR(8) NOT NULL,
    tags TEXT NOT NULL DEFAULT '',
    linked_ticket_id INTEGER REFERENCES ticket (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    closed_at TIMESTAMP
);
CREATE INDEX ticket_level_status ON ticket (level, status);
CREATE INDEX ticket_reporter ON ticket (reporter_email);

CREATE TABLE message (
    id {pk},
    ticket_id INTEGER REFERENCES ticket (id),
    direction VARCHAR(8) NOT NULL,
    visibility VARCHAR(8) NOT NULL,
    kind VARCHAR(64) NOT NULL,
    author_email VARCHAR(320) NOT NULL DEFAULT '',
    author_name TEXT NOT NULL DEFAULT '',
    message_key VARCHAR(1000) NOT NULL UNIQUE,
    message_id VARCHAR(1000),
    in_reply_to TEXT NOT NULL DEFAULT '',
    refs TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    html TEXT NOT NULL DEFAULT '',
    raw {blob},
    digest VARCHAR(64) NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX message_ticket ON message (ticket_id);
CREATE INDEX message_message_id ON message (message_id);

CREATE TABLE attachment (
    id {pk},
    message_id INTEGER NOT NULL REFERENCES message (id),
    storage_id VARCHAR(64) NOT NULL UNIQUE,
    name TEXT NOT NULL,
    content_type VARCHAR(255) NOT NULL,
    size INTEGER NOT NULL,
    sha256 VARCHAR(64) NOT NULL
);
CREATE INDEX attachment_message ON attachment (message_id);

CREATE TABLE event (
    id {pk},
    ticket_id INTEGER REFERENCES ticket (id),
    message_id INTEGER REFERENCES message (id),
    kind VARCHAR(32) NOT NULL,
    actor VARCHAR(320) NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    old_value TEXT,
    new_value TEXT,
    at TIMESTAMP NOT NULL
);
CREATE INDEX event_ticket ON event (ticket_id);

CREATE TABLE mailbox_cursor (
    id {pk},
    mailbox VARCHAR(255) NOT NULL UNIQUE,
    uidvalidity BIGINT NOT NULL,
    last_uid BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE outbox (
    id {pk},
    ticket_id INTEGER REFERENCES ticket (id),
    message_id VARCHAR(1000) NOT NULL UNIQUE,
    template VARCHAR(64) NOT NULL,
    sender VARCHAR(320) NOT NULL,
    recipient VARCHAR(320) NOT NULL,
    subject TEXT NOT NULL,
    visibility VARCHAR(8) NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    raw {blob} NOT NULL,
    status VARCHAR(16) NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE quarantine (
    id {pk},
    mailbox VARCHAR(255) NOT NULL DEFAULT '',
    uid BIGINT,
    raw {blob} NOT NULL,
    digest VARCHAR(64) NOT NULL,
    error TEXT NOT NULL,
    status VARCHAR(16) NOT NULL,
    created_at TIMESTAMP NOT NULL,
    released_at TIMESTAMP
);

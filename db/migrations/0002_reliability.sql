-- One poller per mailbox (a lease), addresses that bounced for good, and the index that makes
-- counting recent automatic mail per address cheap.

CREATE TABLE lease (
    id {pk},
    name VARCHAR(255) NOT NULL UNIQUE,
    holder VARCHAR(255) NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE TABLE suppressed_address (
    id {pk},
    email VARCHAR(320) NOT NULL UNIQUE,
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE INDEX outbox_recipient_created ON outbox (recipient, created_at);

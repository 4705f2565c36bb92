-- Service levels. Each reminder and breach notice is an event (kind sla_reminder or sla_breach,
-- new_value the target) for history, and a row here: the unique key makes "sent once" hold
-- even when two gateways run the timers at the same moment.

CREATE TABLE sla_notice (
    id {pk},
    ticket_id INTEGER NOT NULL REFERENCES ticket (id),
    target VARCHAR(64) NOT NULL,
    stage VARCHAR(16) NOT NULL,
    elapsed_hours DOUBLE PRECISION NOT NULL,
    target_hours DOUBLE PRECISION NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (ticket_id, target, stage)
);

-- The report reads events by kind and time.
CREATE INDEX event_kind_at ON event (kind, at);

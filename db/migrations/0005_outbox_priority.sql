-- The order of sending: 0 for mail to a reporter (acknowledgements, feedback), 1 for the rest
-- (agents' notices and receipts, reminders). During a surge every reporter hears first.
ALTER TABLE outbox ADD COLUMN priority SMALLINT NOT NULL DEFAULT 1;
UPDATE outbox SET priority = 0 WHERE substr(template, 1, 9) = 'reporter_';
CREATE INDEX outbox_claim_order ON outbox (priority, next_attempt_at);

-- Who claimed an outbox row: host:pid:token of the sending process. A gateway that starts on
-- the same host hands the rows of a claimer that no longer runs straight back to the queue,
-- instead of waiting out their lease (two SMTP timeouts and more).
ALTER TABLE outbox ADD COLUMN claimed_by VARCHAR(200) NOT NULL DEFAULT '';

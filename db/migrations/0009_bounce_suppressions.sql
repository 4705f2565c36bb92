-- Suppressions are believed only for mail we sent, and expire (loops.suppress_days); those
-- written before took any bounce's word, forged ones too, and never ended. They are lifted:
-- an address that really bounces is suppressed again by the next bounce of our own mail.
-- The index serves `ldp suppressions list` and the expiry (suppressions made since a date).
DELETE FROM suppressed_address;
CREATE INDEX suppressed_address_created ON suppressed_address (created_at);

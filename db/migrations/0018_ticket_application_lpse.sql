-- What a ticket concerns: the application (SPSE, SIKaP, "other") and the LPSE instance (its
-- code in the operator's list, gateway/routing/lpse.toml or `[lpse] file`). Set at intake from
-- the sender's domain and the mail's words, changed by an agent's #aplikasi and #lpse; NULL
-- when nothing names them. `ldp tickets list` filters and `ldp report` counts by both.
ALTER TABLE ticket ADD COLUMN application VARCHAR(32);
ALTER TABLE ticket ADD COLUMN lpse VARCHAR(64);
CREATE INDEX ticket_application ON ticket (application);
CREATE INDEX ticket_lpse ON ticket (lpse);

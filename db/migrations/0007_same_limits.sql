-- The same limits on both databases. SQLite never enforced a VARCHAR length; PostgreSQL did,
-- and quarantined mail that SQLite stored (a 300-character content type, a long address).
-- Every column a mail's header fills is TEXT now. Statements marked {postgresql_only} are
-- skipped on SQLite, where the type is TEXT already in effect.
{postgresql_only} ALTER TABLE ticket ALTER COLUMN reporter_email TYPE TEXT;
{postgresql_only} ALTER TABLE ticket ALTER COLUMN assignee TYPE TEXT;
{postgresql_only} ALTER TABLE message ALTER COLUMN author_email TYPE TEXT;
{postgresql_only} ALTER TABLE attachment ALTER COLUMN content_type TYPE TEXT;
{postgresql_only} ALTER TABLE event ALTER COLUMN actor TYPE TEXT;
{postgresql_only} ALTER TABLE outbox ALTER COLUMN sender TYPE TEXT;
{postgresql_only} ALTER TABLE outbox ALTER COLUMN recipient TYPE TEXT;
{postgresql_only} ALTER TABLE suppressed_address ALTER COLUMN email TYPE TEXT;
-- A B-tree entry of PostgreSQL holds at most about 2,700 bytes: an address of 700 four-byte
-- characters would be refused where SQLite takes it. A hash index holds any length.
{postgresql_only} DROP INDEX ticket_reporter;
{postgresql_only} CREATE INDEX ticket_reporter ON ticket USING hash (reporter_email);
{postgresql_only} DROP INDEX outbox_recipient_created;
{postgresql_only} CREATE INDEX outbox_recipient_created ON outbox USING hash (recipient);

-- A lease's own duration: a lease that expires further ahead than that was written by a
-- clock that was ahead, and is stale (gateway.store.guards).
ALTER TABLE lease ADD COLUMN duration DOUBLE PRECISION NOT NULL DEFAULT 0;

-- A large message keeps the first mime.TEXT_CHARS of its text in the row (text_size says how
-- long the whole text was) and its original bytes in a file beside the attachments, named by
-- raw_file (`raw` is then NULL): a 25 MB pasted log costs neither a 25 MB row nor three copies
-- of it in memory while it is stored. `ldp tickets original` gives the original back.
ALTER TABLE message ADD COLUMN text_size INTEGER NOT NULL DEFAULT 0;
ALTER TABLE message ADD COLUMN raw_file VARCHAR(64);
CREATE INDEX message_raw_file ON message (raw_file);

-- An attachment shown inside its mail's HTML (Content-Disposition inline, or none, with a
-- Content-ID the HTML names as "cid:..."): its Content-ID without the angle brackets, so the
-- agents' notice that carries it keeps it and an HTML notice can show the image. NULL for an
-- ordinary attachment and for rows written before.
ALTER TABLE attachment ADD COLUMN content_id VARCHAR(250);

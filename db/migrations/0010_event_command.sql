-- Structured fields for the events of commands: which command a line was (`command`, its
-- canonical English name) and what followed the name (`arguments`). The service-level history
-- and the reports read these, never the event's detail text, which is for people.
ALTER TABLE event ADD COLUMN command VARCHAR(32);
ALTER TABLE event ADD COLUMN arguments TEXT;
-- Events written before carried the command line as their detail ("#reply",
-- "(default: #reply)"), and their kind was the command's name.
UPDATE event SET command = kind
    WHERE SUBSTR(detail, 1, 1) = '#' OR SUBSTR(detail, 1, 11) = '(default: #';

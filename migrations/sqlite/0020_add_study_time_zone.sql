-- +goose Up
-- A study's time zone (an IANA name such as Europe/Athens): deadlines are
-- entered and shown in it to the coordinators, and experts see them in it
-- with its offset from UTC. Studies made before keep UTC, as they were
-- shown; new studies take the coordinator's browser's zone, or
-- Europe/Brussels (workflow.DefaultTimeZone).
ALTER TABLE studies ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';

-- +goose Down
ALTER TABLE studies DROP COLUMN time_zone;

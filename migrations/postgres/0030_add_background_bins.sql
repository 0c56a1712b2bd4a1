-- +goose Up
-- The coordinator's ranges for a number field of the background form
-- (years of experience: under 5, 5 to under 10, 10 or more), by which
-- the results can be split into subgroups as by a choice field's
-- options: a JSON array of the limits between the ranges, rising; '[]'
-- for none.
ALTER TABLE background_fields ADD COLUMN bins TEXT NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE background_fields DROP COLUMN bins;

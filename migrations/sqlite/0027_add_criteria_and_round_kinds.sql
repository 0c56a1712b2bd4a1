-- +goose Up
-- Beyond one Likert rating (issue 17).
--
-- Criteria: a statement may be rated on up to three criteria (importance
-- and feasibility, say). Criterion 1 is the study's scale as before
-- (scale_min … consensus_rule), named criterion_name ('' in a study of one
-- unnamed criterion). criteria holds criteria 2 and 3 as a JSON array of
-- {name, min, max, labels, bands, rule}; '' when there are none. combine
-- says when a statement is in: when all criteria say in, or any does.
-- All three are fixed before round 1 and locked with the scale.
ALTER TABLE studies ADD COLUMN criterion_name TEXT NOT NULL DEFAULT '';
ALTER TABLE studies ADD COLUMN criteria TEXT NOT NULL DEFAULT '';
ALTER TABLE studies ADD COLUMN combine TEXT NOT NULL DEFAULT 'all' CHECK (combine IN ('all', 'any'));

-- What a round asks: ratings (as before), a ranking of its statements, or
-- a numeric estimate for each. kind_settings is the kind's options as JSON
-- (ranking: top_k; numeric: unit, min, max, decimals, confidence); ''
-- for a rating round. Fixed once the round launches.
ALTER TABLE rounds ADD COLUMN kind TEXT NOT NULL DEFAULT 'rating' CHECK (kind IN ('rating', 'ranking', 'numeric'));
ALTER TABLE rounds ADD COLUMN kind_settings TEXT NOT NULL DEFAULT '';

-- One row per expert and round statement still holds the whole answer:
-- rating and unable are criterion 1 (or, in a ranking round, rating is
-- the rank given, 1 first); rating2/unable2 and rating3/unable3 are
-- criteria 2 and 3; estimate and confidence (1–5) answer a numeric round.
-- The comment stays one per statement. (A real-time study has one rating
-- round on one criterion, so rating_revisions needs none of these.)
ALTER TABLE ratings ADD COLUMN rating2 INTEGER;
ALTER TABLE ratings ADD COLUMN unable2 BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE ratings ADD COLUMN rating3 INTEGER;
ALTER TABLE ratings ADD COLUMN unable3 BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE ratings ADD COLUMN estimate REAL;
ALTER TABLE ratings ADD COLUMN confidence INTEGER CHECK (confidence BETWEEN 1 AND 5);

-- +goose Down
ALTER TABLE ratings DROP COLUMN confidence;
ALTER TABLE ratings DROP COLUMN estimate;
ALTER TABLE ratings DROP COLUMN unable3;
ALTER TABLE ratings DROP COLUMN rating3;
ALTER TABLE ratings DROP COLUMN unable2;
ALTER TABLE ratings DROP COLUMN rating2;
ALTER TABLE rounds DROP COLUMN kind_settings;
ALTER TABLE rounds DROP COLUMN kind;
ALTER TABLE studies DROP COLUMN combine;
ALTER TABLE studies DROP COLUMN criteria;
ALTER TABLE studies DROP COLUMN criterion_name;

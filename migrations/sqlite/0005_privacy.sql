-- +goose Up
-- Privacy. What happens to an expert's answers when their personal data is
-- erased: 'anonymise' keeps every rating, detached from the person;
-- 'delete' removes the answers of rounds not yet closed (closed rounds
-- keep theirs, anonymised, because their results snapshot counts them).
ALTER TABLE studies ADD COLUMN erasure_policy TEXT NOT NULL DEFAULT 'anonymise'
    CHECK (erasure_policy IN ('anonymise', 'delete'));
-- Days after the study ends (its last planned round closes) after which the
-- panel's personal data is erased by the background job; NULL: kept until
-- a coordinator erases it.
ALTER TABLE studies ADD COLUMN retention_days INTEGER CHECK (retention_days BETWEEN 1 AND 3650);
-- An erased expert stays as a tombstone row without name, e-mail or
-- attributes, so that anonymous ratings keep their invitation.
ALTER TABLE experts ADD COLUMN erased_at TIMESTAMP;

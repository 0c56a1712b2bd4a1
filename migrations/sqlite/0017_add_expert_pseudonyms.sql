-- +goose Up
-- Every expert gets a pseudonym number, drawn at random when they join the
-- panel (store.drawPseudonyms), so that the E-codes of the exports and of
-- what researchers see are stable but say nothing of the order in which
-- experts were added (their database ids). NULL only for a row inserted
-- by an older instance during an upgrade; store.EnsurePseudonyms fills it.
-- The panels already there get a random permutation of 1…n.
ALTER TABLE experts ADD COLUMN pseudonym INTEGER;
UPDATE experts SET pseudonym = p.n
    FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY study_id ORDER BY random()) AS n FROM experts) AS p
    WHERE p.id = experts.id;
CREATE UNIQUE INDEX experts_study_pseudonym ON experts (study_id, pseudonym);

-- +goose Down
DROP INDEX experts_study_pseudonym;
ALTER TABLE experts DROP COLUMN pseudonym;

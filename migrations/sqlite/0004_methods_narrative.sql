-- +goose Up
-- The methods report's narrative items (CREDES/ACCORD items the data
-- cannot fill): written once by a researcher or coordinator and kept.
CREATE TABLE methods_narratives (
    study_id       INTEGER PRIMARY KEY REFERENCES studies(id) ON DELETE CASCADE,
    rationale      TEXT NOT NULL DEFAULT '',
    steering_group TEXT NOT NULL DEFAULT '',
    funding        TEXT NOT NULL DEFAULT '',
    conflicts      TEXT NOT NULL DEFAULT '',
    limitations    TEXT NOT NULL DEFAULT '',
    updated_by     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    updated_at     TIMESTAMP NOT NULL
);

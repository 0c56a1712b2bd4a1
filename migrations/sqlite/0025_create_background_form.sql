-- +goose Up
-- The panel background form (issue: panel description): fields a study's
-- coordinators define (years of experience, sector, role, region…),
-- answered once by each expert after consent. The answers describe the
-- panel in the methods report and can be analysis subgroups. A field's
-- label, per language, is the study text "background.<id>.label"; a
-- choice field's options are kept here in the main language (their
-- translations are "background.<id>.choice.<n>", n from 1).
CREATE TABLE background_fields (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('text', 'choice', 'number')),
    required BOOLEAN NOT NULL DEFAULT FALSE,
    min      REAL,
    max      REAL,
    choices  TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX background_fields_study ON background_fields (study_id, position);

-- An expert's answer to a field: the text, the number, or the chosen
-- option's number (1…). "" records a field the expert left empty, so that
-- a form once seen is not offered again. Personal data: erasure deletes it.
CREATE TABLE background_answers (
    expert_id   INTEGER NOT NULL REFERENCES experts(id) ON DELETE CASCADE,
    field_id    INTEGER NOT NULL REFERENCES background_fields(id) ON DELETE CASCADE,
    value       TEXT NOT NULL,
    answered_at TIMESTAMP NOT NULL,
    PRIMARY KEY (expert_id, field_id)
);

-- +goose Down
DROP TABLE background_answers;
DROP TABLE background_fields;

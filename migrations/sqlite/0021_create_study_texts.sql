-- +goose Up
-- Every text of a study that an expert reads, besides statements and
-- topics, per language: translations of the title and description (their
-- main-language text stays in studies), and the contact line, information
-- sheet, thank-you text, scale labels, band names, consent items and
-- e-mail templates in every language, the main one included. Names are
-- listed in internal/store/texts.go.
CREATE TABLE study_texts (
    study_id   INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    name       TEXT NOT NULL CHECK (name <> ''),
    language   TEXT NOT NULL CHECK (language <> ''),
    text       TEXT NOT NULL CHECK (text <> ''),
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (study_id, name, language)
);

-- The consent items of a study's information sheet: several checkboxes,
-- each required or optional, as ethics approvals ask. Their wording is in
-- study_texts under "consent.<id>".
CREATE TABLE consent_items (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    required BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE INDEX consent_items_study ON consent_items (study_id, position);

-- What each expert answered to each consent item, and when.
CREATE TABLE expert_consents (
    expert_id       INTEGER NOT NULL REFERENCES experts(id) ON DELETE CASCADE,
    consent_item_id INTEGER NOT NULL REFERENCES consent_items(id) ON DELETE CASCADE,
    agreed          BOOLEAN NOT NULL,
    answered_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (expert_id, consent_item_id)
);

-- +goose Down
DROP TABLE expert_consents;
DROP TABLE consent_items;
DROP TABLE study_texts;

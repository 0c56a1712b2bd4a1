-- +goose Up
-- Topic titles in the study's other languages, as statement_translations
-- are for statements: experts see their topics in their language.
CREATE TABLE section_translations (
    section_id BIGINT NOT NULL REFERENCES sections(id) ON DELETE CASCADE,
    language   TEXT NOT NULL,
    title      TEXT NOT NULL CHECK (title <> ''),
    PRIMARY KEY (section_id, language)
);

-- +goose Down
DROP TABLE section_translations;

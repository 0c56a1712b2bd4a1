-- +goose Up
-- Round 0's open questions in the study's other languages, so experts can
-- propose in the language they read (as statements and topics).
CREATE TABLE idea_question_translations (
    question_id BIGINT NOT NULL REFERENCES idea_questions(id) ON DELETE CASCADE,
    language    TEXT NOT NULL,
    text        TEXT NOT NULL CHECK (text <> ''),
    PRIMARY KEY (question_id, language)
);

-- +goose Down
DROP TABLE idea_question_translations;

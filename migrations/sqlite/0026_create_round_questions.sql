-- +goose Up
-- Open questions of a round ("What would change your rating?"), asked
-- after its statements and answered in free text. The text is in the
-- study's main language; translations are study texts named
-- "question.<id>". Fixed once the round launches. show_to_panel: the
-- answers are shown, anonymised, to the next round's experts.
CREATE TABLE round_questions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id      INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    text          TEXT NOT NULL CHECK (text <> ''),
    show_to_panel BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX round_questions_round ON round_questions (round_id, position);

-- An expert's free-text answer to an open question: personal data, erased
-- as comments are (internal/store/erasure.go).
CREATE TABLE question_answers (
    invitation_id INTEGER NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
    question_id   INTEGER NOT NULL REFERENCES round_questions(id) ON DELETE CASCADE,
    text          TEXT NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (invitation_id, question_id)
);
CREATE INDEX question_answers_question ON question_answers (question_id);

-- +goose Down
DROP TABLE question_answers;
DROP TABLE round_questions;

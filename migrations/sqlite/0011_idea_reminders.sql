-- +goose Up
-- Round 0's scheduled reminders, as rounds have them: days before the
-- deadline, written as rows when round 0 launches, each sent once.
ALTER TABLE idea_rounds ADD COLUMN reminder_days TEXT NOT NULL DEFAULT '';
CREATE TABLE idea_reminders (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    idea_round_id INTEGER NOT NULL REFERENCES idea_rounds(id) ON DELETE CASCADE,
    due_at        TIMESTAMP NOT NULL,
    done_at       TIMESTAMP,
    created_at    TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE idea_reminders;
ALTER TABLE idea_rounds DROP COLUMN reminder_days;

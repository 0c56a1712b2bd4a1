-- +goose Up
-- A coordinator's "send a test to me" e-mail goes through the outbox like
-- any other, so it is delivered (and retried) the same way; its kind
-- 'test' keeps it out of everything that counts invitations and reminders,
-- and it has no expert and no round. SQLite cannot change a CHECK
-- constraint in place, so the table is rebuilt (nothing references it).
CREATE TABLE outbox_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    study_id         INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    round_id         INTEGER REFERENCES rounds(id) ON DELETE CASCADE,
    expert_id        INTEGER REFERENCES experts(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('invitation', 'reminder', 'test')),
    to_address       TEXT NOT NULL,
    to_name          TEXT NOT NULL DEFAULT '',
    subject          TEXT NOT NULL,
    text_body        TEXT NOT NULL,
    html_body        TEXT NOT NULL,
    list_unsubscribe TEXT NOT NULL DEFAULT '',
    secret           TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'uncertain', 'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMP NOT NULL,
    locked_until     TIMESTAMP,
    last_error       TEXT NOT NULL DEFAULT '',
    sent_at          TIMESTAMP,
    created_at       TIMESTAMP NOT NULL,
    -- a test e-mail goes to a coordinator, never to an expert
    CHECK (kind <> 'test' OR (expert_id IS NULL AND round_id IS NULL))
);
INSERT INTO outbox_new (id, study_id, round_id, expert_id, kind, to_address, to_name, subject, text_body, html_body, list_unsubscribe, secret, status, attempts, next_attempt_at, locked_until, last_error, sent_at, created_at) SELECT id, study_id, round_id, expert_id, kind, to_address, to_name, subject, text_body, html_body, list_unsubscribe, secret, status, attempts, next_attempt_at, locked_until, last_error, sent_at, created_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due_idx ON outbox(status, next_attempt_at);
CREATE INDEX outbox_round_idx ON outbox(round_id, expert_id);
CREATE INDEX outbox_expert_idx ON outbox(expert_id);
CREATE INDEX outbox_study_idx ON outbox(study_id);

-- +goose Down
DELETE FROM outbox WHERE kind = 'test';
CREATE TABLE outbox_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    study_id         INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    round_id         INTEGER REFERENCES rounds(id) ON DELETE CASCADE,
    expert_id        INTEGER REFERENCES experts(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('invitation', 'reminder')),
    to_address       TEXT NOT NULL,
    to_name          TEXT NOT NULL DEFAULT '',
    subject          TEXT NOT NULL,
    text_body        TEXT NOT NULL,
    html_body        TEXT NOT NULL,
    list_unsubscribe TEXT NOT NULL DEFAULT '',
    secret           TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'uncertain', 'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMP NOT NULL,
    locked_until     TIMESTAMP,
    last_error       TEXT NOT NULL DEFAULT '',
    sent_at          TIMESTAMP,
    created_at       TIMESTAMP NOT NULL
);
INSERT INTO outbox_new (id, study_id, round_id, expert_id, kind, to_address, to_name, subject, text_body, html_body, list_unsubscribe, secret, status, attempts, next_attempt_at, locked_until, last_error, sent_at, created_at) SELECT id, study_id, round_id, expert_id, kind, to_address, to_name, subject, text_body, html_body, list_unsubscribe, secret, status, attempts, next_attempt_at, locked_until, last_error, sent_at, created_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due_idx ON outbox(status, next_attempt_at);
CREATE INDEX outbox_round_idx ON outbox(round_id, expert_id);
CREATE INDEX outbox_expert_idx ON outbox(expert_id);
CREATE INDEX outbox_study_idx ON outbox(study_id);

-- +goose Up
-- Statement lineage: a reworded statement is a new statements row linked
-- to the one it replaces; merges and splits link several; a statement
-- prompted by round comments links to them (statement_sources).
ALTER TABLE statements ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE statements ADD COLUMN retired BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE statement_links (
    statement_id BIGINT NOT NULL REFERENCES statements(id) ON DELETE CASCADE,
    parent_id    BIGINT NOT NULL REFERENCES statements(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('reworded', 'merged', 'split')),
    reason       TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (statement_id, parent_id)
);

CREATE TABLE rounds (
    id             BIGSERIAL PRIMARY KEY,
    study_id       BIGINT NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    number         INTEGER NOT NULL CHECK (number >= 1),
    status         TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'closed')),
    invite_scope   TEXT NOT NULL DEFAULT 'respondents' CHECK (invite_scope IN ('panel', 'respondents')),
    deadline       TIMESTAMPTZ,
    reminder_days  TEXT NOT NULL DEFAULT '',
    show_groups    BOOLEAN NOT NULL DEFAULT FALSE,
    opened_at      TIMESTAMPTZ,
    closed_at      TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (study_id, number)
);
-- At most one open round per study, whatever the application does.
CREATE UNIQUE INDEX rounds_one_open_idx ON rounds(study_id) WHERE status = 'open';

-- The statements a round presents, with the wording as presented and the
-- group feedback frozen at creation (JSON), so later edits change neither.
CREATE TABLE round_statements (
    id            BIGSERIAL PRIMARY KEY,
    round_id      BIGINT NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    statement_id  BIGINT NOT NULL REFERENCES statements(id),
    position      INTEGER NOT NULL,
    section_title TEXT NOT NULL DEFAULT '',
    text          TEXT NOT NULL,
    origin        TEXT NOT NULL DEFAULT 'new' CHECK (origin IN ('new', 'carried', 'reworded', 'merged', 'split', 'added')),
    previous_id   BIGINT REFERENCES round_statements(id),
    feedback      TEXT NOT NULL DEFAULT '',
    UNIQUE (round_id, statement_id)
);

-- One invitation per expert and round.
CREATE TABLE invitations (
    id           BIGSERIAL PRIMARY KEY,
    round_id     BIGINT NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    expert_id    BIGINT NOT NULL REFERENCES experts(id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ,
    opened_at    TIMESTAMPTZ,
    started_at   TIMESTAMPTZ,
    submitted_at TIMESTAMPTZ,
    UNIQUE (round_id, expert_id)
);

-- Personal links: random tokens of which only the SHA-256 is stored (the
-- token itself is only in the e-mail). The invitation e-mail and each
-- reminder carry a link of their own; all lead to the same invitation and
-- stop working when it is revoked or its round closes.
CREATE TABLE invitation_links (
    token_hash    TEXT PRIMARY KEY,
    invitation_id BIGINT NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX invitation_links_invitation_idx ON invitation_links(invitation_id);

CREATE TABLE ratings (
    invitation_id      BIGINT NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
    round_statement_id BIGINT NOT NULL REFERENCES round_statements(id) ON DELETE CASCADE,
    rating             INTEGER,
    unable             BOOLEAN NOT NULL DEFAULT FALSE,
    comment            TEXT NOT NULL DEFAULT '',
    -- chosen by the coordinator to be shown, anonymised, in the next round's feedback
    comment_shown      BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (invitation_id, round_statement_id),
    CHECK (NOT (unable AND rating IS NOT NULL))
);
CREATE INDEX ratings_statement_idx ON ratings(round_statement_id);

-- Comments the coordinator chose to show, anonymised, with the feedback of
-- the next round, and comments that prompted a new statement.
CREATE TABLE statement_sources (
    statement_id       BIGINT NOT NULL REFERENCES statements(id) ON DELETE CASCADE,
    invitation_id      BIGINT NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
    round_statement_id BIGINT NOT NULL REFERENCES round_statements(id) ON DELETE CASCADE,
    PRIMARY KEY (statement_id, invitation_id, round_statement_id)
);

-- The results computed when a round closed (JSON, the schema of
-- `delphi analyze --format json`), and the coordinator's decisions.
CREATE TABLE round_results (
    round_id    BIGINT PRIMARY KEY REFERENCES rounds(id) ON DELETE CASCADE,
    computed_at TIMESTAMPTZ NOT NULL,
    settings    TEXT NOT NULL,
    results     TEXT NOT NULL
);

CREATE TABLE decisions (
    round_statement_id BIGINT PRIMARY KEY REFERENCES round_statements(id) ON DELETE CASCADE,
    proposed           TEXT NOT NULL CHECK (proposed IN ('in', 'out', 'carry', 'unresolved')),
    decision           TEXT NOT NULL CHECK (decision IN ('in', 'out', 'carry', 'unresolved')),
    reason             TEXT NOT NULL DEFAULT '',
    decided_by         BIGINT REFERENCES users(id) ON DELETE SET NULL,
    decided_at         TIMESTAMPTZ NOT NULL
);

-- Every e-mail is a row here first, written in the same transaction as
-- what caused it; the dispatcher sends pending rows and records the
-- outcome. locked_until is the lease a dispatcher holds while sending.
CREATE TABLE outbox (
    id               BIGSERIAL PRIMARY KEY,
    study_id         BIGINT NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    round_id         BIGINT REFERENCES rounds(id) ON DELETE CASCADE,
    expert_id        BIGINT REFERENCES experts(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('invitation', 'reminder')),
    to_address       TEXT NOT NULL,
    to_name          TEXT NOT NULL DEFAULT '',
    subject          TEXT NOT NULL,
    text_body        TEXT NOT NULL,
    html_body        TEXT NOT NULL,
    list_unsubscribe TEXT NOT NULL DEFAULT '',
    -- The personal link inside the bodies; blanked out of them once sent,
    -- so the table does not keep usable links longer than needed.
    secret           TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'uncertain', 'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    locked_until     TIMESTAMPTZ,
    last_error       TEXT NOT NULL DEFAULT '',
    sent_at          TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX outbox_due_idx ON outbox(status, next_attempt_at);
CREATE INDEX outbox_round_idx ON outbox(round_id, expert_id);

-- Scheduled reminders are rows too, so they survive restarts and are sent once.
CREATE TABLE reminders (
    id         BIGSERIAL PRIMARY KEY,
    round_id   BIGINT NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    due_at     TIMESTAMPTZ NOT NULL,
    done_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);

ALTER TABLE experts ADD COLUMN declined_at TIMESTAMPTZ;
-- When the expert accepted the information sheet (first visit).
ALTER TABLE experts ADD COLUMN consented_at TIMESTAMPTZ;

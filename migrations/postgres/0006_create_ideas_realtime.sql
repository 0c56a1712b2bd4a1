-- +goose Up
-- Real-time mode (issue #8): a study setting chosen before launch and
-- locked with the consensus rule. A real-time study has one long-open
-- round; experts see the group's current figures after rating and may
-- revise until the study closes.
ALTER TABLE studies ADD COLUMN mode TEXT NOT NULL DEFAULT 'classic' CHECK (mode IN ('classic', 'realtime'));

-- Every change of an answer in a real-time round, first answer included,
-- so that "who changed their rating after seeing the group" can be
-- reported and the state at any moment rebuilt. saw_group: the expert had
-- answered before and the group's figures were shown to them (at least
-- rounds.MinGroupSize others had rated) when they made this change.
CREATE TABLE rating_revisions (
    id                 BIGSERIAL PRIMARY KEY,
    invitation_id      BIGINT NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
    round_statement_id BIGINT NOT NULL REFERENCES round_statements(id) ON DELETE CASCADE,
    rating             INTEGER,
    unable             BOOLEAN NOT NULL DEFAULT FALSE,
    saw_group          BOOLEAN NOT NULL DEFAULT FALSE,
    created_at         TIMESTAMPTZ NOT NULL,
    CHECK (NOT (unable AND rating IS NOT NULL))
);
CREATE INDEX rating_revisions_statement_idx ON rating_revisions(round_statement_id, created_at);

-- The analysis of a real-time round at chosen moments: daily, at close,
-- and by hand. label makes each one unique, so two instances taking the
-- same daily snapshot store it once. results is the round in the schema
-- of `delphi analyze --format json`.
CREATE TABLE realtime_snapshots (
    id       BIGSERIAL PRIMARY KEY,
    round_id BIGINT NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    kind     TEXT NOT NULL CHECK (kind IN ('daily', 'close', 'manual')),
    label    TEXT NOT NULL,
    taken_at TIMESTAMPTZ NOT NULL,
    results  TEXT NOT NULL,
    UNIQUE (round_id, label)
);

-- Round 0 (idea generation): open questions per topic, answered with
-- proposals that become draft statements for round 1. It precedes the
-- numbered rounds, so it has tables of its own, with its own personal
-- links.
CREATE TABLE idea_rounds (
    id         BIGSERIAL PRIMARY KEY,
    study_id   BIGINT NOT NULL UNIQUE REFERENCES studies(id) ON DELETE CASCADE,
    status     TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'closed')),
    deadline   TIMESTAMPTZ,
    opened_at  TIMESTAMPTZ,
    closed_at  TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE idea_questions (
    id            BIGSERIAL PRIMARY KEY,
    idea_round_id BIGINT NOT NULL REFERENCES idea_rounds(id) ON DELETE CASCADE,
    section_id    BIGINT REFERENCES sections(id) ON DELETE SET NULL,
    text          TEXT NOT NULL CHECK (text <> ''),
    position      INTEGER NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE idea_invitations (
    id            BIGSERIAL PRIMARY KEY,
    idea_round_id BIGINT NOT NULL REFERENCES idea_rounds(id) ON DELETE CASCADE,
    expert_id     BIGINT NOT NULL REFERENCES experts(id) ON DELETE CASCADE,
    created_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (idea_round_id, expert_id)
);

-- Only the SHA-256 of a link's token is kept, as for rounds.
CREATE TABLE idea_links (
    token_hash         TEXT PRIMARY KEY,
    idea_invitation_id BIGINT NOT NULL REFERENCES idea_invitations(id) ON DELETE CASCADE,
    created_at         TIMESTAMPTZ NOT NULL
);

-- An expert's proposal; theme and merged_into are the coordinator's.
CREATE TABLE idea_proposals (
    id                 BIGSERIAL PRIMARY KEY,
    question_id        BIGINT NOT NULL REFERENCES idea_questions(id) ON DELETE CASCADE,
    idea_invitation_id BIGINT NOT NULL REFERENCES idea_invitations(id) ON DELETE CASCADE,
    text               TEXT NOT NULL CHECK (text <> ''),
    theme              TEXT NOT NULL DEFAULT '',
    merged_into        BIGINT REFERENCES idea_proposals(id) ON DELETE SET NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX idea_proposals_question_idx ON idea_proposals(question_id);

-- The proposals a statement was written from (statement lineage).
CREATE TABLE statement_proposals (
    statement_id BIGINT NOT NULL REFERENCES statements(id) ON DELETE CASCADE,
    proposal_id  BIGINT NOT NULL REFERENCES idea_proposals(id) ON DELETE CASCADE,
    PRIMARY KEY (statement_id, proposal_id)
);

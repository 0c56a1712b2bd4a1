-- +goose Up
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);

-- Coordinator sessions live in the database so that logout and revocation
-- work across instances. Only the SHA-256 of the cookie value is stored.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions(user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    label        TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP
);

CREATE TABLE studies (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id           INTEGER NOT NULL REFERENCES users(id),
    title              TEXT NOT NULL CHECK (title <> ''),
    description        TEXT NOT NULL DEFAULT '',
    languages          TEXT NOT NULL DEFAULT 'en',
    contact_email      TEXT NOT NULL DEFAULT '',
    max_rounds         INTEGER NOT NULL DEFAULT 3 CHECK (max_rounds BETWEEN 1 AND 10),
    scale_min          INTEGER NOT NULL,
    scale_max          INTEGER NOT NULL,
    scale_labels       TEXT NOT NULL DEFAULT '[]',
    bands              TEXT NOT NULL,
    allow_unable       BOOLEAN NOT NULL DEFAULT TRUE,
    require_all        BOOLEAN NOT NULL DEFAULT FALSE,
    consensus_rule     TEXT NOT NULL,
    quantile_type      TEXT NOT NULL DEFAULT 'type6' CHECK (quantile_type IN ('type6', 'type7')),
    final_no_consensus TEXT NOT NULL DEFAULT 'unresolved' CHECK (final_no_consensus IN ('unresolved', 'excluded', 'steering_group')),
    settings_locked_at TIMESTAMP,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    CHECK (scale_max - scale_min BETWEEN 1 AND 10)
);

-- Collaborators besides the owner. Researchers read results and exports only.
CREATE TABLE study_members (
    study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role     TEXT NOT NULL CHECK (role IN ('coordinator', 'researcher')),
    PRIMARY KEY (study_id, user_id)
);

CREATE TABLE sections (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    title    TEXT NOT NULL CHECK (title <> ''),
    position INTEGER NOT NULL
);
CREATE INDEX sections_study_idx ON sections(study_id);

CREATE TABLE statements (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    study_id   INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    section_id INTEGER REFERENCES sections(id) ON DELETE SET NULL,
    text       TEXT NOT NULL CHECK (text <> ''),
    position   INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX statements_study_idx ON statements(study_id);

CREATE TABLE statement_translations (
    statement_id INTEGER NOT NULL REFERENCES statements(id) ON DELETE CASCADE,
    language     TEXT NOT NULL,
    text         TEXT NOT NULL CHECK (text <> ''),
    PRIMARY KEY (statement_id, language)
);

CREATE TABLE experts (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    study_id          INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    email             TEXT NOT NULL,
    name              TEXT NOT NULL,
    stakeholder_group TEXT NOT NULL DEFAULT '',
    country           TEXT NOT NULL DEFAULT '',
    language          TEXT NOT NULL DEFAULT 'en',
    attributes        TEXT NOT NULL DEFAULT '{}',
    status            TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'declined')),
    created_at        TIMESTAMP NOT NULL,
    UNIQUE (study_id, email)
);

-- Who changed what, when and why: protocol amendments after the lock, and
-- other coordinator actions a reviewer may ask about.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    study_id   INTEGER REFERENCES studies(id) ON DELETE CASCADE,
    user_id    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    action     TEXT NOT NULL,
    field      TEXT NOT NULL DEFAULT '',
    old_value  TEXT NOT NULL DEFAULT '',
    new_value  TEXT NOT NULL DEFAULT '',
    reason     TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_study_idx ON audit_log(study_id);

-- +goose Up
-- One-time links with which a collaborator invited from a study's settings
-- sets the password of their new account. Only the SHA-256 of the token is
-- kept; a link works once, before it expires, and only for an account
-- whose password was never set.
CREATE TABLE account_links (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE account_links;

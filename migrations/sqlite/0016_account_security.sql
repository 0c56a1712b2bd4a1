-- +goose Up
-- Issue #14, accounts. Adding someone to a study makes a pending
-- membership that only they can accept; pending memberships give no
-- access. Memberships that exist already stay accepted.
ALTER TABLE study_members ADD COLUMN pending BOOLEAN NOT NULL DEFAULT FALSE;

-- An account is confirmed when its owner proved the address: the
-- password was set through an e-mailed link, or by whoever runs the
-- server. An account set up through a link that was shown to a
-- coordinator (no SMTP) is not: that coordinator may hold its password,
-- so it cannot accept another study's invitation until its owner resets
-- the password by e-mail. Every account set up by such a link so far is
-- unconfirmed.
ALTER TABLE users ADD COLUMN confirmed BOOLEAN NOT NULL DEFAULT TRUE;
UPDATE users SET confirmed = FALSE WHERE id IN (SELECT user_id FROM account_links);

-- The optional second factor (RFC 6238). The secret is kept while it is
-- being set up (enabled false) and while it is on; totp_last_step is the
-- last time step a code was accepted for, so that no code works twice.
ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_enabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;

-- One-time recovery codes for a lost authenticator, only their SHA-256.
CREATE TABLE recovery_codes (
    user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   TIMESTAMP,
    PRIMARY KEY (user_id, code_hash)
);

-- Account links now also reset a forgotten password (purpose 'reset');
-- emailed records whether a set-up link went by e-mail (the account is
-- then confirmed when it is set up) or was shown to the coordinator.
ALTER TABLE account_links ADD COLUMN purpose TEXT NOT NULL DEFAULT 'setup' CHECK (purpose IN ('setup', 'reset'));
ALTER TABLE account_links ADD COLUMN emailed BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX account_links_user_idx ON account_links(user_id);

-- The short-lived state between a verified password and a second-factor
-- code: no session until the code is right. Only the SHA-256 of the
-- cookie's token is kept.
CREATE TABLE login_challenges (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    next_path  TEXT NOT NULL DEFAULT '/studies',
    failures   INTEGER NOT NULL DEFAULT 0,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX login_challenges_user_idx ON login_challenges(user_id);

-- +goose Down
DROP TABLE login_challenges;
DROP INDEX account_links_user_idx;
ALTER TABLE account_links DROP COLUMN emailed;
ALTER TABLE account_links DROP COLUMN purpose;
DROP TABLE recovery_codes;
ALTER TABLE users DROP COLUMN totp_last_step;
ALTER TABLE users DROP COLUMN totp_enabled;
ALTER TABLE users DROP COLUMN totp_secret;
ALTER TABLE users DROP COLUMN confirmed;
ALTER TABLE study_members DROP COLUMN pending;

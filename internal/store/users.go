package store

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// User is a coordinator (or researcher) account.
type User struct {
	ID           int64     `db:"id"`
	Email        string    `db:"email"`
	Name         string    `db:"name"`
	PasswordHash string    `db:"password_hash"`
	CreatedAt    time.Time `db:"created_at"`
	// Confirmed: the owner proved the address (an e-mailed link, or the
	// server's operator set the password); see AcceptMembership.
	Confirmed    bool   `db:"confirmed"`
	TOTPSecret   string `db:"totp_secret"` // the second factor's key, while set up or on
	TOTPEnabled  bool   `db:"totp_enabled"`
	TOTPLastStep int64  `db:"totp_last_step"` // the last 30-second step a code was accepted for
}

// userColumns are the columns of users that User maps, for a query that
// calls the table u (see "Column lists" in store.go).
const userColumns = "u.id, u.email, u.name, u.password_hash, u.created_at, u.confirmed, u.totp_secret, u.totp_enabled, u.totp_last_step"

// CreateUser adds an account; the e-mail is stored lower-case and must be
// unused (ErrConflict otherwise).
func (s *Store) CreateUser(ctx context.Context, email, name, passwordHash string) (User, error) {
	u := User{Email: strings.ToLower(strings.TrimSpace(email)), Name: strings.TrimSpace(name), PasswordHash: passwordHash, CreatedAt: s.now()}
	id, err := s.insert(ctx, `INSERT INTO users (email, name, password_hash, created_at) VALUES (?, ?, ?, ?)`,
		u.Email, u.Name, u.PasswordHash, u.CreatedAt)
	u.ID = id
	return u, wrap("create user", err)
}

// SetUserPassword replaces an account's password hash and ends its
// sessions (and half-finished two-factor logins).
func (s *Store) SetUserPassword(ctx context.Context, userID int64, passwordHash string) error {
	return s.Transact(ctx, func(tx *Store) error {
		if err := tx.execOne(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, passwordHash, userID); err != nil {
			return wrap("set password", err)
		}
		return wrap("set password", tx.endSessions(ctx, userID))
	})
}

// endSessions logs an account out everywhere.
func (s *Store) endSessions(ctx context.Context, userID int64) error {
	if _, err := s.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
		return err
	}
	_, err := s.exec(ctx, `DELETE FROM login_challenges WHERE user_id = ?`, userID)
	return err
}

// ConfirmUser records that the account's owner holds it: whoever runs the
// server set its password (delphi user password).
func (s *Store) ConfirmUser(ctx context.Context, userID int64) error {
	return wrap("confirm user", s.execOne(ctx, `UPDATE users SET confirmed = TRUE WHERE id = ?`, userID))
}

// RevokeAPITokens revokes every live API token of an account (after a
// password change or reset).
func (s *Store) RevokeAPITokens(ctx context.Context, userID int64) (int64, error) {
	res, err := s.exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, s.now(), userID)
	if err != nil {
		return 0, wrap("revoke api tokens", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// UserByEmail finds an account by e-mail, case-insensitively.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	var u User
	err := s.get(ctx, &u, `SELECT `+userColumns+` FROM users u WHERE email = ?`, strings.ToLower(strings.TrimSpace(email)))
	return u, wrap("user by email", err)
}

// UserByID finds an account by id.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	var u User
	err := s.get(ctx, &u, `SELECT `+userColumns+` FROM users u WHERE id = ?`, id)
	return u, wrap("user by id", err)
}

// CreateSession stores a login under the hash of its cookie token.
func (s *Store) CreateSession(ctx context.Context, tokenHash string, userID int64, lifetime time.Duration) error {
	now := s.now()
	_, err := s.exec(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?)`,
		tokenHash, userID, now, now.Add(lifetime), now)
	return wrap("create session", err)
}

// UserBySession returns the user of a live session, or ErrNotFound when
// the session is unknown, logged out or expired.
func (s *Store) UserBySession(ctx context.Context, tokenHash string) (User, error) {
	var u User
	err := s.get(ctx, &u, `SELECT `+userColumns+` FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = ? AND s.expires_at > ?`, tokenHash, s.now())
	return u, wrap("user by session", err)
}

// DeleteSession logs a session out.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := s.exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
	return wrap("delete session", err)
}

// DeleteExpiredSessions removes sessions past their expiry.
func (s *Store) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	res, err := s.exec(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, s.now())
	if err != nil {
		return 0, wrap("delete expired sessions", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// APIToken is a coordinator's token for the JSON API. Only its hash is kept.
type APIToken struct {
	ID         int64        `db:"id"`
	UserID     int64        `db:"user_id"`
	TokenHash  string       `db:"token_hash"`
	Label      string       `db:"label"`
	CreatedAt  time.Time    `db:"created_at"`
	LastUsedAt sql.NullTime `db:"last_used_at"`
	RevokedAt  sql.NullTime `db:"revoked_at"`
}

// apiTokenColumns are the columns of api_tokens that APIToken maps, for a
// query that calls the table t (see "Column lists" in store.go).
const apiTokenColumns = "t.id, t.user_id, t.token_hash, t.label, t.created_at, t.last_used_at, t.revoked_at"

// CreateAPIToken stores a new token hash for a user.
func (s *Store) CreateAPIToken(ctx context.Context, userID int64, tokenHash, label string) (APIToken, error) {
	t := APIToken{UserID: userID, TokenHash: tokenHash, Label: label, CreatedAt: s.now()}
	id, err := s.insert(ctx, `INSERT INTO api_tokens (user_id, token_hash, label, created_at) VALUES (?, ?, ?, ?)`,
		userID, tokenHash, label, t.CreatedAt)
	t.ID = id
	return t, wrap("create api token", err)
}

// UserByAPIToken returns the user of an unrevoked token and notes its use.
func (s *Store) UserByAPIToken(ctx context.Context, tokenHash string) (User, error) {
	var u User
	err := s.get(ctx, &u, `SELECT `+userColumns+` FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = ? AND t.revoked_at IS NULL`, tokenHash)
	if err != nil {
		return u, wrap("user by api token", err)
	}
	_, err = s.exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ?`, s.now(), tokenHash)
	return u, wrap("user by api token", err)
}

// APITokensByUser lists a user's tokens, newest first.
func (s *Store) APITokensByUser(ctx context.Context, userID int64) ([]APIToken, error) {
	var ts []APIToken
	err := s.sel(ctx, &ts, `SELECT `+apiTokenColumns+` FROM api_tokens t WHERE user_id = ? ORDER BY id DESC`, userID)
	return ts, wrap("api tokens by user", err)
}

// RevokeAPIToken revokes one of a user's tokens.
func (s *Store) RevokeAPIToken(ctx context.Context, userID, tokenID int64) error {
	err := s.execOne(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL`, s.now(), tokenID, userID)
	return wrap("revoke api token", err)
}

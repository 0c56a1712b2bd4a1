package store

import (
	"context"
	"time"
)

// InviteStudyMember creates an account without a password for someone who
// has none, gives it a role in the study, and stores a one-time set-up
// link (its token's hash) valid until expires; audit-logged. An e-mail
// that already has an account is ErrConflict: add that account instead.
// emailed says whether the link goes to the address by e-mail (the account
// is then confirmed when it is set up) or is shown to the coordinator.
// The membership needs no acceptance: setting up the account through the
// link accepts it.
func (s *Store) InviteStudyMember(ctx context.Context, studyID, byUserID int64, email, name, role, tokenHash string, expires time.Time, emailed bool) (User, error) {
	var u User
	err := s.Transact(ctx, func(tx *Store) error {
		var err error
		if u, err = tx.CreateUser(ctx, email, name, ""); err != nil {
			return err
		}
		if err := tx.execOne(ctx, `UPDATE users SET confirmed = FALSE WHERE id = ?`, u.ID); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO account_links (token_hash, user_id, created_by, expires_at, created_at, purpose, emailed) VALUES (?, ?, ?, ?, ?, 'setup', ?)`,
			tokenHash, u.ID, byUserID, expires.UTC(), tx.now(), emailed); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO study_members (study_id, user_id, role) VALUES (?, ?, ?)`, studyID, u.ID, role); err != nil {
			return err
		}
		return tx.Audit(ctx, studyID, byUserID, "invite member", role, "", u.Email, "")
	})
	return u, wrap("invite study member", err)
}

// UserByAccountLink returns the account a set-up link is for, if the link
// is unused, unexpired and the account still has no password.
func (s *Store) UserByAccountLink(ctx context.Context, tokenHash string) (User, error) {
	var u User
	err := s.get(ctx, &u, `SELECT `+userColumns+` FROM account_links l JOIN users u ON u.id = l.user_id
		WHERE l.token_hash = ? AND l.purpose = 'setup' AND l.used_at IS NULL AND l.expires_at > ? AND u.password_hash = ''`, tokenHash, s.now())
	return u, wrap("user by account link", err)
}

// SetUpAccount uses a set-up link once: the account gets its first
// password. ErrNotFound when the link is unknown, used, expired, or the
// account already has a password.
func (s *Store) SetUpAccount(ctx context.Context, tokenHash, passwordHash string) (User, error) {
	var u User
	err := s.Transact(ctx, func(tx *Store) error {
		var err error
		if u, err = tx.UserByAccountLink(ctx, tokenHash); err != nil {
			return err
		}
		if err := tx.execOne(ctx, `UPDATE account_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL`, tx.now(), tokenHash); err != nil {
			return err
		}
		// An e-mailed link proves the address: the account is confirmed.
		return tx.execOne(ctx, `UPDATE users SET password_hash = ?,
			confirmed = (SELECT emailed FROM account_links WHERE token_hash = ?) WHERE id = ? AND password_hash = ''`, passwordHash, tokenHash, u.ID)
	})
	return u, wrap("set up account", err)
}

// CreateResetLink stores a one-time link (its token's hash) with which the
// account's owner, who received it by e-mail, chooses a new password.
func (s *Store) CreateResetLink(ctx context.Context, userID int64, tokenHash string, expires time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO account_links (token_hash, user_id, expires_at, created_at, purpose, emailed) VALUES (?, ?, ?, ?, 'reset', TRUE)`,
		tokenHash, userID, expires.UTC(), s.now())
	return wrap("create reset link", err)
}

// UserByResetLink returns the account of an unused, unexpired reset link.
func (s *Store) UserByResetLink(ctx context.Context, tokenHash string) (User, error) {
	var u User
	err := s.get(ctx, &u, `SELECT `+userColumns+` FROM account_links l JOIN users u ON u.id = l.user_id
		WHERE l.token_hash = ? AND l.purpose = 'reset' AND l.used_at IS NULL AND l.expires_at > ?`, tokenHash, s.now())
	return u, wrap("user by reset link", err)
}

// ResetPassword uses a reset link once: the account gets the new
// password and is confirmed (the link went to its address); every
// session, half-finished login, API token and other unused link of the
// account ends. ErrNotFound when the link is unknown, used or expired.
func (s *Store) ResetPassword(ctx context.Context, tokenHash, passwordHash string) (User, error) {
	var u User
	err := s.Transact(ctx, func(tx *Store) error {
		var err error
		if u, err = tx.UserByResetLink(ctx, tokenHash); err != nil {
			return err
		}
		now := tx.now()
		if _, err := tx.exec(ctx, `UPDATE account_links SET used_at = ? WHERE user_id = ? AND used_at IS NULL`, now, u.ID); err != nil {
			return err
		}
		if err := tx.execOne(ctx, `UPDATE users SET password_hash = ?, confirmed = TRUE WHERE id = ?`, passwordHash, u.ID); err != nil {
			return err
		}
		if err := tx.endSessions(ctx, u.ID); err != nil {
			return err
		}
		_, err = tx.RevokeAPITokens(ctx, u.ID)
		return err
	})
	return u, wrap("reset password", err)
}

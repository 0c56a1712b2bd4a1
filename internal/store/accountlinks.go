package store

import (
	"context"
	"time"
)

// InviteStudyMember creates an account without a password for someone who
// has none, gives it a role in the study, and stores a one-time set-up
// link (its token's hash) valid until expires; audit-logged. An e-mail
// that already has an account is ErrConflict: add that account instead.
func (s *Store) InviteStudyMember(ctx context.Context, studyID, byUserID int64, email, name, role, tokenHash string, expires time.Time) (User, error) {
	var u User
	err := s.Transact(ctx, func(tx *Store) error {
		var err error
		if u, err = tx.CreateUser(ctx, email, name, ""); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO account_links (token_hash, user_id, created_by, expires_at, created_at) VALUES (?, ?, ?, ?, ?)`,
			tokenHash, u.ID, byUserID, expires.UTC(), tx.now()); err != nil {
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
		WHERE l.token_hash = ? AND l.used_at IS NULL AND l.expires_at > ? AND u.password_hash = ''`, tokenHash, s.now())
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
		return tx.execOne(ctx, `UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ''`, passwordHash, u.ID)
	})
	return u, wrap("set up account", err)
}

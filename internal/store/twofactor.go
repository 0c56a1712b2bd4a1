package store

import (
	"context"
	"time"
)

// SetTOTPSecret keeps a new second-factor key for an account that has
// none on: it is used only once a code from it confirms it (EnableTOTP).
func (s *Store) SetTOTPSecret(ctx context.Context, userID int64, secret string) error {
	return wrap("set totp secret", s.execOne(ctx, `UPDATE users SET totp_secret = ? WHERE id = ? AND totp_enabled = FALSE`, secret, userID))
}

// EnableTOTP turns the second factor on, with the time step of the code
// that confirmed it and the hashes of new recovery codes (replacing any
// old ones).
func (s *Store) EnableTOTP(ctx context.Context, userID, step int64, codeHashes []string) error {
	return wrap("enable totp", s.Transact(ctx, func(tx *Store) error {
		if err := tx.execOne(ctx, `UPDATE users SET totp_enabled = TRUE, totp_last_step = ? WHERE id = ? AND totp_enabled = FALSE AND totp_secret <> ''`, step, userID); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
			return err
		}
		for _, h := range codeHashes {
			if _, err := tx.exec(ctx, `INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)`, userID, h); err != nil {
				return err
			}
		}
		return nil
	}))
}

// DisableTOTP turns the second factor off and forgets its key and
// recovery codes.
func (s *Store) DisableTOTP(ctx context.Context, userID int64) error {
	return wrap("disable totp", s.Transact(ctx, func(tx *Store) error {
		if err := tx.execOne(ctx, `UPDATE users SET totp_enabled = FALSE, totp_secret = '', totp_last_step = 0 WHERE id = ?`, userID); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID)
		return err
	}))
}

// UseTOTPStep records that a code of this time step was accepted;
// ErrNotFound when a code of this step or a later one was accepted
// before, so that an overheard code cannot be used again.
func (s *Store) UseTOTPStep(ctx context.Context, userID, step int64) error {
	return wrap("use totp step", s.execOne(ctx, `UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`, step, userID, step))
}

// UseRecoveryCode uses up one recovery code; ErrNotFound when it is not
// one of the account's unused codes.
func (s *Store) UseRecoveryCode(ctx context.Context, userID int64, codeHash string) error {
	return wrap("use recovery code", s.execOne(ctx, `UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL`,
		s.now(), userID, codeHash))
}

// RecoveryCodesLeft counts an account's unused recovery codes.
func (s *Store) RecoveryCodesLeft(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.get(ctx, &n, `SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL`, userID)
	return n, wrap("recovery codes left", err)
}

// LoginChallenge is a login whose password was right and whose second
// factor is still to come.
type LoginChallenge struct {
	UserID   int64  `db:"user_id"`
	NextPath string `db:"next_path"`
	Failures int    `db:"failures"`
}

// CreateLoginChallenge stores a login waiting for its code.
func (s *Store) CreateLoginChallenge(ctx context.Context, tokenHash string, userID int64, next string, lifetime time.Duration) error {
	_, err := s.exec(ctx, `INSERT INTO login_challenges (token_hash, user_id, next_path, expires_at) VALUES (?, ?, ?, ?)`,
		tokenHash, userID, next, s.now().Add(lifetime))
	return wrap("create login challenge", err)
}

// LoginChallengeByToken returns an unexpired login challenge.
func (s *Store) LoginChallengeByToken(ctx context.Context, tokenHash string) (LoginChallenge, error) {
	var lc LoginChallenge
	err := s.get(ctx, &lc, `SELECT user_id, next_path, failures FROM login_challenges WHERE token_hash = ? AND expires_at > ?`, tokenHash, s.now())
	return lc, wrap("login challenge", err)
}

// FailLoginChallenge counts a wrong code; after maxFailures the challenge
// is gone and the login starts again from the password.
func (s *Store) FailLoginChallenge(ctx context.Context, tokenHash string, maxFailures int) error {
	return wrap("fail login challenge", s.Transact(ctx, func(tx *Store) error {
		if _, err := tx.exec(ctx, `UPDATE login_challenges SET failures = failures + 1 WHERE token_hash = ?`, tokenHash); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `DELETE FROM login_challenges WHERE token_hash = ? AND failures >= ?`, tokenHash, maxFailures)
		return err
	}))
}

// DeleteLoginChallenge ends a login challenge (used or abandoned), and
// any that expired meanwhile.
func (s *Store) DeleteLoginChallenge(ctx context.Context, tokenHash string) error {
	_, err := s.exec(ctx, `DELETE FROM login_challenges WHERE token_hash = ? OR expires_at <= ?`, tokenHash, s.now())
	return wrap("delete login challenge", err)
}

// Package auth holds the platform's secrets handling: coordinator password
// hashing (argon2id), random tokens stored only as hashes (sessions, API
// tokens, experts' personal links), a rate limiter for token guessing, and
// the login guard that throttles and bounds password checks (login.go).
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters: the RFC 9106 "second recommended option" (64 MiB,
// 3 passes), with 2 lanes for the 2-core machines we run on.
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
	saltLen      = 16
)

// ErrBadPassword is returned when a password does not match its hash.
var ErrBadPassword = errors.New("auth: wrong password")

// MinPasswordLength is the shortest password a coordinator may choose.
const MinPasswordLength = 10

// CheckPasswordStrength returns a user-facing reason when pw is too weak.
func CheckPasswordStrength(pw string) error {
	if len([]rune(pw)) < MinPasswordLength {
		return fmt.Errorf("the password must have at least %d characters", MinPasswordLength)
	}
	return nil
}

// HashPassword returns an encoded argon2id hash in the PHC string format,
// so the parameters can change later without breaking stored hashes.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword compares pw with an encoded hash in constant time. An
// empty hash is an account whose password was never set (an invited
// collaborator who has not used the set-up link): no password matches it.
func CheckPassword(encoded, pw string) error {
	if encoded == "" {
		return ErrBadPassword
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return fmt.Errorf("auth: check password: unsupported hash format")
	}
	var version int
	var mem, iters uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return fmt.Errorf("auth: check password: unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iters, &threads); err != nil {
		return fmt.Errorf("auth: check password: bad parameters: %w", err)
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return fmt.Errorf("auth: check password: bad salt: %w", err)
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return fmt.Errorf("auth: check password: bad key: %w", err)
	}
	got := argon2.IDKey([]byte(pw), salt, iters, mem, threads, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrBadPassword
	}
	return nil
}

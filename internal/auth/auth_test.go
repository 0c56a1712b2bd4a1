package auth

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPasswordRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Errorf("hash format: %s", h)
	}
	if err := CheckPassword(h, "correct horse battery"); err != nil {
		t.Errorf("right password rejected: %v", err)
	}
	if err := CheckPassword(h, "wrong horse battery"); !errors.Is(err, ErrBadPassword) {
		t.Errorf("wrong password: got %v", err)
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Error("two hashes of one password are equal: salt not random")
	}
	if err := CheckPassword("$bcrypt$x", "x"); err == nil || errors.Is(err, ErrBadPassword) {
		t.Errorf("garbage hash: got %v", err)
	}
	for _, pw := range []string{"", "anything at all"} {
		if err := CheckPassword("", pw); !errors.Is(err, ErrBadPassword) {
			t.Errorf("an account without a password accepted %q: %v", pw, err)
		}
	}
}

func TestPasswordStrength(t *testing.T) {
	if CheckPasswordStrength("short") == nil {
		t.Error("short password accepted")
	}
	if err := CheckPasswordStrength("long enough pw"); err != nil {
		t.Error(err)
	}
}

func TestTokens(t *testing.T) {
	tok, hash := NewToken()
	if len(tok) < 40 {
		t.Errorf("token too short: %q", tok)
	}
	if HashToken(tok) != hash || hash == tok || len(hash) != 64 {
		t.Errorf("hash %q of %q", hash, tok)
	}
	tok2, _ := NewToken()
	if tok == tok2 {
		t.Error("tokens repeat")
	}
}

func TestLimiter(t *testing.T) {
	now := time.Unix(0, 0)
	l := NewLimiter(3, time.Minute)
	l.now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if !l.Allow("ip") {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	if l.Allow("ip") {
		t.Error("4th attempt allowed")
	}
	if !l.Allow("other") {
		t.Error("other key limited")
	}
	if !l.Blocked("ip") || l.Blocked("other") || l.Blocked("unseen") {
		t.Error("Blocked wrong")
	}
	now = now.Add(time.Minute)
	if l.Blocked("ip") {
		t.Error("still blocked after a minute")
	}
	if !l.Allow("ip") {
		t.Error("not refilled after a minute")
	}
	if l.Allow("ip") {
		t.Error("refilled too much")
	}
}

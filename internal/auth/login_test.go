package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
)

// cheapHash is a valid argon2id hash with tiny parameters, so that tests
// of the guard's bookkeeping do not spend 64 MiB per attempt.
func cheapHash(pw string) string {
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte(pw), salt, 1, 64, 1, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=64,t=1,p=1$%s$%s", argon2.Version, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// TestLoginGuardParallelGuesses: 30 wrong passwords sent at once from one
// address are charged before they are checked, so only PairBurst reach
// argon2 and no more than the slots run at once.
func TestLoginGuardParallelGuesses(t *testing.T) {
	g := newLoginGuard(2)
	hash := cheapHash("the right password")
	var wg sync.WaitGroup
	results := make(chan error, 30)
	for i := range 30 {
		wg.Go(func() {
			results <- g.Verify(t.Context(), "198.51.100.1", "owner@example.org", hash, fmt.Sprint("guess", i))
		})
	}
	wg.Wait()
	close(results)
	count := map[error]int{}
	for err := range results {
		count[err]++
	}
	if count[ErrBadPassword] != PairBurst || count[ErrThrottled] != 30-PairBurst {
		t.Errorf("30 parallel guesses: %v; want %d wrong and the rest throttled", count, PairBurst)
	}
	if checked, peak := g.Stats(); checked != PairBurst || peak > 2 {
		t.Errorf("%d checks ran, %d at once; want %d, at most 2", checked, peak, PairBurst)
	}
}

// TestLoginGuardOwnerNotLockedOut: an attacker failing from one address,
// then from many, does not keep the owner out: the owner's address has
// not failed, so the right password works, at worst after the penalty.
func TestLoginGuardOwnerNotLockedOut(t *testing.T) {
	g := newLoginGuard(2)
	var waited []time.Duration
	g.Wait = func(ctx context.Context, d time.Duration) error { waited = append(waited, d); return nil }
	hash := cheapHash("the right password")
	const victim = "owner@example.org"
	for range 20 {
		g.Verify(t.Context(), "203.0.113.66", victim, hash, "guess")
	}
	if err := g.Verify(t.Context(), "203.0.113.66", victim, hash, "the right password"); !errors.Is(err, ErrThrottled) {
		t.Errorf("the attacker's address after 20 failures: %v; want throttled", err)
	}
	if err := g.Verify(t.Context(), "192.0.2.10", victim, hash, "the right password"); err != nil || len(waited) != 0 {
		t.Errorf("the owner from another address: %v (waited %v); want in at once", err, waited)
	}
	// Many addresses, one guess each: the account's ceiling is passed.
	for i := range AccountBurst {
		g.Verify(t.Context(), fmt.Sprintf("203.0.113.%d", i), victim, hash, "guess")
	}
	if err := g.Verify(t.Context(), "203.0.113.1", victim, hash, "another guess"); !errors.Is(err, ErrThrottled) {
		t.Errorf("an address that failed, past the account's ceiling: %v; want throttled", err)
	}
	waited = nil
	if err := g.Verify(t.Context(), "192.0.2.10", victim, hash, "the right password"); err != nil {
		t.Errorf("the owner past the account's ceiling: %v; want in", err)
	}
	if len(waited) != 1 || waited[0] != AccountPenalty {
		t.Errorf("the owner waited %v; want one penalty of %v", waited, AccountPenalty)
	}
	// Another account is untouched by all this.
	if err := g.Verify(t.Context(), "192.0.2.11", "other@example.org", cheapHash("pw"), "pw"); err != nil || len(waited) != 1 {
		t.Errorf("another account: %v, waited %v", err, waited)
	}
}

// TestLoginGuardUnknownAccountIsChecked: an unknown account (or one with
// no password) runs one argon2 check with the real parameters, as a known
// one does, so the time of the answer does not tell them apart.
func TestLoginGuardUnknownAccountIsChecked(t *testing.T) {
	g := newLoginGuard(1)
	for _, hash := range []string{"", cheapHash("pw")} {
		before, _ := g.Stats()
		if err := g.Verify(t.Context(), "192.0.2.1", "someone@example.org", hash, "guess"); !errors.Is(err, ErrBadPassword) {
			t.Errorf("hash %q: %v", hash, err)
		}
		if after, _ := g.Stats(); after != before+1 {
			t.Errorf("hash %q: %d checks; want one", hash, after-before)
		}
	}
	if g.dummy == "" || !strings.HasPrefix(g.dummy, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Errorf("the dummy hash %q lacks the real parameters", g.dummy)
	}
	// Even the dummy's own password does not open a missing account.
	if err := g.Verify(t.Context(), "192.0.2.1", "someone@example.org", "", "x"); !errors.Is(err, ErrBadPassword) {
		t.Error(err)
	}
}

// TestLoginGuardBusy: when every slot stays taken for the queue's wait,
// the attempt is refused as busy and charged to nobody.
func TestLoginGuardBusy(t *testing.T) {
	g := newLoginGuard(1)
	g.queueWait = 10 * time.Millisecond
	g.slots <- struct{}{} // a check that never ends
	for range PairBurst + 5 {
		if err := g.Verify(t.Context(), "192.0.2.1", "a@example.org", cheapHash("pw"), "pw"); !errors.Is(err, ErrBusy) {
			t.Fatalf("all slots taken: %v; want busy", err)
		}
	}
	<-g.slots
	if err := g.Verify(t.Context(), "192.0.2.1", "a@example.org", cheapHash("pw"), "pw"); err != nil {
		t.Errorf("after the busy spell: %v; busy answers were charged", err)
	}
}

func TestSlots(t *testing.T) {
	for _, c := range []struct {
		mem   uint64
		procs int
		want  int
	}{
		{128 << 20, 8, 1}, // a quarter of 128 MiB holds no check: still one
		{1 << 30, 8, 4},   // 256 MiB: four checks
		{24 << 30, 2, 2},  // two processors
		{64 << 30, 64, maxSlots},
	} {
		if got := Slots(c.mem, c.procs); got != c.want {
			t.Errorf("Slots(%d MiB, %d) = %d; want %d", c.mem>>20, c.procs, got, c.want)
		}
	}
}

// TestLimiterMemoryBounded: long keys are held as hashes, and no more than
// maxKeys buckets are held however many keys arrive.
func TestLimiterMemoryBounded(t *testing.T) {
	l := NewLimiter(2, time.Hour)
	l.maxKeys = 100
	long := string(make([]byte, 1<<20))
	for i := range 1000 {
		l.Allow(fmt.Sprint(i, long[:i]))
	}
	if l.Len() > 100 {
		t.Errorf("%d keys held; want at most 100", l.Len())
	}
	if !l.Blocked("") == l.Blocked("x") {
		t.Error("Blocked answers for unseen keys differ")
	}
	l.Allow("recent")
	l.Allow("recent")
	if !l.Blocked("recent") {
		t.Error("the newest key was evicted")
	}
	l.Refund("recent")
	if l.Blocked("recent") {
		t.Error("a refund did not give an attempt back")
	}
}

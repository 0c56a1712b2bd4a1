package auth

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Errors of LoginGuard.Verify besides ErrBadPassword.
var (
	// ErrThrottled: this address, or this address on this account, has
	// failed too often; nothing was checked (HTTP 429).
	ErrThrottled = errors.New("auth: too many failed attempts")
	// ErrBusy: every password-checking slot stayed taken for QueueWait;
	// nothing was checked (HTTP 503).
	ErrBusy = errors.New("auth: too many password checks at once")
)

// MaxEmailLength is the longest e-mail address (RFC 5321 path limit); a
// longer one is refused before it is looked up, hashed or used as a key.
const MaxEmailLength = 254

// The login limits; docs/security.md explains them, TestLoginGuard* and
// the web package's TestLogin* keep them true.
const (
	// PairBurst failed passwords for one account from one address, then
	// one more per PairEvery: beyond that the address is refused (429)
	// for that account only.
	PairBurst = 10
	PairEvery = 30 * time.Second
	// AddressBurst failed passwords from one address over all accounts,
	// then one per AddressEvery.
	AddressBurst = 30
	AddressEvery = 10 * time.Second
	// AccountBurst failed passwords for one account from all addresses,
	// then one per AccountEvery. Past this ceiling an address that failed
	// on the account within RecentFailure is refused, and an address that
	// did not (the owner, elsewhere) waits AccountPenalty before its
	// password is checked: the owner is slowed, never locked out.
	AccountBurst   = 20
	AccountEvery   = 30 * time.Second
	AccountPenalty = 3 * time.Second
	RecentFailure  = 10 * time.Minute
	// QueueWait is how long an attempt waits for a password-checking slot
	// before it is answered "busy".
	QueueWait = 60 * time.Second
	// maxSlots caps concurrent checks whatever the memory: each argon2
	// check takes 64 MiB and two cores' worth of work.
	maxSlots = 4
)

// LoginGuard checks passwords for the login and password-change forms.
// An attempt is charged to its buckets before the slow argon2 check, so
// parallel guesses cannot all slip past a limit that was not yet spent,
// and refunded when the password was right. At most Slots checks run at
// once, each holding 64 MiB; an unknown account is checked against a
// dummy hash so that the answer takes as long as for a real one.
type LoginGuard struct {
	pair, address, account *Limiter
	recent                 *Limiter // (account, address) pairs that failed within RecentFailure

	slots     chan struct{}
	queueWait time.Duration
	penalty   time.Duration
	// Wait sleeps for the account ceiling's penalty; tests replace it to
	// see the penalty without spending the time.
	Wait func(ctx context.Context, d time.Duration) error

	dummyOnce sync.Once
	dummy     string

	checked       atomic.Int64 // argon2 checks run
	running, peak atomic.Int64 // checks running now, and the most at once
}

// NewLoginGuard sizes the password-checking slots from the memory the
// process may use (see Slots).
func NewLoginGuard() *LoginGuard {
	return newLoginGuard(Slots(memoryLimit(), runtime.GOMAXPROCS(0)))
}

func newLoginGuard(slots int) *LoginGuard {
	return &LoginGuard{
		pair:      NewLimiter(PairBurst, PairEvery),
		address:   NewLimiter(AddressBurst, AddressEvery),
		account:   NewLimiter(AccountBurst, AccountEvery),
		recent:    NewLimiter(1, RecentFailure),
		slots:     make(chan struct{}, slots),
		queueWait: QueueWait,
		penalty:   AccountPenalty,
		Wait:      sleep,
	}
}

// Slots is the number of argon2 checks that may run at once: a quarter of
// the memory limit in 64 MiB pieces, no more than the processors (more
// would only queue inside the CPU, holding their memory) nor maxSlots, and
// at least one.
func Slots(memLimit uint64, procs int) int {
	n := int(min(memLimit/4/(argonMemory*1024), uint64(maxSlots)))
	return max(1, min(n, procs))
}

// Stats reports the checks run and the most that ran at once.
func (g *LoginGuard) Stats() (checked, peak int64) {
	return g.checked.Load(), g.peak.Load()
}

// Verify checks pw for account (a normalised e-mail address) tried from
// address. hash is the account's stored hash, "" when there is no such
// account or it has no password yet: then the dummy hash is checked and
// the answer is ErrBadPassword. Other answers: nil (right password),
// ErrThrottled, ErrBusy, or ctx's error.
func (g *LoginGuard) Verify(ctx context.Context, address, account, hash, pw string) error {
	pairKey := account + "\x00" + address
	if !g.address.Allow(address) {
		return ErrThrottled
	}
	if !g.pair.Allow(pairKey) {
		g.address.Refund(address)
		return ErrThrottled
	}
	refund := func() { g.address.Refund(address); g.pair.Refund(pairKey) }
	if g.account.Blocked(account) {
		if g.recent.Blocked(pairKey) {
			refund()
			return ErrThrottled
		}
		if err := g.Wait(ctx, g.penalty); err != nil {
			refund()
			return err
		}
	}
	err := g.check(ctx, hash, pw)
	switch {
	case err == nil:
		refund() // a right password costs nothing
	case errors.Is(err, ErrBadPassword):
		g.account.Allow(account)
		g.recent.Allow(pairKey)
	default:
		refund() // busy, cancelled or a broken stored hash: not the client's guess
	}
	return err
}

// check runs one argon2 comparison in a slot.
func (g *LoginGuard) check(ctx context.Context, hash, pw string) error {
	timer := time.NewTimer(g.queueWait)
	defer timer.Stop()
	select {
	case g.slots <- struct{}{}:
	case <-timer.C:
		return ErrBusy
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() {
		// The finished check's 64 MiB are garbage now. Collecting them at
		// once keeps the heap near slots × 64 MiB; left to its pacing (next
		// collection at twice the live heap, which counted the running
		// checks) the GC lets several more pile up first. A collection
		// costs milliseconds, a check hundreds.
		runtime.GC()
		<-g.slots
	}()
	now := g.running.Add(1)
	defer g.running.Add(-1)
	for p := g.peak.Load(); now > p && !g.peak.CompareAndSwap(p, now); p = g.peak.Load() {
	}
	g.checked.Add(1)
	if hash == "" {
		// No account, or no password set: the same work, the same "wrong".
		if err := CheckPassword(g.dummyHash(), pw); err != nil && !errors.Is(err, ErrBadPassword) {
			return err
		}
		return ErrBadPassword
	}
	return CheckPassword(hash, pw)
}

// dummyHash is a hash of a random password with the current parameters,
// made on first need so it always costs what a real check costs.
func (g *LoginGuard) dummyHash() string {
	g.dummyOnce.Do(func() {
		tok, _ := NewToken()
		h, err := HashPassword(tok)
		if err != nil {
			panic("auth: dummy hash: " + err.Error()) // only crypto/rand can fail, and it does not
		}
		g.dummy = h
	})
	return g.dummy
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// memoryLimit is the memory this process may use: GOMEMLIMIT if set, else
// the cgroup's limit, else the machine's memory, else 1 GiB.
func memoryLimit() uint64 {
	if l := debug.SetMemoryLimit(-1); l > 0 && l < math.MaxInt64 {
		return uint64(l)
	}
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err == nil {
			return n
		}
	}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var kb uint64
			if _, err := fmt.Sscanf(sc.Text(), "MemTotal: %d kB", &kb); err == nil {
				return kb * 1024
			}
		}
	}
	return 1 << 30
}

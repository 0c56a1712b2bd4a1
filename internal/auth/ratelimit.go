package auth

import (
	"crypto/sha256"
	"sync"
	"time"
)

// Limiter allows each key (an IP address, an account) a burst of attempts
// that refills at a steady rate: a token bucket per key. It is in memory, per
// process; with several instances each limits on its own, which still bounds
// guessing to a few attempts per second per instance.
//
// Its memory is bounded whatever the clients send: a key is kept as its
// SHA-256 (32 bytes, however long the e-mail address it came from), a full
// bucket is the same as no bucket and is forgotten, and at most maxKeys
// buckets are held; beyond that the least recently used one goes.
type Limiter struct {
	mu      sync.Mutex
	burst   float64
	every   time.Duration // one attempt refilled per interval
	maxKeys int
	buckets map[[32]byte]*bucket
	now     func() time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

// DefaultMaxKeys bounds a limiter's memory to a few megabytes.
const DefaultMaxKeys = 50_000

// NewLimiter allows burst attempts at once per key, then one per every.
func NewLimiter(burst int, every time.Duration) *Limiter {
	return &Limiter{burst: float64(burst), every: every, maxKeys: DefaultMaxKeys, buckets: map[[32]byte]*bucket{}, now: time.Now}
}

// level is the bucket's tokens at now, refilled since its last use.
func (l *Limiter) level(b *bucket, now time.Time) float64 {
	return min(l.burst, b.tokens+float64(now.Sub(b.last))/float64(l.every))
}

// Allow spends one attempt for key and reports whether one was left.
func (l *Limiter) Allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	k := sha256.Sum256([]byte(key))
	b, ok := l.buckets[k]
	if !ok {
		if len(l.buckets) >= l.maxKeys {
			l.makeRoom(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[k] = b
	}
	b.tokens = l.level(b, now)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// Refund gives back an attempt spent by Allow, for callers that reserve
// an attempt before slow work and learn afterwards that it should not
// count (a correct password).
func (l *Limiter) Refund(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	k := sha256.Sum256([]byte(key))
	if b, ok := l.buckets[k]; ok {
		b.tokens = min(l.burst, l.level(b, now)+1)
		b.last = now
		if b.tokens >= l.burst {
			delete(l.buckets, k)
		}
	}
}

// Blocked tells whether key has no attempt left, without spending one.
func (l *Limiter) Blocked(key string) bool {
	return l.Remaining(key) < 1
}

// Remaining is the number of attempts key has left now (burst for a key
// never seen or fully refilled).
func (l *Limiter) Remaining(key string) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[sha256.Sum256([]byte(key))]
	if !ok {
		return l.burst
	}
	return l.level(b, l.now())
}

// Len is the number of keys held, for tests of the memory bound.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// makeRoom forgets keys whose bucket is full again; if all are still in
// use, it forgets the least recently used one, so memory stays bounded.
func (l *Limiter) makeRoom(now time.Time) {
	var oldest [32]byte
	var oldestTime time.Time
	for k, b := range l.buckets {
		if l.level(b, now) >= l.burst {
			delete(l.buckets, k)
			continue
		}
		if oldestTime.IsZero() || b.last.Before(oldestTime) {
			oldest, oldestTime = k, b.last
		}
	}
	if len(l.buckets) >= l.maxKeys {
		delete(l.buckets, oldest)
	}
}

package auth

import (
	"sync"
	"time"
)

// Limiter allows each key (an IP address, an e-mail) a burst of attempts
// that refills at a steady rate: a token bucket per key. It is in memory, per
// process; with several instances each limits on its own, which still bounds
// guessing to a few attempts per second per instance.
type Limiter struct {
	mu      sync.Mutex
	burst   float64
	every   time.Duration // one attempt refilled per interval
	buckets map[string]*bucket
	now     func() time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewLimiter allows burst attempts at once per key, then one per every.
func NewLimiter(burst int, every time.Duration) *Limiter {
	return &Limiter{burst: float64(burst), every: every, buckets: map[string]*bucket{}, now: time.Now}
}

// Allow spends one attempt for key and reports whether one was left.
func (l *Limiter) Allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) > 100_000 {
			l.sweep(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+float64(now.Sub(b.last))/float64(l.every))
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// Blocked tells whether key has no attempt left, without spending one.
// Callers that only charge failures (a wrong token, a wrong password) ask
// Blocked first and call Allow after a failure, so that honest traffic from
// one address (a whole office behind one NAT) is never slowed down.
func (l *Limiter) Blocked(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		return false
	}
	return min(l.burst, b.tokens+float64(l.now().Sub(b.last))/float64(l.every)) < 1
}

// sweep forgets keys whose bucket is full again, so memory stays bounded.
func (l *Limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+float64(now.Sub(b.last))/float64(l.every) >= l.burst {
			delete(l.buckets, k)
		}
	}
}

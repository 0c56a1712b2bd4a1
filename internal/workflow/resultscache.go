package workflow

import (
	"context"
	"sync"

	"github.com/delphi-platform/delphi/internal/results"
)

// resultsCache keeps the computed results of the studies read last, so
// that the results pages and exports compute a study's results once, not
// on every view (hundreds of milliseconds to seconds for a large study).
//
// Each entry is labelled with the study's results version
// (store.ResultsVersion), read before the data it was computed from. The
// database's triggers move the version in the same transaction as any
// change the results depend on, whichever instance writes it, so an
// entry is used only while its version is current: a change is visible at
// the next view, on every instance sharing the database, and nothing has
// to remember to invalidate anything. Data read after the version are at
// least as new as it, so an entry is never older than its label.
//
// Entries are bounded (cachedStudies, least recently used out); a study
// asked for by several requests at once is computed once.
type resultsCache struct {
	mu      sync.Mutex
	entries map[int64]*resultsEntry // by study id
	clock   uint64                  // counts uses, for the least recently used
}

// cachedStudies bounds the cache: the results of the benchmark study
// (1,000 experts × 500 statements × 3 rounds) keep about 20 MB, and a
// server seldom has more studies being read at once.
const cachedStudies = 4

type resultsEntry struct {
	version int64
	done    chan struct{} // closed once computed
	d       *Dataset
	res     *results.Results
	err     error
	used    uint64
}

// get returns the results of a study at (at least) the given version,
// computing them with compute when no entry is that recent. The results
// are shared: callers must not change them.
func (c *resultsCache) get(ctx context.Context, studyID, version int64, compute func(context.Context) (*Dataset, *results.Results, error)) (*Dataset, *results.Results, error) {
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[int64]*resultsEntry{}
	}
	c.clock++
	e := c.entries[studyID]
	if e != nil && e.version >= version {
		e.used = c.clock
		c.mu.Unlock()
		select {
		case <-e.done:
			return e.d, e.res, e.err
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
	}
	e = &resultsEntry{version: version, done: make(chan struct{}), used: c.clock}
	c.entries[studyID] = e
	c.evict()
	c.mu.Unlock()
	// The computation outlives this request if it is cancelled: others
	// may be waiting for it.
	e.d, e.res, e.err = compute(context.WithoutCancel(ctx))
	close(e.done)
	if e.err != nil { // errors are not kept
		c.mu.Lock()
		if c.entries[studyID] == e {
			delete(c.entries, studyID)
		}
		c.mu.Unlock()
	}
	return e.d, e.res, e.err
}

// evict drops the least recently used entries beyond cachedStudies.
func (c *resultsCache) evict() {
	for len(c.entries) > cachedStudies {
		var oldest int64
		var lru uint64
		for id, e := range c.entries {
			if lru == 0 || e.used < lru {
				oldest, lru = id, e.used
			}
		}
		delete(c.entries, oldest)
	}
}

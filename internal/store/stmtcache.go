package store

import (
	"context"
	"sync"

	"github.com/jmoiron/sqlx"
)

// stmtCache keeps prepared statements by query text. Parsing SQL again
// for every query was a tenth to a fifth of the CPU of a rating save (the
// SQLite driver prepares each statement anew); the queries are constants,
// so each is prepared once per process. database/sql re-prepares a
// statement on each pooled connection as needed. Queries built at run
// time (IN lists of varying length) would fill it, so it is bounded.
type stmtCache struct {
	mu      sync.Mutex
	stmts   map[string]*sqlx.Stmt
	pending map[string]bool // being prepared in the background
	closed  bool
}

const maxCachedStmts = 200

// prepared returns the cached statement for query, bound to the current
// transaction when there is one; nil means "run it unprepared" (cache
// full, or preparing failed: the query then reports its own error).
func (s *Store) prepared(ctx context.Context, query string) *sqlx.Stmt {
	c := s.stmts
	if c == nil {
		return nil
	}
	tx, inTx := s.q.(*sqlx.Tx)
	c.mu.Lock()
	st, ok := c.stmts[query]
	full := c.closed || len(c.stmts) >= maxCachedStmts
	c.mu.Unlock()
	switch {
	case ok && inTx:
		return tx.StmtxContext(ctx, st) // prepared on the transaction's connection, closed with it
	case ok:
		return st
	case full:
		return nil
	case inTx:
		// Preparing needs a connection of the pool, and this transaction
		// already holds one (and, on SQLite, the write lock others wait
		// for): prepare in the background, run this once unprepared.
		c.mu.Lock()
		if !c.pending[query] {
			if c.pending == nil {
				c.pending = map[string]bool{}
			}
			c.pending[query] = true
			go c.prepare(context.Background(), s, query)
		}
		c.mu.Unlock()
		return nil
	}
	return c.prepare(ctx, s, query)
}

// prepare prepares query on the pool and caches it; nil if that failed
// (the query then runs unprepared and reports its own error).
func (c *stmtCache) prepare(ctx context.Context, s *Store, query string) *sqlx.Stmt {
	st, err := s.db.PreparexContext(ctx, s.rebind(query))
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.pending, query)
	if err != nil {
		return nil
	}
	if old, ok := c.stmts[query]; ok || c.closed || len(c.stmts) >= maxCachedStmts {
		_ = st.Close()
		return old // nil when closed or full
	}
	if c.stmts == nil {
		c.stmts = map[string]*sqlx.Stmt{}
	}
	c.stmts[query] = st
	return st
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		_ = st.Close()
	}
	c.stmts, c.closed = nil, true
}

package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/store/storetest"
)

// TestTransactRollsBackOnPanic: a panic inside Transact after a write
// goes on up to the caller, the write is rolled back, and the store
// works on. With a pool of one connection, a transaction left open would
// keep that connection (and on SQLite the write lock) for ever: every
// later call would wait, here until the deadline.
func TestTransactRollsBackOnPanic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		s.DB().SetMaxOpenConns(1)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		boom := errors.New("boom")
		recovered := func() (p any) {
			defer func() { p = recover() }()
			_ = s.Transact(ctx, func(tx *store.Store) error {
				if _, err := tx.CreateUser(ctx, "ghost@example.org", "Ghost", "h"); err != nil {
					t.Error(err)
				}
				panic(boom)
			})
			return nil
		}()
		if recovered != boom {
			t.Fatalf("recovered %v; want fn's panic", recovered)
		}
		if _, err := s.UserByEmail(ctx, "ghost@example.org"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("after the panic: %v; want ErrNotFound (rolled back)", err)
		}
		// The next transaction gets the connection, writes the same row
		// (no leftover holds its e-mail) and commits.
		if err := s.Transact(ctx, func(tx *store.Store) error {
			_, err := tx.CreateUser(ctx, "ghost@example.org", "Ghost", "h")
			return err
		}); err != nil {
			t.Fatalf("next transaction: %v", err)
		}
		if u, err := s.UserByEmail(ctx, "ghost@example.org"); err != nil || u.Name != "Ghost" {
			t.Errorf("after the next transaction: %+v, %v", u, err)
		}
	})
}

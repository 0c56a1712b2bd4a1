package web

import (
	"context"
	"testing"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// demoOpenRound returns the open round of the demo study (study 1).
func demoOpenRound(t testing.TB, s *store.Store) store.Round {
	t.Helper()
	rs, err := s.RoundsByStudy(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.Status == rounds.Open {
			return r
		}
	}
	t.Fatal("the demo study has no open round")
	return store.Round{}
}

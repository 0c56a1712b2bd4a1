package demo

import (
	"context"
	"encoding/json"
	"io"
	"testing"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/store/storetest"
	"github.com/delphi-platform/delphi/rounds"
)

// demoStudyIn loads the demo into s and returns its study.
func demoStudyIn(t *testing.T, s *store.Store) store.Study {
	t.Helper()
	ctx := context.Background()
	if err := Load(ctx, s, auth.HashPassword, "http://127.0.0.1:8080", io.Discard); err != nil {
		t.Fatal(err)
	}
	u, err := s.UserByEmail(ctx, Email)
	if err != nil {
		t.Fatal(err)
	}
	studies, err := s.StudiesForUser(ctx, u.ID)
	if err != nil || len(studies) != 1 {
		t.Fatalf("demo studies: %d, %v", len(studies), err)
	}
	return studies[0].Study
}

// TestDemoRounds checks that the demo has the rounds a researcher needs to
// see results: 1 and 2 closed with plausible ratings, 3 open with feedback.
func TestDemoRounds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		st := demoStudyIn(t, s)
		rs, err := s.RoundsByStudy(ctx, st.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 3 || rs[0].Status != "closed" || rs[1].Status != "closed" || rs[2].Status != "open" {
			t.Fatalf("rounds: %+v", rs)
		}
		var respondents []int
		for _, r := range rs {
			ids, err := s.Respondents(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			respondents = append(respondents, len(ids))
		}
		if respondents[0] < 50 || respondents[1] >= respondents[0] || respondents[1] < 40 || respondents[2] != 0 {
			t.Errorf("respondents per round %v: want most of 57, some dropouts in round 2, none yet in round 3", respondents)
		}

		// Round 1: most statements reach consensus, some are carried.
		d1, err := s.DecisionsByRound(ctx, rs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, d := range d1 {
			count[d.Decision]++
		}
		if len(d1) != 30 || count["in"] < 15 || count["carry"] < 3 {
			t.Errorf("round 1 decisions %v", count)
		}

		// Round 2 carries the undecided statements with frozen feedback,
		// one reworded and one added from comments.
		r2, err := s.RoundStatements(ctx, rs[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		origins := map[string]int{}
		for _, x := range r2 {
			origins[x.Origin]++
			if x.Origin == string(rounds.OriginCarried) || x.Origin == string(rounds.OriginReworded) {
				var fb struct {
					N int `json:"n"`
				}
				if err := json.Unmarshal([]byte(x.Feedback), &fb); err != nil || fb.N < 40 {
					t.Errorf("round 2 %q: feedback %s (%v)", x.Text, x.Feedback, err)
				}
			}
		}
		if origins["reworded"] != 1 || origins["added"] != 1 || origins["carried"] != count["carry"]-1 {
			t.Errorf("round 2 origins %v; round 1 carried %d", origins, count["carry"])
		}
		// Round 3's experts see the feedback of round 2.
		r3, err := s.RoundStatements(ctx, rs[2].ID)
		if err != nil || len(r3) == 0 || len(r3) >= len(r2) {
			t.Errorf("round 3: %d statements (round 2 had %d), %v", len(r3), len(r2), err)
		}
		for _, x := range r3 {
			var fb struct {
				Round int `json:"round"`
				N     int `json:"n"`
			}
			if err := json.Unmarshal([]byte(x.Feedback), &fb); err != nil || fb.N < 40 {
				t.Errorf("round 3 %q: feedback %s (%v)", x.Text, x.Feedback, err)
			}
		}
		sources, err := s.StatementSources(ctx, st.ID)
		if err != nil || len(sources) != 1 {
			t.Errorf("statements prompted by comments: %v, %v", sources, err)
		}
	})
}

// TestDemoDeterministic checks that two demo loads give the same results:
// the snapshots stored when rounds 1 and 2 closed are identical.
func TestDemoDeterministic(t *testing.T) {
	var snapshots []string
	for range 2 {
		s := storetest.Open(t, "sqlite")
		st := demoStudyIn(t, s)
		rs, err := s.RoundsByStudy(context.Background(), st.ID)
		if err != nil {
			t.Fatal(err)
		}
		snapshot := ""
		for _, r := range rs[:2] {
			rr, err := s.RoundResultsByID(context.Background(), r.ID)
			if err != nil {
				t.Fatal(err)
			}
			snapshot += rr.Results
		}
		snapshots = append(snapshots, snapshot)
	}
	if snapshots[0] != snapshots[1] {
		t.Error("two demo loads gave different results")
	}
}

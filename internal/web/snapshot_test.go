package web

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
)

// TestSnapshotEqualsResultsExport: the snapshot a round's close stores and
// the results export of that round (GET …/results) come from the same
// loader of stored answers, so they are the same report, number for
// number: after round 1 closes, and both rounds after round 2, whose
// statements continue round 1's; and for a real-time round, whose
// answers count without a submission.
func TestSnapshotEqualsResultsExport(t *testing.T) {
	t.Run("classic", func(t *testing.T) {
		engines(t, func(t *testing.T, env *testEnv) {
			s := newExpertStudy(t, env, nil, fourStatements, defaultPanel)
			var rounds []int64
			answers := [][]string{{"5", "1", "2", "1"}, {"5", "4", "2", "2"}, {"5", "2", "4", "1"}, {"4", "5", "unable", "2"}, {"5", "3", "3", "1"}}
			for i, p := range defaultPanel {
				b := s.expert(t, p.email)
				form := map[int]string{}
				for j, v := range answers[i] {
					form[j] = v
				}
				s.rate(t, b, form, map[int]string{1: "Depends on the setting"}, i != 4) // the last one only saves
			}
			s.close(t)
			rounds = append(rounds, s.round.ID)
			sameAsExport(t, env, s, rounds)

			s.launch(t, "", 4) // the carried statements, to those who submitted
			if len(s.round.Statements) == 0 {
				t.Fatal("round 2 carries no statement")
			}
			for i, p := range defaultPanel[:4] {
				b := s.expert(t, p.email)
				form := map[int]string{}
				for j := range s.round.Statements {
					form[j] = itoa(int64(1 + (i+j)%5))
				}
				s.rate(t, b, form, nil, true)
			}
			s.close(t)
			rounds = append(rounds, s.round.ID)
			sameAsExport(t, env, s, rounds)
		})
	})
	t.Run("realtime", func(t *testing.T) {
		engines(t, func(t *testing.T, env *testEnv) {
			s, _ := ratedRealtimeStudy(t, env)
			s.close(t)
			sameAsExport(t, env, s, []int64{s.round.ID})
		})
	})
}

// sameAsExport compares each closed round's stored snapshot with that
// round of the JSON results export.
func sameAsExport(t *testing.T, env *testEnv, s *expertStudy, roundIDs []int64) {
	t.Helper()
	r := s.call(t, "GET", s.path+"/results", "")
	var doc struct {
		Rounds []json.RawMessage `json:"rounds"`
	}
	if err := json.Unmarshal([]byte(r.body), &doc); r.status != http.StatusOK || err != nil {
		t.Fatalf("results: %d %.300s", r.status, r.body)
	}
	if len(doc.Rounds) != len(roundIDs) {
		t.Fatalf("the export has %d rounds; want %d", len(doc.Rounds), len(roundIDs))
	}
	for i, id := range roundIDs {
		rr, err := env.store.RoundResultsByID(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		var stored, exported any
		if err := json.Unmarshal([]byte(rr.Results), &stored); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(doc.Rounds[i], &exported); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(stored, exported) {
			a, _ := json.Marshal(stored)
			b, _ := json.Marshal(exported)
			t.Errorf("round %d: the stored snapshot differs from the export:\nstored:   %.2000s\nexported: %.2000s", i+1, a, b)
		}
	}
}

package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
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
		var stored, exported map[string]any
		if err := json.Unmarshal([]byte(rr.Results), &stored); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(doc.Rounds[i], &exported); err != nil {
			t.Fatal(err)
		}
		// The export adds the study's record to each statement: the rule's
		// proposal, which is the snapshot's decision, beside the recorded
		// decision (the same here: nobody overrode one).
		statements, _ := exported["statements"].([]any)
		for j, x := range statements {
			st, _ := x.(map[string]any)
			want := stored["statements"].([]any)[j].(map[string]any)["decision"]
			if st["proposal"] != want {
				t.Errorf("round %d, %v: the export's proposal %v is not the snapshot's decision %v", i+1, st["statement"], st["proposal"], want)
			}
			delete(st, "proposal")
		}
		if !reflect.DeepEqual(stored, exported) {
			a, _ := json.Marshal(stored)
			b, _ := json.Marshal(exported)
			t.Errorf("round %d: the stored snapshot differs from the export:\nstored:   %.2000s\nexported: %.2000s", i+1, a, b)
		}
	}
}

// cachedResultsDoc is the part of GET …/results the cache tests read.
type cachedResultsDoc struct {
	Rounds []struct {
		Round      int `json:"round"`
		Statements []struct {
			Statement string `json:"statement"`
			N         int    `json:"n"`
			Decision  string `json:"decision"`
			Proposal  string `json:"proposal"` // the rule's own decision
			Subgroups *struct {
				Group *struct {
					Groups []struct {
						Name string `json:"name"`
						N    int    `json:"n"`
					} `json:"groups"`
				} `json:"group"`
			} `json:"subgroups"`
		} `json:"statements"`
	} `json:"rounds"`
	Lineage []struct {
		Statement string `json:"statement"`
		Round     int    `json:"round"`
		Decision  string `json:"decision"`
	} `json:"lineage"`
}

func (s *expertStudy) results(t *testing.T) cachedResultsDoc {
	t.Helper()
	r := s.call(t, "GET", s.path+"/results", "")
	var doc cachedResultsDoc
	if err := json.Unmarshal([]byte(r.body), &doc); r.status != http.StatusOK || err != nil {
		t.Fatalf("results: %d %.300s", r.status, r.body)
	}
	return doc
}

// TestResultsFollowChanges: the results are computed once and kept, yet
// every change they depend on shows at the next request: a decision
// overridden, an amendment of the consensus rule, an expert's group
// corrected on the panel page, the next round closed.
func TestResultsFollowChanges(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		s := newExpertStudy(t, env, nil, fourStatements, defaultPanel)
		rs := s.round.Statements
		key := func(i int) string { return "S" + itoa(rs[i].StatementID) }
		answers := [][]string{{"5", "5", "1", "1"}, {"5", "4", "2", "1"}, {"5", "4", "3", "1"}, {"4", "2", "5", "2"}, {"1", "1", "1", "1"}}
		for i, p := range defaultPanel {
			form := map[int]string{}
			for j, v := range answers[i] {
				form[j] = v
			}
			s.rate(t, s.expert(t, p.email), form, nil, i < 4) // the fifth expert does not submit
		}
		s.close(t)
		statement := func(doc cachedResultsDoc, round int, k string) (n int, decision string, groups map[string]int) {
			groups = map[string]int{}
			for _, st := range doc.Rounds[round-1].Statements {
				if st.Statement == k {
					for _, g := range st.Subgroups.Group.Groups {
						groups[g.Name] = g.N
					}
					return st.N, st.Decision, groups
				}
			}
			t.Fatalf("round %d has no statement %s", round, k)
			return
		}
		lineage := func(doc cachedResultsDoc, round int, k string) string {
			for _, l := range doc.Lineage {
				if l.Round == round && l.Statement == k {
					return l.Decision
				}
			}
			return ""
		}

		// A decision overridden.
		if got := lineage(s.results(t), 1, key(3)); got != "out" {
			t.Fatalf("statement 4's decision: %q; want the proposal, out", got)
		}
		if r := s.call(t, "POST", "/api/v1/rounds/"+itoa(s.round.ID)+"/decisions",
			`[{"round_statement_id":`+itoa(rs[3].ID)+`,"decision":"carry","reason":"the steering group wants another look"}]`); r.status != http.StatusOK {
			t.Fatalf("decision: %d %s", r.status, r.body)
		}
		if got := lineage(s.results(t), 1, key(3)); got != "carry" {
			t.Errorf("after the override: %q; want carry", got)
		}

		// The rule amended: statement 2 has 75 % agreement. The rule's own
		// decision follows the amendment at once; the round's recorded
		// decision, the study's record, stays what it was.
		proposal := func(doc cachedResultsDoc, round int, k string) string {
			for _, st := range doc.Rounds[round-1].Statements {
				if st.Statement == k {
					return st.Proposal
				}
			}
			return ""
		}
		doc := s.results(t)
		_, decided, _ := statement(doc, 1, key(1))
		before := proposal(doc, 1, key(1))
		if r := s.call(t, "PATCH", s.path, `{"consensus_rule":"percent:80","amendment_reason":"as registered"}`); r.status != http.StatusOK {
			t.Fatalf("amendment: %d %s", r.status, r.body)
		}
		doc = s.results(t)
		if after := proposal(doc, 1, key(1)); after == before {
			t.Errorf("statement 2 under 80 %%: the rule still says %q", after)
		}
		if _, d, _ := statement(doc, 1, key(1)); d != decided {
			t.Errorf("the amendment changed the recorded decision from %q to %q", decided, d)
		}

		// An expert's group corrected on the panel page.
		if _, _, g := statement(s.results(t), 1, key(0)); g["Research"] != 2 || g["Civil society"] != 2 {
			t.Fatalf("groups before: %v", g)
		}
		b, _ := env.coordinator("ana@example.org", "Ana")
		if err := env.store.AddStudyMember(ctx, s.id, 1, "ana@example.org", "coordinator"); err != nil {
			t.Fatal(err)
		}
		e3 := expertID(t, env, s.id, "e3@example.org")
		if r := b.post("/studies/"+itoa(s.id)+"/panel/experts/"+itoa(e3), url.Values{"email": {"e3@example.org"}, "name": {"Chloé Experte"},
			"group": {"Research"}, "country": {"NL"}, "language": {"fr"}}); r.status != http.StatusOK {
			t.Fatalf("edit expert: %d", r.status)
		}
		if _, _, g := statement(s.results(t), 1, key(0)); g["Research"] != 3 || g["Civil society"] != 1 {
			t.Errorf("groups after the correction: %v; want Research 3, Civil society 1", g)
		}

		// The next round closed.
		s.launch(t, "", 4)
		for _, p := range defaultPanel[:2] {
			form := map[int]string{}
			for j := range s.round.Statements {
				form[j] = "4"
			}
			s.rate(t, s.expert(t, p.email), form, nil, true)
		}
		if doc := s.results(t); len(doc.Rounds) != 1 {
			t.Fatalf("%d rounds with results while round 2 is open", len(doc.Rounds))
		}
		s.close(t)
		doc = s.results(t)
		if len(doc.Rounds) != 2 {
			t.Fatalf("%d rounds with results after round 2 closed; want 2", len(doc.Rounds))
		}
		if n, _, _ := statement(doc, 2, "S"+itoa(s.round.Statements[0].StatementID)); n != 2 {
			t.Errorf("round 2: n %d; want the 2 who submitted", n)
		}
		if r := b.get("/studies/" + itoa(s.id) + "/results"); !strings.Contains(r.body, "Round 2") {
			t.Errorf("the results page does not show round 2")
		}
	})
}

package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// decisionStudy is a study whose round 1 is closed: of its three
// statements the panel agrees on the first and is divided on the other
// two, so the rule proposes "in", "carry" and "carry".
type decisionStudy struct {
	env     *testEnv
	token   string
	b       *browser // the coordinator, logged in
	studyID int64
	round   roundJSON // round 1, closed
}

func newDecisionStudy(t *testing.T, env *testEnv, email string) *decisionStudy {
	t.Helper()
	return newDecisionStudyOf(t, env, email, 3)
}

// newDecisionStudyOf is newDecisionStudy with maxRounds planned rounds
// (1: round 1 is the last, its proposals in, unresolved, unresolved).
func newDecisionStudyOf(t *testing.T, env *testEnv, email string, maxRounds int) *decisionStudy {
	t.Helper()
	s := &decisionStudy{env: env, token: tokenFor(t, env, email)}
	var st studyJSON
	decodeInto(t, s.call(t, "POST", "/api/v1/studies", fmt.Sprintf(`{"title":"Decisions","scale_min":1,"scale_max":5,"consensus_rule":"percent:75","max_rounds":%d,"contact_email":%q}`, maxRounds, email)), &st)
	s.studyID = st.ID
	sp := "/api/v1/studies/" + itoa(st.ID)
	if r := s.call(t, "POST", sp+"/statements", `[{"text":"Everyone agrees","section":"A"},{"text":"Divided, decided out","section":"A"},{"text":"Divided, carried","section":"A"}]`); r.status != http.StatusCreated && r.status != http.StatusOK {
		t.Fatalf("statements: %d %s", r.status, r.body)
	}
	panel := "email,name,stakeholder_group,country,language\n"
	for i := 1; i <= 4; i++ {
		panel += fmt.Sprintf("e%d@panel.example,Expert %d,Research,NL,en\n", i, i)
	}
	if r := env.api("POST", sp+"/panel", s.token, "text/csv", panel); r.status != http.StatusOK {
		t.Fatalf("panel: %d %s", r.status, r.body)
	}
	s.round = decodeRound(t, s.call(t, "POST", sp+"/rounds", ""))
	rp := "/api/v1/rounds/" + itoa(s.round.ID)
	if r := s.call(t, "POST", rp+"/launch", ""); r.status != http.StatusOK {
		t.Fatalf("launch: %d %s", r.status, r.body)
	}
	// Everyone agrees with the first statement; the panel splits two
	// against two on the others.
	answers := map[string][]string{
		"e1@panel.example": {"5", "5", "5"}, "e2@panel.example": {"5", "5", "1"},
		"e3@panel.example": {"5", "1", "5"}, "e4@panel.example": {"5", "1", "1"},
	}
	msgs, err := env.store.OutboxByRound(context.Background(), s.round.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 4 {
		t.Fatalf("%d invitations; want 4", len(msgs))
	}
	for _, m := range msgs {
		ids := map[int64]string{}
		for i, v := range answers[m.ToAddress] {
			ids[s.round.Statements[i].ID] = v
		}
		env.expertRates(t, linkIn(t, m.TextBody), ids, true)
	}
	s.round = decodeRound(t, s.call(t, "POST", rp+"/close", ""))
	want := []string{"in", "carry", "carry"}
	if maxRounds == 1 {
		want = []string{"in", "unresolved", "unresolved"}
	}
	for i, want := range want {
		if got := s.round.Statements[i]; got.Proposal != want || got.Decision != want {
			t.Fatalf("statement %d: proposal %s, decision %s; want %s", i, got.Proposal, got.Decision, want)
		}
	}
	s.b = env.browser()
	s.b.get("/login")
	if r := s.b.post("/login", url.Values{"email": {email}, "password": {"a long test password"}}); r.status != http.StatusOK {
		t.Fatalf("login: %d", r.status)
	}
	return s
}

func (s *decisionStudy) call(t *testing.T, method, path, body string) response {
	t.Helper()
	ct := ""
	if body != "" {
		ct = "application/json"
	}
	return s.env.api(method, path, s.token, ct, body)
}

// get reads an export through the API.
func (s *decisionStudy) get(t *testing.T, path string) string {
	t.Helper()
	r := s.call(t, "GET", "/api/v1/studies/"+itoa(s.studyID)+path, "")
	if r.status != http.StatusOK {
		t.Fatalf("%s: %d %s", path, r.status, r.body)
	}
	return r.body
}

// resultsDoc is what the test reads of the results JSON.
type resultsDoc struct {
	Rounds []struct {
		ConsensusOut int `json:"consensus_out"`
		NoConsensus  int `json:"no_consensus"`
		Statements   []struct {
			Statement      string `json:"statement"`
			Decision       string `json:"decision"`
			Proposal       string `json:"proposal"`
			DecisionReason string `json:"decision_reason"`
		} `json:"statements"`
	} `json:"rounds"`
	Flow []struct {
		ConsensusIn    int `json:"consensus_in"`
		ConsensusOut   int `json:"consensus_out"`
		NoConsensus    int `json:"no_consensus"`
		CarriedForward int `json:"carried_forward"`
	} `json:"flow"`
	StatementFlow []struct {
		In   int `json:"in"`
		Out  int `json:"out"`
		None int `json:"no_consensus"`
	} `json:"statement_flow"`
	Lineage []struct {
		Statement      string `json:"statement"`
		Round          int    `json:"round"`
		Decision       string `json:"decision"`
		Proposal       string `json:"proposal"`
		DecisionReason string `json:"decision_reason"`
	} `json:"lineage"`
}

func (s *decisionStudy) results(t *testing.T) resultsDoc {
	t.Helper()
	var doc resultsDoc
	if err := json.Unmarshal([]byte(s.get(t, "/results")), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Rounds) != 1 || len(doc.Flow) != 1 || len(doc.StatementFlow) != 1 {
		t.Fatalf("results of %d rounds, flow %d, statement flow %d; want 1", len(doc.Rounds), len(doc.Flow), len(doc.StatementFlow))
	}
	return doc
}

// csvRow finds the row whose columns hold the given values.
func csvRow(t *testing.T, what string, rows [][]string, match map[string]string) map[string]string {
	t.Helper()
	for _, r := range rows[1:] {
		row := map[string]string{}
		for i, h := range rows[0] {
			if i < len(r) {
				row[h] = r[i]
			}
		}
		found := true
		for k, v := range match {
			found = found && row[k] == v
		}
		if found {
			return row
		}
	}
	t.Fatalf("%s: no row with %v in %v", what, match, rows)
	return nil
}

func parseCSV(t *testing.T, what, body string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("%s: %d rows, %v", what, len(rows), err)
	}
	return rows
}

// TestOverriddenDecisionInExports: the rule proposes to carry a divided
// statement, the coordinator decides "out" with a reason (on the
// carry-over page, or through the API); every report then gives "out" and
// the reason, counts it as out in the flow and the methods text, and keeps
// the rule's proposal beside it.
func TestOverriddenDecisionInExports(t *testing.T) {
	const reason = `Steering group, 12 May: "outside the study's scope"`
	engines(t, func(t *testing.T, env *testEnv) {
		for _, via := range []string{"page", "api"} {
			t.Run(via, func(t *testing.T) {
				s := newDecisionStudy(t, env, "coord-"+via+"@example.org")
				target := s.round.Statements[1]
				key := "S" + itoa(target.StatementID)

				before := s.results(t)
				st := before.Rounds[0].Statements[1]
				if st.Statement != key || st.Decision != "none" || st.Proposal != "none" || st.DecisionReason != "" {
					t.Fatalf("before the override %s: %+v", key, st)
				}

				switch via {
				case "page":
					r := s.b.post(fmt.Sprintf("/studies/%d/rounds/%d/statements/%d/decision", s.studyID, s.round.ID, target.ID),
						url.Values{"decision": {"out"}, "reason": {reason}})
					mustContain(t, "carry-over page", r.body, "Decision saved")
				case "api":
					body := fmt.Sprintf(`[{"round_statement_id":%d,"decision":"out","reason":%q}]`, target.ID, reason)
					if r := s.call(t, "POST", "/api/v1/rounds/"+itoa(s.round.ID)+"/decisions", body); r.status != http.StatusOK {
						t.Fatalf("decisions: %d %s", r.status, r.body)
					}
				}
				if got := decodeRound(t, s.call(t, "GET", "/api/v1/rounds/"+itoa(s.round.ID), "")).Statements[1]; got.Decision != "out" || got.Proposal != "carry" {
					t.Fatalf("round after the override: %+v", got)
				}

				// Results JSON: the statement, the round's counts, the flow,
				// the statement flow and the lineage.
				after := s.results(t)
				st = after.Rounds[0].Statements[1]
				if st.Statement != key || st.Decision != "out" || st.Proposal != "none" || st.DecisionReason != reason {
					t.Errorf("results JSON %s: %+v; want out, proposal none and the reason", key, st)
				}
				for i, x := range after.Rounds[0].Statements {
					if i != 1 && (x.Decision != before.Rounds[0].Statements[i].Decision || x.Proposal != x.Decision || x.DecisionReason != "") {
						t.Errorf("results JSON %s changed: %+v", x.Statement, x)
					}
				}
				b, a := before.Rounds[0], after.Rounds[0]
				if a.ConsensusOut != b.ConsensusOut+1 || a.NoConsensus != b.NoConsensus-1 {
					t.Errorf("round counts out %d→%d, none %d→%d", b.ConsensusOut, a.ConsensusOut, b.NoConsensus, a.NoConsensus)
				}
				fb, fa := before.Flow[0], after.Flow[0]
				if fb.CarriedForward != 2 || fa.CarriedForward != 1 || fa.ConsensusOut != fb.ConsensusOut+1 || fa.NoConsensus != fb.NoConsensus-1 || fa.ConsensusIn != fb.ConsensusIn {
					t.Errorf("flow before %+v, after %+v; want one statement moved from carried to out", fb, fa)
				}
				sb, sa := before.StatementFlow[0], after.StatementFlow[0]
				if sa.Out != sb.Out+1 || sa.None != sb.None-1 || sa.In != sb.In {
					t.Errorf("statement flow before %+v, after %+v", sb, sa)
				}
				lineageOK := false
				for _, l := range after.Lineage {
					if l.Statement == key && l.Round == 1 {
						lineageOK = l.Decision == "out" && l.Proposal == "carry" && l.DecisionReason == reason
					}
				}
				if !lineageOK {
					t.Errorf("results JSON lineage for %s: %+v", key, after.Lineage)
				}

				// Consensus CSV.
				cons := parseCSV(t, "consensus CSV", s.get(t, "/results?format=csv"))
				row := csvRow(t, "consensus CSV", cons, map[string]string{"round": "1", "statement": key, "subgroup_type": "all"})
				if row["decision"] != "out" || row["proposal"] != "none" || row["decision_reason"] != reason || row["rule"] != "percent:75" {
					t.Errorf("consensus CSV %s: %v", key, row)
				}

				// XLSX: the round sheet, and the Summary sheet's flow.
				f, err := excelize.OpenReader(strings.NewReader(s.get(t, "/export.xlsx")))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				sheet, err := f.GetRows("Round 1")
				if err != nil {
					t.Fatal(err)
				}
				row = csvRow(t, "XLSX Round 1", sheet, map[string]string{"statement": key, "subgroup_type": "all"})
				if row["decision"] != "out" || row["proposal"] != "none" || row["decision_reason"] != reason {
					t.Errorf("XLSX Round 1 %s: %v", key, row)
				}
				summary, err := f.GetRows("Summary")
				if err != nil {
					t.Fatal(err)
				}
				row = csvRow(t, "XLSX Summary", summary, map[string]string{"round": "1"})
				if row["consensus_out"] != itoa(int64(fa.ConsensusOut)) || row["no_consensus"] != itoa(int64(fa.NoConsensus)) || row["carried_forward"] != "1" {
					t.Errorf("XLSX Summary round 1: %v; want the flow %+v", row, fa)
				}

				// Lineage CSV.
				lin := parseCSV(t, "lineage CSV", s.get(t, "/lineage.csv"))
				row = csvRow(t, "lineage CSV", lin, map[string]string{"statement": key, "round": "1"})
				if row["decision"] != "out" || row["proposal"] != "carry" || row["decision_reason"] != reason {
					t.Errorf("lineage CSV %s: %v", key, row)
				}

				// The methods text counts the decision and names the override.
				methods := html.UnescapeString(s.b.get(fmt.Sprintf("/studies/%d/results/methods", s.studyID)).body)
				mustContain(t, "methods text", methods,
					fmt.Sprintf("round 1 presented 3 statements (3 new): %d reached consensus in, %d consensus out, %d none", fa.ConsensusIn, fa.ConsensusOut, fa.NoConsensus),
					fmt.Sprintf("round 1, %s: out (proposed: carry; “%s”)", key, reason))
				if fa.ConsensusOut != 1 {
					t.Errorf("flow counts %d out; want the overridden statement", fa.ConsensusOut)
				}

				// The Results tab's table.
				page := html.UnescapeString(s.b.get(fmt.Sprintf("/studies/%d/results?round=1", s.studyID)).body)
				i := strings.Index(page, "<td><strong>"+key+"</strong>")
				if i < 0 {
					t.Fatalf("%s is not on the results page", key)
				}
				tr := page[i : i+strings.Index(page[i:], "</tr>")]
				mustContain(t, "results page row", tr, `decision-out">out</span>`, "(rule: none)", reason)
			})
		}
	})
}

package web

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/results"
	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/rounds"
)

// twoCriteriaScale: importance 1–9 under COMET, feasibility 1–9 under
// 70 % agreement, combined under "all".
func twoCriteriaScale(t testing.TB) rounds.Scale {
	t.Helper()
	sc := rounds.DefaultScale(1, 9)
	sc.Name = "Importance"
	var err error
	if sc.Rule, err = rounds.ParseRule("comet", 1, 9); err != nil {
		t.Fatal(err)
	}
	feas := rounds.Criterion{Name: "Feasibility", Min: 1, Max: 9, Labels: rounds.DefaultLabels(1, 9), Bands: rounds.DefaultBands(1, 9)}
	if feas.Rule, err = rounds.ParseRule("percent:70", 1, 9); err != nil {
		t.Fatal(err)
	}
	sc.More, sc.Combine = []rounds.Criterion{feas}, rounds.CombineAll
	return sc
}

// criteriaAnswers are each expert's ratings (defaultPanel order) of one
// statement on importance and on feasibility; 0 is "unable".
type criteriaAnswers struct{ imp, feas [5]int }

// criteriaStudy runs a study rated on importance and feasibility through
// three rounds (create, launch, answer, close, decide, next round). Its
// designed decisions, by statement letter:
//
//	round 1: A in+in → in; B in+out → out; C in+none → none; D none+in → none
//	round 2: C in+in → in; D none+in → none
//	round 3: D out+in → out
type criteriaStudy struct {
	*expertStudy
	keys map[string]string // letter → lineage key
}

// criteriaDesign are the answers by round and statement letter.
var criteriaDesign = []map[string]criteriaAnswers{
	{
		"A": {[5]int{9, 9, 8, 8, 7}, [5]int{9, 8, 8, 7, 0}},
		"B": {[5]int{9, 9, 9, 8, 8}, [5]int{1, 2, 1, 3, 2}},
		"C": {[5]int{9, 8, 9, 8, 9}, [5]int{9, 1, 5, 2, 8}},
		"D": {[5]int{1, 9, 5, 2, 8}, [5]int{9, 9, 9, 9, 9}},
	},
	{
		"C": {[5]int{9, 9, 9, 9, 9}, [5]int{8, 8, 9, 9, 7}},
		"D": {[5]int{5, 5, 6, 9, 1}, [5]int{9, 9, 9, 9, 9}},
	},
	{
		"D": {[5]int{1, 1, 2, 1, 3}, [5]int{9, 9, 9, 9, 9}},
	},
}

// criteriaExpected: round → letter → importance, feasibility, combined
// decision.
var criteriaExpected = []map[string][3]string{
	{"A": {"in", "in", "in"}, "B": {"in", "out", "out"}, "C": {"in", "none", "none"}, "D": {"none", "in", "none"}},
	{"C": {"in", "in", "in"}, "D": {"none", "in", "none"}},
	{"D": {"out", "in", "out"}},
}

func newCriteriaStudy(t *testing.T, env *testEnv) *criteriaStudy {
	t.Helper()
	ctx := context.Background()
	s := &criteriaStudy{expertStudy: newPanelStudy(t, env, nil, []string{"Statement A", "Statement B", "Statement C", "Statement D"}, defaultPanel, ""), keys: map[string]string{}}
	u, err := env.store.UserByEmail(ctx, "coord@example.org")
	if err != nil {
		t.Fatal(err)
	}
	sc := twoCriteriaScale(t)
	if fe := sc.Validate(); len(fe) > 0 {
		t.Fatalf("scale: %v", fe)
	}
	if err := env.store.UpdateStudyScale(ctx, s.id, u.ID, sc, ""); err != nil {
		t.Fatal(err)
	}
	for ri, design := range criteriaDesign {
		s.launch(t, `{"deadline":"2099-06-04T17:00:00Z"}`, len(defaultPanel))
		letterOf := map[int64]string{}
		for _, rs := range s.round.Statements {
			letter := strings.TrimPrefix(rs.Text, "Statement ")
			letterOf[rs.ID] = letter
			if ri == 0 {
				s.keys[letter] = "S" + itoa(rs.StatementID)
			}
		}
		if len(s.round.Statements) != len(design) {
			t.Fatalf("round %d presents %d statements; want %d (%v)", ri+1, len(s.round.Statements), len(design), letterOf)
		}
		for e, p := range defaultPanel {
			v, err := env.store.VisitByTokenHash(ctx, auth.HashToken(strings.TrimPrefix(s.links[p.email], "/r/")))
			if err != nil {
				t.Fatal(err)
			}
			for _, rs := range s.round.Statements {
				a := design[letterOf[rs.ID]]
				x := workflow.Answer{RoundStatementID: rs.ID}
				imp := a.imp[e]
				x.Rating = &imp
				if f := a.feas[e]; f == 0 {
					x.Extra.Unable2 = true
				} else {
					x.Extra.Rating2 = sql.NullInt64{Int64: int64(f), Valid: true}
				}
				if e == 0 {
					x.Comment = "Comment on " + letterOf[rs.ID]
				}
				if err := env.app.flow.SaveAnswer(ctx, v, x); err != nil {
					t.Fatal(err)
				}
			}
			if err := env.app.flow.SubmitAnswers(ctx, v, time.Now(), false); err != nil {
				t.Fatalf("round %d, %s submits: %v", ri+1, p.email, err)
			}
		}
		closed := s.close(t)
		// The close proposes the combined decision; the coordinator
		// confirms the proposals (the decisions step), which carries the
		// statements without consensus into the next round.
		var decisions []string
		for _, rs := range closed.Statements {
			want := rounds.Propose(criteriaExpected[ri][letterOf[rs.ID]][2], ri+1, 3)
			if rs.Proposal != string(want) {
				t.Errorf("round %d, %s: proposal %q; want %q (the combined decision)", ri+1, letterOf[rs.ID], rs.Proposal, want)
			}
			decisions = append(decisions, fmt.Sprintf(`{"round_statement_id":%d,"decision":%q}`, rs.ID, rs.Proposal))
		}
		if r := s.call(t, "POST", "/api/v1/rounds/"+itoa(s.round.ID)+"/decisions", "["+strings.Join(decisions, ",")+"]"); r.status != http.StatusOK {
			t.Fatalf("round %d decisions: %d %s", ri+1, r.status, r.body)
		}
	}
	return s
}

// TestTwoCriteriaStudyExports: a study rated on importance (COMET) and
// feasibility (70 %), combined under "all", runs three rounds; every
// export carries each criterion's decision and the combined one, and the
// recorded decisions follow the combination.
func TestTwoCriteriaStudyExports(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newCriteriaStudy(t, env)
		letters := map[string]string{}
		for l, k := range s.keys {
			letters[k] = l
		}

		// results.json: the analyze shape under "criteria", the recorded
		// decisions (rounds) are the combined ones.
		r := s.call(t, "GET", s.path+"/results.json", "")
		if r.status != http.StatusOK {
			t.Fatalf("results.json: %d %s", r.status, r.body)
		}
		var doc struct {
			Rounds []struct {
				Round      int `json:"round"`
				Statements []struct {
					Statement string `json:"statement"`
					Decision  string `json:"decision"`
					Proposal  string `json:"proposal"`
				} `json:"statements"`
			} `json:"rounds"`
			Criteria json.RawMessage `json:"criteria"`
		}
		if err := json.Unmarshal([]byte(r.body), &doc); err != nil {
			t.Fatal(err)
		}
		var crit struct {
			Combine  string `json:"combine"`
			Criteria []struct {
				Criterion string `json:"criterion"`
				Settings  struct {
					Rule string `json:"rule"`
				} `json:"settings"`
			} `json:"criteria"`
			Rounds []struct {
				Round      int `json:"round"`
				Statements []struct {
					Statement string `json:"statement"`
					Criteria  map[string]struct {
						Decision string `json:"decision"`
						N        int    `json:"n"`
						NUnable  int    `json:"n_unable"`
					} `json:"criteria"`
					Combined string `json:"combined_decision"`
				} `json:"statements"`
			} `json:"rounds"`
		}
		if err := json.Unmarshal(doc.Criteria, &crit); err != nil {
			t.Fatalf("results.json criteria: %v in %.300s", err, doc.Criteria)
		}
		if crit.Combine != "all" || len(crit.Criteria) != 2 || crit.Criteria[0].Criterion != "Importance" || crit.Criteria[0].Settings.Rule != "comet" ||
			crit.Criteria[1].Criterion != "Feasibility" || crit.Criteria[1].Settings.Rule != "percent:70" {
			t.Errorf("results.json criteria: %+v", crit)
		}
		if len(crit.Rounds) != 3 || len(doc.Rounds) != 3 {
			t.Fatalf("results.json: %d rounds of criteria, %d rounds", len(crit.Rounds), len(doc.Rounds))
		}
		for ri, want := range criteriaExpected {
			if len(crit.Rounds[ri].Statements) != len(want) {
				t.Errorf("round %d: %d statements; want %d", ri+1, len(crit.Rounds[ri].Statements), len(want))
			}
			for _, st := range crit.Rounds[ri].Statements {
				l := letters[st.Statement]
				got := [3]string{st.Criteria["Importance"].Decision, st.Criteria["Feasibility"].Decision, st.Combined}
				if got != want[l] {
					t.Errorf("results.json round %d, %s: importance, feasibility, combined %v; want %v", ri+1, l, got, want[l])
				}
			}
			for _, st := range doc.Rounds[ri].Statements {
				l := letters[st.Statement]
				if st.Decision != want[l][2] || st.Proposal != want[l][2] {
					t.Errorf("results.json round %d, %s: decision %q, proposal %q; want the combined %q", ri+1, l, st.Decision, st.Proposal, want[l][2])
				}
			}
		}
		if a := crit.Rounds[0].Statements[0].Criteria["Feasibility"]; a.N != 4 || a.NUnable != 1 {
			t.Errorf("round 1, A, feasibility: n %d, unable %d; want 4 and 1", a.N, a.NUnable)
		}

		// Sensitivity: criterion 1's as before, then each other
		// criterion's under every rule, its own marked primary.
		var sens struct {
			Sensitivity struct {
				Primary  string `json:"primary"`
				Criteria []struct {
					Criterion string `json:"criterion"`
					Primary   string `json:"primary"`
					Rounds    []struct {
						Statements map[string][]string `json:"statements"`
					} `json:"rounds"`
				} `json:"criteria"`
			} `json:"sensitivity"`
		}
		if err := json.Unmarshal([]byte(r.body), &sens); err != nil {
			t.Fatal(err)
		}
		if sc := sens.Sensitivity; sc.Primary != "comet" || len(sc.Criteria) != 1 || sc.Criteria[0].Criterion != "Feasibility" || sc.Criteria[0].Primary != "percent:70" ||
			len(sc.Criteria[0].Rounds) != 3 || len(sc.Criteria[0].Rounds[0].Statements[s.keys["B"]]) == 0 || sc.Criteria[0].Rounds[0].Statements[s.keys["B"]][0] != "out" {
			t.Errorf("results.json sensitivity: %+v", sc)
		}

		// Consensus CSV: a row per round × statement × criterion.
		cons := parseCSV(t, "consensus CSV", s.call(t, "GET", s.path+"/results?format=csv", "").body)
		// The panel (defaultPanel) has two groups and one country: three
		// subgroup rows after each panel row.
		if n := len(cons) - 1; n != 2*(4+2+1)*4 {
			t.Errorf("consensus CSV: %d rows; want 56", n)
		}
		if row := csvRow(t, "consensus CSV", cons, map[string]string{"round": "1", "statement": s.keys["B"], "criterion": "Feasibility", "subgroup_type": "group", "subgroup": "Research"}); row["n"] != "3" || row["criterion_decision"] != "out" || row["decision"] != "" {
			t.Errorf("consensus CSV, round 1, B, feasibility, Research: %v", row)
		}
		for ri, want := range criteriaExpected {
			for l, w := range want {
				for k, c := range []string{"Importance", "Feasibility"} {
					row := csvRow(t, "consensus CSV", cons, map[string]string{"round": strconv.Itoa(ri + 1), "statement": s.keys[l], "criterion": c, "subgroup_type": "all"})
					if row["criterion_decision"] != w[k] || row["combined_decision"] != w[2] || row["decision"] != w[2] || row["combine"] != "all" {
						t.Errorf("consensus CSV round %d, %s, %s: %v; want %s, combined %s", ri+1, l, c, row, w[k], w[2])
					}
				}
			}
		}

		// Raw CSV: a row per criterion of each answer, with the criterion.
		raw := s.call(t, "GET", s.path+"/raw.csv", "")
		rows := parseCSV(t, "raw CSV", raw.body)
		if h := strings.Join(rows[0], ","); h != "expert,group,country,round,statement,statement_version,rating,rating_value,unable,comment,kind,criterion" {
			t.Errorf("raw CSV header: %s", h)
		}
		if n := len(rows) - 1; n != 5*7*2 {
			t.Errorf("raw CSV: %d rows; want 70 (5 experts × 7 answers × 2 criteria)", n)
		}
		unable := 0
		for _, row := range rows[1:] {
			if row[11] == "Feasibility" && row[8] == "1" {
				unable++
			}
			if row[11] == "Feasibility" && row[9] != "" {
				t.Errorf("a comment on a feasibility row: %v", row)
			}
		}
		if unable != 1 {
			t.Errorf("raw CSV: %d unable feasibility rows; want 1", unable)
		}

		// XLSX: a sheet per criterion and the combined decisions.
		f, err := excelize.OpenReader(strings.NewReader(s.call(t, "GET", s.path+"/export.xlsx", "").body))
		if err != nil {
			t.Fatal(err)
		}
		sheets := strings.Join(f.GetSheetList(), "|")
		if !strings.Contains(sheets, "1 Importance|2 Feasibility|Combined decisions") || strings.Contains(sheets, "Round 1") {
			t.Errorf("XLSX sheets: %s", sheets)
		}
		comb, err := f.GetRows("Combined decisions")
		if err != nil {
			t.Fatal(err)
		}
		if h := strings.Join(comb[0], ","); h != "round,statement,text,decision_Importance,decision_Feasibility,combine,combined_decision,decision,decision_reason" {
			t.Errorf("combined sheet header: %s", h)
		}
		if len(comb) != 8 {
			t.Errorf("combined sheet: %d rows; want 8", len(comb))
		}
		for _, row := range comb[1:] {
			ri, _ := strconv.Atoi(row[0])
			w := criteriaExpected[ri-1][letters[row[1]]]
			if row[3] != w[0] || row[4] != w[1] || row[6] != w[2] || row[7] != w[2] {
				t.Errorf("combined sheet row %v; want %v", row, w)
			}
		}
		imp, _ := f.GetRows("1 Importance")
		if len(imp) != 1+7*4 || imp[0][4] != "criterion" || imp[1][4] != "Importance" {
			t.Errorf("importance sheet: %v", imp)
		}
		set, _ := f.GetRows("Settings")
		if !strings.Contains(fmt.Sprint(set), "criterion_2_consensus_rule percent:70") || !strings.Contains(fmt.Sprint(set), "combine all") {
			t.Errorf("settings sheet: %v", set)
		}

		// The results page: each criterion's figures and decision and the
		// combined decision, round by round; the round page likewise.
		b := env.loggedIn("coord@example.org")
		for ri, want := range criteriaExpected {
			page := b.get(fmt.Sprintf("/studies/%d/results?round=%d", s.id, ri+1))
			if page.status != http.StatusOK {
				t.Fatalf("results page round %d: %d", ri+1, page.status)
			}
			mustContain(t, "results page", page.body, "each criterion and the combined decision", "<th scope=\"col\">Importance</th>", "<th scope=\"col\">Feasibility</th>",
				"Combined (all)", "figures on Importance")
			for l, w := range want {
				row := rowOf(t, page.body, "<strong>"+s.keys[l]+"</strong>")
				if got := decisionsIn(row); !reflect.DeepEqual(got, []string{w[0], w[1], w[2], w[2]}) {
					t.Errorf("results page round %d, %s: decisions %v; want %v then the combined and recorded %s", ri+1, l, got, w[:2], w[2])
				}
			}
		}
		mustContain(t, "sensitivity page", b.get(fmt.Sprintf("/studies/%d/results/sensitivity", s.id)).body,
			"<h2>Criterion 1: Importance</h2>", "<h2>Criterion 2: Feasibility</h2>", "<h3>Feasibility, round 3</h3>", "percent:70 ★")
		rs, err := env.store.RoundsByStudy(context.Background(), s.id)
		if err != nil {
			t.Fatal(err)
		}
		round1 := b.get(fmt.Sprintf("/studies/%d/rounds/%d", s.id, rs[0].ID))
		mustContain(t, "round 1 page", round1.body, "rated on 2 criteria", "<th>Importance</th><th>Feasibility</th><th>Combined (all)</th>")
		for l, w := range criteriaExpected[0] {
			row := rowOf(t, round1.body, "<td>Statement "+l+"</td>")
			if got := decisionsIn(row); !reflect.DeepEqual(got, []string{w[0], w[1], w[2]}) {
				t.Errorf("round 1 page, %s: decisions %v; want %v", l, got, w)
			}
		}

		// Codebook and methods text.
		mustContain(t, "codebook", s.call(t, "GET", s.path+"/codebook.txt", "").body,
			"criterion          text", "Criterion 1: Importance.", "Consensus rule: comet", "Criterion 2: Feasibility.", "Consensus rule: percent:70", "Combination: all", "--combine all")
		st, err := env.store.StudyByID(context.Background(), s.id)
		if err != nil {
			t.Fatal(err)
		}
		_, res, err := env.app.flow.StudyResults(context.Background(), st)
		if err != nil {
			t.Fatal(err)
		}
		methods := strings.Join(res.Methods(results.StudyFacts{Title: "Access to care", MaxRounds: 3}), "\n")
		mustContain(t, "methods", methods, "Each statement was rated on 2 criteria", "1. Importance, rated 1–9", "2. Feasibility, rated 1–9",
			`rule "all"`, "are the combined decisions")
	})
}

// rowOf is the table row of page that contains marker.
func rowOf(t *testing.T, page, marker string) string {
	t.Helper()
	i := strings.Index(page, marker)
	if i < 0 {
		t.Fatalf("no row with %q", marker)
	}
	start := strings.LastIndex(page[:i], "<tr")
	end := strings.Index(page[i:], "</tr>")
	return page[start : i+end]
}

// decisionsIn are the decisions a row shows, in order.
func decisionsIn(row string) []string {
	var out []string
	for _, part := range strings.Split(row, `class="decision decision-`)[1:] {
		out = append(out, part[:strings.Index(part, `"`)])
	}
	return out
}

// TestTwoCriteriaRawExportAnalyze: `delphi analyze` on the platform's raw
// export of a study rated on two criteria gives the platform's
// per-criterion figures and combined decisions.
func TestTwoCriteriaRawExportAnalyze(t *testing.T) {
	env := newTestEnv(t, "sqlite")
	s := newCriteriaStudy(t, env)
	raw := s.call(t, "GET", s.path+"/raw.csv", "")
	file := filepath.Join(t.TempDir(), "raw.csv")
	if err := os.WriteFile(file, []byte(raw.body), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := env.run(&out, "analyze", "--scale", "1-9", "--rule", "comet", "--rule", "Feasibility=percent:70", "--combine", "all", "--quantile", "type6", "--format", "json", file); err != nil {
		t.Fatalf("delphi analyze: %v", err)
	}
	var doc struct {
		Criteria json.RawMessage `json:"criteria"`
	}
	if err := json.Unmarshal([]byte(s.call(t, "GET", s.path+"/results.json", "").body), &doc); err != nil {
		t.Fatal(err)
	}
	var fromPlatform, fromAnalyze any
	if err := json.Unmarshal(doc.Criteria, &fromPlatform); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out.Bytes(), &fromAnalyze); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromPlatform, fromAnalyze) {
		a, _ := json.Marshal(fromPlatform)
		b, _ := json.Marshal(fromAnalyze)
		t.Errorf("the platform's criteria differ from delphi analyze on the raw export:\nplatform: %.3000s\nanalyze:  %.3000s", a, b)
	}
}

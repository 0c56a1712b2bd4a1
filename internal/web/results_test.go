package web

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/delphi-platform/delphi/internal/demo"
	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// researcherEnv is the demo study with a researcher's browser and API token.
type researcherEnv struct {
	*testEnv
	b     *browser
	token string
	st    store.Study
}

var (
	mainRE = regexp.MustCompile(`(?s)<main id="main">(.*)</main>`)
	csrfRE = regexp.MustCompile(`name="csrf" value="[^"]*"`)
	dateRE = regexp.MustCompile(`\d{4}-\d{2}-\d{2}|\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) \d{4}`)
)

// golden compares a page's main content with testdata/<name>.golden.
// Dates (the demo's rounds run today) are masked.
func golden(t *testing.T, name, body string) {
	t.Helper()
	m := mainRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("%s: no <main>", name)
	}
	goldenText(t, name, m[1])
}

// goldenText compares text with testdata/<name>.golden, dates masked.
func goldenText(t *testing.T, name, text string) {
	t.Helper()
	got := dateRE.ReplaceAllString(text, "YYYY-MM-DD")
	got = csrfRE.ReplaceAllString(got, `name="csrf" value="CSRF"`)
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s (run go test -run TestResultsPages -update and review the diff)", name, path)
	}
}

// TestResultsPages renders every results page of the demo study for a
// researcher and compares it with its golden file; both engines must give
// the same pages. No expert's name or e-mail may appear.
func TestResultsPages(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		re := newResearcherEnvFrom(t, env)
		experts, err := env.store.ExpertsByStudy(context.Background(), re.st.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []struct{ name, path string }{
			{"results_round1", "/studies/1/results?round=1"},
			{"results_round2_group", "/studies/1/results?round=2&view=group&sort=median&dir=desc"},
			{"results_country", "/studies/1/results?round=2&view=country&sort=agree"},
			{"results_sensitivity", "/studies/1/results/sensitivity"},
			{"results_attrition", "/studies/1/results/attrition"},
			{"results_figures", "/studies/1/results/figures"},
			{"results_methods", "/studies/1/results/methods"},
		} {
			r := re.b.get(p.path)
			if r.status != http.StatusOK {
				t.Fatalf("%s: %d %s", p.path, r.status, r.body)
			}
			golden(t, p.name, r.body)
			noExperts(t, p.path, r.body, experts)
		}
		for _, bad := range []struct {
			path   string
			status int
		}{
			{"/studies/1/results?round=3", http.StatusNotFound}, // open, no results yet
			{"/studies/1/results?view=city", http.StatusBadRequest},
			{"/studies/1/results?sort=colour", http.StatusBadRequest},
			{"/studies/1/results/figures/participant-flow.gif", http.StatusNotFound},
			{"/studies/1/results/figures/distribution-S9999.svg", http.StatusNotFound},
		} {
			if r := re.b.get(bad.path); r.status != bad.status {
				t.Errorf("%s: %d, want %d", bad.path, r.status, bad.status)
			}
		}
		for _, f := range []string{"participant-flow.svg", "statement-flow.png", "distribution-S1.svg"} {
			r := re.b.get("/studies/1/results/figures/" + f)
			if r.status != http.StatusOK || (strings.HasSuffix(f, ".svg") && !strings.Contains(r.body, "<svg")) ||
				(strings.HasSuffix(f, ".png") && !strings.HasPrefix(r.body, "\x89PNG")) {
				t.Errorf("%s: %d %s", f, r.status, r.header.Get("Content-Type"))
			}
		}
	})
}

// rulesOwn turns the platform's rounds, whose decisions are the recorded
// ones, back into what `delphi analyze` computes: the rule's decision
// (the proposal) and the counts of those, without proposal or reason.
func rulesOwn(rounds []report.RoundReport) []report.RoundReport {
	out := make([]report.RoundReport, len(rounds))
	for i, rr := range rounds {
		rr.Statements = slices.Clone(rr.Statements)
		for j := range rr.Statements {
			st := &rr.Statements[j]
			if st.Proposal != nil {
				st.Decision = *st.Proposal
			}
			st.Proposal, st.DecisionReason = nil, ""
		}
		rr.CountDecisions()
		out[i] = rr
	}
	return out
}

func newResearcherEnvFrom(t *testing.T, env *testEnv) *researcherEnv {
	t.Helper()
	if err := env.run(nil, "demo"); err != nil {
		t.Fatal(err)
	}
	b, u := env.coordinator("researcher@example.org", "Rita Researcher")
	ctx := context.Background()
	owner, err := env.store.UserByEmail(ctx, demo.Email)
	if err != nil {
		t.Fatal(err)
	}
	st, err := env.store.StudyByID(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.store.AddStudyMember(ctx, st.ID, owner.ID, u.Email, store.RoleResearcher); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := env.run(&out, "token", "add", "--email", u.Email); err != nil {
		t.Fatal(err)
	}
	return &researcherEnv{testEnv: env, b: b, token: strings.TrimSpace(out.String()), st: st}
}

func noExperts(t *testing.T, what, body string, experts []store.Expert) {
	t.Helper()
	unescaped := html.UnescapeString(body)
	for _, e := range experts {
		if strings.Contains(unescaped, e.Name) || strings.Contains(unescaped, e.Email) {
			t.Errorf("%s names expert %s", what, e.Name)
			return
		}
	}
}

// TestResearcherCannotEdit: a researcher reads results and exports but
// cannot change the study.
func TestResearcherCannotEdit(t *testing.T) {
	env := newTestEnv(t, "sqlite")
	re := newResearcherEnvFrom(t, env)
	if r := re.b.post("/studies/1/info", map[string][]string{"title": {"Hijacked"}}); r.status != http.StatusForbidden {
		t.Errorf("researcher edits the study: %d", r.status)
	}
	if r := re.b.post("/studies/1/rounds/3/close", map[string][]string{}); r.status != http.StatusForbidden {
		t.Errorf("researcher closes a round: %d", r.status)
	}
	outsider, _ := env.coordinator("other@example.org", "Other")
	if r := outsider.get("/studies/1/results"); r.status == http.StatusOK {
		t.Error("a user without a role sees the results")
	}
	if r := env.api("GET", "/api/v1/studies/1/raw.csv", "", "", ""); r.status != http.StatusUnauthorized {
		t.Errorf("raw.csv without a token: %d", r.status)
	}
}

// TestExports checks that every export opens, that its numbers are the
// pages' and the report's, and that `delphi analyze` run on raw.csv gives
// the same results as the platform.
func TestExports(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		re := newResearcherEnvFrom(t, env)
		ctx := context.Background()
		// A comment that tries to be a formula.
		const formula = `=HYPERLINK("http://x")`
		r1, _ := env.store.RoundsByStudy(ctx, 1)
		ratings, _ := env.store.RatingsByRound(ctx, r1[0].ID)
		var victim store.RoundRating
		for _, rr := range ratings {
			if rr.Submitted.Valid && rr.Rating.Rating.Valid {
				victim = rr
				break
			}
		}
		// Round 1 is closed (experts can no longer write to it), so the
		// comment is put there directly, as if it had been written then.
		db := env.store.DB()
		if _, err := db.ExecContext(ctx, db.Rebind(`UPDATE ratings SET comment = ? WHERE invitation_id = ? AND round_statement_id = ?`),
			formula, victim.InvitationID, victim.RoundStatementID); err != nil {
			t.Fatal(err)
		}
		experts, _ := env.store.ExpertsByStudy(ctx, 1)
		get := func(path string) response {
			t.Helper()
			r := env.api("GET", "/api/v1/studies/1"+path, re.token, "", "")
			if r.status != http.StatusOK {
				t.Fatalf("%s: %d %s", path, r.status, r.body)
			}
			noExperts(t, path, r.body, experts)
			return r
		}

		// JSON: the analyze schema, plus flow and lineage.
		js := get("/results")
		var doc struct {
			report.Report
			Flow []struct {
				Round, Invited, Responded int
			} `json:"flow"`
			Lineage []struct {
				Statement, Origin, Change, Reason string
				PromptedBy                        []string `json:"prompted_by"`
			} `json:"lineage"`
		}
		if err := json.Unmarshal([]byte(js.body), &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Rounds) != 2 || len(doc.Flow) != 2 || doc.Flow[0].Invited != 57 || doc.Flow[1].Responded == 0 {
			t.Fatalf("results JSON: %d rounds, flow %+v", len(doc.Rounds), doc.Flow)
		}
		reworded, prompted := false, false
		for _, l := range doc.Lineage {
			reworded = reworded || (l.Change == "reworded" && l.Reason != "")
			prompted = prompted || (l.Origin == "added" && len(l.PromptedBy) > 0 && regexp.MustCompile(`^E\d{3,}: `).MatchString(l.PromptedBy[0]))
		}
		if !reworded || !prompted {
			t.Errorf("lineage lacks the rewording or the prompting comments: %+v", doc.Lineage)
		}

		// raw.csv parses; the formula is inert; analysing it gives the platform's numbers.
		raw := get("/raw.csv")
		rows, err := csv.NewReader(strings.NewReader(raw.body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range rows[1:] {
			if !regexp.MustCompile(`^E\d{3}$`).MatchString(r[0]) {
				t.Fatalf("expert column %q is not a pseudonym", r[0])
			}
			if strings.Contains(r[9], "HYPERLINK") {
				found = true
				if r[9] != "'"+formula {
					t.Errorf("raw.csv comment %q is not neutralised", r[9])
				}
			}
		}
		if !found {
			t.Error("the comment is missing from raw.csv")
		}
		sc, _ := re.st.Scale()
		set, _ := sc.AnalysisSettings()
		in, err := report.ReadRatings(strings.NewReader(raw.body), set.Scale)
		if err != nil {
			t.Fatal(err)
		}
		again, err := report.Build(ctx, in, set)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(again.Rounds)
		b, _ := json.Marshal(rulesOwn(doc.Rounds))
		if !bytes.Equal(a, b) {
			t.Error("delphi analyze on raw.csv differs from the platform's results")
		}

		// The consensus CSV and XLSX carry the same numbers as the page.
		cons := get("/results?format=csv")
		crows, err := csv.NewReader(strings.NewReader(cons.body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		page := re.b.get("/studies/1/results?round=1")
		for _, r := range crows[1:] {
			if r[0] != "1" || r[4] != "all" {
				continue
			}
			// n, median, iqr (type 6) and % agree as the page shows them.
			want := "<td><strong>" + r[1] + "</strong>"
			i := strings.Index(page.body, want)
			if i < 0 {
				t.Fatalf("statement %s not on the page", r[1])
			}
			row := page.body[i:]
			row = row[:strings.Index(row, "</tr>")]
			cells := regexp.MustCompile(`<td class="num">([^<]*)</td>`).FindAllStringSubmatch(row, -1)
			if cells[0][1] != r[6] || cells[2][1] != trimNum(r[9]) || cells[5][1] != trimNum(r[12]) {
				t.Errorf("statement %s: page n %s median %s iqr %s; csv %s %s %s", r[1], cells[0][1], cells[2][1], cells[5][1], r[6], r[9], r[12])
			}
		}
		x := get("/export.xlsx")
		f, err := excelize.OpenReader(strings.NewReader(x.body))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sheet, err := f.GetRows("Round 1")
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range crows {
			if r[0] != "1" {
				break
			}
			for j := range r {
				if sheet[i][j] != r[j] && !sameNumber(sheet[i][j], r[j]) {
					t.Fatalf("XLSX Round 1 row %d col %s: %q, CSV %q", i, crows[0][j], sheet[i][j], r[j])
				}
			}
		}
		comments, _ := f.GetRows("Comments")
		inert := false
		for _, c := range comments {
			inert = inert || c[3] == "'"+formula
		}
		if !inert {
			t.Error("the formula comment is not inert in the XLSX Comments sheet")
		}

		// Lineage and codebook.
		lin := get("/lineage.csv")
		// The demo's pseudonyms are drawn at random: the golden file has
		// each expert's number in the order they joined (E001 the first).
		byJoining := map[string]string{}
		for i, e := range experts {
			byJoining[e.Pseudonym()] = fmt.Sprintf("E%03d", i+1)
		}
		goldenText(t, "export_lineage.csv", regexp.MustCompile(`E\d{3,}`).ReplaceAllStringFunc(lin.body, func(code string) string { return cmp.Or(byJoining[code], code) }))
		goldenText(t, "export_consensus.csv", cons.body)
		if lrows, err := csv.NewReader(strings.NewReader(lin.body)).ReadAll(); err != nil || len(lrows) < 40 {
			t.Errorf("lineage.csv: %d rows, %v", len(lrows), err)
		}
		cb := get("/codebook.txt")
		goldenText(t, "export_codebook.txt", cb.body)
		if r := env.api("GET", "/api/v1/studies/1/results?format=xml", re.token, "", ""); r.status != http.StatusBadRequest || !strings.Contains(r.body, "want json or csv") {
			t.Errorf("format=xml: %d %s", r.status, r.body)
		}
	})
}

// trimNum shows a CSV number as formatOpt does ("4.00" → "4").
func trimNum(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func sameNumber(a, b string) bool {
	var x, y float64
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		return false
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		return false
	}
	d := x - y
	return d < 1e-9 && d > -1e-9
}

// TestMethodsNarrative: a researcher writes the narrative items once; they
// are kept, escaped, and printed in the methods report.
func TestMethodsNarrative(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		re := newResearcherEnvFrom(t, env)
		const xss = `<script>alert(1)</script>`
		r := re.b.post("/studies/1/results/methods", map[string][]string{"rationale": {"To agree on access " + xss}, "funding": {"None."}})
		if r.status != http.StatusOK || !strings.Contains(r.body, "narrative items are saved") {
			t.Fatalf("save: %d", r.status)
		}
		if strings.Contains(r.body, xss) || !strings.Contains(r.body, "To agree on access &lt;script&gt;") {
			t.Error("the rationale is not shown escaped")
		}
		if r := re.b.get("/studies/1/results/methods"); !strings.Contains(r.body, "<h3>Funding</h3><p class=\"prewrap\">None.</p>") {
			t.Error("the funding item is not kept")
		}
		if r := re.b.post("/studies/1/results/methods", map[string][]string{"rationale": {strings.Repeat("x", 20001)}}); r.status != http.StatusUnprocessableEntity {
			t.Errorf("over-long rationale: %d", r.status)
		}
	})
}

// TestResultsEscapingAndEmpty: names from the panel are escaped on the
// results pages; a study without a closed round has no results yet.
func TestResultsEscapingAndEmpty(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		re := newResearcherEnvFrom(t, env)
		ctx := context.Background()
		const xss = `<script>alert(1)</script>`
		es, _ := env.store.ExpertsByStudy(ctx, 1)
		e := es[0]
		if err := env.store.UpdateExpert(ctx, 1, e.ID, store.NewExpert{Email: e.Email, Name: e.Name, Group: xss, Country: e.Country, Language: e.Language}); err != nil {
			t.Fatal(err)
		}
		r := re.b.get("/studies/1/results?round=1&view=group")
		if r.status != http.StatusOK || strings.Contains(r.body, xss) || !strings.Contains(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("group name not escaped: %d", r.status)
		}

		b, _ := env.coordinator("new@example.org", "New")
		b.post("/studies", map[string][]string{"title": {"Empty"}, "scale": {"1-5"}})
		sts, _ := env.store.StudiesForUser(ctx, mustUser(t, env, "new@example.org"))
		if len(sts) != 1 {
			t.Fatalf("studies %d", len(sts))
		}
		path := "/studies/" + itoa(sts[0].ID)
		if r := b.get(path + "/results"); r.status != http.StatusOK || !strings.Contains(r.body, "no results yet") {
			t.Errorf("results of a study without rounds: %d", r.status)
		}
		if r := b.get(path + "/export.xlsx"); r.status != http.StatusConflict || !strings.Contains(r.body, "round 1 has not closed") {
			t.Errorf("export of a study without rounds: %d", r.status)
		}
	})
}

func mustUser(t *testing.T, env *testEnv, email string) int64 {
	t.Helper()
	u, err := env.store.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

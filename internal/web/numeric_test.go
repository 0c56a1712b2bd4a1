package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/delphi-platform/delphi/internal/report"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/rounds"
	"github.com/xuri/excelize/v2"
)

// TestNumericRoundJourney runs two numeric estimate rounds (issue 17):
// round 1 prepared on the page form (a refused form first: its errors by
// field, its text kept), answered without JavaScript and by the autosave
// endpoint (bad estimates refused with the reason, nothing saved), closed
// with the estimates' results; round 2 created through the API, showing
// each expert the panel's median and quartiles and their own estimate,
// and closed with the convergence since round 1.
func TestNumericRoundJourney(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		b, u := env.coordinator("coord@example.org", "Coord")
		b.post("/studies", url.Values{"title": {"Futures study"}, "scale": {"1-5"}})
		studies, _ := env.store.StudiesForUser(ctx, u.ID)
		st := studies[0]
		base := "/studies/" + itoa(st.ID)
		b.post(base+"/statements", url.Values{"statements": {"In which year will most cars be electric?\nIn which year will coal end?"}, "section": {"Energy"}})
		importViaPage(t, b, base, panelCSV(defaultPanel))

		// The form offers the kind and the numeric options.
		mustContain(t, "rounds page", b.get(base+"/rounds").body, `name="kind"`, `value="numeric"`, `name="numeric_unit"`)
		// Refused: the largest below the smallest, too many decimals.
		r := b.post(base+"/rounds", url.Values{"kind": {"numeric"}, "numeric_unit": {"year"}, "numeric_min": {"2100"},
			"numeric_max": {"2020"}, "numeric_decimals": {"7"}, "numeric_confidence": {"on", "off"}})
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("refused form: %d", r.status)
		}
		mustContain(t, "refused form", r.body, "must be above the smallest", "decimals must be between 0", `value="2100"`, `value="7"`)
		if all, _ := env.store.RoundsByStudy(ctx, st.ID); len(all) != 0 {
			t.Fatalf("a refused form made %d rounds", len(all))
		}
		r = b.post(base+"/rounds", url.Values{"kind": {"numeric"}, "numeric_unit": {"year"}, "numeric_min": {"2020"},
			"numeric_max": {"2100"}, "numeric_decimals": {"0"}, "numeric_confidence": {"on", "off"}})
		round1 := r.url
		r1 := mustRoundID(t, round1)
		got, _ := env.store.RoundByID(ctx, r1)
		set, ok := workflow.NumericSettingsOf(got)
		if got.Kind != rounds.KindNumeric || !ok || set != (rounds.NumericSettings{Unit: "year", Min: 2020, Max: 2100, Confidence: true}) {
			t.Fatalf("round 1: kind %q, settings %+v", got.Kind, set)
		}
		// The preview shows experts' number fields.
		pv := b.get(base + "/preview?round=1")
		if pv.status != http.StatusOK {
			t.Fatalf("preview: %d %s", pv.status, pv.body)
		}
		mustContain(t, "preview", pv.body, "Your estimate (year)", "From 2020 to 2100")
		// The draft shows its options and lets them change.
		mustContain(t, "draft", r.body, `id="numeric-options"`, `value="2100"`)
		r = b.post(round1+"/settings", url.Values{"deadline": {"2099-01-01T10:00"}, "reminder_days": {"7"}, "numeric_min": {"2000"}, "numeric_max": {"1990"}})
		mustContain(t, "refused settings", r.body, "must be above the smallest", `value="1990"`)
		r = b.post(round1+"/settings", url.Values{"deadline": {"2099-01-01T10:00"}, "reminder_days": {"7"}, "numeric_min": {"2025"}})
		mustContain(t, "saved settings", r.body, "Round settings saved.")
		got, _ = env.store.RoundByID(ctx, r1)
		if set, _ = workflow.NumericSettingsOf(got); set.Min != 2025 || set.Max != 2100 {
			t.Fatalf("settings after the change: %+v", set)
		}
		if r := b.post(round1+"/launch", url.Values{}); !strings.Contains(r.body, "invitations queued") {
			t.Fatalf("launch round 1: %d", r.status)
		}
		rss, _ := env.store.RoundStatements(ctx, r1)
		links := outboxLinks(t, env, r1)
		cars := []string{"2030", "2040", "2050", "2060", "2070"}
		for i, p := range defaultPanel {
			ex := env.browser()
			u, _ := url.Parse(links[p.email])
			ex.get(u.Path)
			if st, _ := ex.consent(t); st != http.StatusOK {
				t.Fatalf("consent: %d", st)
			}
			k0, k1 := fmt.Sprintf("r%d", rss[0].ID), fmt.Sprintf("r%d", rss[1].ID)
			if i == 0 { // without JavaScript: a refused estimate first
				page := ex.get("/e")
				mustContain(t, "expert page", page.body, "0 of 2 statements answered", `inputmode="numeric"`, `<label for="`+k0+`">Your estimate (year)</label>`, "From 2025 to 2100", `name="k`+itoa(rss[0].ID)+`"`)
				bad := ex.post("/e", url.Values{k0: {"2200"}, k1: {"2045"}})
				if bad.status != http.StatusUnprocessableEntity {
					t.Fatalf("out of range: %d", bad.status)
				}
				mustContain(t, "refused estimate", bad.body, "Please give a number from 2025 to 2100.", `value="2200"`, `value="2045"`, `aria-invalid="true"`)
				if n, _ := env.store.AnsweredCount(ctx, mustInvitation(t, env, r1, p.email)); n != 0 {
					t.Fatalf("a refused form saved %d answers", n)
				}
				if ok := ex.post("/e", url.Values{k0: {cars[i]}, "k" + itoa(rss[0].ID): {"4"}, k1: {"2045"}}); ok.status != http.StatusOK {
					t.Fatalf("save: %d %s", ok.status, ok.body)
				}
			} else { // the autosave
				for _, bad := range []struct{ value, want string }{{"2040,5", "fewer decimal places (at most 0)"}, {"1999", "from 2025 to 2100"}, {"abc", "Please type a number."}} {
					res := ex.post("/e/answer", url.Values{"s": {itoa(rss[0].ID)}, "r": {bad.value}})
					if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, bad.want) {
						t.Errorf("autosave %q: %d %s", bad.value, res.status, res.body)
					}
				}
				for j, v := range []string{cars[i], "2045"} {
					res := ex.post("/e/answer", url.Values{"s": {itoa(rss[j].ID)}, "r": {v}, "k": {"3"}})
					if res.status != http.StatusOK || !strings.Contains(res.body, `"saved":true`) || !strings.Contains(res.body, fmt.Sprintf(`"progress":"%d of 2 statements answered"`, j+1)) {
						t.Fatalf("autosave %s: %d %s", v, res.status, res.body)
					}
				}
			}
			if r := ex.post("/e/submit", url.Values{}); r.url != "/e/thanks" {
				t.Fatalf("submit: %d %s", r.status, r.body)
			} else if !strings.Contains(r.body, cars[i]+" year") {
				t.Errorf("the thank-you page does not list the estimate %s year", cars[i])
			}
		}
		ratings, _ := env.store.RatingsByInvitation(ctx, mustInvitation(t, env, r1, "e1@example.org"))
		if x := ratings[rss[0].ID]; !x.Estimate.Valid || x.Estimate.Float64 != 2030 || x.Confidence.Int64 != 4 {
			t.Fatalf("stored answer: %+v", x)
		}
		if r := b.post(round1+"/close", url.Values{"confirm": {"yes"}}); r.status != http.StatusOK {
			t.Fatalf("close round 1: %d", r.status)
		}
		closed := b.get(round1).body
		mustContain(t, "closed round page", closed, "Numeric estimates, round 1 (unit: year)", `<td class="num">2050</td>`)
		// The decisions table has no ratings to show: the estimates are in the table above.
		if i := strings.Index(closed, `id="decisions"`); i < 0 || strings.Contains(closed[i:], "% agree") {
			t.Errorf("the decisions table of a numeric round shows the rating columns (at %d)", i)
		}
		rr, err := env.store.RoundResultsByID(ctx, r1)
		if err != nil {
			t.Fatal(err)
		}
		res, ok, err := workflow.NumericResultsOf(rr.Results)
		if err != nil || !ok || len(res.Statements) != 2 {
			t.Fatalf("numeric results: %v %v %+v", ok, err, res)
		}
		if s := res.Statements[0]; res.Quantile != "type6" || res.OtherQuantile != "type7" || s.Report.N != 5 || s.Report.Median.Value != 2050 ||
			s.Report.IQR.Value != 30 || s.OtherQuantile.IQR.Value != 20 || s.Report.Change != nil || s.Report.Statement != s.Text {
			t.Fatalf("round 1 summary: %+v", s)
		}
		// Stored in the platform's JSON style: analyze's snake_case fields.
		var storedJSON struct {
			Estimates struct {
				Statements []map[string]json.RawMessage `json:"statements"`
			} `json:"estimates"`
		}
		if err := json.Unmarshal([]byte(rr.Results), &storedJSON); err != nil || len(storedJSON.Estimates.Statements) != 2 {
			t.Fatalf("stored estimates: %v %s", err, rr.Results)
		}
		var report0 map[string]json.RawMessage
		if err := json.Unmarshal(storedJSON.Estimates.Statements[0]["report"], &report0); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"n_total", "n_missing", "iqr_per_median", "change"} {
			if _, ok := report0[k]; !ok {
				t.Errorf("stored report has no %q: %v", k, report0)
			}
		}
		for _, k := range []string{"round_statement_id", "statement_id", "text", "report", "other_quantile", "mean_confidence"} {
			if _, ok := storedJSON.Estimates.Statements[0][k]; !ok {
				t.Errorf("stored statement has no %q", k)
			}
		}
		decisions, _ := env.store.DecisionsByRound(ctx, r1)
		for _, rs := range rss {
			if decisions[rs.ID].Proposed != "carry" {
				t.Errorf("proposal for %q: %q", rs.Text, decisions[rs.ID].Proposed)
			}
		}

		// Round 2 through the API, numeric again with one decimal.
		token := tokenFor(t, env, "api@example.org")
		if err := env.store.AddStudyMember(ctx, st.ID, u.ID, "api@example.org", "coordinator"); err != nil {
			t.Fatal(err)
		}
		bad := env.api("POST", "/api/v1/studies/"+itoa(st.ID)+"/rounds", token, "application/json", `{"kind":"numeric","numeric":{"min":"soon","decimals":9}}`)
		if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "numeric.min") || !strings.Contains(bad.body, "numeric.decimals") {
			t.Fatalf("refused API round: %d %s", bad.status, bad.body)
		}
		cr := env.api("POST", "/api/v1/studies/"+itoa(st.ID)+"/rounds", token, "application/json",
			`{"kind":"numeric","deadline":"2099-02-01T10:00:00Z","numeric":{"unit":"year","min":2025,"max":2100,"decimals":1,"confidence":false}}`)
		if cr.status != http.StatusCreated && cr.status != http.StatusOK {
			t.Fatalf("API round 2: %d %s", cr.status, cr.body)
		}
		var rj roundJSON
		_ = json.Unmarshal([]byte(cr.body), &rj)
		if rj.Kind != "numeric" || rj.Numeric == nil || *rj.Numeric != (rounds.NumericSettings{Unit: "year", Min: 2025, Max: 2100, Decimals: 1}) {
			t.Fatalf("API round 2: kind %q, numeric %+v", rj.Kind, rj.Numeric)
		}
		// PATCH changes a draft's options, refusing bad ones by field.
		if r := env.api("PATCH", fmt.Sprintf("/api/v1/rounds/%d", rj.ID), token, "application/json", `{"numeric":{"max":2000}}`); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "numeric.max") {
			t.Errorf("PATCH max below min: %d %s", r.status, r.body)
		}
		if r := env.api("PATCH", fmt.Sprintf("/api/v1/rounds/%d", rj.ID), token, "application/json", `{"numeric":{"unit":"year AD"}}`); r.status != http.StatusOK || !strings.Contains(r.body, `"unit":"year AD"`) {
			t.Errorf("PATCH unit: %d %s", r.status, r.body)
		}
		var fb rounds.NumericFeedback
		if err := json.Unmarshal(rj.Statements[0].Feedback, &fb); err != nil || fb.Kind != rounds.KindNumeric || fb.N != 5 || *fb.Median != 2050 || *fb.Q1 != 2035 || *fb.Q3 != 2065 {
			t.Fatalf("frozen feedback: %v %+v", err, fb)
		}
		if r := env.api("POST", fmt.Sprintf("/api/v1/rounds/%d/launch", rj.ID), token, "", ""); r.status != http.StatusOK {
			t.Fatalf("launch round 2: %d %s", r.status, r.body)
		}
		rss2, _ := env.store.RoundStatements(ctx, rj.ID)
		links2 := outboxLinks(t, env, rj.ID)
		for i, p := range defaultPanel {
			ex := env.browser()
			u, _ := url.Parse(links2[p.email])
			page := ex.get(u.Path)
			if i == 0 {
				mustContain(t, "round 2 page", page.body, "Round 1: median 2050 year; middle half of the estimates from 2035 to 2065 year; number of estimates: 5",
					"Your estimate in round 1: 2030 year", `inputmode="decimal"`)
				if strings.Contains(page.body, `name="k`+itoa(rss2[0].ID)+`"`) {
					t.Error("round 2 asks a confidence it was told not to")
				}
			}
			v := []string{"2045,5", "2048", "2050", "2052", "2055"}[i] // converging; a decimal comma
			if r := ex.post("/e/submit", url.Values{"r" + itoa(rss2[0].ID): {v}, "r" + itoa(rss2[1].ID): {"2045"}}); r.url != "/e/thanks" {
				t.Fatalf("round 2 submit: %d %s", r.status, r.body)
			}
		}
		if r := env.api("POST", fmt.Sprintf("/api/v1/rounds/%d/close", rj.ID), token, "", ""); r.status != http.StatusOK {
			t.Fatalf("close round 2: %d %s", r.status, r.body)
		}
		rr2, _ := env.store.RoundResultsByID(ctx, rj.ID)
		res2, _, _ := workflow.NumericResultsOf(rr2.Results)
		s0 := res2.Statements[0]
		if ch := s0.OtherQuantile.Change; ch == nil || ch.PreviousRound != 1 || ch.NPairs != 5 || ch.IQRChange.Value >= 0 {
			t.Fatalf("convergence: %+v", ch)
		}
		if s0.Report.Min.Value != 2045.5 {
			t.Errorf("decimal comma: min %v", s0.Report.Min.Value)
		}
		page := b.get(base + "/results")
		if page.status != http.StatusOK {
			t.Fatalf("results page: %d %s", page.status, page.body)
		}
		mustContain(t, "results page", page.body, "Numeric estimates", "In which year will most cars be electric?")

		// The figures: a box plot of each numeric statement's estimates.
		mustContain(t, "figures page", b.get(base+"/results/figures").body, "estimates-S1.svg", "Estimates of each numeric statement across rounds")
		for _, ext := range []string{"svg", "png"} {
			fig := b.get(base + "/results/figures/estimates-S1." + ext)
			if fig.status != http.StatusOK || len(fig.body) < 500 {
				t.Errorf("estimates figure %s: %d, %d bytes", ext, fig.status, len(fig.body))
			}
		}
		if fig := b.get(base + "/results/figures/estimates-S9.svg"); fig.status != http.StatusNotFound {
			t.Errorf("figure of no statement: %d", fig.status)
		}

		// The workbook's Estimates sheet.
		x := b.get(base + "/export.xlsx")
		f, err := excelize.OpenReader(strings.NewReader(x.body))
		if err != nil {
			t.Fatalf("workbook: %d %v", x.status, err)
		}
		rows, err := f.GetRows("Estimates")
		if err != nil || len(rows) != 5 {
			t.Fatalf("Estimates sheet: %v %v", rows, err)
		}
		if got := strings.Join(rows[1][:10], "|"); got != "1|In which year will most cars be electric?|year|5|0|2050|2050|2035|2065|30" {
			t.Errorf("Estimates row: %s", got)
		}
		if rows[3][18] != "1" || rows[3][21] != "5" {
			t.Errorf("Estimates convergence: %v", rows[3])
		}
		mustContain(t, "methods", b.get(base+"/results/methods").body, "Numeric estimate rounds", "Wilcoxon signed-rank test (asymptotic, tie-corrected) on the paired estimates")

		// The raw export: kind=numeric rows, which `delphi analyze` reads
		// to the same medians, IQRs and Wilcoxon test as the platform's.
		raw := b.get(base + "/raw.csv")
		if !strings.Contains(raw.body, ",2045.5,2045.5,0,,numeric") {
			t.Fatalf("raw CSV:\n%s", raw.body)
		}
		file := filepath.Join(t.TempDir(), "raw.csv")
		if err := os.WriteFile(file, []byte(raw.body), 0o600); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := env.run(&out, "analyze", "--kind", "numeric", "--format", "json", file); err != nil {
			t.Fatalf("delphi analyze: %v\n%s", err, out.String())
		}
		var an struct {
			Estimates report.EstimatesSection `json:"estimates"`
		}
		if err := json.Unmarshal(out.Bytes(), &an); err != nil || len(an.Estimates.Rounds) != 2 {
			t.Fatalf("delphi analyze output: %v\n%s", err, out.String())
		}
		// The stored report is analyze's, field for field (the statement
		// named by its text rather than the export's key).
		if an.Estimates.Quantile != res.Quantile {
			t.Fatalf("analyze quantile %q; stored %q", an.Estimates.Quantile, res.Quantile)
		}
		for i, stored := range []workflow.NumericResults{res, res2} {
			for j, ns := range stored.Statements {
				a := an.Estimates.Rounds[i].Statements[j]
				a.Statement = ns.Text
				if !reflect.DeepEqual(a, ns.Report) {
					t.Errorf("round %d statement %d: analyze %+v %+v; platform %+v %+v", i+1, j, a, a.Change, ns.Report, ns.Report.Change)
				}
			}
		}
		// results.json carries the same stored results.
		var doc struct {
			Estimates []workflow.NumericResults `json:"estimates"`
		}
		if r := b.get(base + "/results.json"); json.Unmarshal([]byte(r.body), &doc) != nil || !reflect.DeepEqual(doc.Estimates, []workflow.NumericResults{res, res2}) {
			t.Errorf("results.json estimates: %+v", doc.Estimates)
		}
	})
}

// mustInvitation is an expert's invitation id in a round.
func mustInvitation(t *testing.T, env *testEnv, roundID int64, email string) int64 {
	t.Helper()
	statuses, err := env.store.RoundStatuses(context.Background(), roundID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range statuses {
		if s.Email == email {
			return s.InvitationID
		}
	}
	t.Fatalf("%s not invited", email)
	return 0
}

// TestNumericRoundInTheExpertsLanguage: the number field, its hints, its
// errors and the feedback are in the expert's language, and numbers are
// read and written as the language writes them (a decimal comma in
// German, a point in English).
func TestNumericRoundInTheExpertsLanguage(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		panel := []panelist{defaultPanel[0], defaultPanel[3]} // English, German
		s := newPanelStudy(t, env, nil, []string{"What share of journeys will be by bike?"}, panel, "")
		s.launch(t, `{"deadline":"2099-06-04T17:00:00Z","kind":"numeric","numeric":{"unit":"%","min":0,"max":100,"decimals":1}}`, 2)
		id := itoa(s.round.Statements[0].ID)
		de := s.expert(t, "e4@example.org")
		page := de.get("/e")
		mustContain(t, "German page", page.body, "0 von 1 Aussage beantwortet", "Ihre Schätzung (%)", "Von 0 bis 100 · Erlaubte Nachkommastellen: 1", `inputmode="decimal"`)
		bad := de.post("/e", url.Values{"r" + id: {"12,55"}})
		mustContain(t, "German refusal", bad.body, "Bitte verwenden Sie weniger Nachkommastellen (höchstens 1).", `value="12,55"`,
			"Eine Schätzung wurde nicht angenommen")
		if r := de.post("/e/submit", url.Values{"r" + id: {"12,5"}}); r.url != "/e/thanks" {
			t.Fatalf("German submit: %d %s", r.status, r.body)
		}
		en := s.expert(t, "e1@example.org")
		if r := en.post("/e/answer", url.Values{"s": {id}, "r": {"12.55"}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Please use fewer decimal places (at most 1).") {
			t.Errorf("English autosave refusal: %d %s", r.status, r.body)
		}
		if r := en.post("/e/submit", url.Values{"r" + id: {"20.5"}}); r.url != "/e/thanks" {
			t.Fatalf("English submit: %d %s", r.status, r.body)
		}
		ratings, _ := env.store.RatingsByInvitation(ctx, mustInvitation(t, env, s.round.ID, "e4@example.org"))
		if x := ratings[s.round.Statements[0].ID]; x.Estimate.Float64 != 12.5 {
			t.Fatalf("German estimate stored as %+v", x.Estimate)
		}
		s.close(t)
		s.launch(t, `{"deadline":"2099-07-04T17:00:00Z"}`, 2) // numeric again, as round 1
		if s.round.Kind != "numeric" || s.round.Numeric == nil || s.round.Numeric.Decimals != 1 {
			t.Fatalf("round 2: %q %+v", s.round.Kind, s.round.Numeric)
		}
		page = s.expert(t, "e4@example.org").get("/e")
		mustContain(t, "German feedback", page.body, "Runde 1: Median 16,5 %; mittlere Hälfte der Schätzungen von 12,5 bis 20,5 %; Anzahl der Schätzungen: 2",
			"Ihre Schätzung in Runde 1: 12,5 %")
	})
}

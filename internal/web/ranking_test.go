package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/internal/results"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/rounds"
)

// rankAs posts a ranking round's form (ranks by statement index, "" for
// none) to path (/e: save, /e/submit: submit) from the expert's browser.
func rankAs(b *browser, round roundJSON, path string, ranks ...string) response {
	form := url.Values{}
	for i, r := range ranks {
		form.Set("r"+itoa(round.Statements[i].ID), r)
	}
	return b.post(path, form)
}

// TestRankingRoundEndToEnd: after a rating round, the coordinator prepares
// a ranking round of three statements on the "Prepare round" page (bad
// choices refused field by field, what was typed kept), launches it, and
// experts rank with the plain form and with the autosave; invalid rankings
// are refused with the problem next to each statement. The close stores
// the mean ranks and Kendall's W and proposes every statement "carry".
// A top-2 ranking round made through the API then shows each expert the
// panel's mean and median rank and their own earlier rank, in their
// language, and takes exactly two ranks.
func TestRankingRoundEndToEnd(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		s := newExpertStudy(t, env, nil, []string{"Opening hours", "Outreach", "Peer workers", "Cost"}, defaultPanel)
		for _, p := range defaultPanel {
			s.rate(t, s.expert(t, p.email), map[int]string{0: "3", 1: "3", 2: "3", 3: "3"}, nil, true)
		}
		round1 := s.close(t)
		ids := make([]string, 3)
		for i := range ids {
			ids[i] = itoa(round1.Statements[i].StatementID)
		}

		// Round 2 on the page: one statement is too few; top 3 of 3 is no top k.
		b := env.loggedIn("coord@example.org")
		base := "/studies/" + itoa(s.id)
		page := b.get(base + "/rounds")
		mustContain(t, "prepare form", page.body, `name="kind" value="ranking"`, `name="statement" value="`+ids[0]+`"`, `id="top_k"`)
		r := b.post(base+"/rounds", url.Values{"kind": {"ranking"}, "statement": {ids[0]}, "top_k": {""}})
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("one statement: %d", r.status)
		}
		mustContain(t, "one statement refused", r.body, "a ranking round ranks at least 2 statements; 1 chosen",
			`value="`+ids[0]+`" checked`, `value="ranking" checked`)
		r = b.post(base+"/rounds", url.Values{"kind": {"ranking"}, "statement": ids, "top_k": {"3"}})
		mustContain(t, "top 3 of 3 refused", r.body, "top k is 3; it must be from 1 to 2 (fewer than the 3 statements chosen)", `value="3"`)
		r = b.post(base+"/rounds", url.Values{"kind": {"ranking"}, "statement": ids, "top_k": {"two"}})
		mustContain(t, "top k not a number", r.body, `&#34;two&#34; is not a whole number`)
		if all, _ := env.store.RoundsByStudy(ctx, s.id); len(all) != 1 {
			t.Fatalf("a refused form made a round: %d rounds", len(all))
		}
		r = b.post(base+"/rounds", url.Values{"kind": {"ranking"}, "statement": ids, "top_k": {""}})
		mustContain(t, "ranking draft", r.body, "Kind: <strong>ranking</strong>", "full ranking of all 3 statements")
		round2ID := mustRoundID(t, r.url)
		stored, _ := env.store.RoundByID(ctx, round2ID)
		if stored.Kind != rounds.KindRanking || workflow.RankingOf(stored).TopK != 0 {
			t.Fatalf("stored round: kind %q settings %q", stored.Kind, stored.KindSettings)
		}
		if r := s.call(t, "PATCH", "/api/v1/rounds/"+itoa(round2ID), `{"kind":"rating","ranking":{"top_k":1}}`); r.status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.body, "the round is a ranking round; its kind is chosen when it is prepared") || !strings.Contains(r.body, `"field":"ranking.top_k"`) {
			t.Fatalf("changing the draft's kind: %d %s", r.status, r.body)
		}
		if r := b.post(r.url+"/settings", url.Values{"deadline": {"2099-07-01T10:00"}, "reminder_days": {"7"}}); r.status != http.StatusOK {
			t.Fatalf("settings: %d", r.status)
		}
		s.round.ID = round2ID
		if r := s.call(t, "POST", "/api/v1/rounds/"+itoa(round2ID)+"/launch", ""); r.status != http.StatusOK {
			t.Fatalf("launch: %d %s", r.status, r.body)
		}
		s.links = outboxLinks(t, env, round2ID)
		s.round = s.get(t)
		if s.round.Kind != "ranking" || len(s.round.Statements) != 3 || s.round.Ranking == nil {
			t.Fatalf("round 2 in the API: %+v", s.round)
		}

		// e1 ranks with the plain form: a duplicate and a blank are refused on submission.
		e1 := s.expert(t, "e1@example.org")
		page = e1.get("/e")
		st0 := itoa(s.round.Statements[0].ID)
		mustContain(t, "expert's ranking page", page.body, "Put the statements in order of importance", "0 of 3 statements answered",
			`<input class="rank" id="r`+st0+`" name="r`+st0+`"`, `aria-labelledby="rl`+st0+` lg`+st0+`"`)
		if r := rankAs(e1, s.round, "/e", "4", "1", ""); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("rank 4 of 3: %d", r.status)
		} else {
			mustContain(t, "rank 4 refused", r.body, "Give a whole number from 1 to 3.", `value="4"`, `aria-invalid="true"`)
		}
		r = rankAs(e1, s.round, "/e/submit", "1", "1", "")
		if r.status != http.StatusUnprocessableEntity || r.url != "/e/submit" {
			t.Fatalf("duplicate ranking submitted: %d at %s", r.status, r.url)
		}
		mustContain(t, "duplicate refused", r.body, "Please correct the ranks marked below.", "Rank 1 is given twice.", "This statement has no rank.")
		if r := rankAs(e1, s.round, "/e/submit", "1", "2", "3"); r.url != "/e/thanks" {
			t.Fatalf("valid ranking: %d at %s %s", r.status, r.url, r.body)
		} else {
			mustContain(t, "thanks", r.body, "Rank 1", "Rank 3")
		}

		// e2 (Dutch) ranks through the autosave, one statement at a time.
		e2 := s.expert(t, "e2@example.org")
		bad := e2.post("/e/answer", url.Values{"s": {st0}, "r": {"9"}})
		if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "Geef een geheel getal van 1 tot 3.") {
			t.Fatalf("autosave of rank 9: %d %s", bad.status, bad.body)
		}
		for i, rank := range []string{"1", "3", "2"} {
			if r := e2.post("/e/answer", url.Values{"s": {itoa(s.round.Statements[i].ID)}, "r": {rank}}); r.status != http.StatusOK ||
				!strings.Contains(r.body, fmt.Sprintf(`"progress":"%d van 3 stellingen beantwoord"`, i+1)) {
				t.Fatalf("autosave: %d %s", r.status, r.body)
			}
		}
		if r := e2.post("/e/submit", url.Values{}); r.url != "/e/thanks" {
			t.Fatalf("e2 submits: %d at %s", r.status, r.url)
		}
		for email, ranks := range map[string][]string{"e3@example.org": {"2", "1", "3"}, "e4@example.org": {"1", "2", "3"}, "e5@example.org": {"1", "2", "3"}} {
			if r := rankAs(s.expert(t, email), s.round, "/e/submit", ranks...); r.url != "/e/thanks" {
				t.Fatalf("%s submits: %d at %s", email, r.status, r.url)
			}
		}

		// The close: rank sums 6, 10, 14 of 5 experts: W = 12·32/(25·24) = 0.64.
		r = b.post(fmt.Sprintf("%s/rounds/%d/close", base, round2ID), url.Values{"confirm": {"yes"}})
		mustContain(t, "closed ranking round", r.body, "Kendall's W (tie-corrected): 0.64 over 5 complete rankings", "<td class=\"num\">1.2</td>", "<td class=\"num\">2.8</td>")
		// The decisions table shows each statement's mean and median rank, not the empty rating columns.
		decisionsTable := r.body[strings.Index(r.body, `id="decisions"`):]
		decisionsTable = decisionsTable[:strings.Index(decisionsTable, "</table>")]
		mustContain(t, "decisions table", decisionsTable, `<th class="num">Mean rank</th><th class="num">Median rank</th>`,
			"<td>Opening hours</td><td class=\"num\">1.2</td><td class=\"num\">1</td>", "<td>Peer workers</td><td class=\"num\">2.8</td><td class=\"num\">3</td>")
		if strings.Contains(decisionsTable, "% agree") {
			t.Error("the decisions table of a ranking round shows the rating columns")
		}
		rr, err := env.store.RoundResultsByID(ctx, round2ID)
		if err != nil {
			t.Fatal(err)
		}
		res, err := workflow.RankingResultsOf(rr)
		if err != nil {
			t.Fatal(err)
		}
		wantMean := []float64{1.2, 2, 2.8}
		for i, it := range res.Per {
			if m, _ := it.MeanRank.Get(); fmt.Sprintf("%.3f", m) != fmt.Sprintf("%.3f", wantMean[i]) {
				t.Errorf("statement %d: mean rank %v; want %v", i, m, wantMean[i])
			}
		}
		if w, _ := res.Kendall.W.Get(); fmt.Sprintf("%.4f", w) != "0.6400" || res.Kendall.M != 5 {
			t.Errorf("Kendall's W %v over %d", w, res.Kendall.M)
		}
		for _, st := range s.get(t).Statements {
			if st.Proposal != "carry" {
				t.Errorf("statement %d proposed %q; want carry", st.ID, st.Proposal)
			}
		}

		checkRankingExports(t, b, base, res)

		// Round 3 through the API: a top 2 of the three, checked field by field.
		rid := func(i int) string { return itoa(s.round.Statements[i].StatementID) }
		r = s.call(t, "POST", s.path+"/rounds", `{"deadline":"2099-08-01T10:00:00Z","kind":"ranking","statements":[`+rid(0)+`],"ranking":{"top_k":2}}`)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `"field":"statements"`) || !strings.Contains(r.body, `"field":"ranking.top_k"`) {
			t.Fatalf("one statement, top 2: %d %s", r.status, r.body)
		}
		r = s.call(t, "POST", s.path+"/rounds", `{"deadline":"2099-08-01T10:00:00Z","kind":"rating","ranking":{"top_k":2}}`)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "top k applies to a ranking round only") {
			t.Fatalf("top k on a rating round: %d %s", r.status, r.body)
		}
		s.launch(t, `{"deadline":"2099-08-01T10:00:00Z","kind":"ranking","statements":[`+rid(0)+`,`+rid(1)+`,`+rid(2)+`],"ranking":{"top_k":2},"questions":[{"text":"Why this order?"}]}`, len(defaultPanel))
		if s.round.Ranking == nil || s.round.Ranking.TopK != 2 {
			t.Fatalf("round 3: %+v", s.round.Ranking)
		}
		var fb rounds.RankingFeedback
		if err := json.Unmarshal(s.round.Statements[0].Feedback, &fb); err != nil || fb.Mean == nil || *fb.Mean != 1.2 || fb.Median == nil || *fb.Median != 1 || fb.Round != 2 {
			t.Fatalf("frozen ranking feedback: %s (%v)", s.round.Statements[0].Feedback, err)
		}
		e1 = s.expert(t, "e1@example.org")
		page = e1.get("/e")
		mustContain(t, "round 3 feedback", page.body, "Choose the 2 most important statements", "Round 2: the panel&#39;s mean rank 1.2, median rank 1. Your rank: 1.",
			"Round 2: the panel&#39;s mean rank 2.8, median rank 3. Your rank: 3.")
		e2 = s.expert(t, "e2@example.org")
		mustContain(t, "round 3 feedback in Dutch", e2.get("/e").body, "Ronde 2: gemiddelde rang van het panel 1,2, mediane rang 1. Uw rang: 1.")
		r = rankAs(e1, s.round, "/e/submit", "1", "", "")
		mustContain(t, "top 2 with one rank", r.body, "No statement has rank 2.")
		r = rankAs(e1, s.round, "/e/submit", "1", "2", "3")
		mustContain(t, "rank 3 in a top 2", r.body, "Give a whole number from 1 to 2.", `value="3"`)
		// Save without JavaScript keeps the open question's answer with the ranks.
		qa := "qa" + itoa(s.round.Questions[0].ID)
		if r := e1.post("/e", url.Values{"r" + itoa(s.round.Statements[0].ID): {"2"}, "r" + itoa(s.round.Statements[2].ID): {"1"}, qa: {"Cost first."}}); r.status != http.StatusOK {
			t.Fatalf("save: %d", r.status)
		}
		if r := e1.post("/e/submit", url.Values{}); r.url != "/e/thanks" {
			t.Fatalf("top 2 submitted: %d at %s %s", r.status, r.url, r.body)
		}
		for _, x := range mustStatuses(t, env, s.round.ID) {
			if x.Email == "e1@example.org" {
				if got, _ := env.store.QuestionAnswersByInvitation(ctx, x.InvitationID); got[s.round.Questions[0].ID] != "Cost first." {
					t.Errorf("open answer with the ranking: %v", got)
				}
			}
		}
	})
}

// checkRankingExports checks the closed ranking round in the results page,
// the figures and methods pages, the workbook's "Ranking" sheet and the
// raw CSV, whose kind=ranking rows `delphi analyze --kind ranking` reads
// to the same mean ranks and Kendall's W as the platform's.
func checkRankingExports(t *testing.T, b *browser, base string, want results.Ranking) {
	t.Helper()
	rp := b.get(base + "/results").body
	mustContain(t, "results page", rp, "Round 2: ranking", "Kendall's W (tie-corrected, complete rankings): 0.64 over 5 experts")
	figs := b.get(base + "/results/figures")
	mustContain(t, "figures page", figs.body, "mean-ranks-round-2.svg")
	if svg := b.get(base + "/results/figures/mean-ranks-round-2.svg"); svg.status != http.StatusOK || !strings.Contains(svg.body, "<svg") {
		t.Errorf("mean-rank figure: %d", svg.status)
	}
	if r := b.get(base + "/results/figures/mean-ranks-round-1.svg"); r.status != http.StatusNotFound {
		t.Errorf("mean-rank figure of a rating round: %d", r.status)
	}
	mustContain(t, "methods", b.get(base+"/results/methods").body, "Ranking: round 2 asked the experts to rank 3 statements in order of importance", "was 0.640")

	x := b.get(base + "/export.xlsx")
	f, err := excelize.OpenReader(strings.NewReader(x.body))
	if err != nil {
		t.Fatalf("workbook: %d %v", x.status, err)
	}
	rows, err := f.GetRows("Ranking")
	if err != nil || len(rows) != 4 || rows[0][3] != "mean_rank" || rows[1][3] != "1.2" || rows[3][3] != "2.8" || rows[1][11] != "0.64" {
		t.Errorf("Ranking sheet: %v %v", rows, err)
	}

	raw := b.get(base + "/raw.csv")
	recs, err := csv.NewReader(strings.NewReader(raw.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var kept bytes.Buffer
	cw := csv.NewWriter(&kept)
	n := 0
	for i, rec := range recs {
		if i == 0 || rec[10] == "ranking" {
			_ = cw.Write(rec)
			n++
		}
		if i > 0 && rec[3] == "2" && rec[10] != "ranking" {
			t.Errorf("a round-2 row of kind %q: %v", rec[10], rec)
		}
	}
	cw.Flush()
	if n != 1+5*3 {
		t.Fatalf("%d ranking rows; want 15", n-1)
	}
	var out, errs bytes.Buffer
	if err := report.RunAnalyze(context.Background(), []string{"--kind", "ranking", "--format", "json", "-"}, &kept, &out, &errs); err != nil {
		t.Fatalf("delphi analyze: %v %s", err, errs.String())
	}
	var ext report.ExtendedReport
	if err := json.Unmarshal(out.Bytes(), &ext); err != nil || ext.Ranking == nil || len(ext.Ranking.Rounds) != 1 {
		t.Fatalf("delphi analyze output: %v %s", err, out.String())
	}
	got := ext.Ranking.Rounds[0]
	if w, _ := got.KendallW.WTieCorrected.Get(); fmt.Sprintf("%.6f", w) != fmt.Sprintf("%.6f", want.Kendall.W.Value) {
		t.Errorf("delphi analyze: W %v; the platform %v", w, want.Kendall.W.Value)
	}
	for i, it := range got.Items {
		if it.Statement != want.Per[i].Key || fmt.Sprintf("%.6f", it.MeanRank.Value) != fmt.Sprintf("%.6f", want.Per[i].MeanRank.Value) {
			t.Errorf("delphi analyze item %d: %s mean %v; the platform %s %v", i, it.Statement, it.MeanRank.Value, want.Per[i].Key, want.Per[i].MeanRank.Value)
		}
	}
}

func mustStatuses(t *testing.T, env *testEnv, roundID int64) []store.ExpertStatus {
	t.Helper()
	st, err := env.store.RoundStatuses(context.Background(), roundID)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestRatingRoundAfterRanking: a study may rank first and rate after: the
// ranks are no ratings, so the rating round freezes no feedback from them,
// the results count the ranking round's ranks nowhere in the rating
// tables, and the rating round closes with its own proposals.
func TestRatingRoundAfterRanking(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newPanelStudy(t, env, nil, []string{"Opening hours", "Outreach", "Peer workers"}, defaultPanel[:3], "")
		s.launch(t, `{"deadline":"2099-06-04T17:00:00Z","kind":"ranking","ranking":{"top_k":1}}`, 3)
		if s.round.Kind != "ranking" || s.round.Ranking.TopK != 1 {
			t.Fatalf("round 1: %s %+v", s.round.Kind, s.round.Ranking)
		}
		for i, p := range defaultPanel[:3] {
			ranks := [][]string{{"1", "", ""}, {"1", "", ""}, {"", "1", ""}}[i]
			if r := rankAs(s.expert(t, p.email), s.round, "/e/submit", ranks...); r.url != "/e/thanks" {
				t.Fatalf("%s ranks: %d at %s", p.email, r.status, r.url)
			}
		}
		s.close(t)
		s.launch(t, `{"deadline":"2099-07-04T17:00:00Z","kind":"rating"}`, 3)
		if s.round.Kind != "rating" || s.round.Ranking != nil {
			t.Fatalf("round 2: %s %+v", s.round.Kind, s.round.Ranking)
		}
		for _, st := range s.round.Statements {
			if len(st.Feedback) != 0 {
				t.Errorf("rating feedback frozen from ranks: %s", st.Feedback)
			}
		}
		for _, p := range defaultPanel[:3] {
			s.rate(t, s.expert(t, p.email), map[int]string{0: "5", 1: "5", 2: "5"}, nil, true)
		}
		closed := s.close(t)
		for _, st := range closed.Statements {
			if st.Proposal != "in" {
				t.Errorf("statement %d proposed %q after unanimous 5s; want in", st.ID, st.Proposal)
			}
		}
		var res struct {
			Rounds []struct {
				Round      int `json:"round"`
				Statements []struct {
					N int `json:"n"`
				} `json:"statements"`
			} `json:"rounds"`
			Rankings []results.Ranking `json:"rankings"`
		}
		r := s.call(t, "GET", s.path+"/results", "")
		if err := json.Unmarshal([]byte(r.body), &res); err != nil || r.status != http.StatusOK || len(res.Rounds) != 2 {
			t.Fatalf("results: %d %s", r.status, r.body)
		}
		for _, st := range res.Rounds[0].Statements {
			if st.N != 0 {
				t.Errorf("a rank counted as a rating in round 1: n = %d", st.N)
			}
		}
		if len(res.Rankings) != 1 || res.Rankings[0].TopK != 1 || res.Rankings[0].Per[0].TopKCount != 2 || res.Rankings[0].Per[1].TopKCount != 1 {
			t.Errorf("rankings in results.json: %+v", res.Rankings)
		}
		b := env.loggedIn("coord@example.org")
		mustContain(t, "results page", b.get("/studies/"+itoa(s.id)+"/results").body, "Round 1: ranking (top 1 of 3)")
	})
}

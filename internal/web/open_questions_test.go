package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/internal/store"
)

// openAnswersJSON is GET /api/v1/rounds/{id}/open-answers.
type openAnswersJSON struct {
	Questions []roundQuestionJSON `json:"questions"`
	Answers   []openAnswerJSON    `json:"answers"`
}

// section returns the part of body from the element with the given id
// to the end of its section.
func section(t *testing.T, body, id string) string {
	t.Helper()
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no element %q on the page", id)
	}
	j := strings.Index(body[i:], "</section>")
	if j < 0 {
		t.Fatalf("element %q has no end", id)
	}
	return body[i : i+j]
}

func pseudonymOf(t *testing.T, env *testEnv, studyID int64, email string) string {
	t.Helper()
	es, err := env.store.ExpertsByStudy(context.Background(), studyID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.Email == email {
			return e.Pseudonym()
		}
	}
	t.Fatalf("no expert %s", email)
	return ""
}

// Coordinators write open questions when they prepare a round, on the
// page and in the API, through the same checks; they are fixed once the
// round launches.
func TestOpenQuestionsInRoundCreation(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		statements := []string{"Clinics open in the evening.", "Interpreters are free."}
		// The page: "Prepare round 1" with questions, one per line.
		pageStudy := newPanelStudy(t, env, nil, statements, defaultPanel[:2], "")
		coord := env.loggedIn("coord@example.org")
		r := coord.post(fmt.Sprintf("/studies/%d/rounds", pageStudy.id), url.Values{"questions": {"What would change your rating?\r\n\r\n  Anything missing?  "}, "questions_shown": {"on"}})
		if r.status != http.StatusOK || !strings.Contains(r.body, "Round 1 created") {
			t.Fatalf("prepare with questions: %d %s", r.status, r.body)
		}
		rounds, _ := env.store.RoundsByStudy(ctx, pageStudy.id)
		qs, err := env.store.RoundQuestions(ctx, rounds[0].ID)
		if err != nil || len(qs) != 2 || qs[0].Text != "What would change your rating?" || qs[1].Text != "Anything missing?" || !qs[0].ShowToPanel || !qs[1].ShowToPanel {
			t.Fatalf("questions from the page: %+v %v", qs, err)
		}
		mustContain(t, "draft page", r.body, "Open questions", "What would change your rating?\nAnything missing?</textarea>")

		// The page's settings form edits them: the first keeps its id.
		settings := fmt.Sprintf("/studies/%d/rounds/%d/settings", pageStudy.id, rounds[0].ID)
		if r := coord.post(settings, url.Values{"questions": {"What would make you rate it higher?"}}); r.status != http.StatusOK || !strings.Contains(r.body, "Round settings saved.") {
			t.Fatalf("edit questions: %d %s", r.status, r.body)
		}
		edited, _ := env.store.RoundQuestions(ctx, rounds[0].ID)
		if len(edited) != 1 || edited[0].ID != qs[0].ID || edited[0].Text != "What would make you rate it higher?" || edited[0].ShowToPanel {
			t.Fatalf("edited: %+v", edited)
		}
		// Too long: refused with the question's number, nothing changed.
		r = coord.post(settings, url.Values{"questions": {"Fine?\n" + strings.Repeat("x", 1001)}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "question 2 is 1001 characters long; at most 1000") {
			t.Fatalf("too long from the page: %d", r.status)
		}
		if now, _ := env.store.RoundQuestions(ctx, rounds[0].ID); len(now) != 1 || now[0].Text != edited[0].Text {
			t.Fatalf("a refused form changed the questions: %+v", now)
		}

		// The API, on another study.
		s := &expertStudy{env: env, token: pageStudy.token}
		var st studyJSON
		decodeInto(t, s.call(t, "POST", "/api/v1/studies", `{"title":"Second","scale_min":1,"scale_max":5}`), &st)
		s.id, s.path = st.ID, "/api/v1/studies/"+itoa(st.ID)
		if r := s.call(t, "POST", s.path+"/statements", `[{"text":"Clinics open in the evening."}]`); r.status != http.StatusCreated && r.status != http.StatusOK {
			t.Fatalf("statements: %d %s", r.status, r.body)
		}
		if r := env.api("POST", s.path+"/panel", s.token, "text/csv", "email,name,stakeholder_group,country,language\nx1@example.org,X One,Research,NL,en\n"); r.status != http.StatusOK {
			t.Fatalf("panel: %d %s", r.status, r.body)
		}
		r = s.call(t, "POST", s.path+"/rounds", `{"questions":[{"text":"","show_to_panel":true}]}`)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "question 1 has no text") {
			t.Fatalf("empty question: %d %s", r.status, r.body)
		}
		if all, _ := env.store.RoundsByStudy(ctx, s.id); len(all) != 0 {
			t.Fatalf("a refused round was created: %+v", all)
		}
		r = s.call(t, "POST", s.path+"/rounds", `{"questions":[{"text":" What would change your rating? ","show_to_panel":true}]}`)
		var rj roundJSON
		decodeInto(t, r, &rj)
		if r.status != http.StatusCreated || len(rj.Questions) != 1 || rj.Questions[0].Text != "What would change your rating?" || !rj.Questions[0].ShowToPanel {
			t.Fatalf("create with a question: %d %s", r.status, r.body)
		}
		round := "/api/v1/rounds/" + itoa(rj.ID)
		r = s.call(t, "PATCH", round, `{"questions":[{"text":"`+strings.Repeat("y", 1001)+`"}]}`)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "question 1 is 1001 characters long") {
			t.Fatalf("too long: %d %s", r.status, r.body)
		}
		r = s.call(t, "PATCH", round, `{"questions":[{"text":"What would change your rating?","show_to_panel":true},{"text":"Anything missing?"}]}`)
		decodeInto(t, r, &rj)
		if r.status != http.StatusOK || len(rj.Questions) != 2 || rj.Questions[1].Text != "Anything missing?" || rj.Questions[1].ShowToPanel {
			t.Fatalf("patch: %d %s", r.status, r.body)
		}
		if r := s.call(t, "POST", round+"/launch", ""); r.status != http.StatusOK {
			t.Fatalf("launch: %d %s", r.status, r.body)
		}
		// Launched: fixed, on the page and in the API.
		r = s.call(t, "PATCH", round, `{"questions":[]}`)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "the open questions are fixed since the round launched") {
			t.Fatalf("patch after launch: %d %s", r.status, r.body)
		}
		r = coord.post(fmt.Sprintf("/studies/%d/rounds/%d/settings", s.id, rj.ID), url.Values{"questions": {"Other?"}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "the open questions are fixed since the round launched") {
			t.Fatalf("page after launch: %d", r.status)
		}
		if now, _ := env.store.RoundQuestions(ctx, rj.ID); len(now) != 2 {
			t.Fatalf("launched round's questions changed: %+v", now)
		}
	})
}

// Experts answer open questions with the plain form (Save, then Submit)
// or the autosave; coordinators read the answers by pseudonym only; a
// question shown to the panel shows its answers, without any identity,
// to the next round's experts; the raw export carries them as "open"
// rows that `delphi analyze` skips.
func TestOpenQuestionsAnswers(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		s := newPanelStudy(t, env, nil, []string{"Clinics open in the evening.", "Interpreters are free."}, defaultPanel, "")
		s.launch(t, `{"deadline":"2099-06-04T17:00:00Z","questions":[{"text":"What would change your rating?","show_to_panel":true},{"text":"Anything missing?"}]}`, len(defaultPanel))
		shown, hidden := s.round.Questions[0].ID, s.round.Questions[1].ID
		qa := func(id int64) string { return "qa" + itoa(id) }

		// A Dutch translation of the first question (a study text).
		if r := s.call(t, "PUT", s.path+"/texts", `{"lang":"nl","texts":{"question.`+itoa(shown)+`":"Wat zou uw oordeel veranderen?"}}`); r.status != http.StatusOK {
			t.Fatalf("translate: %d %s", r.status, r.body)
		}
		if r := s.call(t, "PUT", s.path+"/texts", `{"lang":"nl","texts":{"question.999999":"Nee"}}`); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `no open question \"999999\"`) {
			t.Fatalf("unknown question text: %d %s", r.status, r.body)
		}

		// The texts page translates them too, beside their main text.
		coord := env.loggedIn("coord@example.org")
		textsPage := coord.get(fmt.Sprintf("/studies/%d/texts?lang=nl", s.id))
		mustContain(t, "texts page", textsPage.body, "Open question 2 of round 1", "Anything missing?")
		if r := coord.post(fmt.Sprintf("/studies/%d/texts", s.id), url.Values{"lang": {"nl"}, "question." + itoa(hidden): {"Ontbreekt er iets?"}}); r.status != http.StatusOK || !strings.Contains(r.body, "Texts in Dutch saved.") {
			t.Fatalf("texts page: %d %s", r.status, r.body)
		}

		// The preview shows the question as experts read it.
		mustContain(t, "preview", coord.get(fmt.Sprintf("/studies/%d/preview?lang=nl&round=1", s.id)).body, ">Wat zou uw oordeel veranderen?</label>")

		// The bulk translation sheet lists the question with its main text.
		sheetCSV := s.call(t, "GET", s.path+"/translations?format=csv", "")
		mustContain(t, "translation sheet", sheetCSV.body, "question."+itoa(shown)+",study text,Open question 1 of round 1,What would change your rating?")

		ana := s.expert(t, "e1@example.org")
		page := ana.get("/e")
		mustContain(t, "expert page", page.body, `<label for="`+qa(shown)+`">What would change your rating?</label>`,
			`name="`+qa(shown)+`" rows="3" maxlength="4000"`, `name="`+qa(hidden)+`"`)
		bram := s.expert(t, "e2@example.org")
		mustContain(t, "Dutch page", bram.get("/e").body, ">Wat zou uw oordeel veranderen?</label>", ">Ontbreekt er iets?</label>")

		// Without JavaScript: Save, then Submit.
		form := url.Values{qa(shown): {"Cheaper transport, says Ana Expert"}}
		for _, st := range s.round.Statements {
			form.Set("r"+itoa(st.ID), "4")
		}
		if r := ana.post("/e", form); r.status != http.StatusOK || !strings.Contains(r.body, "Cheaper transport, says Ana Expert</textarea>") {
			t.Fatalf("save: %d", r.status)
		}
		// Too long: refused in the expert's language, nothing of the form saved.
		long := url.Values{qa(hidden): {strings.Repeat("z", 4001)}, "r" + itoa(s.round.Statements[0].ID): {"1"}, "or" + itoa(s.round.Statements[0].ID): {"4"}}
		if r := ana.post("/e", long); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "An answer to an open question is longer than 4,000 characters") {
			t.Fatalf("too long: %d", r.status)
		}
		inv := func(email string) int64 {
			st, _ := env.store.RoundStatuses(ctx, s.round.ID)
			for _, x := range st {
				if x.Email == email {
					return x.InvitationID
				}
			}
			t.Fatalf("no invitation for %s", email)
			return 0
		}
		if got, _ := env.store.QuestionAnswersByInvitation(ctx, inv("e1@example.org")); len(got) != 1 || got[shown] != "Cheaper transport, says Ana Expert" {
			t.Fatalf("stored answers: %v", got)
		}
		if got, _ := env.store.RatingsByInvitation(ctx, inv("e1@example.org")); got[s.round.Statements[0].ID].Rating.Int64 != 4 {
			t.Fatalf("a refused form changed a rating: %+v", got)
		}
		if r := ana.post("/e/submit", url.Values{qa(shown): {"Cheaper transport, says Ana Expert"}, "o" + qa(shown): {"Cheaper transport, says Ana Expert"}, qa(hidden): {"Housing"}}); r.url != "/e/thanks" {
			t.Fatalf("submit: %d at %s", r.status, r.url)
		}
		thanks := ana.get("/e/thanks")
		mustContain(t, "thank-you page", thanks.body, "<dt>What would change your rating?</dt><dd>Cheaper transport, says Ana Expert</dd>", "<dt>Anything missing?</dt><dd>Housing</dd>")

		// The autosave (JavaScript): one answer at a time.
		chloe := s.expert(t, "e3@example.org")
		// Not translated into French: the English text, marked as English.
		mustContain(t, "French page", chloe.get("/e").body, `lang="en">What would change your rating?</label>`)
		r := chloe.post("/e/answer", url.Values{"q": {itoa(shown)}, "t": {"Waiting lists"}})
		var saved savedAnswer
		decodeInto(t, r, &saved)
		if r.status != http.StatusOK || !saved.Saved {
			t.Fatalf("autosave: %d %s", r.status, r.body)
		}
		if r := chloe.post("/e/answer", url.Values{"q": {itoa(shown)}, "t": {strings.Repeat("w", 4001)}}); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("autosave too long: %d", r.status)
		}
		if r := chloe.post("/e/answer", url.Values{"q": {"999999"}, "t": {"x"}}); r.status != http.StatusNotFound {
			t.Fatalf("autosave unknown question: %d", r.status)
		}
		chloe.post("/e/answer", url.Values{"q": {itoa(hidden)}, "t": {"Only for the team"}})
		s.rate(t, chloe, map[int]string{0: "5", 1: "2"}, nil, true)

		// The coordinator reads them by pseudonym, never by name or address.
		roundPage := coord.get(fmt.Sprintf("/studies/%d/rounds/%d", s.id, s.round.ID))
		answers := section(t, roundPage.body, "open-answers")
		mustContain(t, "open answers", answers, "What would change your rating?", "2 answers", "<strong>"+pseudonymOf(t, env, s.id, "e1@example.org")+"</strong>: Cheaper transport",
			"<strong>"+pseudonymOf(t, env, s.id, "e3@example.org")+"</strong>: Waiting lists", "Anything missing?", "Only for the team")
		for _, who := range []string{"e1@example.org", "e3@example.org", "Chloé Experte", "Ana Expert</strong>"} {
			if strings.Contains(answers, who) {
				t.Errorf("the open answers name %q", who)
			}
		}
		r = s.call(t, "GET", "/api/v1/rounds/"+itoa(s.round.ID)+"/open-answers", "")
		var oa openAnswersJSON
		decodeInto(t, r, &oa)
		if r.status != http.StatusOK || len(oa.Questions) != 2 || len(oa.Answers) != 4 || strings.Contains(r.body, "@example.org") || strings.Contains(r.body, "Chlo") {
			t.Fatalf("API open answers: %d %s", r.status, r.body)
		}
		for _, a := range oa.Answers {
			if !strings.HasPrefix(a.Expert, "E") || !a.Submitted {
				t.Errorf("answer %+v", a)
			}
		}

		// A researcher reads the same, by pseudonym, on the page and in the API.
		researcher, rtoken := researcherOf(t, env, s.id)
		rAnswers := section(t, researcher.get(fmt.Sprintf("/studies/%d/rounds/%d", s.id, s.round.ID)).body, "open-answers")
		mustContain(t, "researcher's open answers", rAnswers, "<strong>"+pseudonymOf(t, env, s.id, "e3@example.org")+"</strong>: Waiting lists")
		if strings.Contains(rAnswers, "@example.org") || strings.Contains(rAnswers, "Chloé") {
			t.Errorf("the researcher's open answers name an expert: %s", rAnswers)
		}
		if r := env.api("GET", "/api/v1/rounds/"+itoa(s.round.ID)+"/open-answers", rtoken, "", ""); r.status != http.StatusOK || !strings.Contains(r.body, "Waiting lists") {
			t.Errorf("researcher's open answers API: %d %s", r.status, r.body)
		}

		// Round 2: the answers to the question shown to the panel, without
		// identity; those to the other question stay with the team.
		s.close(t)
		s.launch(t, `{"deadline":"2099-07-04T17:00:00Z"}`, 2) // those who submitted round 1
		if len(s.round.Questions) != 0 {
			t.Fatalf("round 2 asks %+v", s.round.Questions)
		}
		ana2 := s.expert(t, "e1@example.org")
		panel := section(t, ana2.get("/e").body, "oq-panel-h")
		mustContain(t, "round 2 feedback", panel, "What the panel answered in round 1", "What would change your rating?", "<li>Cheaper transport, says Ana Expert</li>", "<li>Waiting lists</li>")
		for _, not := range []string{"Only for the team", "Housing", pseudonymOf(t, env, s.id, "e1@example.org"), pseudonymOf(t, env, s.id, "e3@example.org"), "Chloé"} {
			if strings.Contains(panel, not) {
				t.Errorf("the panel's answers show %q", not)
			}
		}

		// Exports: raw.csv has the kind column; analyze reads only the ratings.
		raw := s.call(t, "GET", s.path+"/raw.csv", "")
		rows, err := csv.NewReader(strings.NewReader(raw.body)).ReadAll()
		if err != nil || raw.status != http.StatusOK {
			t.Fatalf("raw.csv: %d %v", raw.status, err)
		}
		if h := strings.Join(rows[0], ","); !strings.HasSuffix(h, ",comment,kind") {
			t.Fatalf("header %s", h)
		}
		kinds := map[string]int{}
		var open []string
		for _, row := range rows[1:] {
			kinds[row[10]]++
			if row[10] == "open" {
				open = append(open, row[0]+" "+row[4]+" "+row[9])
				if row[5] != "" || row[6] != "" || row[8] != "" {
					t.Errorf("open row has a rating: %q", row)
				}
			}
		}
		if kinds["rating"] != 4 || kinds["open"] != 4 {
			t.Fatalf("kinds %v\n%s", kinds, raw.body)
		}
		wantOpen := pseudonymOf(t, env, s.id, "e1@example.org") + " Q1 Cheaper transport, says Ana Expert"
		if !strings.Contains(strings.Join(open, "\n"), wantOpen) {
			t.Errorf("open rows %q; want %q", open, wantOpen)
		}
		rat, err := report.ParseRatings([]byte(raw.body), analysis.Scale{Min: 1, Max: 5})
		if err != nil {
			t.Fatalf("analyze reads raw.csv: %v", err)
		}
		if b, _ := json.Marshal(rat.Statements); strings.Contains(string(b), "Q1") || len(rat.Statements) != 2 {
			t.Errorf("analyze read statements %s", b)
		}
		mustContain(t, "codebook", s.call(t, "GET", s.path+"/codebook.txt", "").body, `kind               text     "rating"`, "`delphi analyze` skips \"open\" rows")
		xlsx := s.call(t, "GET", s.path+"/export.xlsx", "")
		f, err := excelize.OpenReader(strings.NewReader(xlsx.body))
		if err != nil {
			t.Fatalf("xlsx: %d %v", xlsx.status, err)
		}
		sheet, err := f.GetRows("Open answers")
		if err != nil || len(sheet) != 5 || strings.Join(sheet[0], ",") != "round,question,question_text,expert,answer" {
			t.Fatalf("Open answers sheet %q %v", sheet, err)
		}
		var sheetRows []string
		for _, row := range sheet[1:] {
			sheetRows = append(sheetRows, strings.Join(row, ","))
		}
		if want := "1,Q1,What would change your rating?," + wantOpen[:strings.Index(wantOpen, " ")] + ",Cheaper transport, says Ana Expert"; !strings.Contains(strings.Join(sheetRows, "\n"), want) {
			t.Errorf("Open answers sheet %q; want the row %q", sheetRows, want)
		}
	})
}

// Answers to open questions are personal data, erased by the study's
// policy as comments are: kept without the name ("anonymise") or, in a
// round not closed yet, deleted ("delete").
func TestOpenQuestionsErasure(t *testing.T) {
	for _, policy := range []string{store.ErasureAnonymise, store.ErasureDelete} {
		t.Run(policy, func(t *testing.T) {
			engines(t, func(t *testing.T, env *testEnv) {
				ctx := context.Background()
				s := newPanelStudy(t, env, nil, []string{"Clinics open in the evening."}, defaultPanel[:2], `,"erasure_policy":"`+policy+`"`)
				s.launch(t, `{"deadline":"2099-06-04T17:00:00Z","questions":[{"text":"Anything missing?"}]}`, 2)
				q := s.round.Questions[0].ID
				ana := s.expert(t, "e1@example.org")
				if r := ana.post("/e", url.Values{"qa" + itoa(q): {"Ask Ana Expert at e1@example.org"}}); r.status != http.StatusOK {
					t.Fatalf("save: %d", r.status)
				}
				if found := findInDatabase(t, env.store, "Ana Expert"); !strings.Contains(strings.Join(found, " "), "question_answers.text") {
					t.Fatalf("before the erasure the scan does not find the answer (%v): the test is broken", found)
				}
				r := s.call(t, "DELETE", s.path+"/panel/"+itoa(expertID(t, env, s.id, "e1@example.org")), "")
				if r.status != http.StatusOK {
					t.Fatalf("erase: %d %s", r.status, r.body)
				}
				if found := findInDatabase(t, env.store, "Ana Expert", "e1@example.org"); len(found) > 0 {
					t.Errorf("after the erasure: %v", found)
				}
				answers, err := env.store.OpenAnswersByRound(ctx, s.round.ID, false)
				if err != nil {
					t.Fatal(err)
				}
				switch policy {
				case store.ErasureAnonymise:
					if len(answers) != 1 || answers[0].Text != "Ask [removed] at [removed]" {
						t.Errorf("kept answers %+v", answers)
					}
				case store.ErasureDelete:
					if len(answers) != 0 {
						t.Errorf("answers of an open round not deleted: %+v", answers)
					}
				}
			})
		})
	}
}

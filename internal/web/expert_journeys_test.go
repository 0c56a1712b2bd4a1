package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// The expert's journeys as people walk them (issue #15), with plain form
// posts: a browser without JavaScript.

// submitted tells whether an expert's invitation to the current round
// is submitted.
func (s *expertStudy) submitted(t *testing.T, email string) bool {
	t.Helper()
	inv, err := s.env.store.InvitationFor(context.Background(), s.round.ID, expertID(t, s.env, s.id, email))
	if err != nil {
		t.Fatal(err)
	}
	return inv.SubmittedAt.Valid
}

// answers are an expert's stored ratings by round statement index.
func (s *expertStudy) answers(t *testing.T, email string) map[int]string {
	t.Helper()
	inv, err := s.env.store.InvitationFor(context.Background(), s.round.ID, expertID(t, s.env, s.id, email))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := s.env.store.RatingsByInvitation(context.Background(), inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]string{}
	for i, st := range s.round.Statements {
		if v := answerValue(rs[st.ID]); v != "" {
			out[i] = v
		}
	}
	return out
}

var howtoRE = regexp.MustCompile(`<span id="howto"[^>]*>([^<]*)</span>`)

// Without JavaScript, "Submit my answers" saves what the form holds, with
// the same checks as Save, and then submits; the page does not claim that
// answers save themselves.
func TestSubmitSavesTheFormWithoutJavaScript(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newExpertStudy(t, env, nil, fourStatements, defaultPanel)
		rs := s.round.Statements
		b := s.expert(t, "e1@example.org")
		page := b.get("/e").body
		m := howtoRE.FindStringSubmatch(page)
		if m == nil || !strings.HasPrefix(m[1], "Press “Save answers”") || strings.Contains(m[1], "saved as soon as") {
			t.Errorf("without JavaScript the page says: %q", m)
		}
		// Submit is a button of the rating form itself, so it posts the answers.
		form := page[strings.Index(page, `id="rate"`):]
		form = form[:strings.Index(form, "</form>")]
		if !strings.Contains(form, `formaction="/e/submit"`) {
			t.Error("the Submit button is not part of the rating form")
		}

		// A value off the scale: nothing saved, nothing submitted.
		r := b.post("/e/submit", url.Values{"r" + itoa(rs[0].ID): {"4"}, "r" + itoa(rs[1].ID): {"99"}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "A rating is not on the scale; nothing was saved.") {
			t.Errorf("submit with a bad value: %d", r.status)
		}
		if got := s.answers(t, "e1@example.org"); len(got) != 0 || s.submitted(t, "e1@example.org") {
			t.Errorf("a refused submit saved %v (submitted %v)", got, s.submitted(t, "e1@example.org"))
		}

		// Ratings and a comment chosen on the page, then Submit.
		r = b.post("/e/submit", url.Values{"r" + itoa(rs[0].ID): {"4"}, "r" + itoa(rs[1].ID): {"unable"},
			"c" + itoa(rs[1].ID): {"Only in large cities."}, "r" + itoa(rs[2].ID): {"2"}, "r" + itoa(rs[3].ID): {"5"}})
		if r.url != "/e/thanks" {
			t.Fatalf("submit: %d at %s", r.status, r.url)
		}
		mustContain(t, "thank-you page", r.body, "Your answers for round 1 are submitted.", "4 of 4 statements rated",
			"4 · Agree", "Unable to rate", "Only in large cities.", "5 · Strongly agree")
		if got := s.answers(t, "e1@example.org"); got[0] != "4" || got[1] != "unable" || got[2] != "2" || got[3] != "5" || !s.submitted(t, "e1@example.org") {
			t.Errorf("stored %v, submitted %v", got, s.submitted(t, "e1@example.org"))
		}
	})
}

// A submission with statements unanswered is held back: the expert is
// told how many and asked to confirm (a page that works without
// JavaScript). A study that requires every answer still refuses.
func TestSubmitWithUnansweredStatementsAsksFirst(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newExpertStudy(t, env, nil, fourStatements, defaultPanel)
		rs := s.round.Statements
		b := s.expert(t, "e2@example.org")
		b.get("/e") // the Dutch expert
		r := b.post("/e/submit", url.Values{})
		if r.status != http.StatusOK || s.submitted(t, "e2@example.org") {
			t.Fatalf("an empty submission went through: %d at %s", r.status, r.url)
		}
		mustContain(t, "confirmation (Dutch)", r.body, "4 stellingen hebben nog geen antwoord.", "Toch insturen",
			`name="confirm" value="unanswered"`, `href="/e"`)

		en := s.expert(t, "e1@example.org")
		r = en.post("/e/submit", url.Values{"r" + itoa(rs[0].ID): {"4"}, "r" + itoa(rs[1].ID): {"3"}, "r" + itoa(rs[2].ID): {"2"}})
		mustContain(t, "confirmation", r.body, "Submit with statements unanswered?", "1 statement has no answer yet.", "Submit anyway", "Go back to my answers")
		if got := s.answers(t, "e1@example.org"); len(got) != 3 || s.submitted(t, "e1@example.org") {
			t.Errorf("before confirming: stored %v, submitted %v", got, s.submitted(t, "e1@example.org"))
		}
		r = en.post("/e/submit", url.Values{"confirm": {"unanswered"}})
		if r.url != "/e/thanks" || !s.submitted(t, "e1@example.org") {
			t.Fatalf("confirmed submit: %d at %s", r.status, r.url)
		}
		mustContain(t, "thank-you page", r.body, "3 of 4 statements rated", "No answer")
		if got := s.answers(t, "e1@example.org"); len(got) != 3 {
			t.Errorf("the confirmation changed the answers: %v", got)
		}
	})
}

// A study that requires every answer refuses a submission with statements
// unanswered, confirmed or not.
func TestRequireAllRefusesEvenConfirmed(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		strict := newExpertStudyWith(t, env, nil, fourStatements, defaultPanel, `,"require_all":true`)
		sb := strict.expert(t, "e1@example.org")
		r := sb.post("/e/submit", url.Values{"r" + itoa(strict.round.Statements[0].ID): {"4"}, "confirm": {"unanswered"}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "still have no answer") || strict.submitted(t, "e1@example.org") {
			t.Errorf("require_all: %d, submitted %v", r.status, strict.submitted(t, "e1@example.org"))
		}
	})
}

// An expert who declined sees so when they open their link again; consent
// is no way back in, only "I want to take part after all", which is
// recorded.
func TestDeclinedExpertRejoinsOnlyOnPurpose(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		s := newExpertStudy(t, env, nil, fourStatements, defaultPanel)
		b := env.browser()
		b.get(s.links["e3@example.org"]) // the French expert
		if r := b.post("/e/decline", url.Values{}); r.status != http.StatusOK {
			t.Fatalf("decline: %d", r.status)
		}
		id := expertID(t, env, s.id, "e3@example.org")
		r := b.get(s.links["e3@example.org"])
		mustContain(t, "declined page", r.body, "Vous nous avez indiqué ne pas vouloir participer", `action="/e/rejoin"`, "Je souhaite participer finalement")
		if strings.Contains(r.body, `name="agree"`) {
			t.Error("a declined expert is offered the consent form")
		}
		if r := b.post("/e/consent", url.Values{"agree": {"yes"}}); r.status != http.StatusConflict {
			t.Errorf("consent after a decline: %d", r.status)
		}
		if e, _ := env.store.ExpertByID(ctx, s.id, id); e.ConsentedAt.Valid || e.Status != "declined" {
			t.Errorf("after consenting while declined: consented %v, status %s", e.ConsentedAt.Valid, e.Status)
		}

		r = b.post("/e/rejoin", url.Values{})
		if r.url != "/e" || !strings.Contains(r.body, `name="agree"`) {
			t.Fatalf("rejoin: %d at %s", r.status, r.url)
		}
		if e, _ := env.store.ExpertByID(ctx, s.id, id); e.Status != "active" || e.DeclinedAt.Valid {
			t.Errorf("after rejoining: status %s, declined at %v", e.Status, e.DeclinedAt)
		}
		audit, err := env.store.AuditByStudy(ctx, s.id)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, a := range audit {
			if strings.HasPrefix(a.Action, "expert ") && strings.Contains(a.NewValue, itoa(id)) {
				actions = append(actions, a.Action)
			}
		}
		if got := strings.Join(actions, ","); got != "expert rejoined,expert declined" && got != "expert declined,expert rejoined" {
			t.Errorf("audit: %v", actions)
		}

		// An expert who had consented, then declined by the e-mail's link:
		// no answers until they rejoin; then their page again.
		e1 := s.expert(t, "e1@example.org")
		if r := e1.post(strings.TrimSuffix(s.links["e1@example.org"], "/")+"/decline", url.Values{}); r.status != http.StatusOK {
			t.Fatalf("decline by link: %d", r.status)
		}
		mustContain(t, "declined page", e1.get("/e").body, "You told us that you do not want to take part", "I want to take part after all")
		if r := e1.post("/e", url.Values{"r" + itoa(s.round.Statements[0].ID): {"4"}}); r.status != http.StatusForbidden {
			t.Errorf("a declined expert saves: %d", r.status)
		}
		if r := e1.post("/e/rejoin", url.Values{}); !strings.Contains(r.body, `id="rate"`) {
			t.Errorf("after rejoining, no rating page: %d at %s", r.status, r.url)
		}
	})
}

// After a round closes, the link tells each expert the truth: thanks and
// the next round's e-mail only to those who submitted.
func TestClosedRoundTellsNonRespondersTheTruth(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newExpertStudy(t, env, nil, fourStatements, defaultPanel)
		s.rate(t, s.expert(t, "e1@example.org"), map[int]string{0: "4", 1: "4", 2: "4", 3: "4"}, nil, true)
		saved := s.expert(t, "e4@example.org")
		s.rate(t, saved, map[int]string{0: "2"}, nil, false)
		none := s.expert(t, "e5@example.org")
		e1 := env.browser()
		e1.get(s.links["e1@example.org"])
		s.close(t)

		r := none.get("/e")
		mustContain(t, "non-responder", r.body, "Αυτός ο γύρος έκλεισε χωρίς τις απαντήσεις σας")
		for _, w := range []string{"Σας ευχαριστούμε", "θα σας γράψει"} {
			if strings.Contains(r.body, w) {
				t.Errorf("the non-responder's page says %q", w)
			}
		}
		r = saved.get("/e")
		mustContain(t, "saved, not submitted", r.body, "Diese Runde wurde geschlossen, bevor Sie Ihre Antworten abgesendet haben")
		if strings.Contains(r.body, "Vielen Dank") || strings.Contains(r.body, "schreibt Ihnen") {
			t.Error("the unsubmitted expert is thanked or promised an e-mail")
		}
		mustContain(t, "respondent", e1.get("/e").body, "Thank you for taking part.", "The study team will write to you when the next round starts.")
	})
}

// Scale points show their number once: on the questionnaire, the
// thank-you page, the feedback and the chart's text equivalent. With one
// statement the progress line is singular.
func TestScalePointsShowTheirNumberOnce(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newExpertStudyWith(t, env, nil, fourStatements, defaultPanel, `,"scale_max":9,"consensus_rule":"percent:70"`)
		b := s.expert(t, "e1@example.org")
		page := b.get("/e").body
		mustContain(t, "1–9 scale", page, `value=1><span class=n>1</span> <span class=l>Not important</span></label>`,
			`value=2><span class=n>2</span></label>`, `value=7><span class=n>7</span> <span class=l>Critical</span></label>`)
		s.rate(t, b, map[int]string{0: "7", 1: "4", 2: "8", 3: "2"}, nil, true)
		thanks := b.get("/e/thanks").body
		mustContain(t, "thank-you page", thanks, "<dd>8</dd>", "<dd>7 · Critical</dd>")
		if strings.Contains(thanks, "8 · 8") {
			t.Error("the thank-you page repeats the number")
		}
		for _, e := range []string{"e2@example.org", "e3@example.org", "e4@example.org", "e5@example.org"} {
			s.rate(t, s.expert(t, e), map[int]string{0: "8", 1: "5", 2: "5", 3: "1"}, nil, true)
		}
		s.close(t)
		s.launch(t, `{}`, 5)
		r := env.browser().get(s.links["e1@example.org"])
		mustContain(t, "round 2", r.body, "Your rating in round 1: 4</p>", "Your rating in round 1: 8</p>",
			`aria-label="1 · Not important: 0; 2: 0; 3 · Of limited importance: 0; 4: 1 (you); 5 · Important but not critical: 4;`,
			"Median 5", `<rect class=ag x="318" y="26" width="156" height="106"/>`, `<path class=md d="M240 26V132"/>`)
		if strings.Contains(r.body, "4 · 4") || strings.Contains(r.body, "8 · 8") {
			t.Error("the feedback repeats a number")
		}
	})
}

// "0 of 1 statement rated": the progress line agrees with the number of
// statements.
func TestProgressWithOneStatement(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		one := newExpertStudy(t, env, nil, []string{"The only statement"}, defaultPanel)
		mustContain(t, "one statement", one.expert(t, "e1@example.org").get("/e").body, "0 of 1 statement rated")
	})
}

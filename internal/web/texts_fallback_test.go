package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestFallbackNotesAndOpenQuestions: a Dutch expert reads the study's
// untranslated description, information sheet, consent item and thank-you
// text in English, each marked in words (as statements are), not only
// with lang; and the Languages summary counts the open questions still to
// be read (a draft round's), not those of a closed round, through the API
// and on the round's page.
func TestFallbackNotesAndOpenQuestions(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newPanelStudy(t, env, nil, []string{"Clinics open in the evening"}, textsPanel, `,"languages":["en","nl"]`)
		coord := env.loggedIn("coord@example.org")
		if r := s.call(t, "PUT", s.path+"/texts", `{"lang":"en","texts":{"info_sheet":"Participation is voluntary.","thanks":"Thank you very much for your time."}}`); r.status != http.StatusOK {
			t.Fatalf("put en texts: %d %s", r.status, r.body)
		}
		if r := s.call(t, "PUT", s.path+"/texts", `{"lang":"nl","texts":{"title":"Toegang tot zorg"}}`); r.status != http.StatusOK {
			t.Fatalf("put nl texts: %d %s", r.status, r.body)
		}
		if r := s.call(t, "POST", s.path+"/consent-items", `{"required":false,"wording":{"en":"You may contact me about later studies."}}`); r.status != http.StatusCreated {
			t.Fatalf("consent item: %d %s", r.status, r.body)
		}
		s.launch(t, `{"deadline":"2099-06-04T17:00:00Z","questions":[{"text":"What would change your rating?"}]}`, len(textsPanel))
		if got := getTexts(t, s).Fallbacks[0].Questions; got != 1 {
			t.Errorf("open round 1's untranslated question: %d", got)
		}

		const note = `<p class="untranslated">Nog niet vertaald: getoond in de hoofdtaal van het onderzoek.</p>`
		nl := env.browser()
		r := nl.get(s.links["e2@example.org"])
		mustContain(t, "Dutch consent page", r.body, "<h1>Toegang tot zorg</h1>",
			`<div class="sheet" lang="en"><p>We ask which barriers`, "in 2027.</p></div>"+note,
			`<div class="sheet" lang="en"><p>Participation is voluntary.</p></div>`+note,
			`<span lang="en">You may contact me about later studies.</span></label>`+"\n"+note)
		if strings.Count(r.body, note) != 3 {
			t.Errorf("%d notes on the consent page; want 3 (description, information sheet, consent item)", strings.Count(r.body, note))
		}
		if r := nl.post("/e/consent", url.Values{}); r.status != http.StatusOK || r.url != "/e" {
			t.Fatalf("consent: %d at %s", r.status, r.url)
		}
		s.rate(t, nl, map[int]string{0: "4"}, nil, true)
		mustContain(t, "Dutch thanks page", nl.get("/e/thanks").body, `<span>Toegang tot zorg</span> · `,
			`<div class="sheet" lang="en"><p>Thank you very much for your time.</p></div>`+note)
		// An English expert reads the main language: nothing is marked.
		en := env.browser()
		if r := en.get(s.links["e1@example.org"]); strings.Contains(r.body, `class="untranslated"`) {
			t.Error("the main language's texts are marked untranslated")
		}

		// Round 1 closes; round 2's draft asks two questions, one translated.
		s.close(t)
		r2 := s.call(t, "POST", s.path+"/rounds", `{"questions":[{"text":"What would change your rating?"},{"text":"Anything missing?"}]}`)
		var rj roundJSON
		decodeInto(t, r2, &rj)
		if r2.status != http.StatusCreated || len(rj.Questions) != 2 {
			t.Fatalf("round 2 draft: %d %s", r2.status, r2.body)
		}
		if got := getTexts(t, s).Fallbacks[0].Questions; got != 2 {
			t.Errorf("draft round 2's untranslated questions (round 1's closed): %d", got)
		}
		if r := s.call(t, "PUT", s.path+"/texts", `{"lang":"nl","texts":{"question.`+itoa(rj.Questions[0].ID)+`":"Wat zou uw oordeel veranderen?"}}`); r.status != http.StatusOK {
			t.Fatalf("translate a question: %d %s", r.status, r.body)
		}
		texts := getTexts(t, s)
		if f := texts.Fallbacks[0]; f.Questions != 1 {
			t.Errorf("after one translation: %+v", f)
		}
		mustContain(t, "round 2's Languages summary", coord.get("/studies/"+itoa(s.id)+"/rounds/"+itoa(rj.ID)).body, "1 untranslated open question.")
	})
}

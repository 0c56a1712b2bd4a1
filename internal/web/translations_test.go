package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/delphi-platform/delphi/internal/workflow"
)

// TestTranslations: statement and topic translations through the API and
// the Statements page, all or nothing with each refusal named, and the
// expert who reads Dutch sees the Dutch topic title and statement while
// the English reader sees the originals.
func TestTranslations(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newPanelStudy(t, env, nil, []string{"Identity documents", "Peer navigators"}, defaultPanel, `,"languages":["en","nl","el"]`)
		var stmts []statementJSON
		_ = json.Unmarshal([]byte(s.call(t, "GET", s.path+"/statements", "").body), &stmts)
		var secs []sectionJSON
		_ = json.Unmarshal([]byte(s.call(t, "GET", s.path+"/sections", "").body), &secs)
		if len(stmts) != 2 || len(secs) != 2 || secs[0].Title != "Access" {
			t.Fatalf("statements %+v, sections %+v", stmts, secs)
		}
		tp := s.path + "/statements/" + itoa(stmts[0].ID) + "/translations"
		sp := s.path + "/sections/" + itoa(secs[0].ID)

		// Statements.
		if r := s.call(t, "PUT", tp, `{"nl":"Identiteitsdocumenten","el":"Έγγραφα ταυτότητας"}`); r.status != http.StatusOK || !strings.Contains(r.body, `"nl":"Identiteitsdocumenten"`) {
			t.Errorf("set: %d %s", r.status, r.body)
		}
		r := s.call(t, "PUT", tp, `{"nl":"Andere tekst","fr":"Documents","en":"Papers","el":"`+strings.Repeat("α", workflow.MaxStatementLength+1)+`"}`)
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("bad languages: %d %s", r.status, r.body)
		}
		mustContain(t, "refused translations", r.body, `translations.fr`, `not one of the study's languages (en, nl, el)`, `translations.en`, `the study's main language`, `translations.el`, `longer than 2000 characters`)
		if r := s.call(t, "PUT", tp, `{"el":""}`); r.status != http.StatusOK || !strings.Contains(r.body, `"translations":{"nl":"Identiteitsdocumenten"}`) {
			t.Errorf("a refused call changed a translation, or removing one failed: %d %s", r.status, r.body)
		}
		if r := s.call(t, "PUT", s.path+"/statements/999999/translations", `{"nl":"x"}`); r.status != http.StatusNotFound {
			t.Errorf("unknown statement: %d", r.status)
		}

		// Topics: a rename with a bad translation changes nothing.
		if r := s.call(t, "PATCH", sp, `{"title":"Access to care","translations":{"xx":"?"}}`); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "translations.xx") {
			t.Errorf("bad topic translation: %d %s", r.status, r.body)
		}
		if r := s.call(t, "PATCH", sp, `{"title":"  "}`); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `"title"`) {
			t.Errorf("empty topic title: %d %s", r.status, r.body)
		}
		if r := s.call(t, "PATCH", sp, `{"translations":{"nl":"Toegang tot zorg"}}`); r.status != http.StatusOK || !strings.Contains(r.body, `{"id":`+itoa(secs[0].ID)+`,"title":"Access","position":1,"translations":{"nl":"Toegang tot zorg"}}`) {
			t.Errorf("topic translation: %d %s", r.status, r.body)
		}
		if r := s.call(t, "PATCH", s.path+"/sections/999999", `{"title":"x"}`); r.status != http.StatusNotFound {
			t.Errorf("unknown topic: %d", r.status)
		}

		// The Statements page: the same fields in the topic's form.
		b := env.loggedIn("coord@example.org")
		page := b.get("/studies/" + itoa(s.id) + "/statements")
		mustContain(t, "statements page", page.body, `name="tr_nl" lang="nl" type="text" value="Toegang tot zorg"`, `for="sec`+itoa(secs[1].ID)+`_el">Title in el</label>`)
		form := url.Values{"title": {"Services"}, "tr_nl": {"Diensten"}, "tr_el": {strings.Repeat("υ", 201)}}
		if r := b.post("/studies/"+itoa(s.id)+"/sections/"+itoa(secs[1].ID), form); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "title in el is longer than 200 characters") {
			t.Errorf("too long a topic translation: %d", r.status)
		}
		form.Set("tr_el", "Υπηρεσίες")
		if r := b.post("/studies/"+itoa(s.id)+"/sections/"+itoa(secs[1].ID), form); r.status != http.StatusOK || !strings.Contains(r.body, `value="Υπηρεσίες"`) {
			t.Errorf("topic form: %d", r.status)
		}

		// Experts: each reads their language.
		s.launch(t, `{"deadline":"2099-06-04T17:00:00Z"}`, len(defaultPanel))
		nl := s.expert(t, "e2@example.org")
		nl.consent(t)
		nlPage := nl.get("/e").body
		mustContain(t, "the Dutch reader's page", nlPage, "<h2>Toegang tot zorg</h2>", "Identiteitsdocumenten", "<h2>Diensten</h2>",
			// The second statement has no Dutch text: it is shown in
			// English, marked as such for the reader and screen readers.
			`<legend lang="en">Peer navigators</legend>`, `<p class="untranslated">Nog niet vertaald`)
		if strings.Count(nlPage, `class="untranslated"`) != 1 {
			t.Errorf("only one statement is untranslated, but %d are marked", strings.Count(nlPage, `class="untranslated"`))
		}
		en := s.expert(t, "e1@example.org")
		en.consent(t)
		p := en.get("/e").body
		mustContain(t, "the English reader's page", p, "<h2>Access</h2>", "Identity documents", "<h2>Services</h2>")
		if strings.Contains(p, "Toegang") || strings.Contains(p, "Identiteitsdocumenten") || strings.Contains(p, "untranslated") {
			t.Error("the English reader sees Dutch, or a statement marked untranslated")
		}
	})
}

// TestRoundZeroTranslations: round 0's questions in the study's other
// languages, through the API and the coordinator's form; a Dutch reader
// proposes under Dutch questions and topics.
func TestRoundZeroTranslations(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newPanelStudy(t, env, nil, nil, defaultPanel, `,"languages":["en","nl"]`)
		q := `{"text":"What keeps migrants from care?","section":"Access","translations":{"nl":"Wat houdt migranten weg van zorg?"%s}}`
		if r := s.call(t, "POST", s.path+"/ideas", `{"questions":[`+strings.Replace(q, "%s", `,"fr":"Qu'est-ce qui…"`, 1)+`]}`); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "questions[0].translations.fr") {
			t.Errorf("a question in a language the study does not have: %d %s", r.status, r.body)
		}
		if r := s.call(t, "GET", s.path+"/ideas", ""); r.status != http.StatusNotFound {
			t.Errorf("a refused round 0 was created: %d", r.status)
		}
		if r := s.call(t, "POST", s.path+"/ideas", `{"deadline":"2099-01-01T12:00:00Z","questions":[`+strings.Replace(q, "%s", "", 1)+`,{"text":"What would help most?","section":"Services"}]}`); r.status != http.StatusCreated || !strings.Contains(r.body, `"translations":{"nl":"Wat houdt migranten weg van zorg?"}`) {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		var secs []sectionJSON
		_ = json.Unmarshal([]byte(s.call(t, "GET", s.path+"/sections", "").body), &secs)
		s.call(t, "PATCH", s.path+"/sections/"+itoa(secs[0].ID), `{"translations":{"nl":"Toegang"}}`)

		// The coordinator translates the second question on the round 0 page.
		qs := s.ideas(t).Questions
		b := env.loggedIn("coord@example.org")
		page := b.get("/studies/" + itoa(s.id) + "/ideas")
		mustContain(t, "round 0 page", page.body, `name="tr_nl" lang="nl" type="text" value="Wat houdt migranten weg van zorg?"`)
		edit := "/studies/" + itoa(s.id) + "/ideas/questions/" + itoa(qs[1].ID)
		if r := b.post(edit, url.Values{"action": {"save"}, "text": {"What would help most?"}, "tr_nl": {strings.Repeat("x", workflow.MaxStatementLength+1)}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "The question in nl is longer than 2000 characters.") {
			t.Errorf("too long a translation: %d", r.status)
		}
		if r := b.post(edit, url.Values{"action": {"save"}, "text": {"What would help most?"}, "tr_nl": {"Wat zou het meest helpen?"}}); r.status != http.StatusOK {
			t.Errorf("translate: %d", r.status)
		}
		if got := s.ideas(t).Questions[1].Translations["nl"]; got != "Wat zou het meest helpen?" {
			t.Errorf("translation saved as %q", got)
		}

		// Experts.
		if r := s.call(t, "POST", s.path+"/ideas/launch", ""); r.status != http.StatusOK {
			t.Fatalf("launch: %d %s", r.status, r.body)
		}
		links := s.ideaLinks(t)
		nl := env.browser()
		nl.get(links["e2@example.org"])
		nl.post("/ideas/consent", url.Values{"agree": {"yes"}})
		mustContain(t, "the Dutch reader's round 0", nl.get("/ideas").body, "Toegang", "Wat houdt migranten weg van zorg?", "Wat zou het meest helpen?", "Services")
		en := env.browser()
		en.get(links["e1@example.org"])
		en.post("/ideas/consent", url.Values{"agree": {"yes"}})
		p := en.get("/ideas").body
		mustContain(t, "the English reader's round 0", p, "Access", "What keeps migrants from care?", "What would help most?")
		if strings.Contains(p, "Wat ") || strings.Contains(p, "Toegang") {
			t.Error("the English reader sees Dutch")
		}
	})
}

// TestStatementEditPageAndAPI: the statement's edit page and the API save
// translations through one workflow, so both refuse an over-long one with
// the same reason and change nothing, and both store a good one.
func TestStatementEditPageAndAPI(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newPanelStudy(t, env, nil, []string{"Identity documents"}, defaultPanel, `,"languages":["en","nl"]`)
		var stmts []statementJSON
		_ = json.Unmarshal([]byte(s.call(t, "GET", s.path+"/statements", "").body), &stmts)
		b := env.loggedIn("coord@example.org")
		page := "/studies/" + itoa(s.id) + "/statements/" + itoa(stmts[0].ID)
		tp := s.path + "/statements/" + itoa(stmts[0].ID) + "/translations"
		long := strings.Repeat("a", workflow.MaxStatementLength+1)

		r := b.post(page, url.Values{"text": {"Identity papers"}, "tr_nl": {long}})
		mustContain(t, "page: over-long translation", r.body, "Longer than 2000 characters")
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("page: over-long translation: %d", r.status)
		}
		r = s.call(t, "PUT", tp, `{"nl":"`+long+`"}`)
		mustContain(t, "API: over-long translation", r.body, `"field":"translations.nl","message":"longer than 2000 characters"`)
		var got []statementJSON
		_ = json.Unmarshal([]byte(s.call(t, "GET", s.path+"/statements", "").body), &got)
		if got[0].Text != "Identity documents" || len(got[0].Translations) != 0 {
			t.Fatalf("a refused edit changed the statement: %+v", got[0])
		}

		if r := b.post(page, url.Values{"text": {"Identity papers"}, "tr_nl": {"Identiteitspapieren"}}); r.status != http.StatusOK {
			t.Fatalf("page: save: %d", r.status)
		}
		_ = json.Unmarshal([]byte(s.call(t, "GET", s.path+"/statements", "").body), &got)
		if got[0].Text != "Identity papers" || got[0].Translations["nl"] != "Identiteitspapieren" {
			t.Errorf("after the page's save: %+v", got[0])
		}
		if r := s.call(t, "PUT", tp, `{"nl":"Identiteitsbewijzen"}`); r.status != http.StatusOK || !strings.Contains(r.body, `"nl":"Identiteitsbewijzen"`) {
			t.Errorf("API: save: %d %s", r.status, r.body)
		}
	})
}

package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// textsPanel: an English, a Dutch and a Romanian expert.
var textsPanel = []panelist{
	{"e1@example.org", "Ana Expert", "Research", "en"},
	{"e2@example.org", "Bram Deskundige", "Research", "nl"},
	{"e3@example.org", "Chloé Experte", "Civil society", "en"},
}

// getTexts reads GET …/texts.
func getTexts(t *testing.T, s *expertStudy) textsJSON {
	t.Helper()
	r := s.call(t, "GET", s.path+"/texts", "")
	var out textsJSON
	if err := json.Unmarshal([]byte(r.body), &out); err != nil || r.status != http.StatusOK {
		t.Fatalf("get texts: %d %s", r.status, r.body)
	}
	return out
}

// TestStudyTextsForADutchExpert: the coordinator writes the study's texts
// in English and Dutch, on the page and through the API; a Dutch expert
// reads them in Dutch (title, information sheet, consent items, scale
// labels, band name, thanks), an untranslated text in English marked so,
// and must tick the required consent item.
func TestStudyTextsForADutchExpert(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		s := newPanelStudy(t, env, nil, []string{"Clinics open in the evening", "Outreach workers speak the patients' languages"}, textsPanel, `,"languages":["en","nl"]`)
		coord := env.loggedIn("coord@example.org")
		base := "/studies/" + itoa(s.id)

		// English (main) texts through the API.
		if r := s.call(t, "PUT", s.path+"/texts", `{"lang":"en","texts":{"contact":"Dr A. Author, University of Utrecht","info_sheet":"Participation is voluntary.\n\nYou may stop at any time.","thanks":"Thank you very much for your time."}}`); r.status != http.StatusOK {
			t.Fatalf("put en texts: %d %s", r.status, r.body)
		}
		// Dutch texts on the page; the contact line is left untranslated.
		page := coord.get(base + "/texts?lang=nl")
		mustContain(t, "texts page in Dutch", page.body, "Texts in Dutch", "Dr A. Author, University of Utrecht", "falls back to English", `aria-current="page">Dutch (nl)`)
		form := url.Values{"lang": {"nl"}, "title": {"Toegang tot zorg"}, "description": {"Wij vragen welke drempels migranten van zorg weerhouden."},
			"contact": {""}, "info_sheet": {"Deelname is vrijwillig."}, "thanks": {"Hartelijk dank voor uw tijd."},
			"scale.1": {"Zeer oneens"}, "scale.2": {"Oneens"}, "scale.3": {"Neutraal"}, "scale.4": {"Eens"}, "scale.5": {"Zeer eens"},
			"band.agree": {"Instemming"}}
		if r := coord.post(base+"/texts?lang=nl", form); r.status != http.StatusOK || !strings.Contains(r.body, "Texts in Dutch saved") {
			t.Fatalf("save nl texts on the page: %d %s", r.status, r.body)
		}
		// Consent items: one required on the page, one optional through the API.
		if r := coord.post(base+"/consent-items", url.Values{"wording": {"I agree that my anonymous answers are published."}, "required": {"on"}}); r.status != http.StatusOK {
			t.Fatalf("add consent item on the page: %d %s", r.status, r.body)
		}
		r := s.call(t, "POST", s.path+"/consent-items", `{"required":false,"wording":{"en":"You may contact me about later studies.","nl":"U mag mij benaderen voor later onderzoek."}}`)
		var optional consentItemJSON
		if err := json.Unmarshal([]byte(r.body), &optional); err != nil || r.status != http.StatusCreated || optional.Required {
			t.Fatalf("add consent item through the API: %d %s", r.status, r.body)
		}
		texts := getTexts(t, s)
		if len(texts.Consent) != 2 {
			t.Fatalf("consent items: %+v", texts.Consent)
		}
		required := texts.Consent[0]
		if r := coord.post(base+"/consent-items/"+itoa(required.ID)+"?lang=nl", url.Values{"lang": {"nl"}, "wording": {"Ik stem in met publicatie van mijn anonieme antwoorden."}, "required": {"on"}}); r.status != http.StatusOK {
			t.Fatalf("Dutch wording on the page: %d %s", r.status, r.body)
		}
		texts = getTexts(t, s)
		if got := texts.Texts["title"]["nl"]; got != "Toegang tot zorg" {
			t.Errorf("nl title through the API: %q", got)
		}
		if got := texts.Consent[0].Wording["nl"]; got != "Ik stem in met publicatie van mijn anonieme antwoorden." || !texts.Consent[0].Required {
			t.Errorf("item 1 after the page's update: %+v", texts.Consent[0])
		}
		// What falls back to English, per language: the contact line, and
		// the statements and topics not translated.
		if len(texts.Fallbacks) != 1 || texts.Fallbacks[0].Language != "nl" || texts.Fallbacks[0].Statements != 2 ||
			strings.Join(texts.Fallbacks[0].Texts, ",") != "contact" {
			t.Errorf("fallbacks: %+v", texts.Fallbacks)
		}
		mustContain(t, "overview's Languages summary", coord.get(base).body, "<h2>Languages</h2>", "2 untranslated statements", "Study texts shown in the main language: contact")

		s.launch(t, `{"deadline":"2099-06-04T17:00:00Z"}`, len(textsPanel))

		// The Dutch expert's consent page.
		nl := env.browser()
		r = nl.get(s.links["e2@example.org"])
		mustContain(t, "Dutch consent page", r.body, `<html lang="nl">`, "<h1>Toegang tot zorg</h1>", "Wij vragen welke drempels",
			"<h2>Informatiebrief</h2>", "Deelname is vrijwillig.", "Ik stem in met publicatie van mijn anonieme antwoorden.",
			"U mag mij benaderen voor later onderzoek.", "(verplicht)", `<p lang="en">Dr A. Author, University of Utrecht</p>`,
			"Uw anonimiteit") // the platform's own paragraphs stay
		if strings.Contains(r.body, `name="agree"`) {
			t.Error("the single I-agree box is shown beside the consent items")
		}
		// The required item unticked: refused, naming it, the other tick kept.
		r = nl.post("/e/consent", url.Values{"consent" + itoa(optional.ID): {"yes"}})
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("consent without the required item: %d", r.status)
		}
		mustContain(t, "refused consent", r.body, "Vink om mee te doen aan: «Ik stem in met publicatie van mijn anonieme antwoorden.»",
			`name="consent`+itoa(optional.ID)+`" value="yes" checked`)
		e2 := expertID(t, env, s.id, "e2@example.org")
		if got, _ := env.store.ConsentsByExpert(ctx, e2); len(got) != 0 {
			t.Errorf("a refused consent recorded answers: %+v", got)
		}
		r = nl.post("/e/consent", url.Values{"consent" + itoa(required.ID): {"yes"}})
		if r.status != http.StatusOK || r.url != "/e" {
			t.Fatalf("consent: %d at %s", r.status, r.url)
		}
		got, err := env.store.ConsentsByExpert(ctx, e2)
		if err != nil || len(got) != 2 || !got[0].Agreed || got[1].Agreed {
			t.Errorf("recorded consents: %+v %v", got, err)
		}
		mustContain(t, "Dutch rating page", r.body, `<html lang="nl">`, "Toegang tot zorg", "Zeer oneens", "Zeer eens")

		// Round 1 answered and closed, round 2 shows the band's Dutch name.
		s.rate(t, nl, map[int]string{0: "5", 1: "4"}, nil, true)
		mustContain(t, "Dutch thank-you page", nl.get("/e/thanks").body, "Hartelijk dank voor uw tijd.")
		for _, e := range []string{"e1@example.org", "e3@example.org"} {
			b := env.browser()
			b.get(s.links[e])
			if r := b.post("/e/consent", url.Values{"consent" + itoa(required.ID): {"yes"}}); r.url != "/e" {
				t.Fatalf("%s consents: %d", e, r.status)
			}
			s.rate(t, b, map[int]string{0: "4", 1: "2"}, nil, true)
		}
		s.close(t)
		s.launch(t, `{"deadline":"2099-07-01T12:00:00Z"}`, len(textsPanel))
		nl2 := env.browser()
		r = nl2.get(s.links["e2@example.org"])
		mustContain(t, "Dutch round 2", r.body, "Instemming: 4–5", "Zeer eens")

		// The expert's own data: their consent answers, in their language.
		r = coord.get(base + "/panel/experts/" + itoa(e2) + "/export")
		mustContain(t, "data export", r.body, `"consents"`, "Ik stem in met publicatie", `"agreed": false`)
	})
}

// TestExpertOutsideTheStudysLanguages: a Romanian expert in an en,nl
// study is accepted with a warning at import and reads English pages.
func TestExpertOutsideTheStudysLanguages(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newPanelStudy(t, env, nil, []string{"Clinics open in the evening"}, textsPanel[:1], `,"languages":["en","nl"]`)
		csv := "email,name,stakeholder_group,country,language\nro@example.org,Radu Expert,Research,RO,ro\n"
		// The page's preview warns, naming the row.
		coord := env.loggedIn("coord@example.org")
		r := coord.upload("/studies/"+itoa(s.id)+"/panel/import", "file", "panel.csv", csv)
		mustContain(t, "import preview", r.body, `id="import-warnings"`, "Row 2:", "Radu Expert&#39;s language &#34;ro&#34; is not one of the study&#39;s languages (en, nl): they will read the study&#39;s main language, en")
		// The API too, and imports the row.
		r = env.api("POST", s.path+"/panel", s.token, "text/csv", csv)
		var res importResultJSON
		if err := json.Unmarshal([]byte(r.body), &res); err != nil || r.status != http.StatusOK || res.Imported != 1 ||
			len(res.Warnings) != 1 || res.Warnings[0].Row != 2 || !strings.Contains(res.Warnings[0].Message, "main language, en") {
			t.Fatalf("API import: %d %s", r.status, r.body)
		}
		if r := s.call(t, "PUT", s.path+"/texts", `{"lang":"nl","texts":{"title":"Toegang tot zorg"}}`); r.status != http.StatusOK {
			t.Fatalf("nl title: %d %s", r.status, r.body)
		}
		s.launch(t, `{"deadline":"2099-06-04T17:00:00Z"}`, 2)
		b := env.browser()
		r = b.get(s.links["ro@example.org"])
		mustContain(t, "Romanian expert's page", r.body, `<html lang="en">`, "<h1>Access to care</h1>", "About this study")
		if strings.Contains(r.body, "Toegang") {
			t.Error("the Romanian expert sees Dutch")
		}
	})
}

// TestStudyTextsRefused: bad input is refused with field errors on the
// page and in the API, and changes nothing.
func TestStudyTextsRefused(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		s := newPanelStudy(t, env, nil, []string{"Clinics open in the evening"}, textsPanel[:2], `,"languages":["en","nl"]`)
		coord := env.loggedIn("coord@example.org")
		base := "/studies/" + itoa(s.id)

		// A study language the platform has no catalogue for.
		r := s.call(t, "PATCH", s.path, `{"languages":["en","xx"]}`)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `"field":"languages"`) || !strings.Contains(r.body, `\"xx\" is not a language the platform`) {
			t.Errorf("API languages xx: %d %s", r.status, r.body)
		}
		r = coord.post(base+"/info", url.Values{"title": {"Access to care"}, "languages": {"en,xx"}, "max_rounds": {"3"}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "&#34;xx&#34; is not a language the platform") {
			t.Errorf("settings page languages xx: %d", r.status)
		}
		if st, _ := env.store.StudyByID(ctx, s.id); st.Languages != "en,nl" {
			t.Errorf("languages after refusals: %q", st.Languages)
		}

		// Texts: each refused by field, all or nothing.
		for _, c := range []struct{ body, field string }{
			{`{"lang":"xx","texts":{"thanks":"Merci"}}`, `"field":"lang"`},
			{`{"lang":"en","texts":{"title":"Main title here"}}`, `"field":"texts.title"`},
			{`{"lang":"nl","texts":{"thanks":"Dank","scale.9":"Negen"}}`, `"field":"texts.scale.9"`},
			{`{"lang":"nl","texts":{"thanks":"Dank","title":"Twee\nregels"}}`, `"field":"texts.title"`},
			{`{"lang":"nl","texts":{"thanks":"Dank","band.middle":"Midden"}}`, `"field":"texts.band.middle"`},
			{`{"lang":"nl","texts":{"thanks":"Dank","nonsense":"x"}}`, `"field":"texts.nonsense"`},
		} {
			if r := s.call(t, "PUT", s.path+"/texts", c.body); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, c.field) {
				t.Errorf("PUT %s: %d %s", c.body, r.status, r.body)
			}
		}
		// The page: the typed text stays, with the error beside its field.
		r = coord.post(base+"/texts?lang=nl", url.Values{"lang": {"nl"}, "thanks": {"Hartelijk dank"}, "title": {"Twee\nregels"}})
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("page with a two-line title: %d", r.status)
		}
		mustContain(t, "refused texts page", r.body, "Nothing was saved", "the text must be one line", "Hartelijk dank")
		if all, _ := env.store.StudyTextsByStudy(ctx, s.id); len(all) != 0 {
			t.Errorf("refused texts were stored: %+v", all)
		}
		// Texts are escaped wherever they are shown.
		xss := `<script>alert(1)</script>`
		if r := s.call(t, "PUT", s.path+"/texts", `{"lang":"en","texts":{"contact":"`+xss+`"}}`); r.status != http.StatusOK {
			t.Fatalf("contact: %d %s", r.status, r.body)
		}
		if r := coord.get(base + "/texts?lang=nl"); strings.Contains(r.body, xss) || !strings.Contains(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Error("the texts page does not escape a text")
		}
		if r := s.call(t, "PUT", s.path+"/texts", `{"lang":"en","texts":{"contact":""}}`); r.status != http.StatusOK {
			t.Fatalf("contact removed: %d %s", r.status, r.body)
		}
		// E-mail templates fall back only where the main language has its
		// own: without one, each language has its built-in text.
		if f := getTexts(t, s).Fallbacks; len(f) != 1 || strings.Contains(strings.Join(f[0].Texts, ","), "e-mail") {
			t.Errorf("fallbacks without e-mail templates: %+v", f)
		}
		if r := s.call(t, "PUT", s.path+"/texts", `{"lang":"en","texts":{"email.invitation.subject":"Your invitation"}}`); r.status != http.StatusOK {
			t.Fatalf("e-mail subject: %d %s", r.status, r.body)
		}
		if f := getTexts(t, s).Fallbacks; len(f) != 1 || !strings.Contains(strings.Join(f[0].Texts, ","), "e-mail invitation subject") {
			t.Errorf("fallbacks with an English e-mail subject: %+v", f)
		}
		// An e-mail text is checked here as in the e-mail editor.
		if r := s.call(t, "PUT", s.path+"/texts", `{"lang":"en","texts":{"email.reminder.body":"Please answer.","email.reminder.subject":"Open {{link}}"}}`); r.status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.body, `"field":"texts.email.reminder.body"`) || !strings.Contains(r.body, "must contain {{link}}") ||
			!strings.Contains(r.body, "The subject cannot contain {{link}}") {
			t.Errorf("an e-mail text the editor refuses: %d %s", r.status, r.body)
		}
		// A consent item without wording in the main language.
		if r := s.call(t, "POST", s.path+"/consent-items", `{"wording":{"nl":"Alleen Nederlands"}}`); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `"field":"wording.en"`) {
			t.Errorf("consent item without English: %d %s", r.status, r.body)
		}
		r = coord.post(base+"/consent-items", url.Values{"wording": {""}, "required": {"on"}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "give the item&#39;s wording in the study&#39;s main language") {
			t.Errorf("page: consent item without wording: %d", r.status)
		}
		if items, _ := env.store.ConsentItemsByStudy(ctx, s.id); len(items) != 0 {
			t.Errorf("refused items were stored: %+v", items)
		}

		// Delete: asked first on the page, then done; before launch only.
		var a, b consentItemJSON
		json.Unmarshal([]byte(s.call(t, "POST", s.path+"/consent-items", `{"wording":{"en":"First"}}`).body), &a)
		json.Unmarshal([]byte(s.call(t, "POST", s.path+"/consent-items", `{"wording":{"en":"Second"}}`).body), &b)
		r = coord.post(base+"/consent-items/"+itoa(a.ID)+"/delete", url.Values{})
		mustContain(t, "delete confirmation", r.body, "Delete this consent item?", "&#34;First&#34;")
		if r := coord.post(base+"/consent-items/"+itoa(a.ID)+"/delete", url.Values{"confirm": {"yes"}}); r.status != http.StatusOK {
			t.Errorf("delete on the page: %d", r.status)
		}
		if items, _ := env.store.ConsentItemsByStudy(ctx, s.id); len(items) != 1 || items[0].ID != b.ID {
			t.Errorf("items after delete: %+v", items)
		}
		s.launch(t, `{"deadline":"2099-06-04T17:00:00Z"}`, 2)
		if r := s.call(t, "DELETE", s.path+"/consent-items/"+itoa(b.ID), ""); r.status != http.StatusConflict {
			t.Errorf("delete after launch: %d %s", r.status, r.body)
		}
		// After launch a text can still be fixed, and the change is audited.
		if r := s.call(t, "PATCH", s.path+"/consent-items/"+itoa(b.ID), `{"wording":{"nl":"Tweede"}}`); r.status != http.StatusOK {
			t.Errorf("wording after launch: %d %s", r.status, r.body)
		}
		if r := s.call(t, "PUT", s.path+"/texts", `{"lang":"en","texts":{"thanks":"Thanks!"}}`); r.status != http.StatusOK {
			t.Errorf("thanks after launch: %d %s", r.status, r.body)
		}
		es, _ := env.store.AuditByStudy(ctx, s.id)
		audited := 0
		for _, e := range es {
			if e.Action == "study text changed" {
				audited++
			}
		}
		if audited != 2 {
			t.Errorf("audited text changes after launch: %d", audited)
		}
	})
}

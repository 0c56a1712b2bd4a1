package web

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// A Polish and a Greek expert of a study in English, Polish and Greek,
// with everything translated but one statement (issue #16): each reads
// only their own language on the information sheet, the questionnaire,
// the feedback of round 2, the thank-you page and the e-mails (subject
// included), with <html lang> saying so; the untranslated statement is
// shown in English, marked; axe finds nothing on the Polish pages.
//
// DELPHI_SCREENSHOTS=1 go test -run TestPolishAndGreekExpertsInBrowser ./internal/web/
// writes 16-polish-* into docs/screenshots/.

// languagesPanel: the Polish and the Greek expert, and two English ones
// so that round 2 has group figures.
var languagesPanel = []panelist{
	{"pl@example.org", "Agnieszka Nowak", "Civil society", "pl"},
	{"el@example.org", "Eleni Papadopoulou", "Civil society", "el"},
	{"e3@example.org", "Chloe Expert", "Civil society", "en"},
	{"e4@example.org", "Dora Expert", "Civil society", "en"},
}

// studyTexts are the texts of the study per language.
var studyTexts = map[string]string{
	"pl": `{"lang":"pl","texts":{"title":"Dostęp do opieki zdrowotnej","description":"Pytamy, jakie bariery utrudniają migrantom używającym narkotyków dostęp do usług zdrowotnych.",
		"contact":"Dr A. Autor, Uniwersytet w Utrechcie","info_sheet":"Udział jest dobrowolny. Mogą Państwo zrezygnować w każdej chwili.",
		"thanks":"Serdecznie dziękujemy za poświęcony czas.",
		"scale.1":"Zdecydowanie się nie zgadzam","scale.2":"Nie zgadzam się","scale.3":"Ani tak, ani nie","scale.4":"Zgadzam się","scale.5":"Zdecydowanie się zgadzam",
		"band.disagree":"Brak zgody","band.neutral":"Neutralnie","band.agree":"Zgoda"}}`,
	"el": `{"lang":"el","texts":{"title":"Πρόσβαση στην υγειονομική περίθαλψη","description":"Ρωτάμε ποια εμπόδια κρατούν τους μετανάστες που κάνουν χρήση ουσιών μακριά από τις υπηρεσίες υγείας.",
		"contact":"Δρ Α. Συγγραφέας, Πανεπιστήμιο της Ουτρέχτης","info_sheet":"Η συμμετοχή είναι εθελοντική. Μπορείτε να σταματήσετε οποιαδήποτε στιγμή.",
		"thanks":"Σας ευχαριστούμε θερμά για τον χρόνο σας.",
		"scale.1":"Διαφωνώ απόλυτα","scale.2":"Διαφωνώ","scale.3":"Ούτε συμφωνώ ούτε διαφωνώ","scale.4":"Συμφωνώ","scale.5":"Συμφωνώ απόλυτα",
		"band.disagree":"Διαφωνία","band.neutral":"Ουδέτερα","band.agree":"Συμφωνία"}}`,
}

// englishMessages are the English interface sentences: a page in another
// language shows none of them. Short ones ("Round") and ones with
// arguments are left out, as they may be part of a name or a number.
func englishMessages(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile("../i18n/locales/en.json")
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]any
	if err := json.Unmarshal(raw, &all); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, v := range all {
		if s, ok := v.(string); ok && !strings.Contains(s, "{{") && len(s) >= 12 {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// onlyLanguage fails when the page's text holds an English interface
// sentence, or its <html lang> is not lang.
func onlyLanguage(t *testing.T, b context.Context, english []string, lang, page string) {
	t.Helper()
	if got := eval[string](t, b, `document.documentElement.lang`); got != lang {
		t.Errorf("%s: <html lang=%q>, want %q", page, got, lang)
	}
	text := eval[string](t, b, `document.body.innerText`)
	for _, s := range english {
		if strings.Contains(text, s) {
			t.Errorf("%s: English on a %s page: %q", page, lang, s)
		}
	}
}

func TestPolishAndGreekExpertsInBrowser(t *testing.T) {
	t.Parallel() // waits on a browser: overlaps with the other such tests
	chromium := chromiumPath(t)
	ctx := context.Background()
	env := newTestEnv(t, "sqlite")
	s := newPanelStudy(t, env, nil, []string{"Clinics open in the evening", "Outreach workers speak the patients' languages",
		"A single phone number for all services"}, languagesPanel, `,"languages":["en","pl","el"]`)
	english := englishMessages(t)

	// Everything translated but the third statement.
	var stmts []statementJSON
	_ = json.Unmarshal([]byte(s.call(t, "GET", s.path+"/statements", "").body), &stmts)
	var secs []sectionJSON
	_ = json.Unmarshal([]byte(s.call(t, "GET", s.path+"/sections", "").body), &secs)
	if len(stmts) != 3 || len(secs) != 2 {
		t.Fatalf("statements %+v, topics %+v", stmts, secs)
	}
	for i, tr := range []string{
		`{"pl":"Przychodnie są otwarte wieczorem","el":"Τα ιατρεία είναι ανοιχτά το βράδυ"}`,
		`{"pl":"Pracownicy terenowi mówią w językach pacjentów","el":"Οι εργαζόμενοι πεδίου μιλούν τις γλώσσες των ασθενών"}`,
	} {
		if r := s.call(t, "PUT", s.path+"/statements/"+itoa(stmts[i].ID)+"/translations", tr); r.status != 200 {
			t.Fatalf("statement translation: %d %s", r.status, r.body)
		}
	}
	for i, tr := range []string{`{"pl":"Dostęp","el":"Πρόσβαση"}`, `{"pl":"Usługi","el":"Υπηρεσίες"}`} {
		if r := s.call(t, "PATCH", s.path+"/sections/"+itoa(secs[i].ID), `{"translations":`+tr+`}`); r.status != 200 {
			t.Fatalf("topic translation: %d %s", r.status, r.body)
		}
	}
	if r := s.call(t, "PUT", s.path+"/texts", `{"lang":"en","texts":{"contact":"Dr A. Author, University of Utrecht","info_sheet":"Participation is voluntary.","thanks":"Thank you very much for your time."}}`); r.status != 200 {
		t.Fatalf("English texts: %d %s", r.status, r.body)
	}
	for _, lang := range []string{"pl", "el"} {
		if r := s.call(t, "PUT", s.path+"/texts", studyTexts[lang]); r.status != 200 {
			t.Fatalf("%s texts: %d %s", lang, r.status, r.body)
		}
	}
	r := s.call(t, "POST", s.path+"/consent-items", `{"required":true,"wording":{"en":"I agree that my anonymous answers are published.",
		"pl":"Wyrażam zgodę na publikację moich anonimowych odpowiedzi.","el":"Συμφωνώ με τη δημοσίευση των ανώνυμων απαντήσεών μου."}}`)
	var item consentItemJSON
	if err := json.Unmarshal([]byte(r.body), &item); err != nil || item.ID == 0 {
		t.Fatalf("consent item: %d %s", r.status, r.body)
	}
	texts := getTexts(t, s)
	for _, f := range texts.Fallbacks {
		if f.Statements != 1 || len(f.Texts) != 0 {
			t.Errorf("%s falls back: %d statements, texts %v; want the one statement only", f.Language, f.Statements, f.Texts)
		}
	}

	// Round 1: the e-mails, subject included, in Polish and in Greek.
	s.launch(t, `{"deadline":"2099-06-04T17:00:00Z"}`, len(languagesPanel))
	checkEmails := func(round int) {
		t.Helper()
		msgs, err := env.store.OutboxByRound(ctx, s.round.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]string{
			"pl@example.org": {"Runda " + itoa(int64(round)), "„Dostęp do opieki zdrowotnej”", "Dzień dobry, Agnieszka Nowak"},
			"el@example.org": {"Γύρος " + itoa(int64(round)), "Πρόσβαση στην υγειονομική περίθαλψη", "Αγαπητή/έ Eleni Papadopoulou"},
		}
		for _, m := range msgs {
			words, ok := want[m.ToAddress]
			if !ok {
				continue
			}
			mustContain(t, m.ToAddress+" e-mail, round "+itoa(int64(round)), m.Subject+"\n"+m.TextBody+"\n"+m.HTMLBody, words...)
			for _, en := range []string{"Access to care", "Dear ", "personal link", "Deadline", "Questions?", "Open my questionnaire", "please do not forward"} {
				if strings.Contains(m.Subject+m.TextBody+m.HTMLBody, en) {
					t.Errorf("%s e-mail of round %d holds English: %q\n%s\n%s", m.ToAddress, round, en, m.Subject, m.TextBody)
				}
			}
			if !strings.Contains(m.HTMLBody, `<html lang="`+m.ToAddress[:2]+`">`) {
				t.Errorf("%s e-mail's HTML part is not marked lang=%s", m.ToAddress, m.ToAddress[:2])
			}
		}
	}
	checkEmails(1)

	rs := s.round.Statements
	b := newChromium(t, chromium)
	viewport(t, b, 375)
	rate := func(lang string, answers []string) {
		t.Helper()
		if err := chromedp.Do(b, chromedp.Navigate(env.srv.URL+s.links[lang+"@example.org"]), chromedp.WaitVisible(`input[name=consent`+itoa(item.ID)+`]`)); err != nil {
			t.Fatal(err)
		}
		onlyLanguage(t, b, english, lang, lang+" information page")
		if lang == "pl" {
			mustContain(t, "Polish information page", eval[string](t, b, `document.body.innerText`), "Dostęp do opieki zdrowotnej",
				"Udział jest dobrowolny.", "Wyrażam zgodę na publikację moich anonimowych odpowiedzi.", "Dr A. Autor, Uniwersytet w Utrechcie")
			axeCheck(t, b, "Polish information page, 375 px")
			shot(t, b, "16-polish-consent-375")
		}
		if err := chromedp.Do(b, chromedp.Click(`input[name=consent`+itoa(item.ID)+`]`), chromedp.Click(`form[action="/e/consent"] button`), chromedp.WaitVisible(`#rate`)); err != nil {
			t.Fatal(err)
		}
		onlyLanguage(t, b, english, lang, lang+" questionnaire")
		// The untranslated statement: in English, marked, the others not.
		third := `#s` + itoa(rs[2].ID)
		if got := eval[string](t, b, `document.querySelector("`+third+` legend").lang + "|" + document.querySelector("`+third+` .untranslated").innerText`); !strings.HasPrefix(got, "en|") || len(got) < 10 {
			t.Errorf("%s: the untranslated statement is not marked: %q", lang, got)
		}
		if n := eval[float64](t, b, `document.querySelectorAll(".untranslated").length`); n != 1 {
			t.Errorf("%s: %v statements marked untranslated; want 1", lang, n)
		}
		if lang == "pl" {
			mustContain(t, "Polish questionnaire", eval[string](t, b, `document.body.innerText`), "Przychodnie są otwarte wieczorem", "Usługi", "Zdecydowanie się zgadzam")
			axeCheck(t, b, "Polish questionnaire, 375 px")
			shot(t, b, "16-polish-rating-375")
			viewport(t, b, 1280)
			axeCheck(t, b, "Polish questionnaire, 1280 px")
			shot(t, b, "16-polish-rating-1280")
			viewport(t, b, 375)
		}
		for i, v := range answers {
			id := itoa(rs[i].ID)
			if err := chromedp.Do(b, chromedp.Click(`input[name=r`+id+`][value="`+v+`"]`)); err != nil {
				t.Fatal(err)
			}
			waitFor(t, b, "saved "+id, `document.querySelector("#s`+id+` .st").textContent !== "" && !document.querySelector("#s`+id+` .st").textContent.endsWith("…")`)
		}
		if err := chromedp.Do(b, chromedp.Click(`#rate button[formaction]`), chromedp.WaitVisible(`main h1`)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, b, "the thank-you page", `location.pathname === "/e/thanks"`)
		onlyLanguage(t, b, english, lang, lang+" thank-you page")
		if lang == "pl" {
			mustContain(t, "Polish thank-you page", eval[string](t, b, `document.body.innerText`), "Serdecznie dziękujemy za poświęcony czas.")
			axeCheck(t, b, "Polish thank-you page, 375 px")
		}
		clearCookies(t, b)
	}
	rate("pl", []string{"5", "4", "3"})
	rate("el", []string{"4", "4", "2"})
	for _, e := range []string{"e3@example.org", "e4@example.org"} {
		eb := env.browser()
		eb.get(s.links[e])
		if r := eb.post("/e/consent", url.Values{"consent" + itoa(item.ID): {"yes"}}); r.url != "/e" {
			t.Fatalf("%s consents: %d at %s", e, r.status, r.url)
		}
		s.rate(t, eb, map[int]string{0: "5", 1: "2", 2: "4"}, nil, true)
	}
	s.close(t)

	// Round 2: the Polish expert's feedback, in Polish.
	s.launch(t, `{"deadline":"2099-07-01T12:00:00Z"}`, len(languagesPanel))
	checkEmails(2)
	if err := chromedp.Do(b, chromedp.Navigate(env.srv.URL+s.links["pl@example.org"]), chromedp.WaitVisible(`#rate`)); err != nil {
		t.Fatal(err)
	}
	onlyLanguage(t, b, english, "pl", "Polish round 2")
	page := eval[string](t, b, `document.body.innerText`)
	mustContain(t, "Polish feedback", page, "Zgoda", "Zdecydowanie się zgadzam")
	if regexp.MustCompile(`(?i)\bmedian\b|\binterquartile\b|\byour rating\b`).MatchString(page) {
		t.Error("the Polish feedback holds English figures' names")
	}
	axeCheck(t, b, "Polish feedback, 375 px")
	shot(t, b, "16-polish-feedback-375")
	viewport(t, b, 1280)
	axeCheck(t, b, "Polish feedback, 1280 px")
}

// clearCookies forgets the expert's session, as a second person's browser
// would not have it.
func clearCookies(t *testing.T, b context.Context) {
	t.Helper()
	if _, err := chromedp.Call(b, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
}

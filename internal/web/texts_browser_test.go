package web

import (
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestTextsInBrowser: in Chromium at 375 and 1280 px, the coordinator's
// "Texts & languages" page in Dutch and a Dutch expert's information page
// with consent items pass axe-core and do not scroll sideways; the
// expert ticks the required item and goes on to the questionnaire.
func TestTextsInBrowser(t *testing.T) {
	t.Parallel() // waits on a browser: overlaps with the other such tests
	chromium := chromiumPath(t)
	for _, width := range []int64{375, 1280} {
		t.Run(itoa(width), func(t *testing.T) {
			env := newTestEnv(t, "sqlite")
			s := newPanelStudy(t, env, nil, []string{"Clinics open in the evening", "Outreach workers speak the patients' languages"}, textsPanel, `,"languages":["en","nl"]`)
			for _, body := range []string{
				`{"lang":"en","texts":{"contact":"Dr A. Author, University of Utrecht","info_sheet":"Participation is voluntary.\n\nYou may stop at any time.","thanks":"Thank you."}}`,
				`{"lang":"nl","texts":{"title":"Toegang tot zorg","info_sheet":"Deelname is vrijwillig.\n\nU kunt op elk moment stoppen.","scale.1":"Zeer oneens","band.agree":"Instemming"}}`,
			} {
				if r := s.call(t, "PUT", s.path+"/texts", body); r.status != http.StatusOK {
					t.Fatalf("texts: %d %s", r.status, r.body)
				}
			}
			for _, body := range []string{
				`{"required":true,"wording":{"en":"I agree that my anonymous answers are published.","nl":"Ik stem in met publicatie van mijn anonieme antwoorden."}}`,
				`{"required":false,"wording":{"en":"You may contact me about later studies."}}`,
			} {
				if r := s.call(t, "POST", s.path+"/consent-items", body); r.status != http.StatusCreated {
					t.Fatalf("consent item: %d %s", r.status, r.body)
				}
			}
			b := newChromium(t, chromium)
			if err := chromedp.Do(b, chromedp.EmulateViewport(width, 900)); err != nil {
				t.Fatal(err)
			}
			chromiumLogin(t, b, env.srv.URL, "coord@example.org")
			if err := chromedp.Do(b, chromedp.Navigate(env.srv.URL+"/studies/"+itoa(s.id)+"/texts?lang=nl"), chromedp.WaitVisible(`#t-title`)); err != nil {
				t.Fatal(err)
			}
			axeCheck(t, b, "texts page")
			if w := eval[int](t, b, `document.documentElement.scrollWidth`); w > int(width) {
				t.Errorf("texts page scrolls sideways: %d px wide at %d", w, width)
			}
			if width == 1280 {
				shot(t, b, "texts-page")
			}

			s.launch(t, `{"deadline":"2099-06-04T17:00:00Z"}`, len(textsPanel))
			e := newChromium(t, chromium)
			if err := chromedp.Do(e, chromedp.EmulateViewport(width, 900), chromedp.Navigate(env.srv.URL+s.links["e2@example.org"]),
				chromedp.WaitVisible(`fieldset.consent`)); err != nil {
				t.Fatal(err)
			}
			if lang := eval[string](t, e, `document.documentElement.lang`); lang != "nl" {
				t.Errorf("the Dutch expert's page is lang=%q", lang)
			}
			axeCheck(t, e, "Dutch consent page")
			if w := eval[int](t, e, `document.documentElement.scrollWidth`); w > int(width) {
				t.Errorf("consent page scrolls sideways: %d px wide at %d", w, width)
			}
			if width == 375 {
				shot(t, e, "expert-consent-nl")
			}
			if err := chromedp.Do(e, chromedp.Click(`fieldset.consent input[required]`), chromedp.Click(`form[action="/e/consent"] button[type=submit]`)); err != nil {
				t.Fatal(err)
			}
			waitFor(t, e, "the questionnaire", `location.pathname === "/e" && document.querySelector("#rate") !== null`)
			axeCheck(t, e, "Dutch questionnaire")
		})
	}
}

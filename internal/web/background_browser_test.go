package web

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBackgroundFormInBrowser: in Chromium at 375 and 1280 px, a Dutch
// expert's background form passes axe-core and does not scroll sideways,
// and is filled with the keyboard only: Tab to the options, Space to
// choose one, an arrow key to change it, digits in the number box, Enter.
func TestBackgroundFormInBrowser(t *testing.T) {
	t.Parallel() // waits on a browser: overlaps with the other such tests
	chromium := chromiumPath(t)
	for _, width := range []int64{375, 1280} {
		t.Run(itoa(width), func(t *testing.T) {
			env := newTestEnv(t, "sqlite")
			s := newPanelStudy(t, env, nil, []string{"Clinics open in the evening"}, textsPanel, `,"languages":["en","nl"]`)
			var ids []int64
			for _, body := range []string{
				`{"kind":"choice","required":true,"label":{"en":"Your sector","nl":"Uw sector"},"choices":["Health care","Policy","Research"]}`,
				`{"kind":"number","label":{"en":"Years of experience","nl":"Jaren ervaring"},"min":0,"max":60}`,
				`{"kind":"text","label":{"en":"Your role","nl":"Uw functie"}}`,
			} {
				r := s.call(t, "POST", s.path+"/background-fields", body)
				var f backgroundFieldJSON
				if err := json.Unmarshal([]byte(r.body), &f); err != nil || r.status != http.StatusCreated {
					t.Fatalf("field: %d %s", r.status, r.body)
				}
				ids = append(ids, f.ID)
			}
			if r := s.call(t, "PUT", s.path+"/texts", `{"lang":"nl","texts":{"background.`+itoa(ids[0])+`.choice.1":"Zorg","background.`+itoa(ids[0])+`.choice.2":"Beleid","background.`+itoa(ids[0])+`.choice.3":"Onderzoek"}}`); r.status != http.StatusOK {
				t.Fatalf("texts: %d %s", r.status, r.body)
			}
			// The coordinator's page, with a refused field beside its error.
			b := newChromium(t, chromium)
			if err := chromedp.Do(b, chromedp.EmulateViewport(width, 900)); err != nil {
				t.Fatal(err)
			}
			chromiumLogin(t, b, env.srv.URL, "coord@example.org")
			if err := chromedp.Do(b, chromedp.Navigate(env.srv.URL+"/studies/"+itoa(s.id)+"/background"), chromedp.WaitVisible(`#bf-new-label`),
				chromedp.SendKeys(`#bf-new-label`, "Region"), chromedp.Click(`form[action$="/background-fields"] button[type=submit]`),
				chromedp.WaitVisible(`#bf-new-choices[aria-invalid=true]`)); err != nil {
				t.Fatal(err)
			}
			axeCheck(t, b, "background form page")
			if w := eval[int](t, b, `document.documentElement.scrollWidth`); w > int(width) {
				t.Errorf("background form page scrolls sideways: %d px wide at %d", w, width)
			}

			s.launch(t, `{"deadline":"2099-06-04T17:00:00Z"}`, len(textsPanel))

			e := newChromium(t, chromium)
			if err := chromedp.Do(e, chromedp.EmulateViewport(width, 900), chromedp.Navigate(env.srv.URL+s.links["e2@example.org"]),
				chromedp.WaitVisible(`input[name=agree]`), chromedp.Click(`input[name=agree]`), chromedp.Click(`form[action="/e/consent"] button[type=submit]`),
				chromedp.WaitVisible(`form.background-form`)); err != nil {
				t.Fatal(err)
			}
			if lang := eval[string](t, e, `document.documentElement.lang`); lang != "nl" {
				t.Errorf("the Dutch expert's page is lang=%q", lang)
			}
			axeCheck(t, e, "Dutch background form")
			if w := eval[int](t, e, `document.documentElement.scrollWidth`); w > int(width) {
				t.Errorf("background form scrolls sideways: %d px wide at %d", w, width)
			}
			if width == 1280 {
				shot(t, e, "expert-background")
			}
			sector, years := "bg"+itoa(ids[0]), "bg"+itoa(ids[1])
			tabTo(t, e, `input[name=`+sector+`]`)
			key(t, e, " ")
			key(t, e, kb.ArrowDown) // Zorg → Beleid
			if got := eval[string](t, e, `document.querySelector("input[name=`+sector+`]:checked").value`); got != "2" {
				t.Errorf("after Space and ↓ the chosen option is %q", got)
			}
			tabTo(t, e, `#`+years)
			key(t, e, "1")
			key(t, e, "2")
			tabTo(t, e, `form.background-form button[type=submit]:not([name])`)
			key(t, e, kb.Enter)
			waitFor(t, e, "the questionnaire", `location.pathname === "/e" && document.querySelector("#rate") !== null`)
			got, err := env.store.BackgroundAnswersByExpert(context.Background(), expertID(t, env, s.id, "e2@example.org"))
			if err != nil || got[ids[0]] != "2" || got[ids[1]] != "12" || got[ids[2]] != "" {
				t.Errorf("answers saved with the keyboard: %v %v", got, err)
			}
		})
	}
}

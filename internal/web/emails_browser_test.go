package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestEmailsPageInBrowser: in Chromium, a coordinator opens the e-mails
// page, saves a Dutch invitation without {{link}} and sees it refused
// next to the field with the typed text kept; then saves it with the
// link and sees the preview. axe-core checks the page at 375 and 1280 px,
// and it does not scroll sideways at 320 px.
func TestEmailsPageInBrowser(t *testing.T) {
	t.Parallel() // waits on a browser: overlaps with the other such tests
	chromium := chromiumPath(t)
	env, _ := smtpEnv(t, "sqlite") // a server that sends e-mail offers the test
	s := newPanelStudy(t, env, nil, []string{"One", "Two"}, defaultPanel, panelLanguages)

	b := newChromium(t, chromium)
	chromiumLogin(t, b, env.srv.URL, "coord@example.org")
	page := env.srv.URL + "/studies/" + itoa(s.id) + "/emails?kind=invitation&lang=nl"
	typed := "Beste {{expert_name}},\n\nU bent uitgenodigd voor ronde {{round}} van „{{study_title}}”. Het invullen duurt ongeveer " +
		"{{minutes}} minuten; uw antwoorden zijn anoniem voor de andere deskundigen.\n\nDeadline: {{deadline}}\n\n" +
		"Wilt u niet meedoen of geen e-mails meer ontvangen? {{decline_link}}"
	if err := chromedp.Do(b, chromedp.Navigate(page), chromedp.WaitVisible(`#body`),
		chromedp.SetValue(`#body`, typed), chromedp.Click(`form[action$="/emails/invitation/nl"] button[type=submit]`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the refused text", `document.readyState === "complete" && (document.querySelector("p.error") || {innerText: ""}).innerText.includes("must contain {{link}}")`)
	if got := eval[string](t, b, `document.querySelector("#body").value`); got != typed {
		t.Errorf("the refused form shows %q; want the typed text kept", got)
	}
	if eval[string](t, b, `document.querySelector("#body").getAttribute("aria-invalid") || ""`) != "true" {
		t.Error("the refused field is not marked invalid")
	}
	for _, w := range []int64{375, 1280} {
		if err := chromedp.Do(b, chromedp.EmulateViewport(w, 900)); err != nil {
			t.Fatal(err)
		}
		axeCheck(t, b, "e-mails page with a refused text at "+itoa(w)+" px")
	}

	fixed := strings.Replace(typed, "\n\nWilt u", "\n\nUw persoonlijke link:\n{{link}}\n\nWilt u", 1)
	if err := chromedp.Do(b, chromedp.SetValue(`#body`, fixed), chromedp.Click(`form[action$="/emails/invitation/nl"] button[type=submit]`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the saved text", `document.readyState === "complete" && document.body.innerText.includes("(nl) saved.")`)
	waitFor(t, b, "the formatted preview", `(() => { const f = document.querySelector("iframe.mail-preview"); return f && f.offsetHeight > 200; })()`)
	if eval[int](t, b, `[...document.querySelectorAll("button")].filter(b => b.innerText === "Send a test to me").length`) != 1 {
		t.Error("no button to send a test")
	}
	if body := eval[string](t, b, `document.querySelector("pre.mail").innerText`); !strings.Contains(body, "U bent uitgenodigd voor ronde 1 van „Access to care”.") || !strings.Contains(body, "/preview?lang=nl") {
		t.Errorf("the plain-text preview: %q", body)
	}
	for _, w := range []int64{375, 1280} {
		if err := chromedp.Do(b, chromedp.EmulateViewport(w, 900)); err != nil {
			t.Fatal(err)
		}
		axeCheck(t, b, "e-mails page at "+itoa(w)+" px")
		if w == 1280 { // tall enough for the editor and the preview
			if err := chromedp.Do(b, chromedp.EmulateViewport(w, 2100)); err != nil {
				t.Fatal(err)
			}
			shot(t, b, "emails-editor")
		}
	}
	if err := chromedp.Do(b, chromedp.EmulateViewport(320, 900)); err != nil {
		t.Fatal(err)
	}
	if wide := eval[int](t, b, `document.documentElement.scrollWidth`); wide > 320 {
		t.Errorf("the e-mails page is %d px wide at 320 px", wide)
	}
}

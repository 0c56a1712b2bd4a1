package web

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
)

// An expert answers an open question in Chromium: the box is labelled,
// autosaves as comments do ("Saving…", then "Saved" once the server has
// it), keeps the answer over a reload, and the page passes axe-core at
// 375 and 1280 px without scrolling sideways.
func TestOpenQuestionInBrowser(t *testing.T) {
	t.Parallel() // waits on a browser: overlaps with the other such tests
	chromium := chromiumPath(t)
	env := newTestEnv(t, "sqlite")
	s := newPanelStudy(t, env, nil, []string{"Clinics open in the evening.", "Interpreters are free."}, defaultPanel[:2], "")
	s.launch(t, `{"deadline":"2099-06-04T17:00:00Z","questions":[{"text":"What would change your rating?","show_to_panel":true}]}`, 2)
	q := itoa(s.round.Questions[0].ID)

	ctx := newChromium(t, chromium)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(375, 812), chromedp.Navigate(env.srv.URL+s.links["e1@example.org"]),
		chromedp.WaitVisible(`input[name=agree]`), chromedp.Click(`input[name=agree]`),
		chromedp.Click(`form[action="/e/consent"] button`), chromedp.WaitVisible(`#rate`)); err != nil {
		t.Fatal(err)
	}
	if label := eval[string](t, ctx, `document.querySelector("label[for=qa`+q+`]").textContent`); label != "What would change your rating?" {
		t.Errorf("the box's label is %q", label)
	}
	tabTo(t, ctx, `#qa`+q)
	if err := chromedp.Do(ctx, chromedp.SendKeys(`#qa`+q, "Shorter waiting lists.")); err != nil {
		t.Fatal(err)
	}
	if st := eval[string](t, ctx, `document.querySelector("#q`+q+` .st").textContent`); st != "Saving…" {
		t.Errorf("while typing the status says %q", st)
	}
	waitFor(t, ctx, "the answer saved", `document.querySelector("#q`+q+` .st").textContent === "Saved"`)
	st, _ := env.store.RoundStatuses(context.Background(), s.round.ID)
	var inv int64
	for _, x := range st {
		if x.Email == "e1@example.org" {
			inv = x.InvitationID
		}
	}
	if got, _ := env.store.QuestionAnswersByInvitation(context.Background(), inv); got[s.round.Questions[0].ID] != "Shorter waiting lists." {
		t.Errorf("stored after the autosave: %v", got)
	}
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("at 375 px the page is %d px wide", w)
	}
	axeCheck(t, ctx, "expert page with an open question, 375 px")
	if err := chromedp.Do(ctx, chromedp.ScrollIntoView(`#q`+q)); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "expert-open-question")

	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Reload(), chromedp.WaitVisible(`#rate`)); err != nil {
		t.Fatal(err)
	}
	if v := eval[string](t, ctx, `document.getElementById("qa`+q+`").value`); v != "Shorter waiting lists." {
		t.Errorf("after a reload the box holds %q", v)
	}
	axeCheck(t, ctx, "expert page with an open question, 1280 px")
	if err := chromedp.Do(ctx, chromedp.ScrollIntoView(`#q`+q)); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "expert-open-question-1280")
}

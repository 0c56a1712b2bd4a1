package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestRoundSettingsInBrowser clicks the journey of the group-feedback bug
// in Chromium, with the real form: Prepare round 2, tick "Show feedback per
// stakeholder group", a bad reminder refused with the form kept, saved,
// launched; the expert sees the figures per group. axe-core checks the
// draft page, with and without errors, at 375 px and 1280 px.
func TestRoundSettingsInBrowser(t *testing.T) {
	t.Parallel() // waits on a browser or on timers: overlaps with the other such tests
	chromium := chromiumPath(t)
	env := newTestEnv(t, "sqlite")
	ctx := context.Background()
	s := newExpertStudy(t, env, nil, []string{"Divided one", "Divided two"}, defaultPanel)
	for i, p := range defaultPanel {
		rating := []string{"1", "5", "1", "5", "3"}[i]
		s.rate(t, s.expert(t, p.email), map[int]string{0: rating, 1: rating}, nil, true)
	}
	s.close(t)

	b := newChromium(t, chromium)
	chromiumLogin(t, b, env.srv.URL, "coord@example.org")
	if err := chromedp.Do(b, chromedp.Navigate(env.srv.URL+"/studies/"+itoa(s.id)+"/rounds"), chromedp.WaitVisible(`h1`),
		chromedp.Click(`form[action$="/rounds"] button`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the round 2 draft", `document.readyState === "complete" && document.body.innerText.includes("Launch round 2")`)
	roundID := mustRoundID(t, eval[string](t, b, `location.pathname`))
	axeAt := func(page, screenshot string) {
		t.Helper()
		for _, w := range []int64{375, 1280} {
			if err := chromedp.Do(b, chromedp.EmulateViewport(w, 900)); err != nil {
				t.Fatal(err)
			}
			axeCheck(t, b, page+" at "+itoa(w)+" px")
			shot(t, b, screenshot+"-"+itoa(w))
		}
	}
	axeAt("round 2 draft", "8-round-draft")

	checkbox := `input[name=show_groups][type=checkbox]`
	save := `form[action$="/settings"] button`
	if err := chromedp.Do(b, chromedp.SetValue(`#reminder_days`, "x"), chromedp.Click(checkbox), chromedp.Click(save)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the refused form", `document.readyState === "complete" && document.body.innerText.includes("were not saved")`)
	axeAt("round 2 draft with an error", "9-round-draft-refused")
	if !eval[bool](t, b, `document.querySelector("`+checkbox+`").checked`) || eval[string](t, b, `document.querySelector("#reminder_days").value`) != "x" {
		t.Error("the refused form lost what was typed")
	}
	if r, _ := env.store.RoundByID(ctx, roundID); r.ShowGroups || r.ReminderDays != "3" {
		t.Errorf("a refused form changed the round: %+v", r)
	}

	if err := chromedp.Do(b, chromedp.SetValue(`#reminder_days`, "7, 2"), chromedp.Click(save)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the saved settings", `document.readyState === "complete" && document.body.innerText.includes("Round settings saved.")`)
	if !eval[bool](t, b, `document.querySelector("`+checkbox+`").checked`) {
		t.Error("the box is not ticked after saving")
	}
	if err := chromedp.Do(b, chromedp.Click(`form[action$="/launch"] button`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the launched round", `document.readyState === "complete" && document.body.innerText.includes("invitations queued")`)
	if r, _ := env.store.RoundByID(ctx, roundID); !r.ShowGroups || r.ReminderDays != "7,2" {
		t.Errorf("round 2 after saving: %+v", r)
	}
	checkGroupFeedback(t, storedFeedback(t, env, roundID), defaultPanel, true)

	ex := newChromium(t, chromium)
	if err := chromedp.Do(ex, chromedp.Navigate(env.srv.URL+outboxLinks(t, env, roundID)["e1@example.org"]), chromedp.WaitVisible(`.fb svg`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ex, chromedp.Click(`.fb details summary`)); err != nil { // open the figures per group
		t.Fatal(err)
	}
	if groups := eval[string](t, ex, `document.querySelector(".fb details").innerText`); !strings.Contains(groups, "By stakeholder group") || !strings.Contains(groups, "Research") {
		t.Errorf("the expert's round 2 page shows no figures per group: %q", groups)
	}
}

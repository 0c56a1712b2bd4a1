package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestDecisionInBrowser clicks the carry-over decision in Chromium: an
// override without a reason is refused with the user's sentence (no Go
// error text) and the choice kept; with a reason it is saved, and the
// Results tab reports the coordinator's decision beside the rule's.
// axe-core checks both pages at 375 px and 1280 px.
func TestDecisionInBrowser(t *testing.T) {
	t.Parallel() // waits on a browser or on timers: overlaps with the other such tests
	chromium := chromiumPath(t)
	env := newTestEnv(t, "sqlite")
	s := newExpertStudy(t, env, nil, []string{"Everyone agrees", "Divided"}, defaultPanel)
	for i, p := range defaultPanel {
		s.rate(t, s.expert(t, p.email), map[int]string{0: "5", 1: []string{"1", "5", "1", "5", "3"}[i]}, nil, true)
	}
	s.close(t)
	rs := s.round.Statements[0] // everyone agrees: the rule proposes in

	b := newChromium(t, chromium)
	chromiumLogin(t, b, env.srv.URL, "coord@example.org")
	round := env.srv.URL + "/studies/" + itoa(s.id) + "/rounds/" + itoa(s.round.ID)
	sel, reason, save := `#d`+itoa(rs.ID), `#why`+itoa(rs.ID), `#rs`+itoa(rs.ID)+` button`
	if err := chromedp.Do(b, chromedp.Navigate(round), chromedp.WaitVisible(sel),
		chromedp.SetValue(sel, "out"), chromedp.Click(save)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the refused override", `document.readyState === "complete" && document.body.innerText.includes("needs a reason")`)
	body := eval[string](t, b, `document.body.innerText`)
	if m := goPrefix.FindString(body); m != "" {
		t.Errorf("the carry-over page shows Go error text %q", m)
	}
	if got := eval[string](t, b, `document.querySelector("`+sel+`").value`); got != "out" {
		t.Errorf("the refused form shows %q; want the choice kept, out", got)
	}
	for _, w := range []int64{375, 1280} {
		if err := chromedp.Do(b, chromedp.EmulateViewport(w, 900)); err != nil {
			t.Fatal(err)
		}
		axeCheck(t, b, "carry-over page with a refused override at "+itoa(w)+" px")
		shot(t, b, "10-carry-over-refused-"+itoa(w))
	}

	if err := chromedp.Do(b, chromedp.Navigate(round), chromedp.WaitVisible(sel)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b, chromedp.SetValue(sel, "out"), chromedp.SendKeys(reason, "out of the study's scope"), chromedp.Click(save)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the saved decision", `document.readyState === "complete" && document.body.innerText.includes("Decision saved")`)
	if got := eval[string](t, b, `document.querySelector("`+sel+`").value`); got != "out" {
		t.Errorf("the decision shows %q after saving; want out", got)
	}
	if err := chromedp.Do(b, chromedp.Navigate(env.srv.URL+"/studies/"+itoa(s.id)+"/results")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the results page", `document.readyState === "complete"`)
	row := eval[string](t, b, `[...document.querySelectorAll("tr")].map(r => r.innerText).find(t => t.includes("Everyone agrees")) || ""`)
	if !strings.Contains(row, "out") || !strings.Contains(row, "rule: in") || !strings.Contains(row, "out of the study's scope") {
		t.Errorf("the results row does not report the override: %q", row)
	}
	for _, w := range []int64{375, 1280} {
		if err := chromedp.Do(b, chromedp.EmulateViewport(w, 900)); err != nil {
			t.Fatal(err)
		}
		axeCheck(t, b, "results with an override at "+itoa(w)+" px")
		shot(t, b, "11-results-override-"+itoa(w))
	}
}

// TestRoundActionsInBrowser walks the coordinator's round actions in
// Chromium: "Remind now" twice (the second asks, and sends once the box
// "Yes, remind again" is ticked), "Close round now" (asks, naming what
// happens, then closes), and "Confirm all proposals" with one row
// overridden. axe-core checks the question pages and the round page at
// 375 px and 1280 px.
func TestRoundActionsInBrowser(t *testing.T) {
	t.Parallel() // waits on a browser: overlaps with the other such tests
	chromium := chromiumPath(t)
	env := newTestEnv(t, "sqlite")
	s := newExpertStudy(t, env, nil, []string{"Everyone agrees", "Divided"}, defaultPanel)
	b := newChromium(t, chromium)
	chromiumLogin(t, b, env.srv.URL, "coord@example.org")
	round := env.srv.URL + "/studies/" + itoa(s.id) + "/rounds/" + itoa(s.round.ID)
	checkWidths := func(what string) {
		t.Helper()
		for _, w := range []int64{375, 1280} {
			if err := chromedp.Do(b, chromedp.EmulateViewport(w, 900)); err != nil {
				t.Fatal(err)
			}
			axeCheck(t, b, what+" at "+itoa(w)+" px")
		}
	}
	remind := `form[action$="/remind"] button`
	if err := chromedp.Do(b, chromedp.Navigate(round), chromedp.WaitVisible(remind), chromedp.Click(remind)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the first reminders", `document.readyState === "complete" && document.body.innerText.includes("5 reminder(s) queued")`)
	if err := chromedp.Do(b, chromedp.Click(remind)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the question", `document.readyState === "complete" && document.body.innerText.includes("Remind the experts again?")`)
	if n := reminderCount(t, env, s.round.ID); n != 5 {
		t.Fatalf("%d reminders after the second press; want 5", n)
	}
	checkWidths("remind-again question")
	shot(t, b, "12-remind-again")
	if err := chromedp.Do(b, chromedp.Click(`input[name="again"]`), chromedp.Click(`form button[type="submit"]`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the confirmed reminders", `document.readyState === "complete" && !!document.querySelector("#reminder-history")`)
	if n := reminderCount(t, env, s.round.ID); n != 10 {
		t.Fatalf("%d reminders after confirming; want 10", n)
	}
	checkWidths("round page with its reminders")

	for i, p := range defaultPanel {
		s.rate(t, s.expert(t, p.email), map[int]string{0: "5", 1: []string{"1", "5", "1", "5", "3"}[i]}, nil, true)
	}
	closeButton := `form[action$="/close"] button`
	if err := chromedp.Do(b, chromedp.Navigate(round), chromedp.WaitVisible(closeButton), chromedp.Click(closeButton)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the close question", `document.readyState === "complete" && document.body.innerText.includes("Close round 1 now?")`)
	if st := s.get(t).Status; st != "open" {
		t.Fatalf("the round is %s before the close is confirmed", st)
	}
	checkWidths("close question")
	shot(t, b, "13-close-round-question")
	if err := chromedp.Do(b, chromedp.Click(`form button[type="submit"]`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the closed round", `document.readyState === "complete" && document.body.innerText.includes("Confirm all proposals")`)

	rss := s.get(t).Statements
	sel, reason := `#d`+itoa(rss[1].ID), `#why`+itoa(rss[1].ID)
	if err := chromedp.Do(b, chromedp.SetValue(sel, "out"), chromedp.SendKeys(reason, "outside the scope"),
		chromedp.Click(`#decide-all button[type="submit"]`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the confirmed decisions", `document.readyState === "complete" && document.body.innerText.includes("2 decisions confirmed")`)
	got := s.get(t).Statements
	if got[0].Decision != got[0].Proposal || got[1].Decision != "out" || got[1].Reason != "outside the scope" {
		t.Errorf("after confirming all: %+v / %+v", got[0], got[1])
	}
	checkWidths("carry-over page after confirming all")
	shot(t, b, "14-confirm-all-proposals")
}

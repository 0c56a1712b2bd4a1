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

package web

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The pages as people see them on a phone and a desktop (issue #15): the
// 1–9 scale as one ordered row, compact statement cards on a phone, the
// feedback chart legible at 375 px with its median and agreement band,
// Submit standing out from Save, the results table using the page's
// width, and no page wider than a 320 px screen.
//
// DELPHI_SCREENSHOTS=1 go test -run TestExpertLayoutInBrowser ./internal/web/
// writes 12-rating-*, 13-confirm-375, 14-feedback-* and 15-results-* into
// docs/screenshots/.

// statementCardMax is the tallest a statement's card may be at 375 px
// (round 1, 1–9 scale with "unable to rate", a one-line statement): the
// scale wraps into two rows of numbers with their words, then "unable",
// the comment box and the save status. It was about 800 px before.
const statementCardMax = 480

// viewport sets the browser's width (and a height).
func viewport(t *testing.T, b context.Context, w int64) {
	t.Helper()
	if err := chromedp.Do(b, chromedp.EmulateViewport(w, 900)); err != nil {
		t.Fatal(err)
	}
}

// noSideways fails when the page is wider than the screen.
func noSideways(t *testing.T, b context.Context, page string) {
	t.Helper()
	if got := eval[string](t, b, `document.documentElement.scrollWidth + " " + innerWidth`); func() bool {
		var sw, iw int
		fmt.Sscan(got, &sw, &iw)
		return sw > iw
	}() {
		// What sticks out, outside any scrolling box: to say what to fix.
		wide := eval[string](t, b, `[...document.querySelectorAll("body *")].filter(e => {
			if (e.getBoundingClientRect().right <= innerWidth + 1) return false;
			if (getComputedStyle(e).position === "absolute") return true;
			for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
				if (getComputedStyle(p).overflowX !== "visible") return false;
			}
			return true;
		}).slice(-4).map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right) + " " + (e.innerText || "").slice(0, 30)).join(" | ")`)
		t.Errorf("%s scrolls sideways at %s px (scroll width, screen); too wide: %s", page, got, wide)
	}
}

func TestExpertLayoutInBrowser(t *testing.T) {
	t.Parallel() // waits on a browser: overlaps with the other such tests
	chromium := chromiumPath(t)
	env := newTestEnv(t, "sqlite")
	s := newExpertStudyWith(t, env, nil, []string{"Clinics open in the evening", "Outreach workers speak the patients' languages",
		"Care is free at the point of use", "A single phone number for all services"}, defaultPanel, `,"scale_max":9`)
	rs := s.round.Statements
	b := newChromium(t, chromium)
	if err := chromedp.Do(b, chromedp.Navigate(env.srv.URL+s.links["e1@example.org"]), chromedp.WaitVisible(`input[name=agree]`),
		chromedp.Click(`input[name=agree]`), chromedp.Click(`form[action="/e/consent"] button`), chromedp.WaitVisible(`#rate`)); err != nil {
		t.Fatal(err)
	}
	first := `#s` + itoa(rs[0].ID)

	// With JavaScript the page may say that answers save themselves.
	if got := eval[string](t, b, `document.getElementById("howto").textContent`); !strings.HasPrefix(got, "Each answer is saved as soon as you choose it.") {
		t.Errorf("with JavaScript the page says %q", got)
	}
	// Submit is the primary button, Save the secondary one.
	save := eval[string](t, b, `getComputedStyle(document.querySelector("#rate .buttons button:not([formaction])")).backgroundColor`)
	submit := eval[string](t, b, `getComputedStyle(document.querySelector("#rate button[formaction]")).backgroundColor`)
	if save == submit || save != "rgb(255, 255, 255)" {
		t.Errorf("Save looks like Submit: background %s and %s", save, submit)
	}

	// 1280 px: the scale is one row of equal cells, the number once.
	viewport(t, b, 1280)
	cells := `[...document.querySelectorAll("` + first + ` .scale label")]`
	if tops := eval[string](t, b, cells+`.map(l => l.offsetTop).join(",")`); len(strings.Split(tops, ",")) != 10 ||
		strings.Count(tops, strings.Split(tops, ",")[0]) != 10 {
		t.Errorf("at 1280 px the scale's 9 points and 'unable' are not one row: tops %s", tops)
	}
	if widths := eval[string](t, b, cells+`.slice(0, 9).map(l => Math.round(l.getBoundingClientRect().width)).join(",")`); strings.Count(widths, strings.Split(widths, ",")[0]) != 9 {
		t.Errorf("at 1280 px the scale's cells differ in width: %s", widths)
	}
	if got := eval[string](t, b, `document.querySelector("`+first+` .scale label").innerText.replace(/\s+/g, " ").trim()`); got != "1 Not important" {
		t.Errorf("the first point reads %q", got)
	}
	axeCheck(t, b, "rating page, 1–9 scale, 1280 px")
	shot(t, b, "12-rating-1280")

	// 375 px: the scale wraps as a whole; the card stays compact.
	viewport(t, b, 375)
	if h := eval[float64](t, b, `document.querySelector("`+first+`").getBoundingClientRect().height`); h > statementCardMax {
		t.Errorf("at 375 px a statement's card is %.0f px tall; want at most %d", h, statementCardMax)
	}
	if order := eval[bool](t, b, cells+`.slice(0, 9).every((l, i, a) => i === 0 || l.offsetTop > a[i-1].offsetTop || (l.offsetTop === a[i-1].offsetTop && l.offsetLeft > a[i-1].offsetLeft))`); !order {
		t.Error("at 375 px the scale's points are not in reading order")
	}
	noSideways(t, b, "rating page")
	axeCheck(t, b, "rating page, 1–9 scale, 375 px")
	shot(t, b, "12-rating-375")
	viewport(t, b, 320)
	noSideways(t, b, "rating page")

	// Two answers, then Submit: the page asks about the other two.
	viewport(t, b, 375)
	for i, v := range []string{"8", "4"} {
		id := itoa(rs[i].ID)
		if err := chromedp.Do(b, chromedp.Click(`input[name=r`+id+`][value="`+v+`"]`)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, b, "saved "+id, `document.querySelector("#s`+id+` .st").textContent === "Saved"`)
	}
	if err := chromedp.Do(b, chromedp.Click(`#rate button[formaction]`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the confirmation", `document.body.innerText.includes("2 statements have no answer yet.")`)
	axeCheck(t, b, "confirmation page")
	noSideways(t, b, "confirmation page")
	shot(t, b, "13-confirm-375")
	if err := chromedp.Do(b, chromedp.Click(`form[action="/e/submit"] button`), chromedp.WaitVisible(`dl.answers`)); err != nil {
		t.Fatal(err)
	}
	if body := eval[string](t, b, `document.body.innerText`); !strings.Contains(body, "2 of 4 statements rated") || !strings.Contains(body, "\n8\n") {
		t.Errorf("thank-you page: %s", body)
	}
	axeCheck(t, b, "thank-you page")

	// Round 2 with the panel's figures.
	for i, p := range defaultPanel[1:] {
		s.rate(t, s.expert(t, p.email), map[int]string{0: []string{"7", "8", "9", "5"}[i], 1: "5", 2: []string{"2", "9", "5", "6"}[i], 3: "1"}, nil, true)
	}
	s.close(t)
	round1 := s.round
	s.launch(t, `{}`, 5)
	if err := chromedp.Do(b, chromedp.Navigate(env.srv.URL+s.links["e1@example.org"]), chromedp.WaitVisible(`.fb svg`)); err != nil {
		t.Fatal(err)
	}
	// Chart text at least 12 CSS px at 375 px; the median and the
	// agreement band drawn.
	smallest := `Math.min(...[...document.querySelectorAll(".fb svg text")].map(e => { const svg = e.ownerSVGElement;
		return parseFloat(getComputedStyle(e).fontSize) * svg.getBoundingClientRect().width / svg.viewBox.baseVal.width; }))`
	if ok := eval[bool](t, b, `[...document.querySelectorAll(".fb svg path.b")].every(p => p.getBoundingClientRect().width > 0)`); !ok {
		t.Error("a chart's bars are not drawn")
	}
	if px := eval[float64](t, b, smallest); px < 12 {
		t.Errorf("at 375 px the chart's smallest text is %.1f px; want at least 12", px)
	}
	if n := eval[int](t, b, `document.querySelectorAll(".fb svg path.md").length + document.querySelectorAll(".fb svg rect.ag").length`); n != 2*eval[int](t, b, `document.querySelectorAll(".fb svg").length`) {
		t.Errorf("not every chart marks its median and shades its agreement band (%d marks)", n)
	}
	noSideways(t, b, "feedback page")
	axeCheck(t, b, "feedback page, 375 px")
	if err := chromedp.Do(b, chromedp.ScrollIntoView(`.fb`)); err != nil {
		t.Fatal(err)
	}
	shot(t, b, "14-feedback-375")
	viewport(t, b, 1280)
	axeCheck(t, b, "feedback page, 1280 px")
	if err := chromedp.Do(b, chromedp.ScrollIntoView(`.fb`)); err != nil {
		t.Fatal(err)
	}
	shot(t, b, "14-feedback-1280")
	viewport(t, b, 320)
	noSideways(t, b, "feedback page")

	// An expert declines, opens the link again and takes part after all.
	d := newChromium(t, chromium)
	if err := chromedp.Do(d, chromedp.EmulateViewport(375, 900), chromedp.Navigate(env.srv.URL+s.links["e3@example.org"]), chromedp.WaitVisible(`#rate`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(d, chromedp.Navigate(env.srv.URL+strings.TrimSuffix(s.links["e3@example.org"], "/")+"/decline"),
		chromedp.WaitVisible(`button.danger`), chromedp.Click(`button.danger`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "the decline", `document.body.innerText.includes("Merci de nous avoir prévenus")`)
	if err := chromedp.Do(d, chromedp.Navigate(env.srv.URL+s.links["e3@example.org"]), chromedp.WaitVisible(`form[action="/e/rejoin"] button`)); err != nil {
		t.Fatal(err)
	}
	axeCheck(t, d, "declined page")
	noSideways(t, d, "declined page")
	if err := chromedp.Do(d, chromedp.Click(`form[action="/e/rejoin"] button`), chromedp.WaitVisible(`#rate`)); err != nil {
		t.Fatal(err)
	}

	// The coordinator's pages: none scrolls sideways at 320 px; the
	// results table uses the page's width at 1280 px.
	c := newChromium(t, chromium)
	chromiumLogin(t, c, env.srv.URL, "coord@example.org")
	study := env.srv.URL + "/studies/" + itoa(s.id)
	pages := []struct{ name, path string }{
		{"study overview", ""}, {"settings", "/settings"}, {"statements", "/statements"}, {"panel", "/panel"},
		{"rounds", "/rounds"}, {"round", "/rounds/" + itoa(s.round.ID)}, {"carry-over", "/rounds/" + itoa(round1.ID)},
		{"results", "/results"},
	}
	viewport(t, c, 320)
	for _, p := range pages {
		if err := chromedp.Do(c, chromedp.Navigate(study+p.path)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, c, p.name, `document.readyState === "complete"`)
		noSideways(t, c, "the "+p.name+" page")
	}
	viewport(t, c, 1280)
	if got := eval[string](t, c, `(() => { const td = [...document.querySelectorAll("table.results td")].find(td => td.innerText.includes("Clinics open"));
		const w = td.closest(".table-wrap") || td.closest("table");
		return Math.round(td.getBoundingClientRect().width) + " " + (w.scrollWidth - w.clientWidth); })()`); func() bool {
		var col, overflow int
		fmt.Sscan(got, &col, &overflow)
		return col < 240 || overflow > 0
	}() {
		t.Errorf("at 1280 px the results' statement column and the table's sideways overflow: %s px", got)
	}
	axeCheck(t, c, "results, 1280 px")
	if err := chromedp.Do(c, chromedp.ScrollIntoView(`table.results`)); err != nil {
		t.Fatal(err)
	}
	shot(t, c, "15-results-1280")
	viewport(t, c, 375)
	axeCheck(t, c, "results, 375 px")
	if err := chromedp.Do(c, chromedp.ScrollIntoView(`table.results`)); err != nil {
		t.Fatal(err)
	}
	shot(t, c, "15-results-375")
}

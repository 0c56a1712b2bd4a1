package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestRealtimeInBrowser: two experts in two Chromium profiles rate the
// same statement of a real-time study (three others rated it already);
// each sees the other's rating in the distribution within a few seconds,
// without reloading, and one revises after seeing the group.
func TestRealtimeInBrowser(t *testing.T) {
	t.Parallel() // waits on a browser or on timers: overlaps with the other such tests
	chromium := chromiumPath(t)
	env := newTestEnv(t, "sqlite")
	s := newExpertStudyWith(t, env, nil, fourStatements, defaultPanel, `,"mode":"realtime"`)
	id := itoa(s.round.Statements[0].ID)
	for i, email := range []string{"e3@example.org", "e4@example.org", "e5@example.org"} {
		answer(t, s.expert(t, email), s.round.Statements[0].ID, []string{"4", "4", "2"}[i])
	}

	open := func(email string) context.Context {
		ctx := newChromium(t, chromium)
		if err := chromedp.Do(ctx, chromedp.Navigate(env.srv.URL+s.links[email]), chromedp.WaitVisible(`input[name=agree]`),
			chromedp.Click(`input[name=agree]`), chromedp.Click(`form[action="/e/consent"] button`), chromedp.WaitVisible(`#rate`)); err != nil {
			t.Fatal(err)
		}
		return ctx
	}
	live := `document.getElementById("live` + id + `").innerText`
	chart := `(document.querySelector("#live` + id + ` svg") || {getAttribute: () => ""}).getAttribute("aria-label")`

	a := open("e1@example.org")
	if got := eval[string](t, a, live); !strings.Contains(got, "Rate this statement to see how the panel rates it now.") {
		t.Errorf("before rating: %q", got)
	}
	if err := chromedp.Do(a, chromedp.Click(`input[name=r`+id+`][value="2"]`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, a, "the panel's figures after rating", live+`.includes("4 ratings")`)
	axeCheck(t, a, "real-time page with figures")
	if err := chromedp.Do(a, chromedp.EmulateViewport(320, 640)); err != nil {
		t.Fatal(err)
	}
	if w := eval[int](t, a, `document.documentElement.scrollWidth`); w > 320 {
		t.Errorf("at 320 px the real-time page is %d px wide", w)
	}
	if err := chromedp.Do(a, chromedp.ScrollIntoView(`#live`+id)); err != nil {
		t.Fatal(err)
	}
	shot(t, a, "6-realtime")

	b := open("e2@example.org") // reads Dutch
	if err := chromedp.Do(b, chromedp.Click(`input[name=r`+id+`][value="5"]`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "B sees the figures with A's rating", live+`.includes("5 beoordelingen")`)
	if got := eval[string](t, b, chart); !strings.Contains(got, "2 · Disagree: 2") || !strings.Contains(got, "5 · Strongly agree: 1 (u)") {
		t.Errorf("B's chart: %q", got)
	}

	// A's page follows B's rating by itself.
	start := time.Now()
	waitFor(t, a, "A sees B's rating", live+`.includes("5 ratings")`)
	t.Logf("A saw B's rating after %v", time.Since(start).Round(100*time.Millisecond))
	if got := eval[string](t, a, chart); !strings.HasSuffix(got, "5 · Strongly agree: 1") || !strings.Contains(got, "2 · Disagree: 2 (you)") {
		t.Errorf("A's chart: %q", got)
	}

	// A revises after seeing the group; B's page follows.
	if err := chromedp.Do(a, chromedp.Click(`input[name=r`+id+`][value="4"]`)); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	waitFor(t, b, "B sees A's revision", `(`+chart+`).includes("4 · Agree: 3")`)
	t.Logf("B saw A's revision after %v", time.Since(start).Round(100*time.Millisecond))
	axeCheck(t, b, "real-time page after a revision")

	rt := s.realtime(t)
	if rt.Revisions.Revised != 1 || rt.Revisions.RevisedAfterGroup != 1 || rt.Revisions.Answered != 5 {
		t.Errorf("revisions: %+v", rt.Revisions)
	}
}

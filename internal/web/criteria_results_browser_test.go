package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestCriteriaResultsInBrowser opens the results, sensitivity and closed
// round pages of a study rated on two criteria in Chromium at 375 px and
// 1280 px: each criterion's figures and decision and the combined decision
// are on the page, no page is wider than the phone, and axe-core finds no
// violation.
func TestCriteriaResultsInBrowser(t *testing.T) {
	t.Parallel() // waits on a browser: overlaps with the other such tests
	chromium := chromiumPath(t)
	env := newTestEnv(t, "sqlite")
	s := newCriteriaStudy(t, env)
	rs, err := env.store.RoundsByStudy(context.Background(), s.id)
	if err != nil {
		t.Fatal(err)
	}
	b := newChromium(t, chromium)
	chromiumLogin(t, b, env.srv.URL, "coord@example.org")
	base := env.srv.URL + "/studies/" + itoa(s.id)
	for _, page := range []struct{ name, path, want, table string }{
		{"results", "/results?round=1", "Statement B", "table.criteria"},
		{"sensitivity", "/results/sensitivity", "Criterion 2: Feasibility", "h2 ~ h2"},
		{"round-1", "/rounds/" + itoa(rs[0].ID), "Combined (all)", "table#decisions"},
	} {
		if err := chromedp.Do(b, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+page.path)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, b, page.name, `document.readyState === "complete"`)
		if body := eval[string](t, b, `document.body.innerText`); !strings.Contains(body, page.want) {
			t.Errorf("%s page: no %q", page.name, page.want)
		}
		if page.name == "results" {
			// Statement B: importance in, feasibility out, combined out.
			row := eval[string](t, b, `[...document.querySelectorAll("table.criteria tr")].map(r => r.innerText).find(t => t.includes("Statement B")) || ""`)
			if i, o := strings.Index(row, "in"), strings.LastIndex(row, "out"); i < 0 || o < 0 || strings.Count(row, "out") < 3 {
				t.Errorf("results page, statement B: %q; want importance in, then feasibility, combined and decision out", row)
			}
		}
		for _, w := range []int64{375, 1280} {
			if err := chromedp.Do(b, chromedp.EmulateViewport(w, 900)); err != nil {
				t.Fatal(err)
			}
			if over := eval[bool](t, b, `document.documentElement.scrollWidth > window.innerWidth`); over {
				t.Errorf("%s page at %d px is wider than the screen", page.name, w)
			}
			axeCheck(t, b, "two-criteria "+page.name+" page at "+itoa(w)+" px")
			if err := chromedp.Do(b, chromedp.ScrollIntoView(page.table)); err != nil { // the criteria in the screenshot
				t.Fatal(err)
			}
			shot(t, b, "40-criteria-"+page.name+"-"+itoa(w))
		}
	}
}

package web

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/delphi-platform/delphi/internal/demo"
)

// TestPanelInBrowser walks the panel journeys of issue #15 in Chromium
// with axe-core, at 1280 and 375 px: search the panel, import a file that
// updates one expert and adds a late recruit (preview, then apply), and
// invite the late recruit to the open round from their page.
func TestPanelInBrowser(t *testing.T) {
	t.Parallel() // waits on a browser: overlaps with the other such tests
	chromium := chromiumPath(t)
	env := newTestEnv(t, "sqlite")
	if err := env.run(nil, "demo"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	experts, err := env.store.ExpertsByStudy(ctx, 1)
	if err != nil || len(experts) < 2 {
		t.Fatalf("demo experts: %d %v", len(experts), err)
	}
	first := experts[0]
	file := filepath.Join(t.TempDir(), "panel.csv")
	csv := fmt.Sprintf("email,name,stakeholder_group,country,language\n%s,%s,Policy makers,%s,%s\nlea.late@example.org,Lea Late,Research,BE,fr\n",
		first.Email, csvField(first.Name), first.Country, first.Language)
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}

	b := newChromium(t, chromium)
	if err := chromedp.Do(b, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(env.srv.URL+"/login"), chromedp.WaitVisible(`#email`),
		chromedp.SendKeys(`#email`, demo.Email), chromedp.SendKeys(`#password`, demo.Password), chromedp.Submit(`#password`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the studies page after login", `location.pathname === "/studies" && document.readyState === "complete"`)
	panel := env.srv.URL + "/studies/1/panel"
	rows := `document.querySelectorAll("#experts ~ .table-wrap tbody tr").length`

	noOverflow := func(t *testing.T, page string, width int64) {
		t.Helper()
		if w := eval[int](t, b, `document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
			t.Errorf("%s at %d px: %d px wider than the screen; %s", page, width, w, eval[string](t, b, `[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > window.innerWidth && !e.parentElement.closest(".table-wrap")).sort((a, b) => b.getBoundingClientRect().right - a.getBoundingClientRect().right).map(e => e.tagName + "." + e.className + "#" + e.id + ":" + Math.round(e.getBoundingClientRect().right)).slice(0, 8).join(" ")`))
		}
	}
	for _, width := range []int64{1280, 375} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			// Search: the GET form, filtered on the server.
			if err := chromedp.Do(b, chromedp.EmulateViewport(width, 900), chromedp.Navigate(panel), chromedp.WaitVisible(`#pf_q`)); err != nil {
				t.Fatal(err)
			}
			all := eval[int](t, b, rows)
			if err := chromedp.Do(b, chromedp.SendKeys(`#pf_q`, first.Name), chromedp.Submit(`#pf_q`)); err != nil {
				t.Fatal(err)
			}
			waitFor(t, b, "the search result", `location.search.includes("q=") && document.readyState === "complete"`)
			if n := eval[int](t, b, rows); n < 1 || n >= all {
				t.Errorf("search for %q shows %d of %d experts", first.Name, n, all)
			}
			axeCheck(t, b, "panel page, searched")
			noOverflow(t, "panel page, searched", width)
			shot(t, b, fmt.Sprintf("panel-search-%d", width))
		})
	}

	// Import: preview, then apply (at 375 px).
	if err := chromedp.Do(b, chromedp.Navigate(panel), chromedp.WaitVisible(`#file`),
		chromedp.SetUploadFiles(`#file`, []string{file}), chromedp.Submit(`#file`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the import preview", `document.querySelector("h1").textContent === "Check the panel import"`)
	axeCheck(t, b, "import preview")
	noOverflow(t, "import preview", 375)
	shot(t, b, "panel-import-preview")
	if got := eval[string](t, b, `document.querySelector("#import-summary").textContent.replace(/\s+/g, " ").trim()`); got != "add 1 new expert(s), update 1 expert(s) already in the panel, leave 0 expert(s) in the file unchanged." {
		t.Errorf("summary: %q", got)
	}
	if err := chromedp.Do(b, chromedp.Click(`form[action$="/panel/import/apply"] button`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the panel after the import", `document.body.textContent.includes("1 expert added, 1 expert updated.")`)
	late := expertID(t, env, 1, "lea.late@example.org")
	if e, _ := env.store.ExpertByID(ctx, 1, first.ID); e.Group != "Policy makers" {
		t.Errorf("updated expert's group: %q", e.Group)
	}

	// The late recruit, invited to the open round from their page.
	if err := chromedp.Do(b, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(fmt.Sprintf("%s/experts/%d", panel, late)),
		chromedp.WaitVisible(`form[action$="/invite"] button`)); err != nil {
		t.Fatal(err)
	}
	axeCheck(t, b, "late recruit's page")
	if err := chromedp.Do(b, chromedp.Click(`form[action$="/invite"] button`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the invitation", `document.body.textContent.includes("Invited to round 3")`)
}

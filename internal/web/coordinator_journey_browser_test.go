package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestCoordinatorJourneyInBrowser is a new coordinator's whole study in
// Chromium, on the pages only (issue #15): create the study, write
// statements, import the panel (a file with a mistake, then the fixed
// file: preview, apply), launch round 1, remind twice (the second asks
// first), close with confirmation, confirm all proposals with one
// override and its reason, prepare and launch round 2 with the groups'
// figures shown, and read the results. Each main page is checked with
// axe-core at 375 and 1280 px and must not scroll sideways at 320 px.
// Experts answer with the plain form, as a browser without JavaScript.
func TestCoordinatorJourneyInBrowser(t *testing.T) {
	t.Parallel() // waits on a browser: overlaps with the other such tests
	chromium := chromiumPath(t)
	enginesInTurn(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		env.coordinator("cora@example.org", "Cora Ordinator")
		b := newChromium(t, chromium)
		chromiumLogin(t, b, env.srv.URL, "cora@example.org")
		// do marks the page it starts on, so that ready waits for the
		// page the actions lead to, not a condition the old one met.
		do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
			t.Helper()
			eval[bool](t, b, `window.staleForTest = true`)
			if err := chromedp.Do(b, actions...); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
		ready := func(what, cond string) {
			t.Helper()
			waitFor(t, b, what, `!window.staleForTest && document.readyState === "complete" && (`+cond+`)`)
		}
		text := func(s string) string { return `document.body.innerText.includes(` + jsString(s) + `)` }
		// look checks the page as people see it: axe-core at a phone's and
		// a laptop's width, no sideways scrolling at 320 px; then a
		// screenshot at each width (DELPHI_SCREENSHOTS=1).
		look := func(page, name string) { // name "": no screenshot
			t.Helper()
			for _, w := range []int64{320, 375, 1280} {
				do("viewport", chromedp.EmulateViewport(w, 900))
				if w == 320 {
					if over := eval[int](t, b, `document.documentElement.scrollWidth - innerWidth`); over > 0 {
						t.Errorf("%s at 320 px: %d px wider than the screen", page, over)
					}
					continue
				}
				axeCheck(t, b, fmt.Sprintf("%s at %d px", page, w))
				if name != "" && strings.HasPrefix(env.url, "sqlite") {
					shot(t, b, fmt.Sprintf("coordinator-%s-%d", name, w))
				}
			}
		}

		// 1. The study, on the create form.
		do("create study", chromedp.Navigate(env.srv.URL+"/studies"), chromedp.WaitVisible(`#title`),
			chromedp.SendKeys(`#title`, "Access to health services"),
			chromedp.Click(`input[name="scale"][value="1-9"]`),
			chromedp.Submit(`#title`))
		ready("the new study", `/^\/studies\/\d+/.test(location.pathname)`)
		study := eval[string](t, b, `location.pathname.match(/^\/studies\/\d+/)[0]`)
		look("study overview", "overview")

		// 2. Statements, pasted one a line.
		do("statements", chromedp.Navigate(env.srv.URL+study+"/statements"), chromedp.WaitVisible(`#statements`),
			chromedp.SendKeys(`#statements`, "Interpreters are available in every clinic\nClinics accept patients without papers\nOpioid substitution continues after arrival"),
			chromedp.SendKeys(`#section`, "Access"),
			chromedp.Click(`form[action$="/statements"] button[type="submit"]`))
		ready("the statements", text("Opioid substitution continues after arrival"))
		look("statements", "")

		// 3. The panel: a file with a wrong address first; nothing is
		// written and the row is named. Then the fixed file: a preview,
		// then Apply.
		panel := []struct{ email, name, group string }{
			{"ana@example.org", "Ana", "Research"}, {"bram@example.org", "Bram", "Research"}, {"chloe@example.org", "Chloé", "Research"},
			{"dora@example.org", "Dora", "Civil society"}, {"eleni@example.org", "Eleni", "Civil society"}, {"femi@example.org", "Femi", "Civil society"},
		}
		good := "email,name,stakeholder_group,country,language\n"
		for _, p := range panel {
			good += fmt.Sprintf("%s,%s,%s,BE,en\n", p.email, p.name, p.group)
		}
		dir := t.TempDir()
		badFile, goodFile := filepath.Join(dir, "panel-bad.csv"), filepath.Join(dir, "panel.csv")
		if err := os.WriteFile(badFile, []byte(strings.Replace(good, "dora@example.org", "dora-at-example.org", 1)), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goodFile, []byte(good), 0o600); err != nil {
			t.Fatal(err)
		}
		do("bad panel file", chromedp.Navigate(env.srv.URL+study+"/panel"), chromedp.WaitVisible(`#file`),
			chromedp.SetUploadFiles(`#file`, []string{badFile}), chromedp.Submit(`#file`))
		ready("the refused file", `document.querySelector("#import-errors") !== null`)
		if msg := eval[string](t, b, `document.querySelector("#import-errors").innerText`); !strings.Contains(msg, "row 5") || !strings.Contains(msg, "column email") {
			t.Errorf("the refusal does not name the row and the value:\n%s", msg)
		}
		if es, _ := env.store.ExpertsByStudy(ctx, studyID(t, study)); len(es) != 0 {
			t.Fatalf("a refused file added %d experts", len(es))
		}
		look("panel import refused", "")
		do("fixed panel file", chromedp.Navigate(env.srv.URL+study+"/panel"), chromedp.WaitVisible(`#file`),
			chromedp.SetUploadFiles(`#file`, []string{goodFile}), chromedp.Submit(`#file`))
		ready("the preview", `document.querySelector("h1").textContent === "Check the panel import"`)
		look("panel import preview", "panel-preview")
		do("apply", chromedp.Click(`form[action$="/panel/import/apply"] button`))
		ready("the panel", text("6 experts added"))
		look("panel", "")

		// 4. Round 1: prepare and launch.
		do("prepare round 1", chromedp.Navigate(env.srv.URL+study+"/rounds"), chromedp.WaitVisible(`form[action$="/rounds"] button`),
			chromedp.Click(`form[action$="/rounds"] button`))
		ready("the draft round", `/\/rounds\/\d+$/.test(location.pathname) && document.querySelector('form[action$="/launch"]') !== null`)
		round1 := eval[string](t, b, `location.pathname`)
		look("draft round 1", "")
		do("launch round 1", chromedp.Click(`form[action$="/launch"] button`))
		ready("the open round", `document.querySelector("h1").textContent.includes("open")`)
		links := outboxLinks(t, env, mustRoundID(t, round1))

		// 5. Remind twice: the second press asks first.
		remind := `form[action$="/remind"] button`
		do("remind", chromedp.WaitVisible(remind), chromedp.Click(remind))
		ready("the reminders", `document.querySelector("#last-reminded") !== null && !document.querySelector("#last-reminded").classList.contains("muted")`)
		do("remind again", chromedp.WaitVisible(remind), chromedp.Click(remind))
		ready("the question", text("Remind the experts again?"))
		if n := reminderCount(t, env, mustRoundID(t, round1)); n != 6 {
			t.Errorf("%d reminders after the second press; want 6 (it must ask first)", n)
		}
		look("remind-again question", "")
		do("confirm reminding", chromedp.Click(`input[name="again"]`), chromedp.Click(`form button[type="submit"]`))
		ready("the reminder history", `document.querySelector("#reminder-history") !== null`)
		if n := reminderCount(t, env, mustRoundID(t, round1)); n != 12 {
			t.Errorf("%d reminders after confirming; want 12", n)
		}
		look("open round", "round-open")

		// The experts answer: all agree on the first statement, disagree
		// on the second, and split on the third.
		rss, err := env.store.RoundStatements(ctx, mustRoundID(t, round1))
		if err != nil || len(rss) != 3 {
			t.Fatalf("round statements: %d %v", len(rss), err)
		}
		for i, p := range panel {
			ex := env.browserTB(t)
			if r := ex.get(links[p.email]); r.status != http.StatusOK {
				t.Fatalf("%s opens the link: %d", p.email, r.status)
			}
			if r := ex.post("/e/consent", url.Values{"agree": {"yes"}}); r.status != http.StatusOK {
				t.Fatalf("%s consents: %d", p.email, r.status)
			}
			form := url.Values{"r" + itoa(rss[0].ID): {"8"}, "r" + itoa(rss[1].ID): {"2"}, "r" + itoa(rss[2].ID): {[]string{"1", "9"}[i%2]}}
			if r := ex.post("/e/submit", form); r.url != "/e/thanks" {
				t.Fatalf("%s submits: %d at %s", p.email, r.status, r.url)
			}
		}

		// 6. Close, with the confirmation step.
		closeButton := `form[action$="/close"] button`
		do("close", chromedp.Navigate(env.srv.URL+round1), chromedp.WaitVisible(closeButton), chromedp.Click(closeButton))
		ready("the close question", text("Close round 1 now?"))
		if r, _ := env.store.RoundByID(ctx, mustRoundID(t, round1)); r.Status != "open" {
			t.Fatalf("the round is %s before the close is confirmed", r.Status)
		}
		look("close question", "")
		do("confirm close", chromedp.Click(`form button[type="submit"]`))
		ready("the carry-over table", text("Confirm all proposals"))
		look("carry-over table", "carry-over")

		// 7. Confirm all proposals, overriding one: the statement the
		// panel rejected is carried, to be reworded.
		rejected := itoa(rss[1].ID)
		do("override and confirm all", chromedp.SetValue(`#d`+rejected, "carry"), chromedp.SendKeys(`#why`+rejected, "reword: two readings"),
			chromedp.Click(`#decide-all button[type="submit"]`))
		ready("the decisions", text("3 decisions confirmed"))
		ds, err := env.store.DecisionsByRound(ctx, mustRoundID(t, round1))
		if err != nil {
			t.Fatal(err)
		}
		if d := ds[rss[0].ID]; d.Proposed != "in" || d.Decision != "in" {
			t.Errorf("the agreed statement: %+v", d)
		}
		if d := ds[rss[1].ID]; d.Proposed != "out" || d.Decision != "carry" || d.Reason != "reword: two readings" {
			t.Errorf("the overridden statement: %+v", d)
		}
		if d := ds[rss[2].ID]; d.Decision != d.Proposed || d.Decision == "in" {
			t.Errorf("the split statement: %+v", d)
		}

		// 8. Round 2 with the groups' figures, launched from its page.
		do("prepare round 2", chromedp.Navigate(env.srv.URL+study+"/rounds"), chromedp.WaitVisible(`form[action$="/rounds"] button`),
			chromedp.Click(`form[action$="/rounds"] button`))
		ready("draft round 2", `document.querySelector("h1").textContent.startsWith("Round 2")`)
		round2 := eval[string](t, b, `location.pathname`)
		do("show groups", chromedp.Click(`input[type="checkbox"][name="show_groups"]`),
			chromedp.Click(`form[action$="/settings"] button[type="submit"]`))
		ready("saved settings", `document.querySelector('input[type="checkbox"][name="show_groups"]').checked`)
		do("launch round 2", chromedp.Click(`form[action$="/launch"] button`))
		ready("round 2 open", `document.querySelector("h1").textContent.includes("open")`)
		r2, err := env.store.RoundByID(ctx, mustRoundID(t, round2))
		if err != nil || !r2.ShowGroups || r2.Status != "open" {
			t.Fatalf("round 2: %+v %v", r2, err)
		}
		r2links := outboxLinks(t, env, r2.ID)
		if len(r2links) != len(panel) {
			t.Errorf("round 2 invited %d; want the %d respondents", len(r2links), len(panel))
		}
		ex := env.browserTB(t)
		if r := ex.get(r2links[panel[0].email]); r.status != http.StatusOK || !strings.Contains(r.body, "Research") {
			t.Errorf("round 2's feedback shows no group figures: %d", r.status)
		}

		// 9. The results.
		do("results", chromedp.Navigate(env.srv.URL+study+"/results"))
		ready("the results", text("Interpreters are available in every clinic"))
		look("results", "results")
	})
}

// jsString quotes s for JavaScript.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`).Replace(s) + "'"
}

// studyID reads the study's number in a page's path.
func studyID(t *testing.T, path string) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscanf(path, "/studies/%d", &id); err != nil {
		t.Fatalf("no study in %q", path)
	}
	return id
}

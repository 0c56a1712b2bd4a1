package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/delphi-platform/delphi/internal/demo"
)

// TestCoordinatorPagesAccessible runs axe-core (WCAG 2.x A and AA) on
// every coordinator page of the demo study — rounds closed and open,
// results, settings, the panel and an expert, statements, the audit log,
// the account, inviting a collaborator and the set-up page — in Chromium, as TestExpertInBrowser does for the experts'
// pages. Coordinators and researchers use screen readers too, and public
// funders ask for it.
func TestCoordinatorPagesAccessible(t *testing.T) {
	t.Parallel() // waits on a browser or on timers: overlaps with the other such tests
	chromium := chromiumPath(t)
	env := newTestEnv(t, "sqlite")
	if err := env.run(nil, "demo"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rs, err := env.store.RoundsByStudy(ctx, 1)
	if err != nil || len(rs) < 3 {
		t.Fatalf("demo rounds: %d %v", len(rs), err)
	}
	experts, err := env.store.ExpertsByStudy(ctx, 1)
	if err != nil || len(experts) == 0 {
		t.Fatalf("demo experts: %v", err)
	}
	stmts, err := env.store.StatementsByStudy(ctx, 1)
	if err != nil || len(stmts) == 0 {
		t.Fatalf("demo statements: %v", err)
	}

	b := newChromium(t, chromium)
	if err := chromedp.Do(b, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(env.srv.URL+"/login"), chromedp.WaitVisible(`#email`)); err != nil {
		t.Fatal(err)
	}
	axeCheck(t, b, "login page")
	if err := chromedp.Do(b, chromedp.SendKeys(`#email`, demo.Email), chromedp.SendKeys(`#password`, demo.Password),
		chromedp.Submit(`#password`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the studies page after login", `location.pathname === "/studies" && document.readyState === "complete"`)
	sp := "/studies/1"
	for _, page := range []string{
		"/studies", sp, sp + "/statements", sp + "/statements/" + itoa(stmts[0].ID), sp + "/panel",
		sp + "/panel/experts/" + itoa(experts[0].ID), sp + "/rounds", sp + "/rounds/" + itoa(rs[0].ID),
		sp + "/rounds/" + itoa(rs[2].ID), sp + "/rounds/" + itoa(rs[2].ID) + "/outbox", sp + "/ideas",
		sp + "/results", sp + "/results/sensitivity", sp + "/results/attrition", sp + "/results/figures",
		sp + "/results/methods", sp + "/settings", sp + "/audit", "/account",
	} {
		if err := chromedp.Do(b, chromedp.Navigate(env.srv.URL+page), chromedp.WaitVisible(`h1`)); err != nil {
			t.Fatalf("%s: %v", page, err)
		}
		axeCheck(t, b, page)
	}
	// Inviting someone without an account: the page with the set-up link,
	// then the set-up page the link opens.
	if err := chromedp.Do(b, chromedp.Navigate(env.srv.URL+sp+"/settings"), chromedp.WaitVisible(`#member_name`),
		chromedp.SendKeys(`#member_email`, "new.colleague@example.org"), chromedp.SendKeys(`#member_name`, "New Colleague"),
		chromedp.Submit(`#member_name`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the invitation page", `document.querySelector("#setup-link") !== null`)
	axeCheck(t, b, "collaborator invited page")
	link := eval[string](t, b, `document.querySelector("#setup-link").textContent`)
	link = env.srv.URL + link[strings.Index(link, "/account/setup/"):] // the link names the configured base URL
	if err := chromedp.Do(b, chromedp.Navigate(link), chromedp.WaitVisible(`#new`)); err != nil {
		t.Fatalf("%s: %v", link, err)
	}
	axeCheck(t, b, "account set-up page")
}

package main

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestCoordinatorPagesAccessible runs axe-core (WCAG 2.x A and AA) on
// every coordinator page of the demo study — rounds closed and open,
// results, settings, the panel and an expert, statements, the audit log,
// the account — in Chromium, as TestExpertInBrowser does for the experts'
// pages. Coordinators and researchers use screen readers too, and public
// funders ask for it.
func TestCoordinatorPagesAccessible(t *testing.T) {
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
	if err := chromedp.Do(b, chromedp.SendKeys(`#email`, demoEmail), chromedp.SendKeys(`#password`, demoPassword),
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
}

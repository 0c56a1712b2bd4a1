package web

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
)

// A ranking round in Chromium, with the keyboard only: the coordinator's
// "Prepare round" form (and its refusal) passes axe; in round 2 an expert
// reads the panel's mean rank and their own earlier rank, Tabs to each
// rank box and types the ranks, submits a duplicate with Enter and gets
// the problem next to the statements with the typed ranks kept, corrects
// it and submits. axe reports nothing at 375 and 1280 px, and the page
// does not scroll sideways on a phone.
func TestRankingInBrowser(t *testing.T) {
	t.Parallel() // waits on a browser: overlaps with the other such tests
	chromium := chromiumPath(t)
	env := newTestEnv(t, "sqlite")
	s := newPanelStudy(t, env, nil, []string{"Opening hours", "Outreach", "Peer workers"}, defaultPanel[:3], "")
	s.launch(t, `{"deadline":"2099-06-04T17:00:00Z","kind":"ranking"}`, 3)
	for i, p := range defaultPanel[:3] {
		ranks := [][]string{{"1", "2", "3"}, {"1", "3", "2"}, {"2", "1", "3"}}[i]
		if r := rankAs(s.expert(t, p.email), s.round, "/e/submit", ranks...); r.url != "/e/thanks" {
			t.Fatalf("%s ranks round 1: %d at %s", p.email, r.status, r.url)
		}
	}
	s.close(t)

	// The coordinator's form, as shown and as refused.
	ctx := newChromium(t, chromium)
	chromiumLogin(t, ctx, env.srv.URL, "coord@example.org")
	rounds := env.srv.URL + "/studies/" + itoa(s.id) + "/rounds"
	for _, w := range []int64{375, 1280} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 900), chromedp.Navigate(rounds), chromedp.WaitVisible(`#prepare`)); err != nil {
			t.Fatal(err)
		}
		axeCheck(t, ctx, "prepare round form, "+itoa(w)+" px")
		shot(t, ctx, "prepare-round-"+itoa(w))
	}
	if err := chromedp.Do(ctx, chromedp.Click(`input[name=kind][value=ranking]`), chromedp.Click(`input[name=statement]`),
		chromedp.Click(`#prepare button[type=submit]`), chromedp.WaitVisible(`#prepare p.error`)); err != nil {
		t.Fatal(err)
	}
	axeCheck(t, ctx, "prepare round form refused, 1280 px")

	s.launch(t, `{"deadline":"2099-07-04T17:00:00Z"}`, 3) // a ranking round again, as the last one
	if s.round.Kind != "ranking" {
		t.Fatalf("round 2 is a %s round", s.round.Kind)
	}
	id := func(i int) string { return itoa(s.round.Statements[i].ID) }
	ex := newChromium(t, chromium)
	// e1 consented in round 1: the link opens the questionnaire.
	if err := chromedp.Do(ex, chromedp.EmulateViewport(375, 812), chromedp.Navigate(env.srv.URL+s.links["e1@example.org"]),
		chromedp.WaitVisible(`#rate`)); err != nil {
		t.Fatal(err)
	}
	if fb := eval[string](t, ex, `document.getElementById("rf`+id(0)+`").textContent`); fb != "Round 1: the panel's mean rank 1.33, median rank 1. Your rank: 1." {
		t.Errorf("feedback of statement 1: %q", fb)
	}
	// The box's accessible name: "Rank" and the statement.
	if name := eval[string](t, ex, `document.getElementById("r`+id(1)+`").getAttribute("aria-labelledby").split(" ").map(i => document.getElementById(i).textContent).join(" ")`); name != "Rank Outreach" {
		t.Errorf("rank box named %q", name)
	}
	axeCheck(t, ex, "expert ranking page with feedback, 375 px")
	shot(t, ex, "expert-ranking-375")
	if w := eval[int](t, ex, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("at 375 px the page is %d px wide", w)
	}

	// Ranks typed with the keyboard: a duplicate first.
	for i, rank := range []string{"1", "1", "2"} {
		tabTo(t, ex, `#r`+id(i))
		key(t, ex, rank)
	}
	tabTo(t, ex, `button[formaction="/e/submit"]`)
	key(t, ex, "\r")
	waitFor(t, ex, "the refused ranking", `location.pathname === "/e/submit" && document.getElementById("re`+id(0)+`") !== null`)
	if msg := eval[string](t, ex, `document.getElementById("re`+id(1)+`").textContent`); msg != "Rank 1 is given twice." {
		t.Errorf("next to statement 2: %q", msg)
	}
	if v := eval[string](t, ex, `[0,1,2].map(i => document.querySelectorAll("input.rank")[i].value).join(",")`); v != "1,1,2" {
		t.Errorf("typed ranks kept: %q", v)
	}
	if d := eval[string](t, ex, `document.getElementById("r`+id(1)+`").getAttribute("aria-describedby")`); d != "rank-intro re"+id(1)+" rf"+id(1) {
		t.Errorf("the problem is not tied to the box: %q", d)
	}
	axeCheck(t, ex, "expert ranking refused, 375 px")
	shot(t, ex, "expert-ranking-refused-375")

	// Corrected: statement 2 becomes 3, statement 3 becomes 2.
	tabTo(t, ex, `#r`+id(1))
	key(t, ex, "\b")
	key(t, ex, "3")
	tabTo(t, ex, `#r`+id(2))
	key(t, ex, "\b")
	key(t, ex, "2")
	if err := chromedp.Do(ex, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	axeCheck(t, ex, "expert ranking page, 1280 px")
	tabTo(t, ex, `button[formaction="/e/submit"]`)
	key(t, ex, "\r")
	waitFor(t, ex, "the thank-you page", `location.pathname === "/e/thanks"`)
	axeCheck(t, ex, "thank-you page of a ranking, 1280 px")

	ranks := map[string]string{}
	st, _ := env.store.RoundStatuses(context.Background(), s.round.ID)
	for _, x := range st {
		if x.Email == "e1@example.org" {
			got, _ := env.store.RatingsByInvitation(context.Background(), x.InvitationID)
			for i := range 3 {
				ranks[id(i)] = itoa(got[s.round.Statements[i].ID].Rating.Int64)
			}
			if !x.SubmittedAt.Valid {
				t.Error("not submitted")
			}
		}
	}
	if ranks[id(0)] != "1" || ranks[id(1)] != "3" || ranks[id(2)] != "2" {
		t.Errorf("stored ranks %v", ranks)
	}
}

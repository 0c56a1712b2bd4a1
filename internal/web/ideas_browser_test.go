package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestRoundZeroInBrowser: the coordinator sets up and launches round 0 in
// the browser, two experts propose (one in Dutch), the coordinator merges
// their duplicate proposals and writes a statement from them, which
// keeps its links to both and is presented in round 1.
func TestRoundZeroInBrowser(t *testing.T) {
	t.Parallel() // waits on a browser or on timers: overlaps with the other such tests
	chromium := chromiumPath(t)
	env := newTestEnv(t, "sqlite")
	s := newPanelStudy(t, env, nil, nil, defaultPanel, "")
	page := env.srv.URL + "/studies/" + itoa(s.id) + "/ideas"

	coord := newChromium(t, chromium)
	if err := chromedp.Do(coord, chromedp.Navigate(env.srv.URL+"/login"), chromedp.WaitVisible(`#email`),
		chromedp.SendKeys(`#email`, "coord@example.org"), chromedp.SendKeys(`#password`, "a long test password"),
		// Wait for the logged-in page itself: the login page has an h1 too,
		// and navigating away while the login posts aborts it.
		chromedp.Click(`form[action="/login"] button`), chromedp.WaitVisible(`form[action="/logout"]`),
		chromedp.Navigate(page), chromedp.WaitVisible(`#questions`),
		chromedp.SendKeys(`#section`, "Access"), chromedp.SendKeys(`#questions`, "What keeps migrants from care?\nWhat would help most?"),
		chromedp.Click(`form[action$="/ideas"] button`), chromedp.WaitVisible(`form[action$="/ideas/launch"] button`)); err != nil {
		t.Fatal(err)
	}
	axeCheck(t, coord, "round 0, draft")
	if err := chromedp.Do(coord, chromedp.Click(`form[action$="/ideas/launch"] button`), chromedp.WaitVisible(`form[action$="/ideas/close"] button`)); err != nil {
		t.Fatal(err)
	}
	q := s.ideas(t).Questions
	if len(q) != 2 || q[1].Section != "Access" {
		t.Fatalf("questions: %+v", q)
	}
	links := s.ideaLinks(t)

	propose := func(email string, answers map[int]string) context.Context {
		ctx := newChromium(t, chromium)
		if err := chromedp.Do(ctx, chromedp.Navigate(env.srv.URL+links[email]), chromedp.WaitVisible(`input[name=agree]`),
			chromedp.Click(`input[name=agree]`), chromedp.Click(`form[action="/ideas/consent"] button`), chromedp.WaitVisible(`#ideas`)); err != nil {
			t.Fatal(err)
		}
		for i, text := range answers {
			if err := chromedp.Do(ctx, chromedp.SendKeys(`#n`+itoa(q[i].ID), text)); err != nil {
				t.Fatal(err)
			}
		}
		if err := chromedp.Do(ctx, chromedp.Click(`#ideas button[type=submit]`), chromedp.WaitVisible(`p.flash`)); err != nil {
			t.Fatal(err)
		}
		return ctx
	}
	a := propose("e1@example.org", map[int]string{0: "Lack of identity papers", 1: "Peer navigators"})
	axeCheck(t, a, "round 0, expert's proposals")
	shot(t, a, "7-round0")
	if got := eval[string](t, a, `document.getElementById("n`+itoa(q[0].ID)+`").value`); got != "" {
		t.Errorf("the new-proposal box keeps %q after saving", got)
	}
	b := propose("e2@example.org", map[int]string{0: "No documents"})
	body := eval[string](t, b, `document.body.innerText`)
	if !strings.Contains(body, "Ronde 0") || strings.Contains(body, "identity papers") || strings.Contains(body, "Peer navigators") {
		t.Errorf("expert 2's page: %s", body)
	}

	// The coordinator merges the duplicates and writes a statement from them.
	ps := s.ideas(t).Questions[0].Proposals
	if len(ps) != 2 {
		t.Fatalf("proposals to question 1: %+v", ps)
	}
	pick0, pick1 := chromedp.Click(`#pick`+itoa(ps[0].ID)), chromedp.Click(`#pick`+itoa(ps[1].ID))
	if err := chromedp.Do(coord, chromedp.Navigate(page), chromedp.WaitVisible(`#pick`+itoa(ps[1].ID)), pick0, pick1,
		chromedp.Click(`button[value=merge]`), chromedp.WaitVisible(`p.flash`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(coord, pick0, pick1, chromedp.SendKeys(`#stmt_text`, "Lack of documents should never prevent access to care."),
		chromedp.Click(`button[value=statement]`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, coord, "the statement on the page", `document.body.innerText.includes("Statements written from proposals")`)
	body = eval[string](t, coord, `document.body.innerText`)
	for _, w := range []string{"Statements written from proposals", "Lack of documents should never prevent access to care. (from proposals #" + itoa(ps[0].ID) + " #" + itoa(ps[1].ID)} {
		if !strings.Contains(body, w) {
			t.Errorf("the coordinator's page lacks %q", w)
		}
	}
	for _, who := range []string{"e1@example.org", "e2@example.org", "Ana Expert", "Bram"} {
		if strings.Contains(eval[string](t, coord, `document.querySelector("form[action$='/ideas/proposals']").innerText`), who) {
			t.Errorf("the proposals name their author %q", who)
		}
	}
	axeCheck(t, coord, "round 0, proposals")
	if got := s.ideas(t).Questions[0].Proposals; got[1].MergedInto == nil || *got[1].MergedInto != ps[0].ID || len(got[0].StatementIDs) != 1 {
		t.Errorf("after merge and statement: %+v", got)
	}
	if err := chromedp.Do(coord, chromedp.Click(`form[action$="/ideas/close"] button`)); err != nil {
		t.Fatal(err)
	}
	// Closing asks first (it cannot be undone); the question's button closes.
	waitFor(t, coord, "the close question", `document.readyState === "complete" && document.body.innerText.includes("Close round 0 now?")`)
	axeCheck(t, coord, "round 0, close question")
	if err := chromedp.Do(coord, chromedp.Click(`form[action$="/ideas/close"] button`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, coord, "round 0 closed", `document.body.innerText.includes("Status: closed")`)
	s.launch(t, `{"deadline":"2099-06-04T17:00:00Z"}`, 5)
	if len(s.round.Statements) != 1 || s.round.Statements[0].Section != "Access" {
		t.Errorf("round 1 presents %+v", s.round.Statements)
	}
}

package web

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// An expert rates a two-criteria study in Chromium: each statement has a
// group of radios per criterion, named by its legend; choosing on each
// autosaves ("Saved" once the server has it) and the progress counts the
// statement once both criteria are answered. In round 2 the feedback
// shows each criterion's figures. axe-core finds nothing at 375 and
// 1280 px, and the page never scrolls sideways.
func TestTwoCriteriaInBrowser(t *testing.T) {
	t.Parallel() // waits on a browser: overlaps with the other such tests
	chromium := chromiumPath(t)
	env := newTestEnv(t, "sqlite")
	s := newPanelStudy(t, env, nil, []string{"Clinics open in the evening.", "Interpreters are free."}, defaultPanel, twoCriteria)
	s.launch(t, `{"deadline":"2099-06-04T17:00:00Z"}`, len(defaultPanel))
	rs0, rs1 := itoa(s.round.Statements[0].ID), itoa(s.round.Statements[1].ID)

	ctx := newChromium(t, chromium)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(375, 812), chromedp.Navigate(env.srv.URL+s.links["e1@example.org"]),
		chromedp.WaitVisible(`input[name=agree]`), chromedp.Click(`input[name=agree]`),
		chromedp.Click(`form[action="/e/consent"] button`), chromedp.WaitVisible(`#rate`)); err != nil {
		t.Fatal(err)
	}
	legends := eval[string](t, ctx, `Array.from(document.querySelectorAll("#s`+rs0+` fieldset.crit legend")).map(l => l.textContent).join("|")`)
	if legends != "Importance|Feasibility" {
		t.Errorf("statement 1's criteria: %q", legends)
	}
	if err := chromedp.Do(ctx, chromedp.Click(`input[name=r`+rs0+`][value="4"]`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "criterion 1 saved", `document.querySelector("#s`+rs0+` .st").textContent === "Saved"`)
	if p := eval[string](t, ctx, `document.getElementById("progress").textContent`); !strings.HasPrefix(p, "0 of 2") {
		t.Errorf("with criterion 2 unanswered the progress says %q", p)
	}
	if err := chromedp.Do(ctx, chromedp.Click(`input[name=r`+rs0+`_2][value="3"]`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "both criteria saved", `document.getElementById("progress").textContent.startsWith("1 of 2")`)
	got, err := env.store.RatingsByInvitation(context.Background(), s.invitationOf(t, "e1@example.org"))
	if err != nil {
		t.Fatal(err)
	}
	if r := got[s.round.Statements[0].ID]; r.Rating.Int64 != 4 || r.Rating2.Int64 != 3 {
		t.Errorf("stored after the autosave: %+v", r)
	}
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("at 375 px the page is %d px wide", w)
	}
	axeCheck(t, ctx, "two-criteria expert page, 375 px")
	shot(t, ctx, "expert-two-criteria")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Reload(), chromedp.WaitVisible(`#rate`)); err != nil {
		t.Fatal(err)
	}
	if !eval[bool](t, ctx, `document.querySelector("input[name=r`+rs0+`_2][value='3']").checked`) {
		t.Errorf("after a reload criterion 2's rating is not checked")
	}
	axeCheck(t, ctx, "two-criteria expert page, 1280 px")

	// Everyone answers; round 2 shows the figures per criterion.
	if err := chromedp.Do(ctx, chromedp.Click(`input[name=r`+rs1+`][value="2"]`), chromedp.Click(`input[name=r`+rs1+`_2][value="unable"]`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "statement 2 saved", `document.getElementById("progress").textContent.startsWith("2 of 2")`)
	for i, p := range defaultPanel[1:] {
		bx := s.expert(t, p.email)
		f := url.Values{"r" + rs0: {fmt.Sprint(1 + i%2*4)}, "r" + rs0 + "_2": {"1"}, "r" + rs1: {"3"}, "r" + rs1 + "_2": {"4"}, "confirm": {"unanswered"}}
		if r := bx.post("/e/submit", f); r.url != "/e/thanks" {
			t.Fatalf("%s submits: %d at %s", p.email, r.status, r.url)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Click(`button[formaction="/e/submit"]`), chromedp.WaitVisible(`dl.answers`)); err != nil {
		t.Fatal(err)
	}
	s.close(t)
	s.launch(t, `{"deadline":"2099-06-04T17:00:00Z"}`, len(defaultPanel))
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(375, 812), chromedp.Navigate(env.srv.URL+s.links["e1@example.org"]), chromedp.WaitVisible(`#rate`)); err != nil {
		t.Fatal(err)
	}
	titles := eval[string](t, ctx, `Array.from(document.querySelectorAll(".fb .fbh")).map(p => p.textContent).join("|")`)
	if !strings.Contains(titles, "Importance · Panel result, round 1|Feasibility · Panel result, round 1") {
		t.Errorf("round 2 feedback titles: %q", titles)
	}
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("round 2 at 375 px is %d px wide", w)
	}
	axeCheck(t, ctx, "two-criteria round 2 feedback, 375 px")
	shot(t, ctx, "expert-two-criteria-feedback")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Reload(), chromedp.WaitVisible(`#rate`)); err != nil {
		t.Fatal(err)
	}
	axeCheck(t, ctx, "two-criteria round 2 feedback, 1280 px")

	// The coordinator's criteria form, locked since round 1.
	coord := newChromium(t, chromium)
	chromiumLogin(t, coord, env.srv.URL, "coord@example.org")
	if err := chromedp.Do(coord, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(env.srv.URL+"/studies/"+itoa(s.id)+"/settings"),
		chromedp.WaitVisible(`#criteria`)); err != nil {
		t.Fatal(err)
	}
	if name := eval[string](t, coord, `document.getElementById("c2_name").value`); name != "Feasibility" {
		t.Errorf("criterion 2's name on the settings page: %q", name)
	}
	axeCheck(t, coord, "settings page with two criteria")
	if err := chromedp.Do(coord, chromedp.ScrollIntoView(`#criteria`)); err != nil {
		t.Fatal(err)
	}
	shot(t, coord, "settings-criteria")
}

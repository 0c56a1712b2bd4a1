package web

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A numeric round in Chromium (issue 17): the coordinator prepares it on
// the "Prepare round" form, an expert types an estimate (autosaved, a
// refused one said next to the field) and picks a confidence with the
// keyboard, and in round 2 reads the panel's median and quartiles; every
// new page passes axe-core at 375 and 1280 px without scrolling sideways.
func TestNumericRoundInBrowser(t *testing.T) {
	t.Parallel() // waits on a browser: overlaps with the other such tests
	chromium := chromiumPath(t)
	env := newTestEnv(t, "sqlite")
	s := newPanelStudy(t, env, nil, []string{"In which year will most cars be electric?", "In which year will coal end?"}, defaultPanel[:2], "")
	ctx := newChromium(t, chromium)
	chromiumLogin(t, ctx, env.srv.URL, "coord@example.org")
	study := env.srv.URL + "/studies/" + itoa(s.id)
	wide := func(what string, width int) {
		t.Helper()
		if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > width {
			t.Errorf("%s: at %d px the page is %d px wide", what, width, w)
		}
	}

	// The coordinator's form, at both widths.
	for _, w := range []int64{1280, 375} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 900), chromedp.Navigate(study+"/rounds"), chromedp.WaitVisible(`#numeric-options`)); err != nil {
			t.Fatal(err)
		}
		wide("rounds page", int(w))
		axeCheck(t, ctx, "Prepare round form with the numeric options, "+strconv.Itoa(int(w))+" px")
	}
	if err := chromedp.Do(ctx, chromedp.Click(`input[name=kind][value=numeric]`),
		chromedp.SetValue(`#numeric_unit`, "year"), chromedp.SetValue(`#numeric_min`, "2020"), chromedp.SetValue(`#numeric_max`, "2100"),
		chromedp.SetValue(`#numeric_decimals`, "0"), chromedp.Click(`input[name=numeric_confidence][type=checkbox]`),
		chromedp.Click(`form[action$="/rounds"] button[type=submit]`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the draft round page", `/\/rounds\/\d+$/.test(location.pathname) && document.readyState === "complete"`)
	if got := eval[string](t, ctx, `document.querySelector("#numeric_unit").value`); got != "year" {
		t.Errorf("the draft's unit is %q", got)
	}
	axeCheck(t, ctx, "draft numeric round, 375 px")
	wide("draft numeric round", 375)
	path := eval[string](t, ctx, `location.pathname`)
	rid, _ := strconv.ParseInt(path[strings.LastIndex(path, "/")+1:], 10, 64)
	s.round.ID = rid
	if r := s.call(t, "PATCH", "/api/v1/rounds/"+itoa(rid), `{"deadline":"2099-06-04T17:00:00Z"}`); r.status != 200 {
		t.Fatalf("deadline: %d %s", r.status, r.body)
	}
	if r := s.call(t, "POST", "/api/v1/rounds/"+itoa(rid)+"/launch", ""); r.status != 200 {
		t.Fatalf("launch: %d %s", r.status, r.body)
	}
	links := outboxLinks(t, env, rid)
	rss, _ := env.store.RoundStatements(context.Background(), rid)
	id := itoa(rss[0].ID)

	// The expert, on a phone.
	clearCookies(t, ctx)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(375, 812), chromedp.Navigate(env.srv.URL+links["e1@example.org"]),
		chromedp.WaitVisible(`input[name=agree]`), chromedp.Click(`input[name=agree]`),
		chromedp.Click(`form[action="/e/consent"] button`), chromedp.WaitVisible(`#rate`)); err != nil {
		t.Fatal(err)
	}
	if label := eval[string](t, ctx, `document.querySelector("label[for=r`+id+`]").textContent`); label != "Your estimate (year)" {
		t.Errorf("the field's label is %q", label)
	}
	tabTo(t, ctx, `#r`+id)
	if err := chromedp.Do(ctx, chromedp.SendKeys(`#r`+id, "3000")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the refusal", `document.querySelector("#s`+id+` .st").textContent === "Please give a number from 2020 to 2100."`)
	eval[bool](t, ctx, `(document.querySelector("#r`+id+`").value = "") === ""`)
	if err := chromedp.Do(ctx, chromedp.SendKeys(`#r`+id, "2040")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the estimate saved", `document.querySelector("#s`+id+` .st").textContent === "Saved"`)
	tabTo(t, ctx, `input[name=k`+id+`]`)
	key(t, ctx, " ") // the first confidence level, chosen with the keyboard
	waitFor(t, ctx, "the confidence saved", `document.querySelector("#s`+id+` .st").textContent === "Saved" && document.querySelector("input[name=k`+id+`]:checked") !== null`)
	inv := mustInvitation(t, env, rid, "e1@example.org")
	waitForStored := func() bool {
		got, _ := env.store.RatingsByInvitation(context.Background(), inv)
		return got[rss[0].ID].Estimate.Float64 == 2040 && got[rss[0].ID].Confidence.Valid
	}
	for i := 0; i < 50 && !waitForStored(); i++ {
		waitFor(t, ctx, "a moment", `true`)
	}
	if !waitForStored() {
		got, _ := env.store.RatingsByInvitation(context.Background(), inv)
		t.Errorf("stored: %+v", got[rss[0].ID])
	}
	wide("expert numeric page", 375)
	axeCheck(t, ctx, "expert numeric page, 375 px")
	shot(t, ctx, "expert-numeric")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Reload(), chromedp.WaitVisible(`#rate`)); err != nil {
		t.Fatal(err)
	}
	if got := eval[string](t, ctx, `document.querySelector("#r`+id+`").value`); got != "2040" {
		t.Errorf("after a reload the field holds %q", got)
	}
	axeCheck(t, ctx, "expert numeric page, 1280 px")

	// Both submit (over HTTP), the round closes, round 2 asks again.
	for i, email := range []string{"e1@example.org", "e2@example.org"} {
		b := env.browser()
		u, _ := url.Parse(links[email])
		b.get(u.Path)
		b.consent(t)
		form := url.Values{"confirm": {"unanswered"}}
		if i == 1 {
			form.Set("r"+id, "2060")
		}
		if r := b.post("/e/submit", form); r.url != "/e/thanks" {
			t.Fatalf("%s submit: %d", email, r.status)
		}
	}
	s.close(t)
	s.launch(t, `{"deadline":"2099-07-04T17:00:00Z","kind":"numeric"}`, 2)
	rss2, _ := env.store.RoundStatements(context.Background(), s.round.ID)
	clearCookies(t, ctx)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(375, 812), chromedp.Navigate(env.srv.URL+s.links["e1@example.org"]),
		chromedp.WaitVisible(`#rate`)); err != nil { // consented in round 1
		t.Fatal(err)
	}
	text := eval[string](t, ctx, `document.querySelector("#s`+itoa(rss2[0].ID)+`").textContent`)
	for _, want := range []string{"Round 1: median 2050 year", "Your estimate in round 1: 2040 year"} {
		if !strings.Contains(text, want) {
			t.Errorf("round 2 feedback without %q: %s", want, text)
		}
	}
	wide("round 2 feedback", 375)
	axeCheck(t, ctx, "numeric feedback in round 2, 375 px")
	shot(t, ctx, "expert-numeric-feedback-375")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Reload(), chromedp.WaitVisible(`#rate`)); err != nil {
		t.Fatal(err)
	}
	axeCheck(t, ctx, "numeric feedback in round 2, 1280 px")
}

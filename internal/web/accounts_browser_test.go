package web

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/store"
)

// TestAccountPagesInBrowser: in Chromium, at 375 px and at 1280 px, a
// coordinator with an invitation accepts it, turns the second factor on
// (reading the key off the page), sees the recovery codes, and logs in
// again through the code step; the forgotten-password and reset pages
// are checked too. axe-core finds no WCAG violation on any of them.
func TestAccountPagesInBrowser(t *testing.T) {
	t.Parallel() // waits on a browser: overlaps with the other such tests
	chromium := chromiumPath(t)
	for _, width := range []int64{375, 1280} {
		t.Run(itoa(width), func(t *testing.T) {
			env := newTestEnv(t, "sqlite")
			_, u := env.coordinator("tom@example.org", "Tom")
			_, owner := env.coordinator("olga@example.org", "Olga")
			st, err := env.store.CreateStudy(context.Background(), owner.ID, store.StudyInfo{Title: "Olga's study", Languages: []string{"en"}, MaxRounds: 2}, defaultScaleForTest())
			if err != nil {
				t.Fatal(err)
			}
			s := "/studies/" + itoa(st.ID)
			if _, err := env.store.InviteExistingMember(context.Background(), st.ID, owner.ID, "tom@example.org", "researcher"); err != nil {
				t.Fatal(err)
			}
			b := newChromium(t, chromium)
			if err := chromedp.Do(b, chromedp.EmulateViewport(width, 900)); err != nil {
				t.Fatal(err)
			}
			chromiumLogin(t, b, env.srv.URL, "tom@example.org")
			axeCheck(t, b, "studies page with an invitation")
			if err := chromedp.Do(b, chromedp.Click(`#invitations button[type=submit]`)); err != nil {
				t.Fatal(err)
			}
			waitFor(t, b, "the accepted study", `location.pathname === "`+s+`"`)

			// The second factor, on.
			if err := chromedp.Do(b, chromedp.Navigate(env.srv.URL+"/account"), chromedp.WaitVisible(`#twofactor-status`),
				chromedp.Click(`form[action="/account/2fa/setup"] button`)); err != nil {
				t.Fatal(err)
			}
			waitFor(t, b, "the key", `document.querySelector("#totp-secret") !== null`)
			axeCheck(t, b, "two-factor set-up page")
			secret := eval[string](t, b, `document.querySelector("#totp-secret").textContent`)
			code, _ := totp.GenerateCode(secret, time.Now())
			if err := chromedp.Do(b, chromedp.SendKeys(`#code`, code), chromedp.Submit(`#code`)); err != nil {
				t.Fatal(err)
			}
			waitFor(t, b, "the recovery codes", `document.querySelector("#recovery-codes") !== null`)
			axeCheck(t, b, "recovery codes page")

			// Log out and in again: the code step.
			if err := chromedp.Do(b, chromedp.Navigate(env.srv.URL+"/account"), chromedp.WaitVisible(`#twofactor-status`),
				chromedp.Click(`form[action="/logout"] button`)); err != nil {
				t.Fatal(err)
			}
			waitFor(t, b, "the login page", `location.pathname === "/login" && document.readyState === "complete"`)
			if err := chromedp.Do(b, chromedp.SendKeys(`#email`, "tom@example.org"), chromedp.SendKeys(`#password`, "a long test password"),
				chromedp.Submit(`#password`)); err != nil {
				t.Fatal(err)
			}
			waitFor(t, b, "the code page", `location.pathname === "/login/code" && document.readyState === "complete"`)
			axeCheck(t, b, "login code page")
			next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
			if err := chromedp.Do(b, chromedp.SendKeys(`#code`, next), chromedp.Submit(`#code`)); err != nil {
				t.Fatal(err)
			}
			waitFor(t, b, "the studies page", `location.pathname === "/studies" && document.readyState === "complete"`)
			if err := chromedp.Do(b, chromedp.Navigate(env.srv.URL+"/account"), chromedp.WaitVisible(`#tf_code`)); err != nil {
				t.Fatal(err)
			}
			axeCheck(t, b, "account page with two-factor on")

			// The forgotten-password page (no SMTP here) and a reset link's page.
			if err := chromedp.Do(b, chromedp.Navigate(env.srv.URL+"/login/forgot"), chromedp.WaitVisible(`h1`)); err != nil {
				t.Fatal(err)
			}
			axeCheck(t, b, "forgot page")
			token, hash := auth.NewToken()
			if err := env.store.CreateResetLink(context.Background(), u.ID, hash, time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(b, chromedp.Navigate(env.srv.URL+"/account/reset/"+token), chromedp.WaitVisible(`#new`)); err != nil {
				t.Fatal(err)
			}
			axeCheck(t, b, "reset page")
		})
	}
}

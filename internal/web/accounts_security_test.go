package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/mail/smtptest"
	"github.com/delphi-platform/delphi/internal/store"
)

// Issue #14, accounts: pending memberships, set-up links by e-mail,
// forgotten passwords, the second factor, API tokens after a password
// change. docs/security.md "Accounts, recovery and two-factor" names
// these tests.

func newStudyFor(t *testing.T, env *testEnv, ownerID int64, title string) string {
	t.Helper()
	st, err := env.store.CreateStudy(context.Background(), ownerID, store.StudyInfo{Title: title, Languages: []string{"en"}, MaxRounds: 2}, defaultScaleForTest())
	if err != nil {
		t.Fatal(err)
	}
	return "/studies/" + itoa(st.ID)
}

// studyIDOf is the id in a study path.
func studyIDOf(path string) string { return strings.TrimPrefix(path, "/studies/") }

// smtpEnv is the application with e-mail set up, on a test SMTP server.
func smtpEnv(t *testing.T, engine string) (*testEnv, *smtptest.Server) {
	smtp := smtptest.Start(t)
	env := newTestEnvWith(t, engine, map[string]string{"DELPHI_SMTP_URL": smtp.URL(), "DELPHI_SMTP_FROM": "Delphi <delphi@example.org>"})
	return env, smtp
}

// loginWith logs a new browser in with a password and returns it.
func loginWith(t *testing.T, env *testEnv, email, password string) (*browser, response) {
	t.Helper()
	b := env.browser()
	b.get("/login")
	return b, b.post("/login", url.Values{"email": {email}, "password": {password}})
}

// TestPreRegisteredAccountCannotJoinOtherStudies: coordinator A invites an
// address without an account on a server without e-mail, so A sees the
// set-up link and can set the account up (and keep its password). When
// coordinator B adds that address to B's study, the membership is only an
// invitation: the account reads nothing of B's study, neither through the
// pages nor the API, and cannot accept it, because its password may be
// A's. Once whoever runs the server sets its password, its owner accepts
// and reads the study. A declined invitation is gone.
func TestPreRegisteredAccountCannotJoinOtherStudies(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		a, ua := env.coordinator("alice@example.org", "Alice A")
		b, ub := env.coordinator("bob@example.org", "Bob B")
		s1 := newStudyFor(t, env, ua.ID, "Alice's study")
		s2 := newStudyFor(t, env, ub.ID, "Bob's study")

		r := a.post(s1+"/members", url.Values{"email": {"xena@example.org"}, "name": {"Xena"}, "role": {"researcher"}})
		link := setupLinkRE.FindString(r.body)
		if link == "" {
			t.Fatalf("without SMTP the link is shown to the coordinator: %d", r.status)
		}
		planted := env.browser() // Alice, using the link herself
		planted.get(link)
		if r := planted.post(link, url.Values{"new": {"alices planted pw"}, "confirm": {"alices planted pw"}}); r.url != "/studies" {
			t.Fatalf("set up: %d at %s", r.status, r.url)
		}
		token := apiTokenFor(t, planted)

		r = b.post(s2+"/members", url.Values{"email": {"xena@example.org"}, "role": {"coordinator"}})
		mustContain(t, "after adding", r.body, "Invitation made", "(invited, not accepted yet)")

		if r := planted.get(s2 + "/panel"); r.status != http.StatusNotFound {
			t.Errorf("the pending member reads B's panel: %d", r.status)
		}
		if r := env.api("GET", "/api/v1"+s2+"/panel", token, "", ""); r.status != http.StatusNotFound {
			t.Errorf("the pending member reads B's panel through the API: %d", r.status)
		}
		list := planted.get("/studies")
		mustContain(t, "the invitation", list.body, "Bob&#39;s study", `action="/invitations/`+studyIDOf(s2)+`/accept"`)
		r = planted.post("/invitations/"+studyIDOf(s2)+"/accept", url.Values{})
		mustContain(t, "accepting from an unconfirmed account", r.body, "Not accepted", "Forgot your password?")
		if r := planted.get(s2 + "/panel"); r.status != http.StatusNotFound {
			t.Errorf("the unconfirmed account reads B's panel after accepting: %d", r.status)
		}
		if r := env.api("GET", "/api/v1"+s2, token, "", ""); r.status != http.StatusNotFound {
			t.Errorf("the unconfirmed account reads B's study through the API: %d", r.status)
		}

		// Whoever runs the server sets the password for the owner, as
		// `delphi user password` does (server/commands.go).
		xu, err := env.store.UserByEmail(context.Background(), "xena@example.org")
		if err != nil {
			t.Fatal(err)
		}
		hash, _ := auth.HashPassword("xenas real password")
		if err := env.store.SetUserPassword(context.Background(), xu.ID, hash); err != nil {
			t.Fatal(err)
		}
		if err := env.store.ConfirmUser(context.Background(), xu.ID); err != nil {
			t.Fatal(err)
		}
		if r := planted.get(s1); r.url != "/login" {
			t.Errorf("Alice's session of the account survived the new password: %d at %s", r.status, r.url)
		}
		xena, r := loginWith(t, env, "xena@example.org", "xenas real password")
		if r.status != http.StatusOK {
			t.Fatalf("login: %d", r.status)
		}
		if r := xena.post("/invitations/"+studyIDOf(s2)+"/accept", url.Values{}); r.url != s2 || !strings.Contains(r.body, "Invitation accepted") {
			t.Fatalf("accept: %d at %s", r.status, r.url)
		}
		if r := xena.get(s2 + "/panel"); r.status != http.StatusOK {
			t.Errorf("the accepted member cannot read the panel: %d", r.status)
		}
		mustContain(t, "audit", b.get(s2+"/audit").body, "invite member", "accept invitation")

		// Declining removes the invitation.
		s3 := newStudyFor(t, env, ub.ID, "Bob's second study")
		b.post(s3+"/members", url.Values{"email": {"xena@example.org"}, "role": {"researcher"}})
		if r := xena.post("/invitations/"+studyIDOf(s3)+"/decline", url.Values{}); !strings.Contains(r.body, "Invitation declined") {
			t.Errorf("decline: %d", r.status)
		}
		if r := xena.post("/invitations/"+studyIDOf(s3)+"/accept", url.Values{}); r.status != http.StatusNotFound {
			t.Errorf("accepting a declined invitation: %d", r.status)
		}
		if strings.Contains(b.get(s3+"/settings").body, "xena@example.org") {
			t.Error("the declined invitation is still listed")
		}
	})
}

var newTokenRE = regexp.MustCompile(`<code id="new-token">([^<]+)</code>`)

// apiTokenFor makes an API token on the account page of a logged-in browser.
func apiTokenFor(t *testing.T, b *browser) string {
	t.Helper()
	m := newTokenRE.FindStringSubmatch(b.post("/account/tokens", url.Values{"label": {"script"}}).body)
	if m == nil {
		t.Fatal("no new token on the page")
	}
	return m[1]
}

// TestSetupLinkByEmail: with SMTP set up, a new collaborator's set-up link
// goes to their address and is not shown to the coordinator; the account
// set up through it is confirmed, so when another study invites it (an
// e-mail says so), its owner accepts and then reads that study, through
// the pages and the API.
func TestSetupLinkByEmail(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			env, smtp := smtpEnv(t, engine)
			a, ua := env.coordinator("alice@example.org", "Alice A")
			b, ub := env.coordinator("bob@example.org", "Bob B")
			s1 := newStudyFor(t, env, ua.ID, "Alice's study")
			s2 := newStudyFor(t, env, ub.ID, "Bob's study")

			r := a.post(s1+"/members", url.Values{"email": {"nina@example.org"}, "name": {"Nina"}, "role": {"researcher"}})
			if setupLinkRE.MatchString(r.body) || !strings.Contains(r.body, "A set-up link is on its way to nina@example.org") {
				t.Fatalf("with SMTP the coordinator must not see the link: %d %s", r.status, r.body)
			}
			msgs := smtp.WaitForMessages(1, 10*time.Second)
			if len(msgs) != 1 || msgs[0].To[0] != "nina@example.org" {
				t.Fatalf("set-up e-mail: %+v", msgs)
			}
			link := setupLinkRE.FindString(msgs[0].Text)
			if link == "" {
				t.Fatalf("no link in %q", msgs[0].Text)
			}
			nina := env.browser()
			nina.get(link)
			if r := nina.post(link, url.Values{"new": {"ninas own password"}, "confirm": {"ninas own password"}}); r.url != "/studies" {
				t.Fatalf("set up: %d at %s", r.status, r.url)
			}
			token := apiTokenFor(t, nina)

			b.post(s2+"/members", url.Values{"email": {"nina@example.org"}, "role": {"researcher"}})
			msgs = smtp.WaitForMessages(2, 10*time.Second)
			if len(msgs) != 2 || msgs[1].To[0] != "nina@example.org" || !strings.Contains(msgs[1].Text, "Bob's study") || !strings.Contains(msgs[1].Text, "/studies") {
				t.Fatalf("invitation e-mail: %+v", msgs)
			}
			if r := env.api("GET", "/api/v1"+s2, token, "", ""); r.status != http.StatusNotFound {
				t.Errorf("read through the API before accepting: %d", r.status)
			}
			if r := nina.post("/invitations/"+studyIDOf(s2)+"/accept", url.Values{}); r.url != s2 {
				t.Fatalf("accept: %d at %s %s", r.status, r.url, r.body)
			}
			if r := env.api("GET", "/api/v1"+s2, token, "", ""); r.status != http.StatusOK {
				t.Errorf("read through the API after accepting: %d", r.status)
			}
			if r := nina.get(s2 + "/results"); r.status != http.StatusOK {
				t.Errorf("read the results after accepting: %d", r.status)
			}
			env.app.accountMail.Wait()
		})
	}
}

var resetLinkRE = regexp.MustCompile(`/account/reset/[A-Za-z0-9_-]+`)

// TestForgotPassword: the page answers the same (text and status) for an
// address with and without an account, and only the account's address
// gets an e-mail; the link sets a new password once, ends every session
// and API token of the account, confirms it, and expires; requests are
// limited; without SMTP the page says to ask whoever runs the server.
func TestForgotPassword(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			env, smtp := smtpEnv(t, engine)
			owner, _ := env.coordinator("olga@example.org", "Olga")
			token := apiTokenFor(t, owner)

			x := env.browser()
			x.get("/login/forgot")
			unknown := x.post("/login/forgot", url.Values{"email": {"nobody@example.org"}})
			known := x.post("/login/forgot", url.Values{"email": {"olga@example.org"}})
			if unknown.status != known.status || strings.ReplaceAll(unknown.body, "nobody@example.org", "olga@example.org") != known.body {
				t.Errorf("the answers differ: %d / %d", unknown.status, known.status)
			}
			mustContain(t, "answer", known.body, "If an account has the address olga@example.org")
			// An address longer than any real one is refused before it is
			// looked up or kept as a limiter key, and not written back.
			long := strings.Repeat("a", 2<<20) + "@example.org"
			if r := x.post("/login/forgot", url.Values{"email": {long}}); r.status != http.StatusUnprocessableEntity || strings.Contains(r.body, "aaaaaaaaaa") {
				t.Errorf("a 2 MB address: %d (%d bytes back)", r.status, len(r.body))
			}
			env.app.accountMail.Wait() // both requests are done with
			msgs := smtp.Messages()
			if len(msgs) != 1 || msgs[0].To[0] != "olga@example.org" {
				t.Fatalf("reset e-mails: %+v", msgs)
			}
			link := resetLinkRE.FindString(msgs[0].Text)
			var n int
			if err := env.store.DB().Get(&n, `SELECT COUNT(*) FROM account_links WHERE purpose = 'reset'`); err != nil || n != 1 {
				t.Fatalf("reset links stored: %d %v", n, err)
			}

			y := env.browser()
			mustContain(t, "reset page", y.get(link).body, "Choose a new password", "olga@example.org")
			if r := y.post(link, url.Values{"new": {"short"}, "confirm": {"short"}}); r.status != http.StatusUnprocessableEntity {
				t.Errorf("a short password: %d", r.status)
			}
			if r := y.post(link, url.Values{"new": {"olgas new password"}, "confirm": {"olgas new password"}}); r.url != "/login" || !strings.Contains(r.body, "Your new password is set") {
				t.Fatalf("reset: %d at %s", r.status, r.url)
			}
			if r := owner.get("/studies"); r.url != "/login" {
				t.Errorf("the old session survived the reset: %s", r.url)
			}
			if r := env.api("GET", "/api/v1/studies/1", token, "", ""); r.status != http.StatusUnauthorized {
				t.Errorf("the API token survived the reset: %d", r.status)
			}
			if _, r := loginWith(t, env, "olga@example.org", "a long test password"); r.status != http.StatusUnauthorized {
				t.Errorf("the old password still works: %d", r.status)
			}
			if _, r := loginWith(t, env, "olga@example.org", "olgas new password"); r.status != http.StatusOK {
				t.Errorf("the new password: %d", r.status)
			}
			if r := env.browser().get(link); r.status != http.StatusNotFound {
				t.Errorf("a used link: %d", r.status)
			}

			// An expired link.
			x.post("/login/forgot", url.Values{"email": {"olga@example.org"}})
			msgs = smtp.WaitForMessages(2, 10*time.Second)
			if len(msgs) != 2 {
				t.Fatalf("second reset e-mail: %d", len(msgs))
			}
			late := resetLinkRE.FindString(msgs[1].Text)
			if _, err := env.store.DB().Exec(env.store.DB().Rebind(`UPDATE account_links SET expires_at = ? WHERE used_at IS NULL`), time.Now().UTC().Add(-time.Minute)); err != nil {
				t.Fatal(err)
			}
			if r := env.browser().get(late); r.status != http.StatusNotFound {
				t.Errorf("an expired link: %d", r.status)
			}

			// Five requests a minute per address.
			var last response
			for range 5 {
				last = x.post("/login/forgot", url.Values{"email": {"someone@example.org"}})
			}
			if last.status != http.StatusTooManyRequests {
				t.Errorf("requests are not limited: %d", last.status)
			}
			env.app.accountMail.Wait()
		})
	}
	t.Run("without SMTP", func(t *testing.T) {
		env := newTestEnv(t, "sqlite")
		b := env.browser()
		mustContain(t, "login page", b.get("/login").body, `href="/login/forgot"`)
		mustContain(t, "forgot page", b.get("/login/forgot").body, "does not send e-mail", "delphi user password")
	})
}

var (
	totpSecretRE   = regexp.MustCompile(`<code id="totp-secret">([A-Z2-7]+)</code>`)
	recoveryCodeRE = regexp.MustCompile(`<li><code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code></li>`)
)

// TestTwoFactor: a coordinator turns the second factor on (key, otpauth
// URI and QR code; a wrong code leaves it off), gets recovery codes once;
// login then stops after the password, without a session, until a right
// code; a code works once, a recovery code works once; wrong codes end the
// login after five; turning it off needs the password and a code.
func TestTwoFactor(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		b, u := env.coordinator("tom@example.org", "Tom")
		mustContain(t, "account page", b.get("/account").body, "Set up two-factor authentication")
		r := b.post("/account/2fa/setup", url.Values{})
		m := totpSecretRE.FindStringSubmatch(r.body)
		if m == nil {
			t.Fatalf("no key shown: %s", r.body)
		}
		secret := m[1]
		mustContain(t, "set-up page", r.body, "data:image/png;base64,", "otpauth://totp/Delphi:tom@example.org?")
		if r := b.post("/account/2fa/enable", url.Values{"code": {"000000"}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "still off") {
			t.Errorf("a wrong code: %d", r.status)
		}
		now, _ := totp.GenerateCode(secret, time.Now())
		r = b.post("/account/2fa/enable", url.Values{"code": {now}})
		codes := recoveryCodeRE.FindAllStringSubmatch(r.body, -1)
		if len(codes) != recoveryCodeCount {
			t.Fatalf("recovery codes: %d in %s", len(codes), r.body)
		}
		var stored []string
		if err := env.store.DB().Select(&stored, env.store.DB().Rebind(`SELECT code_hash FROM recovery_codes WHERE user_id = ?`), u.ID); err != nil || len(stored) != recoveryCodeCount {
			t.Fatalf("stored codes: %v %v", stored, err)
		}
		for _, h := range stored {
			if strings.Contains(r.body, h) || strings.Contains(h, strings.ReplaceAll(codes[0][1], "-", "")) {
				t.Error("a recovery code is stored as it is")
			}
		}
		mustContain(t, "account page", b.get("/account").body, "On: logging in asks for a code", "10 unused recovery codes left")

		// Login: the password alone gives no session.
		x, r := loginWith(t, env, "tom@example.org", "a long test password")
		if r.url != "/login/code" {
			t.Fatalf("after the password: %d at %s", r.status, r.url)
		}
		if r := x.get("/account"); r.url != "/login" {
			t.Errorf("the half-finished login opens the account page: %s", r.url)
		}
		if r := x.post("/login/code", url.Values{"code": {"123456"}}); r.status != http.StatusUnauthorized {
			t.Errorf("a wrong code: %d", r.status)
		}
		next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
		if r := x.post("/login/code", url.Values{"code": {next}}); r.url != "/studies" || !strings.Contains(r.body, "Your studies") {
			t.Fatalf("the right code: %d at %s", r.status, r.url)
		}
		y, _ := loginWith(t, env, "tom@example.org", "a long test password")
		if r := y.post("/login/code", url.Values{"code": {next}}); r.status != http.StatusUnauthorized {
			t.Errorf("a code used twice: %d at %s", r.status, r.url)
		}
		if r := y.post("/login/code", url.Values{"code": {strings.ToUpper(codes[0][1])}}); r.url != "/studies" {
			t.Errorf("a recovery code: %d at %s", r.status, r.url)
		}
		z, _ := loginWith(t, env, "tom@example.org", "a long test password")
		if r := z.post("/login/code", url.Values{"code": {codes[0][1]}}); r.status != http.StatusUnauthorized {
			t.Errorf("a recovery code used twice: %d", r.status)
		}

		// Turning it off needs the password and a code.
		if r := b.post("/account/2fa/disable", url.Values{"password": {"wrong password!"}, "code": {codes[1][1]}}); r.status != http.StatusUnprocessableEntity {
			t.Errorf("off with a wrong password: %d", r.status)
		}
		if r := b.post("/account/2fa/disable", url.Values{"password": {"a long test password"}, "code": {"nonsense"}}); r.status != http.StatusUnprocessableEntity {
			t.Errorf("off with a wrong code: %d", r.status)
		}
		if r := b.post("/account/2fa/disable", url.Values{"password": {"a long test password"}, "code": {codes[1][1]}}); !strings.Contains(r.body, "Two-factor authentication is off") {
			t.Errorf("off: %d", r.status)
		}
		if _, r := loginWith(t, env, "tom@example.org", "a long test password"); r.url != "/studies" {
			t.Errorf("login after turning it off: %s", r.url)
		}
	})
}

// TestTwoFactorWrongCodes: five wrong codes end the half-finished login;
// after ten wrong codes in a short time the account refuses even the
// right code for a while, however many times the password step is
// repeated, so codes cannot be guessed.
func TestTwoFactorWrongCodes(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		b, _ := env.coordinator("tom@example.org", "Tom")
		secret := totpSecretRE.FindStringSubmatch(b.post("/account/2fa/setup", url.Values{}).body)[1]
		code, _ := totp.GenerateCode(secret, time.Now())
		b.post("/account/2fa/enable", url.Values{"code": {code}})

		for range 2 {
			x, _ := loginWith(t, env, "tom@example.org", "a long test password")
			var r response
			for i := range twoFactorFailures {
				r = x.post("/login/code", url.Values{"code": {"00000" + itoa(int64(i))}})
			}
			if r.url != "/login" || !strings.Contains(r.body, "Too many wrong codes") {
				t.Errorf("after five wrong codes: %d at %s", r.status, r.url)
			}
		}
		x, _ := loginWith(t, env, "tom@example.org", "a long test password")
		next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
		if r := x.post("/login/code", url.Values{"code": {next}}); r.status != http.StatusTooManyRequests {
			t.Errorf("right after ten wrong codes: %d", r.status)
		}
	})
}

// TestPasswordChangeRevokesTokens: the account page lists tokens with
// their last use; changing the password revokes them unless "keep my API
// tokens" is ticked.
func TestPasswordChangeRevokesTokens(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		b, _ := env.coordinator("pia@example.org", "Pia")
		token := apiTokenFor(t, b)
		mustContain(t, "tokens page", b.get("/account/tokens").body, "never", "Keep my API tokens")
		if r := env.api("POST", "/api/v1/studies", token, "application/json", `{"title":"By script","scale_min":1,"scale_max":5}`); r.status != http.StatusCreated {
			t.Fatalf("API: %d %s", r.status, r.body)
		}
		page := b.get("/account/tokens").body
		if strings.Contains(page, ">never<") {
			t.Error("the last use is not shown")
		}
		r := b.post("/account/password", url.Values{"current": {"a long test password"}, "new": {"pias second password"}, "confirm": {"pias second password"}})
		mustContain(t, "after the change", r.body, "your API tokens revoked", "revoked")
		if r := env.api("GET", "/api/v1/studies/1", token, "", ""); r.status != http.StatusUnauthorized {
			t.Errorf("the token survived the password change: %d", r.status)
		}

		kept := apiTokenFor(t, b)
		r = b.post("/account/password", url.Values{"current": {"pias second password"}, "new": {"pias third password"}, "confirm": {"pias third password"}, "keep_tokens": {"on"}})
		mustContain(t, "after the change", r.body, "your API tokens still work")
		if r := env.api("GET", "/api/v1/studies/1", kept, "", ""); r.status != http.StatusOK {
			t.Errorf("the kept token: %d", r.status)
		}
	})
}

package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/store"
)

// TestPasswordChange: a coordinator changes the password on the account
// page; wrong, mismatched and short ones change nothing; the change logs
// out the account's other sessions and keeps this one; wrong current
// passwords hit the login limit. An administrator's reset ends the
// account's sessions.
func TestPasswordChange(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		b, ana := env.coordinator("ana@example.org", "Ana")
		other := env.browser()
		other.get("/login")
		other.post("/login", url.Values{"email": {"ana@example.org"}, "password": {"a long test password"}})
		mustContain(t, "account page", b.get("/account").body, "Your account", `action="/account/password"`, "API tokens")

		change := func(cur, nw, again string) response {
			return b.post("/account/password", url.Values{"current": {cur}, "new": {nw}, "confirm": {again}})
		}
		for _, c := range []struct{ cur, nw, again, want string }{
			{"wrong password", "a brand new password", "a brand new password", "Your current password is wrong"},
			{"a long test password", "a brand new password", "a brand new passw0rd", "differ"},
			{"a long test password", "short", "short", "at least 10 characters"},
		} {
			if r := change(c.cur, c.nw, c.again); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, c.want) {
				t.Errorf("%+v: %d", c, r.status)
			}
		}
		if r := change("a long test password", "a brand new password", "a brand new password"); r.status != http.StatusOK || !strings.Contains(r.body, "Password changed") {
			t.Fatalf("change: %d %s", r.status, r.body)
		}
		if r := b.get("/studies"); r.url != "/studies" {
			t.Errorf("the browser that changed the password was logged out: %s", r.url)
		}
		if r := other.get("/studies"); !strings.HasPrefix(r.url, "/login") {
			t.Errorf("another session survived the change: %s", r.url)
		}
		login := func(pw string) int {
			x := env.browser()
			x.get("/login")
			return x.post("/login", url.Values{"email": {"ana@example.org"}, "password": {pw}}).status
		}
		if login("a long test password") != http.StatusUnauthorized || login("a brand new password") != http.StatusOK {
			t.Error("the old password still works, or the new one does not")
		}

		// The administrator's reset, for a forgotten password (`delphi user
		// password`, tested in server/commands_test.go, calls this).
		hash, err := auth.HashPassword("reset by the admin")
		if err != nil {
			t.Fatal(err)
		}
		if err := env.store.SetUserPassword(context.Background(), ana.ID, hash); err != nil {
			t.Fatal(err)
		}
		if r := b.get("/studies"); !strings.HasPrefix(r.url, "/login") {
			t.Errorf("the reset did not end the sessions: %s", r.url)
		}
		if login("reset by the admin") != http.StatusOK {
			t.Error("the reset password does not work")
		}

		// Last, as it blocks the account's logins for a while: guessing
		// the current password is limited like logging in.
		b = env.browser()
		b.get("/login")
		b.post("/login", url.Values{"email": {"ana@example.org"}, "password": {"reset by the admin"}})
		limited := false
		for range 30 {
			if change("guess", "another new password", "another new password").status == http.StatusTooManyRequests {
				limited = true
				break
			}
		}
		if !limited {
			t.Error("wrong current passwords are not limited")
		}
	})
}

// TestCollaboratorRoles: a coordinator changes a collaborator's role and
// removes them; the change takes effect at once and is in the audit log;
// the owner's place cannot be changed.
func TestCollaboratorRoles(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		owner, u := env.coordinator("owner@example.org", "Olga Owner")
		colleague, cu := env.coordinator("colleague@example.org", "Carl Colleague")
		st, err := env.store.CreateStudy(context.Background(), u.ID, store.StudyInfo{Title: "T", Languages: []string{"en"}, MaxRounds: 2}, defaultScaleForTest())
		if err != nil {
			t.Fatal(err)
		}
		sp := "/studies/" + itoa(st.ID)
		owner.post(sp+"/members", url.Values{"email": {"colleague@example.org"}, "role": {"coordinator"}})
		if r := colleague.post(sp+"/statements", url.Values{"statements": {"Before accepting"}}); r.status != http.StatusNotFound {
			t.Fatalf("an invitation not accepted yet opens the study: %d", r.status)
		}
		colleague.post("/invitations/"+itoa(st.ID)+"/accept", url.Values{})
		if r := colleague.post(sp+"/statements", url.Values{"statements": {"From the colleague"}}); r.status != http.StatusOK {
			t.Fatalf("a coordinator cannot edit: %d", r.status)
		}
		page := owner.get(sp + "/settings")
		mustContain(t, "settings", page.body, `action="`+sp+`/members/`+itoa(cu.ID)+`"`, "New role for Carl Colleague")
		if strings.Contains(page.body, `action="`+sp+`/members/`+itoa(u.ID)+`"`) {
			t.Error("the owner's role has a form")
		}

		owner.post(sp+"/members/"+itoa(cu.ID), url.Values{"role": {"researcher"}})
		if r := colleague.post(sp+"/statements", url.Values{"statements": {"Again"}}); r.status != http.StatusForbidden {
			t.Errorf("a researcher edits: %d", r.status)
		}
		if r := colleague.get(sp + "/results"); r.status != http.StatusOK {
			t.Errorf("a researcher cannot read results: %d", r.status)
		}
		if r := owner.post(sp+"/members/"+itoa(u.ID), url.Values{"role": {"researcher"}}); r.status != http.StatusNotFound {
			t.Errorf("the owner's role changed: %d", r.status)
		}
		if r := owner.post(sp+"/members/"+itoa(cu.ID), url.Values{"role": {"owner"}}); r.status != http.StatusUnprocessableEntity {
			t.Errorf("role owner: %d", r.status)
		}
		owner.post(sp+"/members/"+itoa(cu.ID), url.Values{"role": {"remove"}})
		if r := colleague.get(sp + "/results"); r.status != http.StatusNotFound {
			t.Errorf("a removed collaborator still reads the study: %d", r.status)
		}
		mustContain(t, "audit log", owner.get(sp+"/audit").body, "change member role", "remove member", "colleague@example.org")
	})
}

var setupLinkRE = regexp.MustCompile(`/account/setup/[A-Za-z0-9_-]+`)

// TestCollaboratorInvitation: a coordinator adds someone without an
// account; the one-time link, shown once, lets them choose a password and
// arrive in the study with their role; it works once and not after it
// expires; an account without a password cannot log in.
func TestCollaboratorInvitation(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		owner, u := env.coordinator("owner@example.org", "Olga Owner")
		st, err := env.store.CreateStudy(context.Background(), u.ID, store.StudyInfo{Title: "Invited study", Languages: []string{"en"}, MaxRounds: 2}, defaultScaleForTest())
		if err != nil {
			t.Fatal(err)
		}
		sp := "/studies/" + itoa(st.ID)
		r := owner.post(sp+"/members", url.Values{"email": {"nina@example.org"}, "role": {"researcher"}})
		mustContain(t, "no name", r.body, "give the person&#39;s name too")
		if r := owner.post(sp+"/members", url.Values{"email": {"not-an-address"}, "name": {"X"}, "role": {"researcher"}}); !strings.Contains(r.body, "Not added") {
			t.Errorf("bad address: %d", r.status)
		}
		r = owner.post(sp+"/members", url.Values{"email": {" Nina@Example.org "}, "name": {"Nina New"}, "role": {"researcher"}})
		link := setupLinkRE.FindString(r.body)
		if r.status != http.StatusOK || link == "" || !strings.Contains(r.body, "Nina New &lt;nina@example.org&gt;") {
			t.Fatalf("invite: %d %s", r.status, r.body)
		}
		mustContain(t, "audit", owner.get(sp+"/audit").body, "invite member", "nina@example.org")

		// Before the link is used, no password opens the account.
		x := env.browser()
		x.get("/login")
		if r := x.post("/login", url.Values{"email": {"nina@example.org"}, "password": {""}}); r.status != http.StatusUnauthorized {
			t.Errorf("login to an account without a password: %d", r.status)
		}

		nina := env.browser()
		mustContain(t, "set-up page", nina.get(link).body, "Welcome, Nina New", "nina@example.org")
		if r := nina.post(link, url.Values{"new": {"short"}, "confirm": {"short"}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "at least 10") {
			t.Errorf("short password: %d", r.status)
		}
		if r := nina.post(link, url.Values{"new": {"ninas own password"}, "confirm": {"ninas own passw0rd"}}); r.status != http.StatusUnprocessableEntity {
			t.Errorf("mismatch: %d", r.status)
		}
		r = nina.post(link, url.Values{"new": {"ninas own password"}, "confirm": {"ninas own password"}})
		if r.url != "/studies" || !strings.Contains(r.body, "Your account is ready") || !strings.Contains(r.body, "Invited study") {
			t.Fatalf("set up: %d at %s", r.status, r.url)
		}
		if r := nina.get(sp + "/results"); r.status != http.StatusOK {
			t.Errorf("the researcher cannot read results: %d", r.status)
		}
		if r := nina.post(sp+"/statements", url.Values{"statements": {"x"}}); r.status != http.StatusForbidden {
			t.Errorf("the researcher edits: %d", r.status)
		}
		if r := env.browser().get(link); r.status != http.StatusNotFound {
			t.Errorf("a used link: %d", r.status)
		}
		y := env.browser()
		y.get("/login")
		if r := y.post("/login", url.Values{"email": {"nina@example.org"}, "password": {"ninas own password"}}); r.status != http.StatusOK {
			t.Errorf("login with the chosen password: %d", r.status)
		}

		// An expired link.
		r = owner.post(sp+"/members", url.Values{"email": {"omar@example.org"}, "name": {"Omar Old"}, "role": {"coordinator"}})
		late := setupLinkRE.FindString(r.body)
		if _, err := env.store.DB().Exec(env.store.DB().Rebind(`UPDATE account_links SET expires_at = ? WHERE user_id = (SELECT id FROM users WHERE email = ?)`),
			time.Now().UTC().Add(-time.Minute), "omar@example.org"); err != nil {
			t.Fatal(err)
		}
		if r := env.browser().get(late); r.status != http.StatusNotFound {
			t.Errorf("an expired link: %d", r.status)
		}
	})
}

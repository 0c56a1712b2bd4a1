package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/delphi-platform/delphi/internal/store"
)

// TestPasswordChange: a coordinator changes the password on the account
// page; wrong, mismatched and short ones change nothing; the change logs
// out the account's other sessions and keeps this one; wrong current
// passwords hit the login limit. `delphi user password` resets a
// forgotten one.
func TestPasswordChange(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		b, _ := env.coordinator("ana@example.org", "Ana")
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

		// The administrator's reset, for a forgotten password.
		var out strings.Builder
		if err := env.runStdin("reset by the admin\n", &out, "user", "password", "--email", "ana@example.org"); err != nil || !strings.Contains(out.String(), "new password set for Ana") {
			t.Fatalf("user password: %v %q", err, out.String())
		}
		if r := b.get("/studies"); !strings.HasPrefix(r.url, "/login") {
			t.Errorf("the reset did not end the sessions: %s", r.url)
		}
		if login("reset by the admin") != http.StatusOK {
			t.Error("the reset password does not work")
		}
		if err := env.runStdin("reset by the admin\n", nil, "user", "password", "--email", "nobody@example.org"); err == nil || !strings.Contains(err.Error(), "no account for nobody@example.org") {
			t.Errorf("unknown account: %v", err)
		}
		if err := env.runStdin("short\n", nil, "user", "password", "--email", "ana@example.org"); err == nil || !strings.Contains(err.Error(), "at least 10") {
			t.Errorf("short password: %v", err)
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

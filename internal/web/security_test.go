package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// publicRoute lists the routes anyone may reach: the login, health checks,
// static files, and the link routes of experts and new collaborators
// (which check the link).
func publicRoute(path string) bool {
	switch {
	case path == "/" || path == "/login" || path == "/logout" || path == "/healthz" || path == "/readyz":
		return true
	case strings.HasPrefix(path, "/static/"), strings.HasPrefix(path, "/r/"), path == "/e" || strings.HasPrefix(path, "/e/"):
		return true
	case strings.HasPrefix(path, "/i/"), path == "/ideas" || strings.HasPrefix(path, "/ideas/"): // round 0's links
		return true
	case strings.HasPrefix(path, "/account/setup/"): // a new collaborator's one-time link (TestCollaboratorInvitation)
		return true
	case path == "/login/forgot", strings.HasPrefix(path, "/account/reset/"): // a forgotten password (TestForgotPassword)
		return true
	}
	return false
}

var paramRE = regexp.MustCompile(`:[a-z]+`)

// TestEveryRouteNeedsAuthentication walks the route table: every
// coordinator page and API route refuses a request without a session or
// token, whatever the method, so a new route cannot be left open by mistake.
func TestEveryRouteNeedsAuthentication(t *testing.T) {
	env := newTestEnv(t, "sqlite")
	b := env.browser()
	b.get("/login") // a CSRF cookie, so POSTs get past CSRF to the login check
	checked := 0
	for _, r := range env.app.echo.Routes() {
		if publicRoute(r.Path) || r.Method == "echo_route_not_found" {
			continue
		}
		path := paramRE.ReplaceAllString(r.Path, "1")
		checked++
		if strings.HasPrefix(path, "/api/") {
			if resp := env.api(r.Method, path, "", "application/json", "{}"); resp.status != http.StatusUnauthorized {
				t.Errorf("%s %s without a token: %d", r.Method, r.Path, resp.status)
			}
			continue
		}
		var resp response
		switch r.Method {
		case http.MethodGet:
			resp = b.get(path)
		case http.MethodPost:
			resp = b.post(path, url.Values{})
		default:
			t.Errorf("%s %s: no check for this method", r.Method, r.Path)
			continue
		}
		if resp.url != "/login" {
			t.Errorf("%s %s without a session ended at %s (%d)", r.Method, r.Path, resp.url, resp.status)
		}
	}
	if checked < 40 {
		t.Errorf("only %d protected routes found; the route walk is broken", checked)
	}
}

// TestEveryFormNeedsCSRF: a logged-in coordinator's POST without the CSRF
// token is refused on every form route.
func TestEveryFormNeedsCSRF(t *testing.T) {
	env := newTestEnv(t, "sqlite")
	b, _ := env.coordinator("coord@example.org", "Coord")
	b.noCSRF = true
	for _, r := range env.app.echo.Routes() {
		if r.Method != http.MethodPost || strings.HasPrefix(r.Path, "/api/") || strings.HasSuffix(r.Path, "/decline") {
			continue // the API uses tokens; decline is one-click unsubscribe
		}
		path := paramRE.ReplaceAllString(r.Path, "1")
		if resp := b.post(path, url.Values{}); resp.status != http.StatusForbidden {
			t.Errorf("POST %s without a CSRF token: %d", r.Path, resp.status)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	for _, base := range []string{"http://127.0.0.1:8080", "https://delphi.example.org"} {
		env := newTestEnvWith(t, "sqlite", map[string]string{"DELPHI_BASE_URL": base})
		r := env.browser().get("/login")
		h := r.header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("CSP %q", csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("headers %v", h)
		}
		if hsts := h.Get("Strict-Transport-Security"); (hsts != "") != strings.HasPrefix(base, "https") {
			t.Errorf("HSTS %q with base URL %s", hsts, base)
		}
	}
}

// TestBodyLimit: a request body over the limit is refused before a handler reads it.
func TestBodyLimit(t *testing.T) {
	env := newTestEnv(t, "sqlite")
	token := tokenFor(t, env, "coord@example.org")
	big := `{"title":"` + strings.Repeat("x", 5<<20) + `","scale_min":1,"scale_max":5}`
	if r := env.api("POST", "/api/v1/studies", token, "application/json", big); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("5 MiB body: %d", r.status)
	}
}

// TestXSSEscapedEverywhere puts a script payload into a study title, a
// statement, an expert's name and a comment, and reads every page that
// shows them, the expert's page and the e-mail.
func TestXSSEscapedEverywhere(t *testing.T) {
	const payload = `<script>alert("x")</script><img src=x onerror=alert(1)>`
	env := newTestEnv(t, "sqlite")
	b, u := env.coordinator("coord@example.org", "Coord")
	b.post("/studies", url.Values{"title": {"Study " + payload}, "scale": {"1-5"}})
	studies, _ := env.store.StudiesForUser(t.Context(), u.ID)
	base := "/studies/" + itoa(studies[0].ID)
	b.post(base+"/statements", url.Values{"statements": {"Statement " + payload}, "section": {"Topic " + payload}})
	b.post(base+"/panel/experts", url.Values{"email": {"x@example.org"}, "name": {"Name " + payload}})
	r := b.post(base+"/rounds", url.Values{})
	roundPath := r.url
	b.post(roundPath+"/settings", url.Values{"deadline": {"2099-01-01T10:00"}})
	b.post(roundPath+"/launch", url.Values{})
	pages := []string{"/studies", base, base + "/settings", base + "/statements", base + "/panel", base + "/audit", base + "/rounds", roundPath, roundPath + "/outbox",
		base + "/emails", base + "/emails/invitation/en/preview.html"}
	msgs, _ := env.store.OutboxByRound(t.Context(), mustRoundID(t, roundPath))
	pages = append(pages, base+"/outbox/"+itoa(msgs[0].ID), base+"/panel/experts/"+itoa(msgs[0].ExpertID.Int64),
		base+"/panel/experts/"+itoa(msgs[0].ExpertID.Int64)+"/erase")
	link := linkRE.FindString(msgs[0].TextBody)
	ex := env.browser()
	lu, _ := url.Parse(link)
	ex.get(lu.Path)
	consentPage := ex.get("/e").body
	ex.consent(t)
	rss, _ := env.store.RoundStatements(t.Context(), mustRoundID(t, roundPath))
	ex.post("/e", url.Values{"r" + itoa(rss[0].ID): {"4"}, "c" + itoa(rss[0].ID): {"Comment " + payload}})
	ex.post("/e/submit", url.Values{"confirm": {"unanswered"}})
	b.post(roundPath+"/close", url.Values{"confirm": {"yes"}})
	check := func(what, body string) {
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
			t.Errorf("%s shows the payload unescaped", what)
		}
	}
	for _, p := range pages {
		r := b.get(p)
		if r.status != http.StatusOK {
			t.Errorf("%s: %d", p, r.status)
		}
		check(p, r.body)
	}
	check("closed round page", b.get(roundPath).body)
	check("expert page", ex.get("/e").body)
	check("consent page", consentPage)
	check("e-mail HTML", msgs[0].HTMLBody)
	if !strings.Contains(b.get(roundPath).body, "Comment &lt;script&gt;") {
		t.Error("the comment is not on the closed round's page at all")
	}
}

// TestRateLimits: password guessing and link-token guessing are slowed
// down (429) after a burst, per address.
func TestRateLimits(t *testing.T) {
	env := newTestEnv(t, "sqlite")
	b := env.browser()
	b.get("/login")
	var last int
	for i := 0; i < 12; i++ {
		last = b.post("/login", url.Values{"email": {"victim@example.org"}, "password": {"guess"}}).status
	}
	if last != http.StatusTooManyRequests {
		t.Errorf("12th wrong password: %d; want 429", last)
	}
	// Both kinds of personal link and the account set-up link, each on a fresh server.
	for _, prefix := range []string{"/r/", "/i/", "/account/setup/"} {
		b := newTestEnv(t, "sqlite").browser()
		last := 0
		for i := 0; i < 400 && last != http.StatusTooManyRequests; i++ {
			last = b.get(prefix + "guess" + itoa(int64(i)) + strings.Repeat("A", 40)).status
		}
		if last != http.StatusTooManyRequests {
			t.Errorf("400 guessed links %s…: last answer %d; want 429", prefix, last)
		}
	}
}

package web

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/auth"
)

// postFrom posts a form as the browser does, with X-Forwarded-For set
// (what a client may write, or what a trusted proxy appends).
func (b *browser) postFrom(xff, path string, form url.Values) response {
	form.Set("csrf", b.csrf())
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	return b.do(req)
}

// getFrom is get with X-Forwarded-For and X-Real-IP set to xff.
func (b *browser) getFrom(xff, path string) response {
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	req.Header.Set("X-Forwarded-For", xff)
	req.Header.Set("X-Real-IP", xff)
	return b.do(req)
}

// apiFrom calls the API with a token and forwarding headers.
func (env *testEnv) apiFrom(xff, path, token string) int {
	env.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, env.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("X-Forwarded-For", xff)
	req.Header.Set("X-Real-IP", xff)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		env.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// rawGet sends GET path exactly as written, as curl --path-as-is does
// (Go's client would clean or re-encode it).
func rawGet(t *testing.T, env *testEnv, path string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", env.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestRateLimitsIgnoreForgedForwardedFor: without trusted proxies a client
// that writes a new X-Forwarded-For / X-Real-IP on every request is still
// counted under its socket's address: unknown API tokens, guessed links
// and wrong passwords all reach 429. Behind a trusted proxy, the address
// the proxy appends counts, never what the client wrote before it.
func TestRateLimitsIgnoreForgedForwardedFor(t *testing.T) {
	t.Run("no proxy", func(t *testing.T) {
		env := newTestEnv(t, "sqlite")
		statuses := map[int]int{}
		for i := range 60 {
			statuses[env.apiFrom(fmt.Sprintf("198.51.100.%d", i), "/api/v1/studies/1", "unknown-token-"+itoa(int64(i)))]++
		}
		if statuses[http.StatusTooManyRequests] == 0 {
			t.Errorf("60 unknown tokens with rotating forwarding headers: %v; want 429s", statuses)
		}
		b := env.browser()
		last := 0
		for i := 0; i < 400 && last != http.StatusTooManyRequests; i++ {
			last = b.getFrom(fmt.Sprintf("203.0.113.%d", i%250), "/r/guess"+itoa(int64(i))+strings.Repeat("A", 40)).status
		}
		if last != http.StatusTooManyRequests {
			t.Errorf("guessed links with rotating forwarding headers: last %d; want 429", last)
		}
		b.get("/login")
		last = 0
		for i := range auth.PairBurst + 2 {
			last = b.postFrom(fmt.Sprintf("192.0.2.%d", i), "/login", url.Values{"email": {"victim@example.org"}, "password": {"guess"}}).status
		}
		if last != http.StatusTooManyRequests {
			t.Errorf("wrong passwords with rotating X-Forwarded-For: last %d; want 429", last)
		}
	})
	t.Run("trusted proxy", func(t *testing.T) {
		env := newTestEnvWith(t, "sqlite", map[string]string{"DELPHI_TRUSTED_PROXIES": "127.0.0.1/32, ::1"})
		// The client forges the left end; the proxy appends the real peer.
		statuses := map[int]int{}
		for i := range 60 {
			statuses[env.apiFrom(fmt.Sprintf("198.51.100.%d, 203.0.113.9", i), "/api/v1/studies/1", "unknown")]++
		}
		if statuses[http.StatusTooManyRequests] == 0 {
			t.Errorf("one client behind the proxy, forged left ends: %v; want 429s", statuses)
		}
		// Sixty different clients behind the proxy: each has its own bucket.
		statuses = map[int]int{}
		for i := range 60 {
			statuses[env.apiFrom(fmt.Sprintf("198.51.100.%d", i), "/api/v1/studies/1", "unknown")]++
		}
		if statuses[http.StatusUnauthorized] != 60 {
			t.Errorf("60 clients behind the proxy: %v; want 60 × 401", statuses)
		}
	})
}

// TestLoginParallelGuesses: 30 wrong passwords posted at once from one
// address: only auth.PairBurst are checked with argon2 (401), the others
// are refused before (429), and no more checks ran at once than the slots.
func TestLoginParallelGuesses(t *testing.T) {
	env := newTestEnv(t, "sqlite")
	env.coordinator("owner@example.org", "Owner")
	before, _ := env.app.logins.Stats()
	b := env.browser()
	b.get("/login")
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for i := range 30 {
		wg.Go(func() {
			s := b.post("/login", url.Values{"email": {"owner@example.org"}, "password": {"guess " + itoa(int64(i))}}).status
			mu.Lock()
			statuses[s]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if statuses[http.StatusUnauthorized] != auth.PairBurst || statuses[http.StatusTooManyRequests] != 30-auth.PairBurst {
		t.Errorf("30 parallel guesses: %v; want %d × 401, the rest 429", statuses, auth.PairBurst)
	}
	after, peak := env.app.logins.Stats()
	if after-before != auth.PairBurst || peak > int64(auth.Slots(1<<40, runtime.GOMAXPROCS(0))) {
		t.Errorf("%d argon2 checks, %d at once; want %d, within the slots", after-before, peak, auth.PairBurst)
	}
}

// TestLoginOwnerNotLockedOut: an attacker failing 20 times from one
// address does not lock the owner out of the account from another.
func TestLoginOwnerNotLockedOut(t *testing.T) {
	env := newTestEnvWith(t, "sqlite", map[string]string{"DELPHI_TRUSTED_PROXIES": "127.0.0.1"})
	env.coordinator("owner@example.org", "Owner")
	attacker := env.browser()
	attacker.get("/login")
	statuses := map[int]int{}
	for range 20 {
		statuses[attacker.postFrom("203.0.113.66", "/login", url.Values{"email": {"owner@example.org"}, "password": {"guess"}}).status]++
	}
	if statuses[http.StatusTooManyRequests] == 0 {
		t.Errorf("20 guesses from one address: %v; want 429s", statuses)
	}
	owner := env.browser()
	owner.get("/login")
	r := owner.postFrom("192.0.2.10", "/login", url.Values{"email": {"owner@example.org"}, "password": {"a long test password"}})
	if r.status != http.StatusOK || r.url != "/studies" {
		t.Errorf("the owner from another address: %d at %s; want logged in", r.status, r.url)
	}
}

// TestLoginUnknownAccountRunsArgon2: a login for an e-mail address that
// has no account runs one argon2 check, as a known one does, so its
// answer takes as long and does not reveal who has an account.
func TestLoginUnknownAccountRunsArgon2(t *testing.T) {
	env := newTestEnv(t, "sqlite")
	env.coordinator("owner@example.org", "Owner")
	b := env.browser()
	b.get("/login")
	for _, email := range []string{"nobody@example.org", "owner@example.org"} {
		before, _ := env.app.logins.Stats()
		if r := b.post("/login", url.Values{"email": {email}, "password": {"wrong password"}}); r.status != http.StatusUnauthorized {
			t.Errorf("%s: %d", email, r.status)
		}
		if after, _ := env.app.logins.Stats(); after != before+1 {
			t.Errorf("%s: %d argon2 checks; want 1", email, after-before)
		}
	}
}

// TestLoginLongEmailsBoundedMemory: 150 logins with 2 MB e-mail addresses
// from rotating addresses (behind a trusted proxy, so each is a new
// limiter key) are refused before any lookup, and the heap grows by less
// than 20 MB: no limiter holds the addresses.
func TestLoginLongEmailsBoundedMemory(t *testing.T) {
	env := newTestEnvWith(t, "sqlite", map[string]string{"DELPHI_TRUSTED_PROXIES": "127.0.0.1"})
	b := env.browser()
	b.get("/login")
	long := strings.Repeat("a", 2<<20) + "@example.org"
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	for i := range 150 {
		r := b.postFrom(fmt.Sprintf("198.51.100.%d", i), "/login", url.Values{"email": {fmt.Sprint(i, long)}, "password": {"x"}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "at most 254 characters") || strings.Contains(r.body, "aaaaaaaaaa") {
			t.Fatalf("a 2 MB e-mail address: %d (%d bytes of page)", r.status, len(r.body))
		}
	}
	growth := int64(heap()) - int64(before)
	t.Logf("heap growth after 150 × 2 MB e-mail addresses: %.1f MB", float64(growth)/(1<<20))
	if growth > 20<<20 {
		t.Errorf("heap grew by %d MB; want < 20 MB", growth>>20)
	}
}

// TestSafeNext: only clean local paths survive as the place to go after
// the login.
func TestSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"/studies/3/rounds":        "/studies/3/rounds",
		"/studies?tab=x#y":         "/studies?tab=x#y",
		"/studies/%2F":             "/studies/%2F",
		"":                         "/studies",
		"studies":                  "/studies",
		"//evil.example/x":         "/studies",
		"/\t/evil.example/x":       "/studies",
		"/\n/evil.example":         "/studies",
		"/\r/evil.example":         "/studies",
		"/ /evil.example":          "/studies",
		"/\\evil.example":          "/studies",
		"/\\\\evil.example":        "/studies",
		"https://evil.example/":    "/studies",
		"/\u00a0/evil.example":     "/studies",
		"/\u200b/evil.example":     "/studies",
		"/\x00/evil.example":       "/studies",
		"/%09/evil.example/x":      "/%09/evil.example/x", // stays percent-encoded in the Location: a path
		"javascript:alert(1)":      "/studies",
		"/studies\x7f/evil":        "/studies",
		"/./\t/evil.example/x":     "/studies",
		"/studies/\u00e9l\u00e8ve": "/studies/\u00e9l\u00e8ve",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q; want %q", next, got, want)
		}
	}
	// The reported attack, through the login form: next=%2F%09%2Fevil.example%2Fx.
	env := newTestEnv(t, "sqlite")
	env.coordinator("owner@example.org", "Owner")
	b := env.browser()
	b.get("/login?next=%2F%09%2Fevil.example%2Fx")
	b.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	r := b.post("/login", url.Values{"email": {"owner@example.org"}, "password": {"a long test password"}, "next": {"/\t/evil.example/x"}})
	if loc := r.header.Get("Location"); r.status != http.StatusSeeOther || loc != "/studies" {
		t.Errorf("login with next=/<tab>/evil.example/x: %d to %q; want /studies", r.status, loc)
	}
}

// TestSlowRequestsAreCut: the server Serve runs has read, write and idle
// timeouts, and a request body sent a byte at a time is cut off at the
// read timeout rather than holding the connection open.
func TestSlowRequestsAreCut(t *testing.T) {
	env := newTestEnv(t, "sqlite")
	srv := newHTTPServer(env.app.echo)
	if srv.ReadHeaderTimeout != readHeaderTimeout || srv.ReadTimeout != readTimeout || srv.WriteTimeout != writeTimeout || srv.IdleTimeout != idleTimeout {
		t.Fatalf("timeouts %+v", srv)
	}
	if readTimeout > 2*time.Minute || writeTimeout < time.Minute {
		t.Errorf("read timeout %v, write timeout %v: out of the sensible range", readTimeout, writeTimeout)
	}
	// The same server with a short read timeout, so the test is quick.
	srv.ReadTimeout = 500 * time.Millisecond
	ts := httptest.NewUnstartedServer(nil)
	ts.Config = srv
	ts.Start()
	defer ts.Close()
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nemail=")
	start := time.Now()
	cut := make(chan time.Duration, 1)
	go func() {
		io.Copy(io.Discard, bufio.NewReader(conn)) // returns when the server closes the connection
		cut <- time.Since(start)
	}()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	giveUp := time.After(10 * time.Second)
	for {
		select {
		case d := <-cut:
			if d > 3*time.Second {
				t.Errorf("cut after %v; want about the read timeout", d)
			}
			return
		case <-tick.C:
			conn.Write([]byte("a")) // a byte at a time; errors once the server has closed
		case <-giveUp:
			t.Fatal("a body sent a byte at a time is still being read after 10 s")
		}
	}
}

// TestStaticServesOnlyStaticFiles: /static/ serves templates/static and
// nothing else embedded beside it, and lists no directory.
func TestStaticServesOnlyStaticFiles(t *testing.T) {
	env := newTestEnv(t, "sqlite")
	if r := env.browser().get("/static/app.css"); r.status != http.StatusOK || !strings.Contains(r.header.Get("Content-Type"), "text/css") {
		t.Errorf("app.css: %d %s", r.status, r.header.Get("Content-Type"))
	}
	for _, path := range []string{"/static/%2e%2e/layout.html", "/static/../email/defaults/en/invitation.txt", "/static/..%2flayout.html",
		"/static/", "/static/%2e%2e/", "/static/pages/login.html", "/static/./", "/static//app.css/"} {
		status, body := rawGet(t, env, path)
		if status != http.StatusNotFound || strings.Contains(body, "{{") || strings.Contains(body, "app.css</a>") {
			t.Errorf("GET %s: %d %.80q; want 404", path, status, body)
		}
	}
}

// TestPersonalPagesNotStored: pages and exports with personal data tell
// browsers and proxies not to keep a copy: a coordinator's pages, the
// expert's page, and the subject-access export (page and API).
func TestPersonalPagesNotStored(t *testing.T) {
	env := newTestEnv(t, "sqlite")
	p := newPrivacyStudy(t, env, "anonymise")
	b := env.loggedIn("coord@example.org")
	sp := "/studies/" + itoa(p.study.ID)
	ex := env.browser()
	u, _ := url.Parse(p.links[eraseEmail])
	ex.get(u.Path)
	for what, r := range map[string]response{
		"login page":    env.browser().get("/login"),
		"studies":       b.get("/studies"),
		"panel":         b.get(sp + "/panel"),
		"expert's page": ex.get("/e"),
		"export (page)": b.get(sp + "/panel/experts/" + itoa(p.expertID) + "/export"),
		"export (API)":  env.api("GET", "/api/v1"+sp+"/panel/"+itoa(p.expertID)+"/export", p.token, "", ""),
		"results (API)": env.api("GET", "/api/v1"+sp+"/results", p.token, "", ""),
	} {
		if r.status != http.StatusOK || r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: %d, Cache-Control %q; want no-store", what, r.status, r.header.Get("Cache-Control"))
		}
	}
}

// TestCSRFCookieRotatesAtLoginAndLogout: the CSRF token a browser held
// before logging in (which someone may have read or planted) is replaced
// at the login and at the logout, and the old one no longer passes.
func TestCSRFCookieRotatesAtLoginAndLogout(t *testing.T) {
	env := newTestEnv(t, "sqlite")
	env.coordinator("owner@example.org", "Owner")
	b := env.browser()
	b.get("/login")
	before := b.csrf()
	if r := b.post("/login", url.Values{"email": {"owner@example.org"}, "password": {"a long test password"}}); r.url != "/studies" {
		t.Fatalf("login: %d at %s", r.status, r.url)
	}
	afterLogin := b.csrf()
	if before == "" || afterLogin == before {
		t.Fatalf("CSRF token %q before the login, %q after", before, afterLogin)
	}
	old := url.Values{"title": {"Planted"}, "scale": {"1-5"}, "csrf": {before}}
	b.noCSRF = true
	if r := b.post("/studies", old); r.status != http.StatusForbidden {
		t.Errorf("a form with the pre-login token: %d; want 403", r.status)
	}
	b.noCSRF = false
	if r := b.post("/logout", url.Values{}); r.url != "/login" {
		t.Fatalf("logout: %d at %s", r.status, r.url)
	}
	if afterLogout := b.csrf(); afterLogout == afterLogin || afterLogout == "" {
		t.Errorf("CSRF token %q after the logout; was %q", afterLogout, afterLogin)
	}
}

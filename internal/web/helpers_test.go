package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/config"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/store/storetest"
	"github.com/delphi-platform/delphi/rounds"
)

// testEnv is the whole application on a fresh database, served by httptest.
type testEnv struct {
	t     testing.TB
	extra map[string]string // more DELPHI_* variables
	url   string            // database URL
	store *store.Store
	app   *App
	srv   *httptest.Server
}

// engines runs fn once per database engine, both at once: each run has
// its own server and database, and most of a run's time is spent
// waiting on its database, so the two overlap well on two cores.
func engines(t *testing.T, fn func(t *testing.T, env *testEnv)) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			fn(t, newTestEnv(t, engine))
		})
	}
}

// enginesInTurn is engines one engine after the other, for tests that
// drive a browser: those already run beside each other (t.Parallel at
// their top), and more Chromiums at once would starve two cores.
func enginesInTurn(t *testing.T, fn func(t *testing.T, env *testEnv)) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { fn(t, newTestEnv(t, engine)) })
	}
}

// newBenchEnv is a SQLite test environment with the demo study, for benchmarks.
func newBenchEnv(b *testing.B) *testEnv {
	b.Helper()
	t := &testing.T{}
	env := &testEnv{t: t, url: "sqlite:" + b.TempDir() + "/bench.db"}
	ctx := context.Background()
	if err := run(ctx, []string{"migrate"}, env.getenv, strings.NewReader(""), io.Discard, io.Discard); err != nil {
		b.Fatal(err)
	}
	if err := run(ctx, []string{"demo"}, env.getenv, strings.NewReader(""), io.Discard, io.Discard); err != nil {
		b.Fatal(err)
	}
	s, err := store.Open(ctx, env.url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	cfg, _ := config.Parse(env.getenv)
	a, err := New(cfg, s, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(a.ratings.Close)
	env.store, env.app = s, a
	env.srv = httptest.NewServer(a.echo)
	b.Cleanup(env.srv.Close)
	return env
}

func newTestEnv(t *testing.T, engine string) *testEnv {
	return newTestEnvWith(t, engine, nil)
}

// newTestEnvWith starts the application with extra environment variables,
// such as DELPHI_SMTP_URL.
func newTestEnvWith(t testing.TB, engine string, extra map[string]string) *testEnv {
	t.Helper()
	return newTestEnvLogging(t, engine, extra, testLog{t})
}

// newTestEnvLogging is newTestEnvWith with the errors the app logs written
// to errlog (a fuzz target cannot log through its *testing.F).
func newTestEnvLogging(t testing.TB, engine string, extra map[string]string, errlog io.Writer) *testEnv {
	t.Helper()
	dbURL := storetest.URL(t, engine)
	env := &testEnv{t: t, url: dbURL, extra: extra}
	if err := env.run(nil, "migrate"); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	cfg, err := config.Parse(env.getenv)
	if err != nil {
		t.Fatal(err)
	}
	// Errors the app logs show up in the test's output.
	a, err := New(cfg, s, slog.New(slog.NewTextHandler(errlog, &slog.HandlerOptions{Level: slog.LevelError})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.ratings.Close)
	env.store, env.app = s, a
	env.srv = httptest.NewUnstartedServer(a.echo)
	env.srv.Start()
	t.Cleanup(env.srv.Close)
	return env
}

func (env *testEnv) getenv(k string) string {
	if v, ok := env.extra[k]; ok {
		return v
	}
	switch k {
	case "DELPHI_DATABASE_URL":
		return env.url
	case "DELPHI_LOG_LEVEL":
		return "error"
	}
	return ""
}

// run runs a delphi command in-process and returns its error; stdout goes to out.
func (env *testEnv) run(out io.Writer, args ...string) error {
	return env.runStdin("", out, args...)
}

func (env *testEnv) runStdin(stdin string, out io.Writer, args ...string) error {
	if out == nil {
		out = io.Discard
	}
	return run(context.Background(), args, env.getenv, strings.NewReader(stdin), out, io.Discard)
}

// coordinator creates an account and returns a logged-in browser for it.
func (env *testEnv) coordinator(email, name string) (*browser, store.User) {
	env.t.Helper()
	hash, err := auth.HashPassword("a long test password")
	if err != nil {
		env.t.Fatal(err)
	}
	u, err := env.store.CreateUser(context.Background(), email, name, hash)
	if err != nil {
		env.t.Fatal(err)
	}
	return env.loggedIn(email), u
}

// loggedIn returns a browser logged in to an account made by the tests
// (coordinator, tokenFor), whose password is the tests' own.
func (env *testEnv) loggedIn(email string) *browser {
	env.t.Helper()
	b := env.browser()
	b.get("/login")
	resp := b.post("/login", url.Values{"email": {email}, "password": {"a long test password"}})
	if resp.status != http.StatusOK || !strings.Contains(resp.body, "Your studies") {
		env.t.Fatalf("login failed: %d %s", resp.status, resp.body)
	}
	return b
}

// browser is an HTTP client with a cookie jar that follows redirects and
// sends the CSRF token as a form would.
type browser struct {
	t      testing.TB
	base   string
	client *http.Client
	noCSRF bool
}

func (env *testEnv) browser() *browser {
	return env.browserTB(env.t)
}

// browserTB is a browser that reports to t (a test or a benchmark).
func (env *testEnv) browserTB(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: env.srv.URL, client: &http.Client{Jar: jar}}
}

type response struct {
	status int
	body   string
	header http.Header
	url    string
}

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, string(body), resp.Header, resp.Request.URL.Path}
}

func (b *browser) get(path string) response {
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	return b.do(req)
}

func (b *browser) csrf() string {
	u, _ := url.Parse(b.base)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == "delphi_csrf" {
			return c.Value
		}
	}
	return ""
}

func (b *browser) post(path string, form url.Values) response {
	if !b.noCSRF {
		form.Set("csrf", b.csrf())
	}
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// upload posts a multipart form with one file field.
func (b *browser) upload(path, field, filename, content string) response {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("csrf", b.csrf())
	fw, _ := w.CreateFormFile(field, filename)
	_, _ = io.WriteString(fw, content)
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, b.base+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}

// api calls the JSON API with a bearer token ("" for none).
func (env *testEnv) api(method, path, token, contentType, body string) response {
	env.t.Helper()
	req, _ := http.NewRequest(method, env.srv.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		env.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, string(b), resp.Header, path}
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s does not contain %q", what, w)
		}
	}
}

// testLog writes log lines to the test's log.
type testLog struct{ t testing.TB }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func defaultScaleForTest() rounds.Scale { return rounds.DefaultScale(1, 5) }

// consent accepts the information sheet, as an expert does on first visit.
func (b *browser) consent(t *testing.T) (int, string) {
	t.Helper()
	r := b.post("/e/consent", url.Values{"agree": {"yes"}})
	return r.status, r.body
}

package web

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// bigRound2 sets up a round 2 of 100 statements, every one carried with
// group feedback and a chosen comment, and returns a request for an
// expert's page: the heaviest page an expert gets.
func bigRound2(t testing.TB) (*testEnv, *http.Request) {
	env := newTestEnvWith(t, "sqlite", nil)
	statements := make([]string, 100)
	for i := range statements {
		statements[i] = fmt.Sprintf("Statement %d: health services should accept patients without documents and without asking about their residence status.", i+1)
	}
	s := newExpertStudy(t, env, nil, statements, defaultPanel)
	for e, p := range defaultPanel {
		answers, comments := map[int]string{}, map[int]string{}
		for i := range statements {
			answers[i] = fmt.Sprint(1 + (i+e)%5) // 1..5 once each: no consensus, all carried
			if e == 0 {
				comments[i] = "This depends a lot on the region and on the kind of service."
			}
		}
		s.rate(t, s.expert(t, p.email), answers, comments, true)
	}
	inv, _ := env.store.InvitationFor(t.Context(), s.round.ID, expertID(t, env, s.id, "e1@example.org"))
	for _, rs := range s.round.Statements {
		if err := env.store.SetCommentShown(t.Context(), inv.ID, rs.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	s.close(t)
	s.launch(t, `{"show_groups":true}`, len(defaultPanel))
	if len(s.round.Statements) != 100 {
		t.Fatalf("round 2 has %d statements", len(s.round.Statements))
	}
	s.expert(t, "e1@example.org")
	req := httptest.NewRequest(http.MethodGet, "/e", nil)
	req.AddCookie(&http.Cookie{Name: expertCookie, Value: strings.TrimPrefix(s.links["e1@example.org"], "/r/")})
	return env, req
}

// served returns the size of a response as sent to a browser that
// accepts gzip (as every browser does), and uncompressed.
func served(t testing.TB, env *testEnv, req *http.Request) (sent, raw int) {
	t.Helper()
	req = req.Clone(req.Context())
	req.Header.Set("Accept-Encoding", "gzip")
	rec := httptest.NewRecorder()
	env.app.echo.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("%s: %d, Content-Encoding %q", req.URL.Path, rec.Code, rec.Header().Get("Content-Encoding"))
	}
	sent = rec.Body.Len()
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, zr)
	if err != nil {
		t.Fatal(err)
	}
	return sent, int(n)
}

// TestExpertPageWeight: the rating page of 100 statements with feedback,
// with its CSS and script, is under 150 KB as sent (compressed), and the
// uncompressed size is logged for docs/benchmarks.md.
func TestExpertPageWeight(t *testing.T) {
	env, req := bigRound2(t)
	rec := httptest.NewRecorder()
	env.app.echo.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || strings.Count(rec.Body.String(), "<svg") != 100 {
		t.Fatalf("page: %d with %d charts", rec.Code, strings.Count(rec.Body.String(), "<svg"))
	}
	sent, raw := 0, 0
	for _, r := range []*http.Request{req, httptest.NewRequest(http.MethodGet, "/static/app.css", nil), httptest.NewRequest(http.MethodGet, "/static/expert.js", nil)} {
		s, n := served(t, env, r)
		t.Logf("%s: %d B sent, %d B uncompressed", r.URL.Path, s, n)
		sent, raw = sent+s, raw+n
	}
	t.Logf("100 statements with feedback, HTML+CSS+JS: %d B sent, %d B uncompressed", sent, raw)
	if sent > 150*1024 {
		t.Errorf("the page weighs %d B as sent; the budget is 150 KB", sent)
	}
}

// BenchmarkExpertPage renders that page on the server, database reads
// included (SQLite):
//
//	go test -run '^$' -bench ExpertPage -benchmem ./server/
func BenchmarkExpertPage(b *testing.B) {
	env, req := bigRound2(b)
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		env.app.echo.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}

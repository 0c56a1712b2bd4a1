package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/delphi-platform/delphi/internal/config"
	"github.com/delphi-platform/delphi/internal/workflow"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLogLinesCarryRequestID: with DELPHI_LOG_FORMAT=json every line
// logged while serving a request carries that request's id, the one sent
// back in X-Request-Id: the request line, an error, and a line a handler
// logs without naming the id itself.
func TestLogLinesCarryRequestID(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		p := newPrivacyStudy(t, env, "anonymise")
		var buf syncBuffer
		env.app.useLogger(NewLogger(config.Config{LogFormat: "json"}, &buf))

		ids := map[string]string{} // request id → what it was
		for what, r := range map[string]response{
			"erase":     env.api("DELETE", "/api/v1/studies/"+itoa(p.study.ID)+"/panel/"+itoa(p.expertID), p.token, "", ""),
			"not found": env.api("GET", "/api/v1/studies/999", p.token, "", ""),
			"page":      env.browser().get("/login"),
		} {
			id := r.header.Get("X-Request-Id")
			if len(id) < 16 {
				t.Fatalf("%s: X-Request-Id %q", what, id)
			}
			ids[id] = what
		}
		// A request id sent by a proxy in front is kept.
		req, _ := http.NewRequest("GET", env.srv.URL+"/healthz", nil)
		req.Header.Set("X-Request-Id", "from-the-proxy-1234")
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.Header.Get("X-Request-Id") != "from-the-proxy-1234" {
			t.Fatalf("proxy id: %v %v", err, resp.Header)
		}
		ids["from-the-proxy-1234"] = "proxy"

		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		seen := map[string]map[string]bool{} // request id → messages
		for _, l := range lines {
			var rec map[string]any
			if err := json.Unmarshal([]byte(l), &rec); err != nil {
				t.Fatalf("not one JSON object per line: %q", l)
			}
			id, _ := rec["request_id"].(string)
			if ids[id] == "" {
				t.Errorf("line without a known request id: %s", l)
				continue
			}
			if strings.Count(l, `"request_id"`) != 1 {
				t.Errorf("request_id twice: %s", l)
			}
			if seen[id] == nil {
				seen[id] = map[string]bool{}
			}
			seen[id][rec["msg"].(string)] = true
		}
		for id, what := range ids {
			if !seen[id]["request"] {
				t.Errorf("%s: no request line with id %s in\n%s", what, id, buf.String())
			}
		}
		for id, what := range ids {
			if what == "erase" && !seen[id]["expert erased"] {
				t.Errorf("the handler's own line lacks the request id:\n%s", buf.String())
			}
		}
	})
}

// TestLogsHideLinkTokens: the request line of a personal link (an
// expert's, round 0's, a new collaborator's) does not carry its token,
// which would open the link; the database keeps only its hash.
func TestLogsHideLinkTokens(t *testing.T) {
	env := newTestEnv(t, "sqlite")
	var buf syncBuffer
	env.app.useLogger(NewLogger(config.Config{LogFormat: "json"}, &buf))
	const token = "Zm9vYmFyLXRoaXMtaXMtYS10b2tlbi10aGF0LW11c3Qtbm90LWxlYWs"
	paths := []string{"/r/" + token, "/r/" + token + "/decline", "/i/" + token, "/i/" + token + "/decline", "/account/setup/" + token, "/account/reset/" + token,
		// Paths that match no route, and a token sent percent-encoded.
		"/r/" + token + "/", "/r/" + token + "/decline/x", "/i/" + token + "/x/y", "/account/setup/" + token + "/",
		"//r/" + token, "/R/" + token, "/r/" + percentEncode(token), "/%72/" + percentEncode(token) + "/decline"}
	for _, path := range paths {
		rawGet(t, env, path)
	}
	logged := buf.String()
	if strings.Contains(logged, token) || strings.Count(logged, "[token]") < len(paths) {
		t.Errorf("link tokens in the log:\n%s", logged)
	}
}

// TestEveryTokenRouteIsRedacted: each route whose path holds a secret
// (":token") starts with one of the prefixes the logger redacts, so a
// new kind of link cannot leak into the logs by being forgotten there.
func TestEveryTokenRouteIsRedacted(t *testing.T) {
	env := newTestEnv(t, "sqlite")
	for _, r := range env.app.echo.Routes() {
		i := strings.Index(r.Path, ":token")
		if i < 0 {
			continue
		}
		if !slices.Contains(tokenPrefixes, r.Path[:i]) {
			t.Errorf("%s %s: its token is not redacted in the log (tokenPrefixes)", r.Method, r.Path)
		}
	}
}

// percentEncode writes every byte of s as %XX.
func percentEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, "%%%02X", s[i])
	}
	return b.String()
}

// useLogger makes the application and its workflows log to l.
func (a *App) useLogger(l *slog.Logger) {
	a.log = l
	a.flow = workflow.New(a.store, a.cfg.BaseURL, l, a.notifyMail)
}

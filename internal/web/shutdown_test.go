package web

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/mail/smtptest"
)

var listenRE = regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)

// TestGracefulShutdown runs the real `delphi serve` and stops it (as on
// SIGTERM) while experts are saving ratings: serve returns cleanly, every
// save it acknowledged is in the database, and no e-mail is left "sending".
func TestGracefulShutdown(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			smtp := smtptest.Start(t)
			env := newTestEnvWith(t, engine, map[string]string{"DELPHI_SMTP_URL": smtp.URL()})
			ctx := context.Background()
			token := tokenFor(t, env, "coord@example.org")
			var st studyJSON
			decodeInto(t, env.api("POST", "/api/v1/studies", token, "application/json", `{"title":"Shutdown","scale_min":1,"scale_max":9}`), &st)
			sp := "/api/v1/studies/" + itoa(st.ID)
			env.api("POST", sp+"/statements", token, "application/json", `[{"text":"A"},{"text":"B"},{"text":"C"}]`)
			panel := "email,name,stakeholder_group,country,language\n"
			for i := 0; i < 8; i++ {
				panel += fmt.Sprintf("e%d@example.org,E%d,,,en\n", i, i)
			}
			env.api("POST", sp+"/panel", token, "text/csv", panel)
			r1 := decodeRound(t, env.api("POST", sp+"/rounds", token, "", ""))

			// The real server, on a free port, sharing the database.
			serveCtx, stop := context.WithCancel(ctx)
			pr, pw := io.Pipe()
			getenv := func(k string) string {
				if k == "DELPHI_LISTEN" {
					return "127.0.0.1:0"
				}
				return env.getenv(k)
			}
			done := make(chan error, 1)
			go func() { done <- run(serveCtx, []string{"serve"}, getenv, strings.NewReader(""), pw, io.Discard) }()
			line, _ := bufio.NewReader(pr).ReadString('\n')
			go func() { _, _ = io.Copy(io.Discard, pr) }()
			addr := listenRE.FindStringSubmatch(line)
			if addr == nil {
				t.Fatalf("serve printed %q", line)
			}
			base := "http://" + addr[1]

			// Launch through the real server: its dispatcher sends the invitations.
			req, _ := http.NewRequest("POST", base+"/api/v1/rounds/"+itoa(r1.ID)+"/launch", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
				t.Fatalf("launch: %v", err)
			}
			msgs := smtp.WaitForMessages(8, 10*time.Second)
			if len(msgs) != 8 {
				t.Fatalf("%d invitations", len(msgs))
			}

			// Eight experts save ratings in a loop; stop the server meanwhile.
			var mu sync.Mutex
			acked := map[string]int{} // e-mail → last acknowledged rating
			var wg sync.WaitGroup
			for _, m := range msgs {
				email, link := m.To[0], linkIn(t, m.Text)
				u, _ := url.Parse(link)
				wg.Add(1)
				go func() {
					defer wg.Done()
					jar, _ := cookiejar.New(nil)
					c := &http.Client{Jar: jar, Timeout: 5 * time.Second}
					resp, err := c.Get(base + u.Path)
					if err != nil {
						return
					}
					resp.Body.Close()
					var csrf string
					bu, _ := url.Parse(base)
					for _, ck := range jar.Cookies(bu) {
						if ck.Name == "delphi_csrf" {
							csrf = ck.Value
						}
					}
					// The 303 after a save is its acknowledgment: do not follow it,
					// or a save acknowledged just before the shutdown looks lost.
					c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
					if resp, err := c.PostForm(base+"/e/consent", url.Values{"csrf": {csrf}, "agree": {"yes"}}); err == nil {
						resp.Body.Close()
					}
					for i := 1; ; i++ {
						v := 1 + i%9
						form := url.Values{"csrf": {csrf}, "r" + itoa(r1.Statements[0].ID): {fmt.Sprint(v)}}
						resp, err := c.PostForm(base+"/e", form)
						if err != nil {
							return // the server is gone
						}
						resp.Body.Close()
						if resp.StatusCode != http.StatusSeeOther {
							return
						}
						mu.Lock()
						acked[email] = v
						mu.Unlock()
					}
				}()
			}
			time.Sleep(300 * time.Millisecond)
			stop()
			if err := <-done; err != nil {
				t.Fatalf("serve returned %v", err)
			}
			wg.Wait()

			if len(acked) == 0 {
				t.Fatal("no save was acknowledged before the shutdown")
			}
			statuses, _ := env.store.RoundStatuses(ctx, r1.ID)
			ratings, _ := env.store.RatingsByRound(ctx, r1.ID)
			byExpert := map[int64]int{}
			for _, r := range ratings {
				byExpert[r.ExpertID] = int(r.Rating.Rating.Int64)
			}
			// Each expert's stored rating is the last one acknowledged:
			// nothing acknowledged was lost, nothing unacknowledged stored.
			for _, s := range statuses {
				want, ok := acked[s.Email]
				got, stored := byExpert[s.ExpertID]
				if ok != stored || got != want {
					t.Errorf("%s: stored %d (%v), last acknowledged %d (%v)", s.Email, got, stored, want, ok)
				}
			}
			counts, _ := env.store.OutboxCounts(ctx, r1.ID)
			if counts["sending"] != 0 || counts["sent"] != 8 {
				t.Errorf("outbox after shutdown: %v", counts)
			}
		})
	}
}

package web

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/store/storetest"
)

// startBinary runs the built delphi binary with env and returns its base
// URL once it listens.
func startBinary(t *testing.T, bin string, env []string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	m := listenRE.FindStringSubmatch(line)
	if m == nil {
		_ = cmd.Process.Kill()
		t.Fatalf("serve printed %q", line)
	}
	return cmd, "http://" + m[1]
}

// TestCrashKeepsAcknowledgedRatings kills the server with SIGKILL while
// experts save ratings, restarts it, and checks that every acknowledged
// save is in the database exactly once, that every invitation with an
// answer is marked started (the trigger wrote in the same statement), and
// that SQLite's file is intact. On both engines: their batch writes differ.
func TestCrashKeepsAcknowledgedRatings(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "delphi")
	build := exec.Command("go", "build", "-o", bin, "../../server")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { crashWhileSaving(t, bin, storetest.URL(t, engine)) })
	}
}

func crashWhileSaving(t *testing.T, bin, dbURL string) {
	env := []string{"DELPHI_DATABASE_URL=" + dbURL, "DELPHI_LISTEN=127.0.0.1:0", "DELPHI_LOG_LEVEL=error", "DELPHI_SMTP_URL="}
	for _, args := range [][]string{{"migrate"}, {"demo"}} {
		c := exec.Command(bin, args...)
		c.Env = append(os.Environ(), env...)
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	// Prepare and launch round 1 of the demo study directly in the store.
	ctx := context.Background()
	s, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	// The demo's round 3 is open.
	r := demoOpenRound(t, s)
	msgs, _ := s.OutboxByRound(ctx, r.ID)
	rss, _ := s.RoundStatements(ctx, r.ID)
	s.Close()

	cmd, base := startBinary(t, bin, env)
	var mu sync.Mutex
	acked := map[string]map[int64]int{} // link → statement → last acknowledged rating
	inflight := map[string][2]int64{}   // link → the save sent last (statement, rating)
	ackedSaves := 0
	var wg sync.WaitGroup
	for _, m := range msgs[:20] {
		link := linkRE.FindString(m.TextBody)
		link = link[strings.Index(link, "/r/"):]
		wg.Add(1)
		go func() {
			defer wg.Done()
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar, Timeout: 5 * time.Second,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			if _, err := c.Get(base + link); err != nil {
				return
			}
			bu, _ := url.Parse(base)
			csrf := ""
			for _, ck := range jar.Cookies(bu) {
				if ck.Name == "delphi_csrf" {
					csrf = ck.Value
				}
			}
			if resp, err := c.PostForm(base+"/e/consent", url.Values{"csrf": {csrf}, "agree": {"yes"}}); err != nil {
				return
			} else {
				resp.Body.Close()
			}
			for i := 0; ; i++ {
				// The page's autosave: a 200 is the acknowledgment. Each pass
				// over the statements gives new values, so a lost update shows.
				rs, v := rss[i%len(rss)].ID, 1+(i/len(rss)+i)%5
				mu.Lock()
				inflight[link] = [2]int64{rs, int64(v)}
				mu.Unlock()
				resp, err := c.PostForm(base+"/e/answer", url.Values{"csrf": {csrf}, "s": {fmt.Sprint(rs)}, "r": {fmt.Sprint(v)}})
				if err != nil {
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					return
				}
				mu.Lock()
				if acked[link] == nil {
					acked[link] = map[int64]int{}
				}
				acked[link][rs] = v
				ackedSaves++
				mu.Unlock()
			}
		}()
	}
	// Kill once the experts are past their first pass over the statements
	// (so answers are being changed, not only written), however long a
	// loaded machine takes to get there.
	for start := time.Now(); time.Since(start) < 15*time.Second; time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		n := ackedSaves
		mu.Unlock()
		if n >= 20*len(rss)*3/2 {
			break
		}
	}
	time.Sleep(100 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no save acknowledged before the kill")
	}

	// Restart: the server comes back on the same file.
	cmd2, base2 := startBinary(t, bin, env)
	defer func() { _ = cmd2.Process.Kill(); _ = cmd2.Wait() }()
	if resp, err := http.Get(base2 + "/readyz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("after restart /readyz: %v", err)
	}
	s, err = store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if res, err := s.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Fatalf("integrity_check after SIGKILL: %q %v", res, err)
	}
	var unmarked int
	if err := s.DB().GetContext(ctx, &unmarked, s.DB().Rebind(`SELECT COUNT(*) FROM invitations i
		WHERE i.round_id = ? AND i.started_at IS NULL AND EXISTS (SELECT 1 FROM ratings x WHERE x.invitation_id = i.id)`), r.ID); err != nil || unmarked != 0 {
		t.Errorf("%d invitations with answers not marked started (%v)", unmarked, err)
	}
	ratings, _ := s.RatingsByRound(ctx, r.ID)
	stored := map[int64]map[int64]int{} // expert → statement → rating
	for _, x := range ratings {
		if stored[x.ExpertID] == nil {
			stored[x.ExpertID] = map[int64]int{}
		}
		if _, dup := stored[x.ExpertID][x.RoundStatementID]; dup {
			t.Errorf("expert %d has two rows for one statement", x.ExpertID)
		}
		stored[x.ExpertID][x.RoundStatementID] = int(x.Rating.Rating.Int64)
	}
	total := 0
	for _, m := range msgs[:20] {
		link := linkRE.FindString(m.TextBody)
		link = link[strings.Index(link, "/r/"):]
		for rs, v := range acked[link] {
			total++
			// The save in flight at the kill may or may not have committed.
			got, ok := stored[m.ExpertID.Int64][rs]
			if f := inflight[link]; ok && f[0] == rs && int64(got) == f[1] {
				continue
			}
			if !ok || got != v {
				t.Errorf("expert %d statement %d: stored %d (%v), last acknowledged %d", m.ExpertID.Int64, rs, got, ok, v)
			}
		}
	}
	t.Logf("%d saves acknowledged; the last of each of %d (expert, statement) checked after SIGKILL", ackedSaves, total)
}

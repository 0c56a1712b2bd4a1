package main

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
// save is in the database exactly once and that SQLite is intact.
func TestCrashKeepsAcknowledgedRatings(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "delphi")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dbURL := "sqlite:" + filepath.Join(dir, "delphi.db")
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
				// The page's autosave: a 200 is the acknowledgment.
				rs, v := rss[i%len(rss)].ID, 1+i%5
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
				mu.Unlock()
			}
		}()
	}
	// Kill once saves are flowing (not after a fixed time: on a loaded
	// machine the experts may still be opening their links).
	for start := time.Now(); time.Since(start) < 15*time.Second; time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		n := 0
		for _, m := range acked {
			n += len(m)
		}
		mu.Unlock()
		if n >= 40 {
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
			// Each client cycles through all statements, and 30 statements
			// give the same value again on the next pass, so an unacknowledged
			// save in flight at the kill cannot change an acknowledged value.
			got, ok := stored[m.ExpertID.Int64][rs]
			if !ok || got != v {
				t.Errorf("expert %d statement %d: stored %d (%v), last acknowledged %d", m.ExpertID.Int64, rs, got, ok, v)
			}
		}
	}
	t.Logf("%d acknowledged (expert, statement) ratings checked after SIGKILL", total)
}

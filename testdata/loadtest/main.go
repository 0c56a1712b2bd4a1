// Command loadtest measures how the platform holds up when many panel
// experts save ratings at once, and compares it with a hello-world echo
// handler on the same machine, so the result reads as a ratio.
//
//	go run ./testdata/loadtest -panelists 500 -duration 20s            # SQLite
//	go run ./testdata/loadtest -db 'postgres://…/test?sslmode=disable'  # PostgreSQL
//
// It builds the real binary, starts `delphi serve` on a fresh database
// with a study of 30 statements and one expert per panelist, launches
// round 1, and lets every panelist open their personal link and save one
// rating after another (the plain form post, acknowledged by a 303) for
// the duration. Only loopback addresses are used; it stops by itself.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

func main() {
	panelists := flag.Int("panelists", 500, "concurrent experts")
	duration := flag.Duration("duration", 20*time.Second, "how long each side is loaded")
	dbURL := flag.String("db", "", "PostgreSQL URL of an empty database/schema (default: a fresh SQLite file)")
	think := flag.Duration("think", 0, "pause between one panelist's saves, ±50 % (0: save flat out, to measure throughput)")
	flag.Parse()
	if err := run(*panelists, *duration, *dbURL, *think); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func run(panelists int, duration time.Duration, dbURL string, think time.Duration) error {
	dir, err := os.MkdirTemp("", "delphi-load")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if dbURL == "" {
		dbURL = "sqlite:" + filepath.Join(dir, "delphi.db")
	}
	bin := filepath.Join(dir, "delphi")
	build := exec.Command("go", "build", "-o", bin, "./server")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build: %v\n%s", err, out)
	}
	env := append(os.Environ(), "DELPHI_DATABASE_URL="+dbURL, "DELPHI_LISTEN=127.0.0.1:0", "DELPHI_LOG_LEVEL=error", "DELPHI_SMTP_URL=", "DELPHI_BASE_URL=http://load.test")
	migrate := exec.Command(bin, "migrate")
	migrate.Env = env
	if out, err := migrate.CombinedOutput(); err != nil {
		return fmt.Errorf("migrate: %v\n%s", err, out)
	}
	links, rsIDs, err := setup(dbURL, panelists)
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = env
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	line, _ := bufio.NewReader(out).ReadString('\n')
	m := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`).FindStringSubmatch(line)
	if m == nil {
		return fmt.Errorf("serve printed %q", line)
	}
	engine := "SQLite"
	if strings.HasPrefix(dbURL, "postgres") {
		engine = "PostgreSQL"
	}
	delphi := load("http://"+m[1], links, rsIDs, duration, think)

	hello, stop, err := helloServer()
	if err != nil {
		return err
	}
	defer stop()
	base := load(hello, links, rsIDs, duration, think)

	fmt.Printf("machine: %d CPUs; %d concurrent panelists, %v each side, think time %v\n", runtimeCPUs(), panelists, duration, think)
	fmt.Printf("%-28s %10s %8s %8s %8s %8s\n", "", "saves/s", "p50", "p95", "p99", "errors")
	delphi.print("delphi rating saves (" + engine + ")")
	base.print("hello-world echo handler")
	fmt.Printf("throughput ratio: %.0f %% of hello-world\n", 100*delphi.rate/base.rate)
	return nil
}

// setup creates the study, the panel and an open round 1 in the database
// and returns one personal link per panelist (as paths) and the round's
// statement ids.
func setup(dbURL string, panelists int) ([]string, []int64, error) {
	ctx := context.Background()
	s, err := store.Open(ctx, dbURL)
	if err != nil {
		return nil, nil, err
	}
	defer s.Close()
	u, err := s.CreateUser(ctx, "load@example.org", "Load", "-")
	if err != nil {
		return nil, nil, err
	}
	st, err := s.CreateStudy(ctx, u.ID, store.StudyInfo{Title: "Load", Languages: []string{"en"}, MaxRounds: 3}, rounds.DefaultScale(1, 9))
	if err != nil {
		return nil, nil, err
	}
	var items []store.NewStatement
	for i := 0; i < 30; i++ {
		items = append(items, store.NewStatement{Text: fmt.Sprintf("Statement %d", i+1), Section: fmt.Sprintf("Topic %d", i/8+1)})
	}
	sts, err := s.AddStatements(ctx, st.ID, u.ID, items)
	if err != nil {
		return nil, nil, err
	}
	var experts []store.NewExpert
	for i := 0; i < panelists; i++ {
		experts = append(experts, store.NewExpert{Email: fmt.Sprintf("p%04d@example.org", i), Name: fmt.Sprintf("P%d", i), Language: "en"})
	}
	if _, err := s.ImportExperts(ctx, st.ID, u.ID, experts); err != nil {
		return nil, nil, err
	}
	var nrs []store.NewRoundStatement
	for _, x := range sts {
		nrs = append(nrs, store.NewRoundStatement{StatementID: x.ID, Text: x.Text, Origin: rounds.OriginNew})
	}
	r, err := s.CreateRound(ctx, st.ID, u.ID, store.NewRound{Scope: rounds.InvitePanel, Deadline: time.Now().Add(24 * time.Hour), Statements: nrs})
	if err != nil {
		return nil, nil, err
	}
	es, err := s.Invitees(ctx, r)
	if err != nil {
		return nil, nil, err
	}
	var invites []store.NewInvitation
	var links []string
	for _, e := range es {
		tok, hash := auth.NewToken()
		links = append(links, "/r/"+tok)
		invites = append(invites, store.NewInvitation{ExpertID: e.ID, TokenHash: hash, Message: store.NewMessage{
			StudyID: st.ID, RoundID: r.ID, ExpertID: e.ID, Kind: "invitation", ToAddress: e.Email, Subject: "-", TextBody: "-", HTMLBody: "-", Secret: tok}})
	}
	if err := s.LaunchRound(ctx, r.ID, u.ID, invites); err != nil {
		return nil, nil, err
	}
	rss, err := s.RoundStatements(ctx, r.ID)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]int64, len(rss))
	for i, x := range rss {
		ids[i] = x.ID
	}
	return links, ids, nil
}

// helloServer is the baseline: echo, the same middleware-free path cost
// of a tiny form post answered with a redirect.
func helloServer() (string, func(), error) {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/r/:token", func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, "/e") })
	e.GET("/e", func(c echo.Context) error { return c.String(http.StatusOK, "hello") })
	e.POST("/e/consent", func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, "/e") })
	e.POST("/e/answer", func(c echo.Context) error {
		_ = c.FormValue("r")
		return c.JSON(http.StatusOK, map[string]any{"saved": true})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: e}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}

type result struct {
	saves, errors int
	rate          float64
	latencies     []time.Duration
}

func (r result) pct(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[min(len(r.latencies)-1, int(p*float64(len(r.latencies))))]
}

func (r result) print(name string) {
	fmt.Printf("%-28s %10.0f %8s %8s %8s %8d\n", name, r.rate, r.pct(0.50).Round(10*time.Microsecond),
		r.pct(0.95).Round(10*time.Microsecond), r.pct(0.99).Round(10*time.Microsecond), r.errors)
}

// load lets every panelist open their link, then save ratings one after
// another until the duration is over.
func load(base string, links []string, rsIDs []int64, duration, think time.Duration) result {
	transport := &http.Transport{MaxIdleConnsPerHost: len(links), MaxConnsPerHost: 0}
	var mu sync.Mutex
	var all result
	var wg sync.WaitGroup
	start := make(chan struct{})
	var deadline time.Time
	for i, link := range links {
		wg.Add(1)
		go func() {
			defer wg.Done()
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar, Transport: transport, Timeout: 30 * time.Second,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := c.Get(base + link)
			if err == nil {
				resp.Body.Close()
			}
			csrf := ""
			bu, _ := url.Parse(base)
			for _, ck := range jar.Cookies(bu) {
				if ck.Name == "delphi_csrf" {
					csrf = ck.Value
				}
			}
			if resp, err := c.PostForm(base+"/e/consent", url.Values{"csrf": {csrf}, "agree": {"yes"}}); err == nil {
				resp.Body.Close()
			}
			var lat []time.Duration
			errs := 0
			<-start
			rng := rand.New(rand.NewPCG(uint64(i), 1))
			for n := 0; time.Now().Before(deadline); n++ {
				if think > 0 { // a person reading the next statement
					time.Sleep(think/2 + time.Duration(rng.Int64N(int64(think))))
				}
				// What the page's autosave sends on every change.
				form := url.Values{"csrf": {csrf}, "s": {fmt.Sprint(rsIDs[(i+n)%len(rsIDs)])}, "r": {fmt.Sprint(1 + (i+n)%9)}}
				t0 := time.Now()
				resp, err := c.PostForm(base+"/e/answer", form)
				d := time.Since(t0)
				if err != nil || resp.StatusCode != http.StatusOK {
					errs++
					if err == nil {
						resp.Body.Close()
					}
					if errors.Is(err, context.DeadlineExceeded) {
						return
					}
					continue
				}
				resp.Body.Close()
				lat = append(lat, d)
			}
			mu.Lock()
			all.latencies = append(all.latencies, lat...)
			all.errors += errs
			mu.Unlock()
		}()
	}
	time.Sleep(2 * time.Second) // every panelist has opened the link
	began := time.Now()
	deadline = began.Add(duration)
	close(start)
	wg.Wait()
	elapsed := time.Since(began)
	sort.Slice(all.latencies, func(i, j int) bool { return all.latencies[i] < all.latencies[j] })
	all.saves = len(all.latencies)
	all.rate = float64(all.saves) / elapsed.Seconds()
	return all
}

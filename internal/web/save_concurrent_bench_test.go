package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkSaveRatingConcurrent: 40 experts of the demo's open round
// autosave at once through HTTP on SQLite (group commit at work); reports
// saves per second.
//
//	go test -run '^$' -bench SaveRatingConcurrent -benchtime 8000x ./server/
func BenchmarkSaveRatingConcurrent(b *testing.B) {
	env := newBenchEnv(b)
	ctx := context.Background()
	rs, _ := env.store.RoundsByStudy(ctx, 1)
	r := rs[len(rs)-1]
	msgs, _ := env.store.OutboxByRound(ctx, r.ID)
	rss, _ := env.store.RoundStatements(ctx, r.ID)
	type client struct {
		c    *http.Client
		csrf string
	}
	var clients []client
	tr := &http.Transport{MaxIdleConnsPerHost: 100}
	for _, m := range msgs[:40] {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		link := linkRE.FindString(m.TextBody)
		if link == "" {
			continue
		}
		if _, err := c.Get(env.srv.URL + link[strings.Index(link, "/r/"):]); err != nil {
			b.Fatal(err)
		}
		u, _ := url.Parse(env.srv.URL)
		csrf := ""
		for _, ck := range jar.Cookies(u) {
			if ck.Name == "delphi_csrf" {
				csrf = ck.Value
			}
		}
		if _, err := c.PostForm(env.srv.URL+"/e/consent", url.Values{"csrf": {csrf}, "agree": {"yes"}}); err != nil {
			b.Fatal(err)
		}
		clients = append(clients, client{c, csrf})
	}
	b.ResetTimer()
	var wg sync.WaitGroup
	per := b.N / len(clients)
	start := time.Now()
	for i, cl := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < per; n++ {
				resp, err := cl.c.PostForm(env.srv.URL+"/e/answer", url.Values{"csrf": {cl.csrf}, "s": {fmt.Sprint(rss[(i+n)%len(rss)].ID)}, "r": {fmt.Sprint(1 + n%5)}})
				if err != nil || resp.StatusCode != 200 {
					b.Errorf("save: %v", err)
					return
				}
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(per*len(clients))/time.Since(start).Seconds(), "saves/s")
}

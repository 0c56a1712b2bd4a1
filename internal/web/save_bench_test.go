package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// BenchmarkSaveRating measures one expert saving one rating through the
// HTTP handler the page's autosave calls (POST /e/answer) on SQLite, the
// hot path of a running round.
//
//	go test -run '^$' -bench SaveRating -benchtime 2000x ./server/
func BenchmarkSaveRating(b *testing.B) {
	env := newBenchEnv(b)
	ctx := context.Background()
	r := demoOpenRound(b, env.store) // the demo's round 3
	msgs, _ := env.store.OutboxByRound(ctx, r.ID)
	rss, _ := env.store.RoundStatements(ctx, r.ID)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	link := linkRE.FindString(msgs[0].TextBody)
	path := link[strings.Index(link, "/r/"):]
	if _, err := c.Get(env.srv.URL + path); err != nil {
		b.Fatal(err)
	}
	u, _ := url.Parse(env.srv.URL)
	csrf := ""
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "delphi_csrf" {
			csrf = ck.Value
		}
	}
	if resp, err := c.PostForm(env.srv.URL+"/e/consent", url.Values{"csrf": {csrf}, "agree": {"yes"}}); err != nil || resp.StatusCode != http.StatusSeeOther {
		b.Fatalf("consent: %v", err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, err := c.PostForm(env.srv.URL+"/e/answer", url.Values{"csrf": {csrf}, "s": {fmt.Sprint(rss[i%len(rss)].ID)}, "r": {fmt.Sprint(1 + i%5)}})
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("save: %v", err)
		}
		resp.Body.Close()
	}
}

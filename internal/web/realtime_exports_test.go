package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestRealtimeExportsNameTheMode: once a real-time study's round closes,
// its XLSX settings sheet and its methods report name the mode, the
// snapshots and the revision counts, with the numbers the real-time
// analysis gives; and the raw export reproduces the figures through
// `delphi analyze`.
func TestRealtimeExportsNameTheMode(t *testing.T) {
	env := newTestEnv(t, "sqlite")
	s, bs := ratedRealtimeStudy(t, env)
	rs := s.round.Statements
	answer(t, bs[0], rs[0].ID, "5") // two experts revise after seeing the figures
	answer(t, bs[1], rs[1].ID, "4")
	s.close(t)
	rt := s.realtime(t)
	if rt.Revisions.Revised != 2 {
		t.Fatalf("revisions: %+v", rt.Revisions)
	}

	x := s.call(t, "GET", s.path+"/export.xlsx", "")
	if x.status != http.StatusOK {
		t.Fatalf("export.xlsx: %d %.300s", x.status, x.body)
	}
	f, err := excelize.OpenReader(strings.NewReader(x.body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("Settings")
	settings := map[string]string{}
	for _, r := range rows {
		if len(r) == 2 {
			settings[r[0]] = r[1]
		}
	}
	if settings["mode"] != "realtime" || settings["realtime_experts_revised"] != "2" ||
		settings["realtime_experts_rated"] != itoa(int64(rt.Revisions.Answered)) ||
		!strings.Contains(settings["realtime_snapshots"], "manual") || !strings.Contains(settings["realtime_snapshots"], "close") {
		t.Errorf("settings sheet: %v", settings)
	}

	b := env.browser()
	b.get("/login")
	b.post("/login", url.Values{"email": {"coord@example.org"}, "password": {"a long test password"}})
	methods := b.get("/studies/" + itoa(s.id) + "/results/methods")
	mustContain(t, "methods report", methods.body, "Real-time Delphi: a single round", "real-time Delphi (one round, live group figures)",
		"2 of 5 experts changed at least one rating")
	checkAgainstAnalyze(t, s, s.realtime(t))
}

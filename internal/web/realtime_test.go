package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/rounds"
)

// realtimeJSONForTest is the part of GET …/realtime the tests read.
type realtimeJSONForTest struct {
	Mode      string `json:"mode"`
	Status    string `json:"status"`
	Snapshots []struct {
		Round int    `json:"round"`
		Kind  string `json:"kind"`
	} `json:"snapshots"`
	Revisions struct {
		Answered          int `json:"experts_answered"`
		Revised           int `json:"experts_revised"`
		RevisedAfterGroup int `json:"experts_revised_after_group"`
		Changes           int `json:"changes"`
	} `json:"revisions"`
	Report  json.RawMessage `json:"report"`
	Methods string          `json:"methods"`
}

func (s *expertStudy) realtime(t *testing.T) realtimeJSONForTest {
	t.Helper()
	r := s.call(t, "GET", s.path+"/realtime", "")
	var out realtimeJSONForTest
	if err := json.Unmarshal([]byte(r.body), &out); r.status != http.StatusOK || err != nil {
		t.Fatalf("realtime: %d %s", r.status, r.body)
	}
	return out
}

// answer saves one answer with the autosave endpoint and returns its reply.
func answer(t *testing.T, b *browser, rsID int64, rating string) savedAnswer {
	t.Helper()
	r := b.post("/e/answer", url.Values{"s": {itoa(rsID)}, "r": {rating}})
	var out savedAnswer
	if err := json.Unmarshal([]byte(r.body), &out); r.status != http.StatusOK || err != nil {
		t.Fatalf("answer: %d %s", r.status, r.body)
	}
	return out
}

func TestRealtimeStudy(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		// A mode that does not exist is refused by name, and nothing is created.
		tok := tokenFor(t, env, "other@example.org")
		r := env.api("POST", "/api/v1/studies", tok, "application/json", `{"title":"X","scale_min":1,"scale_max":5,"mode":"live"}`)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `"field":"mode"`) {
			t.Errorf("unknown mode: %d %s", r.status, r.body)
		}

		s := newExpertStudyWith(t, env, nil, fourStatements, defaultPanel, `,"mode":"realtime"`)
		rs := s.round.Statements
		if got := s.call(t, "GET", s.path, ""); !strings.Contains(got.body, `"mode":"realtime"`) {
			t.Errorf("study: %s", got.body)
		}
		// Locked at launch, like the consensus rule; the refused PATCH changes nothing else either.
		if got := s.call(t, "PATCH", s.path, `{"mode":"classic","title":"Renamed"}`); got.status != http.StatusConflict || !strings.Contains(got.body, "mode cannot change") {
			t.Errorf("mode change after launch: %d %s", got.status, got.body)
		}
		if got := s.call(t, "GET", s.path, ""); !strings.Contains(got.body, `"mode":"realtime"`) || strings.Contains(got.body, "Renamed") {
			t.Errorf("a refused PATCH changed the study: %s", got.body)
		}

		// The information sheet says how the study works.
		if first := env.browser().get(s.links["e1@example.org"]); !strings.Contains(first.body, "real-time Delphi study") {
			t.Errorf("consent page of a real-time study: %.300s", first.body)
		}
		// Expert 1 rates first: no figures before three others have rated.
		e1 := s.expert(t, "e1@example.org")
		page := e1.get("/e").body
		mustContain(t, "real-time page", page, "This study runs in real time", "Rate this statement to see how the panel rates it now.", `id=live`+itoa(rs[0].ID))
		if strings.Contains(page, `action="/e/submit"`) {
			t.Error("a real-time page offers to submit")
		}
		a := answer(t, e1, rs[0].ID, "2")
		if !strings.Contains(string(a.Live), "at least 3 other members") {
			t.Errorf("after rating alone: %s", a.Live)
		}
		others := []*browser{s.expert(t, "e2@example.org"), s.expert(t, "e3@example.org"), s.expert(t, "e4@example.org")}
		for i, b := range others {
			answer(t, b, rs[0].ID, []string{"4", "4", "5"}[i])
		}
		// Now e1 sees the group (4 ratings), e5 who has not rated sees nothing yet.
		var live liveAnswer
		if err := json.Unmarshal([]byte(e1.get("/e/live").body), &live); err != nil {
			t.Fatal(err)
		}
		got := string(live.Live[itoa(rs[0].ID)])
		for _, w := range []string{"The panel now", "4 ratings", "Median 4", "2 · Disagree: 1 (you)"} {
			if !strings.Contains(got, w) {
				t.Errorf("live figures lack %q: %s", w, got)
			}
		}
		e5 := s.expert(t, "e5@example.org")
		if p := e5.get("/e").body; strings.Contains(p, "Η ομάδα τώρα") || strings.Contains(p, "<svg") {
			t.Error("an expert who has not rated sees the figures")
		}
		// Without JavaScript: the form saves, the reload shows the figures.
		if r := e1.post("/e", url.Values{"r" + itoa(rs[0].ID): {"4"}, "or" + itoa(rs[0].ID): {"2"}}); r.status != http.StatusOK || !strings.Contains(r.body, "The panel now") || !strings.Contains(r.body, "4 · Agree: 3 (you)") {
			t.Errorf("plain form revision: %d", r.status)
		}
		// Bad input changes nothing and records no revision.
		if r := e1.post("/e/answer", url.Values{"s": {itoa(rs[0].ID)}, "r": {"9"}}); r.status != http.StatusUnprocessableEntity {
			t.Errorf("off-scale answer: %d", r.status)
		}
		// The subject-access export holds the expert's revision history.
		var sar struct {
			Revisions []struct {
				Rating   *int `json:"rating"`
				SawGroup bool `json:"after_seeing_group"`
			} `json:"rating_revisions"`
		}
		if r := s.call(t, "GET", s.path+"/panel/"+itoa(expertID(t, env, s.id, "e1@example.org"))+"/export", ""); json.Unmarshal([]byte(r.body), &sar) != nil ||
			len(sar.Revisions) != 2 || *sar.Revisions[0].Rating != 2 || sar.Revisions[0].SawGroup || *sar.Revisions[1].Rating != 4 || !sar.Revisions[1].SawGroup {
			t.Errorf("subject-access export: %d %+v", r.status, sar)
		}
		rt := s.realtime(t)
		if rt.Mode != "realtime" || rt.Status != "open" || len(rt.Snapshots) != 1 || rt.Snapshots[0].Kind != "now" {
			t.Errorf("realtime: %+v", rt)
		}
		if rt.Revisions.Answered != 4 || rt.Revisions.Revised != 1 || rt.Revisions.RevisedAfterGroup != 1 || rt.Revisions.Changes != 1 {
			t.Errorf("revisions: %+v", rt.Revisions)
		}
		// Reminders go to those with statements left, not to all who never "submit".
		e1.post("/e", url.Values{"r" + itoa(rs[1].ID): {"3"}, "r" + itoa(rs[2].ID): {"3"}, "r" + itoa(rs[3].ID): {"3"}})
		if r := s.call(t, "POST", "/api/v1/rounds/"+itoa(s.round.ID)+"/remind", ""); r.status != http.StatusOK {
			t.Errorf("remind: %d %s", r.status, r.body)
		}
		msgs, _ := env.store.OutboxByRound(context.Background(), s.round.ID)
		reminded := map[string]bool{}
		for _, m := range msgs {
			if m.Kind == "reminder" {
				reminded[m.ToAddress] = true
			}
		}
		if len(reminded) != 4 || reminded["e1@example.org"] {
			t.Errorf("reminded %v; want everyone but e1, who answered every statement", reminded)
		}
		// Closing takes the closing snapshot; no second round, no snapshot after.
		if r := s.call(t, "POST", "/api/v1/rounds/"+itoa(s.round.ID)+"/close", ""); r.status != http.StatusOK {
			t.Fatalf("close: %d %s", r.status, r.body)
		}
		if r := s.call(t, "POST", s.path+"/rounds", ""); r.status != http.StatusConflict || !strings.Contains(r.body, "single round") {
			t.Errorf("second round: %d %s", r.status, r.body)
		}
		if r := s.call(t, "POST", s.path+"/realtime/snapshots", ""); r.status != http.StatusConflict {
			t.Errorf("snapshot of a closed round: %d %s", r.status, r.body)
		}
		rt = s.realtime(t)
		if rt.Status != "closed" || len(rt.Snapshots) != 1 || rt.Snapshots[0].Kind != "close" {
			t.Errorf("after close: %+v", rt.Snapshots)
		}
		if !strings.Contains(rt.Methods, "Real-time Delphi: a single round") || !strings.Contains(rt.Methods, "analysed at 1 moment (close") ||
			!strings.Contains(rt.Methods, "Of 4 experts who rated, 1 changed at least one rating (1 change), 1 of them after seeing") {
			t.Errorf("methods: %s", rt.Methods)
		}
		checkAgainstAnalyze(t, s, rt)
		// The round's own results (closing) are the closing snapshot's.
		var round struct {
			Results json.RawMessage `json:"results"`
		}
		var rep struct {
			Rounds []json.RawMessage `json:"rounds"`
		}
		if err := json.Unmarshal([]byte(s.call(t, "GET", "/api/v1/rounds/"+itoa(s.round.ID), "").body), &round); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(rt.Report, &rep); err != nil || len(rep.Rounds) != 1 {
			t.Fatalf("report: %v", err)
		}
		var fromRound, fromSnapshot any
		_ = json.Unmarshal(round.Results, &fromRound)
		_ = json.Unmarshal(rep.Rounds[0], &fromSnapshot)
		if fromRound == nil || !reflect.DeepEqual(fromRound, fromSnapshot) {
			t.Errorf("round results differ from the closing snapshot:\n%s\n%s", round.Results, rep.Rounds[0])
		}
	})
}

// TestDailySnapshot: the jobs take one snapshot a day, from the day after
// the round opened, however often they run.
func TestDailySnapshot(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newExpertStudyWith(t, env, nil, fourStatements, defaultPanel, `,"mode":"realtime"`)
		answer(t, s.expert(t, "e1@example.org"), s.round.Statements[0].ID, "4")
		ctx := context.Background()
		today := time.Now().UTC()
		env.app.flow.RealtimeSnapshotsOnce(ctx, today)
		if got := s.realtime(t).Snapshots; len(got) != 1 {
			t.Errorf("a daily snapshot on the day of launch: %+v", got)
		}
		tomorrow := today.Add(24 * time.Hour)
		for range 3 {
			env.app.flow.RealtimeSnapshotsOnce(ctx, tomorrow)
		}
		env.app.flow.RealtimeSnapshotsOnce(ctx, tomorrow.Add(24*time.Hour))
		ss, err := env.store.SnapshotsByRound(ctx, s.round.ID)
		if err != nil || len(ss) != 2 || ss[0].Kind != "daily" || ss[0].Label != rounds.DailyLabel(tomorrow) || !strings.Contains(ss[1].Results, `"respondents":1`) {
			t.Errorf("daily snapshots: %+v %v", ss, err)
		}
	})
}

// TestRealtimeSnapshotsMatchAnalyze: snapshots by hand while experts rate
// and revise; the figures at every moment, and the stability between
// them, equal `delphi analyze` run on the raw export.
func TestRealtimeSnapshotsMatchAnalyze(t *testing.T) {
	s, bs := ratedRealtimeStudy(t, newTestEnv(t, "sqlite"))
	rs := s.round.Statements
	answer(t, bs[0], rs[0].ID, "5")
	answer(t, bs[1], rs[0].ID, "unable")
	answer(t, bs[2], rs[1].ID, "")
	if r := s.call(t, "POST", s.path+"/realtime/snapshots", ""); r.status != http.StatusCreated {
		t.Fatalf("snapshot: %d %s", r.status, r.body)
	}
	answer(t, bs[3], rs[2].ID, "3")
	rt := s.realtime(t)
	if len(rt.Snapshots) != 3 || rt.Snapshots[0].Kind != "manual" || rt.Snapshots[2].Kind != "now" {
		t.Errorf("moments: %+v", rt.Snapshots)
	}
	if rt.Revisions.Revised != 4 || rt.Revisions.RevisedAfterGroup != 4 {
		t.Errorf("revisions: %+v", rt.Revisions)
	}
	checkAgainstAnalyze(t, s, rt)
}

// ratedRealtimeStudy is a real-time study where each of the default panel
// has rated every statement (1 to 5, shifted per expert), with a snapshot
// taken by hand; it returns the experts' browsers in panel order.
func ratedRealtimeStudy(t *testing.T, env *testEnv) (*expertStudy, []*browser) {
	t.Helper()
	s := newExpertStudyWith(t, env, nil, fourStatements, defaultPanel, `,"mode":"realtime"`)
	var bs []*browser
	for _, p := range defaultPanel {
		bs = append(bs, s.expert(t, p.email))
	}
	for i, b := range bs {
		for j, rs := range s.round.Statements {
			answer(t, b, rs.ID, itoa(int64(1+(i+j)%5)))
		}
	}
	if r := s.call(t, "POST", s.path+"/realtime/snapshots", ""); r.status != http.StatusCreated {
		t.Fatalf("snapshot: %d %s", r.status, r.body)
	}
	return s, bs
}

// checkAgainstAnalyze runs `delphi analyze` on the raw export and compares
// its JSON report with the API's.
func checkAgainstAnalyze(t *testing.T, s *expertStudy, rt realtimeJSONForTest) {
	t.Helper()
	raw := s.call(t, "GET", s.path+"/realtime/ratings.csv", "")
	if raw.status != http.StatusOK || !strings.HasPrefix(raw.body, "expert,round,statement,rating,group,country\n") {
		t.Fatalf("raw export: %d %.200s", raw.status, raw.body)
	}
	file := filepath.Join(t.TempDir(), "ratings.csv")
	if err := os.WriteFile(file, []byte(raw.body), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := s.env.run(&out, "analyze", "--scale", "1-5", "--bands", "1-2,3,4-5", "--rule", "percent:75", "--quantile", "type6", "--format", "json", file); err != nil {
		t.Fatalf("delphi analyze: %v", err)
	}
	var fromAPI, fromAnalyze any
	if err := json.Unmarshal(rt.Report, &fromAPI); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out.Bytes(), &fromAnalyze); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromAPI, fromAnalyze) {
		a, _ := json.Marshal(fromAPI)
		b, _ := json.Marshal(fromAnalyze)
		t.Errorf("the API's report differs from delphi analyze on the raw export:\nAPI:     %.1500s\nanalyze: %.1500s", a, b)
	}
}

func TestStudyModeForm(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		b, _ := env.coordinator("ana@example.org", "Ana")
		r := b.post("/studies", url.Values{"title": {"Live study"}, "scale": {"1-5"}})
		if r.status != http.StatusOK || !strings.Contains(r.body, "Study mode") {
			t.Fatalf("settings page: %d at %s", r.status, r.url)
		}
		path := strings.TrimSuffix(r.url, "/settings")
		if r := b.post(path+"/mode", url.Values{"mode": {"sometimes"}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "not a mode") {
			t.Errorf("bad mode: %d", r.status)
		}
		if r := b.get(path + "/settings"); !strings.Contains(r.body, `value="classic" checked`) {
			t.Error("a refused mode changed the study")
		}
		if r := b.post(path+"/mode", url.Values{"mode": {"realtime"}}); r.status != http.StatusOK || !strings.Contains(r.body, `value="realtime" checked`) {
			t.Errorf("realtime mode: %d", r.status)
		}
		if r := b.get(path + "/audit"); !strings.Contains(r.body, "realtime") {
			t.Error("the mode change is not in the audit log")
		}
	})
}

func TestRealtimeRoundPage(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newExpertStudyWith(t, env, nil, fourStatements, defaultPanel, `,"mode":"realtime"`)
		b, _ := env.coordinator("ana@example.org", "Ana")
		if err := env.store.AddStudyMember(t.Context(), s.id, 1, "ana@example.org", "coordinator"); err != nil {
			t.Fatal(err)
		}
		e1 := s.expert(t, "e1@example.org")
		answer(t, e1, s.round.Statements[0].ID, "3")
		answer(t, e1, s.round.Statements[0].ID, "4")
		page := "/studies/" + itoa(s.id) + "/rounds/" + itoa(s.round.ID)
		r := b.get(page)
		mustContain(t, "round page", r.body, "Real-time: snapshots and revisions", "Experts who answered: 1; changed an answer: 1; changed one after seeing the panel", "Take a snapshot now")
		if r := b.get("/studies/" + itoa(s.id) + "/rounds"); strings.Contains(r.body, "Prepare round 2") || !strings.Contains(r.body, "single round") {
			t.Error("the rounds page offers a second round of a real-time study")
		}
		if r := b.post(page+"/snapshot", url.Values{}); r.status != http.StatusOK || !strings.Contains(r.body, "Snapshot taken.") || !strings.Contains(r.body, "<td>manual ") {
			t.Errorf("snapshot: %d", r.status)
		}
	})
}

// realtimeBenchStudy is a real-time study of 57 experts who rated 30
// statements, for the benchmarks.
func realtimeBenchStudy(b *testing.B) (*testEnv, *expertStudy, []panelist) {
	env := newTestEnvWith(b, "sqlite", nil)
	var statements []string
	for i := range 30 {
		statements = append(statements, "Statement "+itoa(int64(i+1)))
	}
	var panel []panelist
	for i := range 57 {
		panel = append(panel, panelist{"p" + itoa(int64(i)) + "@example.org", "Panelist " + itoa(int64(i)), "Research", "en"})
	}
	s := newExpertStudyWith(b, env, nil, statements, panel, `,"mode":"realtime"`)
	ctx := context.Background()
	for i, p := range panel {
		inv, err := env.store.InvitationFor(ctx, s.round.ID, expertID(b, env, s.id, p.email))
		if err != nil {
			b.Fatal(err)
		}
		for j, rs := range s.round.Statements {
			x := 1 + (i+j)%5
			if err := env.store.SaveRealtimeRating(ctx, inv.ID, rs.ID, &x, false, ""); err != nil {
				b.Fatal(err)
			}
		}
	}
	return env, s, panel
}

// BenchmarkLiveFigures: GET /e/live, what every open real-time page asks
// every 3 seconds, on a panel of 57 experts who rated 30 statements:
// "polling" reuses the round's tallies within a second, as a panel's
// polls do; "uncached" queries them every time.
func BenchmarkLiveFigures(b *testing.B) {
	env, s, panel := realtimeBenchStudy(b)
	e := s.expert(b, panel[0].email)
	for _, cached := range []bool{true, false} {
		b.Run(map[bool]string{true: "polling", false: "uncached"}[cached], func(b *testing.B) {
			for b.Loop() {
				if !cached {
					env.app.forgetLive(s.round.ID)
				}
				if r := e.get("/e/live"); r.status != http.StatusOK || !strings.Contains(r.body, "57 ratings") {
					b.Fatalf("%d %.200s", r.status, r.body)
				}
			}
		})
	}
}

// BenchmarkRealtimeSave: POST /e/answer in a real-time study, which also
// records the revision and answers with the statement's fresh figures.
func BenchmarkRealtimeSave(b *testing.B) {
	_, s, panel := realtimeBenchStudy(b)
	e := s.expert(b, panel[0].email)
	id := itoa(s.round.Statements[0].ID)
	i := 0
	for b.Loop() {
		i++
		if r := e.post("/e/answer", url.Values{"s": {id}, "r": {itoa(int64(1 + i%5))}}); r.status != http.StatusOK || !strings.Contains(r.body, "57 ratings") {
			b.Fatalf("%d %.200s", r.status, r.body)
		}
	}
}

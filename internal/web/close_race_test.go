package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/internal/store"
)

// TestCloseRaceKeepsAcknowledgedAnswers closes a round while its experts
// save answers through the page's autosave (and, in a classic round,
// submit) as fast as they can. Afterwards the stored results must count
// exactly what was acknowledged: per statement, the last acknowledged
// answer of every expert whose submission was acknowledged (every expert
// in a real-time round, whose closing snapshot must agree too). Nothing
// sent after the close answered may be acknowledged.
func TestCloseRaceKeepsAcknowledgedAnswers(t *testing.T) {
	for _, mode := range []struct{ name, settings string }{{"classic", ""}, {"realtime", `,"mode":"realtime"`}} {
		t.Run(mode.name, func(t *testing.T) {
			engines(t, func(t *testing.T, env *testEnv) { closeRace(t, env, mode.settings != "") })
		})
	}
}

func closeRace(t *testing.T, env *testEnv, realtime bool) {
	const nExperts, nStatements, warmup = 12, 8, 10
	var panel []panelist
	for i := range nExperts {
		panel = append(panel, panelist{fmt.Sprintf("race%d@example.org", i), fmt.Sprintf("Racer %d", i), []string{"Research", "Practice"}[i%2], "en"})
	}
	var statements []string
	for i := range nStatements {
		statements = append(statements, fmt.Sprintf("Statement %d of the race", i+1))
	}
	settings := ""
	if realtime {
		settings = `,"mode":"realtime"`
	}
	s := newExpertStudyWith(t, env, nil, statements, panel, settings)
	rs := s.round.Statements

	type outcome struct {
		last      map[int64]int // round statement → last acknowledged rating
		submitted bool          // the submission was acknowledged
	}
	outcomes := make([]outcome, nExperts)
	var closed atomic.Bool // set once the close has answered
	var ready, done sync.WaitGroup
	ready.Add(nExperts)
	for e := range nExperts {
		b := s.expert(t, panel[e].email)
		outcomes[e].last = map[int64]int{}
		done.Add(1)
		go func() {
			defer done.Done()
			warm := false
			defer func() {
				if !warm {
					ready.Done()
				}
			}()
			for i := 0; ; i++ {
				x, v := rs[i%nStatements], 1+(i/nStatements+e+i)%5
				after := closed.Load()
				status := autosave(b, x.ID, v)
				switch {
				case status == http.StatusOK && after:
					t.Errorf("expert %d: a save sent after the close answered was acknowledged", e)
					return
				case status == http.StatusOK:
					outcomes[e].last[x.ID] = v
				case status == http.StatusConflict: // the round is closed
					return
				default:
					t.Errorf("expert %d, save %d: %d", e, i, status)
					return
				}
				// Classic experts submit at different moments, some of
				// them (perhaps) racing the close.
				if !realtime && !outcomes[e].submitted && i == warmup/2+e*3 {
					after := closed.Load()
					switch status := submit(b); {
					case status == http.StatusOK && after:
						t.Errorf("expert %d: a submission sent after the close answered was acknowledged", e)
						return
					case status == http.StatusOK:
						outcomes[e].submitted = true
					case status == http.StatusConflict:
						return
					default:
						t.Errorf("expert %d: submit: %d", e, status)
						return
					}
				}
				if i == warmup {
					warm = true
					ready.Done()
				}
			}
		}()
	}
	ready.Wait() // every expert is saving
	s.close(t)
	closed.Store(true)
	done.Wait()
	if t.Failed() {
		return
	}
	// Late comers are refused too.
	for _, p := range panel[:2] {
		b := s.expert(t, p.email)
		if status := autosave(b, rs[0].ID, 1); status != http.StatusConflict {
			t.Errorf("a save after the close: %d", status)
		}
		if status := submit(b); !realtime && status != http.StatusConflict {
			t.Errorf("a submission after the close: %d", status)
		}
	}

	// What the results must count.
	want := map[string][]int{} // statement key → counts of ratings 1..5
	counted := 0
	for _, o := range outcomes {
		if !realtime && !o.submitted {
			continue
		}
		counted++
		for _, x := range rs {
			key := "S" + itoa(x.StatementID)
			if want[key] == nil {
				want[key] = make([]int, 5)
			}
			if v, ok := o.last[x.ID]; ok {
				want[key][v-1]++
			}
		}
	}
	t.Logf("%d of %d experts counted", counted, nExperts)
	ctx := context.Background()
	rr, err := env.store.RoundResultsByID(ctx, s.round.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, "stored results", rr.Results, want)
	if realtime {
		snaps, err := env.store.SnapshotsByRound(ctx, s.round.ID)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, sn := range snaps {
			if sn.Kind == store.SnapshotClose {
				n++
				checkCounts(t, "closing snapshot", sn.Results, want)
			}
		}
		if n != 1 {
			t.Errorf("%d closing snapshots; want 1", n)
		}
	}
}

// checkCounts compares the frequencies of a stored round report with the
// counts wanted (ratings 1..5 by statement key).
func checkCounts(t *testing.T, what, results string, want map[string][]int) {
	t.Helper()
	var rep report.RoundReport
	if err := json.Unmarshal([]byte(results), &rep); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if len(rep.Statements) != len(want) {
		t.Errorf("%s: %d statements; want %d", what, len(rep.Statements), len(want))
	}
	for _, st := range rep.Statements {
		n := 0
		for _, c := range want[st.Statement] {
			n += c
		}
		if fmt.Sprint(st.Freq.Counts) != fmt.Sprint(want[st.Statement]) || st.N != n {
			t.Errorf("%s, %s: n %d, counts %v; acknowledged %d, %v", what, st.Statement, st.N, st.Freq.Counts, n, want[st.Statement])
		}
	}
}

// autosave sends one answer as the page's autosave does and returns the
// status of the reply (200: saved).
func autosave(b *browser, rsID int64, rating int) int {
	req, _ := http.NewRequest(http.MethodPost, b.base+"/e/answer",
		strings.NewReader(url.Values{"s": {itoa(rsID)}, "r": {fmt.Sprint(rating)}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", b.csrf())
	resp, err := b.client.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// submit submits the round as the page's button does, confirming what is
// left unanswered: 200 once
// redirected to the thank-you page.
func submit(b *browser) int {
	req, _ := http.NewRequest(http.MethodPost, b.base+"/e/submit", strings.NewReader(url.Values{"csrf": {b.csrf()}, "confirm": {"unanswered"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.client.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK && resp.Request.URL.Path != "/e/thanks" {
		return -1 // neither submitted nor refused
	}
	return resp.StatusCode
}

// TestInterruptedCloseIsFinished: a close interrupted after the round was
// closed and before its results were stored (a crash) leaves no round
// without results for good: the next round waits for them, and the
// round's page or API finishes the close, with the answers given.
func TestInterruptedCloseIsFinished(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		s := newExpertStudy(t, env, nil, fourStatements, defaultPanel)
		rs := s.round.Statements
		for i, p := range defaultPanel[:3] {
			s.rate(t, s.expert(t, p.email), map[int]string{0: "5", 1: itoa(int64(1 + i))}, nil, true)
		}
		if _, err := env.store.CloseRound(ctx, s.round.ID, 0); err != nil { // the first half of workflow.CloseRound
			t.Fatal(err)
		}
		if r := s.call(t, "POST", s.path+"/rounds", ""); r.status != http.StatusConflict || !strings.Contains(r.body, "still being computed") {
			t.Errorf("next round before the results: %d %s", r.status, r.body)
		}
		got := s.get(t) // finishes the close
		var rep report.RoundReport
		if err := json.Unmarshal(got.Results, &rep); err != nil || len(rep.Statements) != len(rs) {
			t.Fatalf("results after the interrupted close: %v %s", err, got.Results)
		}
		if st := rep.Statements[0]; st.N != 3 || st.Freq.Counts[4] != 3 {
			t.Errorf("statement 1: n %d, counts %v; want the three 5s", st.N, st.Freq.Counts)
		}
		for _, x := range got.Statements {
			if x.Proposal == "" {
				t.Errorf("statement %d has no proposal", x.ID)
			}
		}
		if r := s.call(t, "POST", s.path+"/rounds", ""); r.status != http.StatusCreated {
			t.Errorf("next round after the results: %d %s", r.status, r.body)
		}
	})
}

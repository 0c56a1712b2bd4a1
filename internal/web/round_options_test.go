package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/delphi-platform/delphi/rounds"
)

// panelCSV writes a panel for the import page.
func panelCSV(panel []panelist) string {
	csv := "email,name,stakeholder_group,country,language\n"
	for _, p := range panel {
		csv += fmt.Sprintf("%s,%s,%s,NL,%s\n", p.email, p.name, p.group, p.lang)
	}
	return csv
}

// outboxLinks returns the personal link path of each invitation e-mail
// of a round, by address.
func outboxLinks(t *testing.T, env *testEnv, roundID int64) map[string]string {
	t.Helper()
	msgs, err := env.store.OutboxByRound(context.Background(), roundID)
	if err != nil {
		t.Fatal(err)
	}
	links := map[string]string{}
	for _, m := range msgs {
		if m.Kind == "invitation" {
			links[m.ToAddress] = mustPath(t, linkRE.FindString(m.TextBody))
		}
	}
	return links
}

// storedFeedback reads the frozen feedback of a round's statements from
// the database, in order.
func storedFeedback(t *testing.T, env *testEnv, roundID int64) []rounds.Feedback {
	t.Helper()
	rss, err := env.store.RoundStatements(context.Background(), roundID)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]rounds.Feedback, len(rss))
	for i, rs := range rss {
		if err := json.Unmarshal([]byte(rs.Feedback), &out[i]); err != nil {
			t.Fatalf("statement %d: feedback %q: %v", rs.ID, rs.Feedback, err)
		}
	}
	return out
}

// groupSizes counts the panel per stakeholder group.
func groupSizes(panel []panelist) map[string]int {
	n := map[string]int{}
	for _, p := range panel {
		n[p.group]++
	}
	return n
}

// checkGroupFeedback checks that every statement's frozen feedback shows
// exactly the stakeholder groups large enough to be shown, each with all
// its members' ratings (everyone rated every statement), or no groups
// when want is false.
func checkGroupFeedback(t *testing.T, fbs []rounds.Feedback, panel []panelist, want bool) {
	t.Helper()
	if len(fbs) == 0 {
		t.Fatal("no statements")
	}
	for i, fb := range fbs {
		if fb.N != len(panel) {
			t.Errorf("statement %d: feedback of %d ratings; want %d", i, fb.N, len(panel))
		}
		got := map[string]int{}
		for _, g := range fb.Groups {
			got[g.Name] = g.N
		}
		for name, n := range groupSizes(panel) {
			shown := want && n >= rounds.MinGroupSize
			if _, ok := got[name]; ok != shown {
				t.Errorf("statement %d: group %q shown %v; want %v (groups %+v)", i, name, ok, shown, fb.Groups)
			} else if ok && got[name] != n {
				t.Errorf("statement %d: group %q has %d ratings; want %d", i, name, got[name], n)
			}
		}
	}
}

// TestGroupFeedbackFromThePages: preparing round 2 on the pages, ticking
// "Show feedback per stakeholder group", saving and launching gives the
// experts the figures per group: the frozen feedback is rebuilt when the
// option changes.
func TestGroupFeedbackFromThePages(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		b, u := env.coordinator("coord@example.org", "Coord")
		b.post("/studies", url.Values{"title": {"Groups study"}, "scale": {"1-5"}})
		studies, _ := env.store.StudiesForUser(ctx, u.ID)
		base := "/studies/" + itoa(studies[0].ID)
		b.post(base+"/statements", url.Values{"statements": {"Divided one\nDivided two"}, "section": {"Topic"}})
		if r := b.upload(base+"/panel/import", "file", "panel.csv", panelCSV(defaultPanel)); r.status != http.StatusOK {
			t.Fatalf("panel: %d", r.status)
		}

		// Round 1 on the pages; the panel is divided, so both statements carry.
		r := b.post(base+"/rounds", url.Values{})
		round1 := r.url
		b.post(round1+"/settings", url.Values{"deadline": {"2099-01-01T10:00"}, "reminder_days": {"7"}})
		if r := b.post(round1+"/launch", url.Values{}); !strings.Contains(r.body, "invitations queued") {
			t.Fatalf("launch round 1: %d", r.status)
		}
		rss, _ := env.store.RoundStatements(ctx, mustRoundID(t, round1))
		links := outboxLinks(t, env, mustRoundID(t, round1))
		for i, p := range defaultPanel {
			rating := []string{"1", "5", "1", "5", "3"}[i]
			env.expertRates(t, links[p.email], map[int64]string{rss[0].ID: rating, rss[1].ID: rating}, true)
		}
		if r := b.post(round1+"/close", url.Values{}); !strings.Contains(r.body, "Results and carry-over") {
			t.Fatalf("close round 1: %d", r.status)
		}

		// Prepare round 2, tick the option, save, launch.
		r = b.post(base+"/rounds", url.Values{})
		round2 := r.url
		mustContain(t, "round 2 draft", r.body, "Show feedback per stakeholder group", "Divided one")
		r2 := mustRoundID(t, round2)
		checkGroupFeedback(t, storedFeedback(t, env, r2), defaultPanel, false)
		r = b.post(round2+"/settings", url.Values{"deadline": {"2099-02-01T10:00"}, "reminder_days": {"7"},
			"invite_scope": {"respondents"}, "show_groups": {"on", "off"}}) // the checkbox, then its hidden "off"
		mustContain(t, "saved settings", r.body, "Round settings saved.")
		if got, _ := env.store.RoundByID(ctx, r2); !got.ShowGroups {
			t.Fatal("show groups not saved")
		}
		checkGroupFeedback(t, storedFeedback(t, env, r2), defaultPanel, true)
		if r := b.post(round2+"/launch", url.Values{}); !strings.Contains(r.body, "invitations queued") {
			t.Fatalf("launch round 2: %d", r.status)
		}
		checkGroupFeedback(t, storedFeedback(t, env, r2), defaultPanel, true)

		// The expert's round-2 page, from the link in their invitation.
		ex := env.browser()
		page := ex.get(outboxLinks(t, env, r2)["e1@example.org"])
		if page.url != "/e" || !strings.Contains(page.body, `id="rate"`) {
			t.Fatalf("expert's round 2 page: %d at %s", page.status, page.url)
		}
		mustContain(t, "expert's round 2 page", page.body, "Panel result, round 1", "By stakeholder group", "Research")
		if strings.Contains(page.body, "Civil society") {
			t.Error("a stakeholder group of 2 is shown")
		}
	})
}

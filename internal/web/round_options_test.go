package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
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
		importViaPage(t, b, base, panelCSV(defaultPanel))

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
		if r := b.post(round1+"/close", url.Values{"confirm": {"yes"}}); !strings.Contains(r.body, "Results and carry-over") {
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

// feedbackJSON is the stored feedback of a round's statements, in order.
func feedbackJSON(t *testing.T, env *testEnv, roundID int64) []string {
	t.Helper()
	rss, err := env.store.RoundStatements(context.Background(), roundID)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(rss))
	for i, rs := range rss {
		out[i] = rs.Feedback
	}
	return out
}

// showComment shows, on the closed round's page, an expert's comment on
// statement i in the next round's feedback, as a coordinator who joins
// the study.
func showComment(t *testing.T, env *testEnv, s *expertStudy, round roundJSON, email string, i int) {
	t.Helper()
	ctx := context.Background()
	b, _ := env.coordinator("ana@example.org", "Ana")
	if err := env.store.AddStudyMember(ctx, s.id, 1, "ana@example.org", "coordinator"); err != nil {
		t.Fatal(err)
	}
	statuses, err := env.store.RoundStatuses(ctx, round.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range statuses {
		if st.Email == email {
			r := b.post(fmt.Sprintf("/studies/%d/rounds/%d/statements/%d/comment", s.id, round.ID, round.Statements[i].ID),
				url.Values{"invitation_id": {itoa(st.InvitationID)}, "shown": {"on"}})
			if r.status != http.StatusOK {
				t.Fatalf("show comment: %d", r.status)
			}
			return
		}
	}
	t.Fatalf("%s not invited", email)
}

// TestGroupFeedbackThroughTheAPI: a round created with "show_groups"
// carries the figures per group; PATCH on the draft switches them off and
// on again, each time in the frozen feedback, which then equals the
// feedback frozen at creation (the earlier wording and the shown comments
// too), and the experts of the launched round see them.
func TestGroupFeedbackThroughTheAPI(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newExpertStudy(t, env, nil, []string{"Divided one", "Divided two"}, defaultPanel)
		for i, p := range defaultPanel {
			rating := []string{"1", "5", "1", "5", "3"}[i]
			comments := map[int]string{}
			if i == 0 {
				comments[0] = "Depends on the region."
			}
			s.rate(t, s.expert(t, p.email), map[int]string{0: rating, 1: rating}, comments, true)
		}
		round1 := s.close(t)
		// The coordinator shows the comment in the next round's feedback, and rewords a statement.
		showComment(t, env, s, round1, defaultPanel[0].email, 0)
		if r := s.call(t, "POST", s.path+"/statements/"+itoa(round1.Statements[1].StatementID)+"/reword", `{"text":"Divided two, reworded","reason":"clearer"}`); r.status != http.StatusCreated {
			t.Fatalf("reword: %d %s", r.status, r.body)
		}

		r := s.call(t, "POST", s.path+"/rounds", `{"show_groups":true,"deadline":"2099-07-01T12:00:00Z","reminder_days":"7, 2"}`)
		if r.status != http.StatusCreated {
			t.Fatalf("create round 2: %d %s", r.status, r.body)
		}
		draft := decodeRound(t, r)
		if !draft.ShowGroups || draft.ReminderDays != "7,2" {
			t.Errorf("round 2 draft: show_groups %v, reminder_days %q", draft.ShowGroups, draft.ReminderDays)
		}
		checkGroupFeedback(t, storedFeedback(t, env, draft.ID), defaultPanel, true)
		created := feedbackJSON(t, env, draft.ID)
		fbs := storedFeedback(t, env, draft.ID)
		if len(fbs[0].Comments) != 1 || fbs[1].Previous != "Divided two" {
			t.Errorf("frozen feedback without the shown comment or the earlier wording: %+v", fbs)
		}

		rp := "/api/v1/rounds/" + itoa(draft.ID)
		patch := func(body string) roundJSON {
			t.Helper()
			r := s.call(t, "PATCH", rp, body)
			if r.status != http.StatusOK {
				t.Fatalf("PATCH %s: %d %s", body, r.status, r.body)
			}
			return decodeRound(t, r)
		}
		off := patch(`{"show_groups":false}`)
		if off.ShowGroups || off.ReminderDays != draft.ReminderDays || !off.Deadline.Equal(*draft.Deadline) || off.InviteScope != draft.InviteScope {
			t.Errorf("after switching groups off: %+v; the other options were %+v", off, draft)
		}
		checkGroupFeedback(t, storedFeedback(t, env, draft.ID), defaultPanel, false)
		for i, st := range off.Statements {
			if string(st.Feedback) != feedbackJSON(t, env, draft.ID)[i] {
				t.Errorf("statement %d: the API shows %s, the database holds %s", i, st.Feedback, feedbackJSON(t, env, draft.ID)[i])
			}
		}
		if on := patch(`{"show_groups":true}`); !on.ShowGroups {
			t.Error("show_groups not switched on again")
		}
		if got := feedbackJSON(t, env, draft.ID); strings.Join(got, "\n") != strings.Join(created, "\n") {
			t.Errorf("feedback frozen again:\n%s\nat creation:\n%s", strings.Join(got, "\n"), strings.Join(created, "\n"))
		}

		if r := s.call(t, "POST", rp+"/launch", ""); r.status != http.StatusOK {
			t.Fatalf("launch round 2: %d %s", r.status, r.body)
		}
		// A launched round may move its deadline (deadlines_test.go), but
		// what it shows is fixed.
		if r := s.call(t, "PATCH", rp, `{"show_groups":false}`); r.status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.body, `"field":"show_groups","message":"the feedback per stakeholder group is fixed since the round launched"`) {
			t.Errorf("PATCH of a launched round: %d %s", r.status, r.body)
		}
		checkGroupFeedback(t, storedFeedback(t, env, draft.ID), defaultPanel, true)
		page := env.browser().get(outboxLinks(t, env, draft.ID)["e1@example.org"])
		if page.url != "/e" || !strings.Contains(page.body, `id="rate"`) {
			t.Fatalf("expert's round 2 page: %d at %s", page.status, page.url)
		}
		mustContain(t, "expert's round 2 page", page.body, "By stakeholder group", "Research", "Depends on the region.", "<q>Divided two</q>")
	})
}

// TestGroupFeedbackAfterErasure: switching the figures per group on after
// an expert was erased adds the groups (the erased expert's ratings and
// group count, as in the results) and keeps the comments as the erasure
// left them: another expert's comment that named them does not name them
// again.
func TestGroupFeedbackAfterErasure(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newExpertStudy(t, env, nil, []string{"Divided one", "Divided two"}, defaultPanel)
		erased := defaultPanel[1]
		for i, p := range defaultPanel {
			rating := []string{"1", "5", "1", "5", "3"}[i]
			comments := map[int]string{}
			if i == 0 {
				comments[0] = "I agree with " + erased.name + "."
			}
			s.rate(t, s.expert(t, p.email), map[int]string{0: rating, 1: rating}, comments, true)
		}
		round1 := s.close(t)
		showComment(t, env, s, round1, defaultPanel[0].email, 0)
		draft := decodeRound(t, s.call(t, "POST", s.path+"/rounds", `{"deadline":"2099-07-01T12:00:00Z"}`))
		if got := storedFeedback(t, env, draft.ID)[0].Comments; len(got) != 1 || !strings.Contains(got[0], erased.name) {
			t.Fatalf("frozen comments before the erasure: %q", got)
		}
		if r := s.call(t, "DELETE", s.path+"/panel/"+itoa(expertID(t, env, s.id, erased.email)), ""); r.status != http.StatusOK {
			t.Fatalf("erase: %d %s", r.status, r.body)
		}
		scrubbed := storedFeedback(t, env, draft.ID)[0].Comments
		if len(scrubbed) != 1 || strings.Contains(scrubbed[0], erased.name) {
			t.Fatalf("frozen comments after the erasure: %q", scrubbed)
		}

		for _, on := range []bool{true, false} {
			if r := s.call(t, "PATCH", "/api/v1/rounds/"+itoa(draft.ID), fmt.Sprintf(`{"show_groups":%v}`, on)); r.status != http.StatusOK {
				t.Fatalf("PATCH: %d %s", r.status, r.body)
			}
			fbs := storedFeedback(t, env, draft.ID)
			checkGroupFeedback(t, fbs, defaultPanel, on)
			if got := fbs[0].Comments; len(got) != 1 || got[0] != scrubbed[0] {
				t.Errorf("show_groups %v: comments %q; the erasure left %q", on, got, scrubbed)
			}
		}
	})
}

// TestRoundOptionsRefused: a bad deadline, reminder or scope gets the
// same field error from the draft's settings form, the "Prepare round"
// form, PATCH and POST through the API, and changes nothing.
func TestRoundOptionsRefused(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		withDraft := newPanelStudy(t, env, nil, []string{"One", "Two"}, defaultPanel, "")
		draft := decodeRound(t, withDraft.call(t, "POST", withDraft.path+"/rounds", `{"deadline":"2099-07-01T12:00:00Z","reminder_days":"7"}`))
		var st studyJSON // a study without rounds, where a round could be created
		decodeInto(t, withDraft.call(t, "POST", "/api/v1/studies", `{"title":"No rounds yet","scale_min":1,"scale_max":5}`), &st)
		empty := &expertStudy{env: env, token: withDraft.token, id: st.ID, path: "/api/v1/studies/" + itoa(st.ID)}
		if r := empty.call(t, "POST", empty.path+"/statements", `[{"text":"Three"}]`); r.status != http.StatusCreated {
			t.Fatalf("statements: %d %s", r.status, r.body)
		}
		b, _ := env.coordinator("ana@example.org", "Ana")
		for _, id := range []int64{withDraft.id, empty.id} {
			if err := env.store.AddStudyMember(ctx, id, 1, "ana@example.org", "coordinator"); err != nil {
				t.Fatal(err)
			}
		}
		state := func() string { // every round of both studies, with its statements
			var out []string
			for _, id := range []int64{withDraft.id, empty.id} {
				rs, err := env.store.RoundsByStudy(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range rs {
					out = append(out, fmt.Sprintf("%+v %q", r, feedbackJSON(t, env, r.ID)))
				}
			}
			return strings.Join(out, "\n")
		}

		for _, tc := range []struct{ field, value string }{
			{"deadline", "2000-01-01T10:00"},
			{"deadline", "2000-01-01T10:00:00Z"},
			{"deadline", "next week"},
			{"reminder_days", "x"},
			{"reminder_days", "90"},
			{"invite_scope", "everyone"},
		} {
			t.Run(tc.field+"="+tc.value, func(t *testing.T) {
				before := state()
				body, _ := json.Marshal(map[string]string{tc.field: tc.value})

				// The API names the field; creating and changing give the same message.
				var patched, created apiError
				r := withDraft.call(t, "PATCH", "/api/v1/rounds/"+itoa(draft.ID), string(body))
				decodeInto(t, r, &patched)
				if r.status != http.StatusUnprocessableEntity || len(patched.Fields) != 1 || patched.Fields[0].Field != tc.field {
					t.Fatalf("PATCH: %d %s", r.status, r.body)
				}
				msg := patched.Fields[0].Message
				r = empty.call(t, "POST", empty.path+"/rounds", string(body))
				decodeInto(t, r, &created)
				if r.status != http.StatusUnprocessableEntity || len(created.Fields) != 1 || created.Fields[0] != patched.Fields[0] {
					t.Errorf("POST: %d %s; PATCH said %q", r.status, r.body, msg)
				}

				// The pages: the draft's settings form and the "Prepare round" form.
				form := url.Values{"deadline": {"2099-07-01T12:00"}, "reminder_days": {"7"}}
				form.Set(tc.field, tc.value)
				p := b.post(fmt.Sprintf("/studies/%d/rounds/%d/settings", withDraft.id, draft.ID), form)
				if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `<p class="error" role="alert">`+html.EscapeString(msg)+`</p>`) {
					t.Errorf("settings form: %d, without %q", p.status, msg)
				}
				p = b.post(fmt.Sprintf("/studies/%d/rounds", empty.id), url.Values{tc.field: {tc.value}})
				if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, html.EscapeString(msg)) {
					t.Errorf("prepare round form: %d, without %q", p.status, msg)
				}

				if after := state(); after != before {
					t.Errorf("a refused input changed the rounds:\n%s\nwere:\n%s", after, before)
				}
			})
		}
	})
}

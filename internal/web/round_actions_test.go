package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// Issue #15, the coordinator's round actions: reminding again asks first,
// closing and deleting ask first, one form confirms every proposal, and
// the last planned round ends the study.

// reminderCount is how many reminder e-mails round roundID has queued.
func reminderCount(t *testing.T, env *testEnv, roundID int64) int {
	t.Helper()
	msgs, err := env.store.OutboxByRound(context.Background(), roundID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if m.Kind == "reminder" {
			n++
		}
	}
	return n
}

var seenRE = regexp.MustCompile(`name="seen" value="(\d+)"`)

// TestRemindAgainAsksFirst: "Remind now" pressed twice sent every expert
// who had not answered two e-mails within seconds. Now the second press,
// on the page or through the API, is refused with when the experts were
// last reminded, and sends nothing until confirmed (the page's "Yes,
// remind again" box, the API's {"confirm": true}); a confirmation counts
// once (a double click on the confirm button sends once); the round page
// shows the last reminder and each expert's reminders; a day later the
// button sends without asking.
func TestRemindAgainAsksFirst(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newExpertStudy(t, env, nil, []string{"One", "Two"}, defaultPanel)
		b := env.loggedIn("coord@example.org")
		round := fmt.Sprintf("/studies/%d/rounds/%d", s.id, s.round.ID)
		api := "/api/v1/rounds/" + itoa(s.round.ID) + "/remind"
		count := func(want int, after string) {
			t.Helper()
			if n := reminderCount(t, env, s.round.ID); n != want {
				t.Fatalf("after %s: %d reminders queued; want %d", after, n, want)
			}
		}
		if r := b.get(round); !strings.Contains(r.body, "No reminders sent yet") {
			t.Error("the round page does not say that no reminder was sent")
		}

		// The page: the first press reminds the five experts.
		r := b.post(round+"/remind", url.Values{})
		mustContain(t, "first reminder", r.body, "5 reminder(s) queued", "Last reminded:")
		count(5, "the first press")

		// The second press asks, and sends nothing.
		r = b.post(round+"/remind", url.Values{})
		if r.status != http.StatusConflict {
			t.Errorf("second press: %d; want 409 with the question", r.status)
		}
		mustContain(t, "second press", r.body, "Remind the experts again?", "last reminded less than a minute ago", "5 reminder(s)",
			"to the 5 expert(s) who have not submitted round 1 or declined", `name="again" value="yes" required`, "Yes, remind again")
		count(5, "the second press")
		seen := seenRE.FindStringSubmatch(r.body)
		if seen == nil {
			t.Fatal("the question does not carry the reminder it was asked about")
		}

		// Posted without the box ticked (a browser without HTML
		// validation): asked again, nothing sent.
		r = b.post(round+"/remind", url.Values{"seen": {seen[1]}})
		mustContain(t, "confirmation without the box", r.body, `Tick &#34;Yes, remind again&#34;`, "nothing was sent")
		count(5, "a confirmation without the box ticked")

		// Ticked: sent once; the same confirmation posted again (a double
		// click) asks again instead of sending a third time.
		r = b.post(round+"/remind", url.Values{"again": {"yes"}, "seen": {seen[1]}})
		mustContain(t, "confirmed reminder", r.body, "5 reminder(s) queued")
		count(10, "the confirmed reminder")
		if r = b.post(round+"/remind", url.Values{"again": {"yes"}, "seen": {seen[1]}}); r.status != http.StatusConflict {
			t.Errorf("the same confirmation twice: %d; want 409", r.status)
		}
		count(10, "the same confirmation posted twice")

		// The round page: the last reminder, and each expert's two.
		page := b.get(round).body
		mustContain(t, "round page", page, `id="last-reminded"`, "(5 reminder(s))", "Reminders sent")
		table := page[strings.Index(page, `id="reminder-history"`):]
		table = table[:strings.Index(table, "</table>")]
		for _, p := range defaultPanel {
			if !regexp.MustCompile(regexp.QuoteMeta(htmlEscape(p.name)) + `</td><td class="num">2</td>`).MatchString(table) {
				t.Errorf("the reminder history does not give %s two reminders:\n%s", p.name, table)
			}
		}

		// The API: refused with the way to confirm, then confirmed.
		r = s.call(t, "POST", api, "")
		if r.status != http.StatusConflict || !strings.Contains(r.body, "the experts were last reminded") || !strings.Contains(r.body, `send {\"confirm\": true} to remind again`) {
			t.Errorf("API second reminder: %d %s", r.status, r.body)
		}
		count(10, "the API's unconfirmed reminder")
		if r = s.call(t, "POST", api, `{"confirm": "yes"}`); r.status != http.StatusBadRequest {
			t.Errorf("API confirm of the wrong type: %d %s", r.status, r.body)
		}
		r = s.call(t, "POST", api, `{"confirm": true}`)
		if j := decodeRound(t, r); r.status != http.StatusOK || j.LastRemindedAt == nil || time.Since(*j.LastRemindedAt) > time.Minute {
			t.Errorf("API confirmed reminder: %d %s", r.status, r.body)
		}
		count(15, "the API's confirmed reminder")

		// A day later the button reminds without asking.
		if _, err := env.store.DB().Exec(env.store.DB().Rebind(`UPDATE outbox SET created_at = ? WHERE round_id = ? AND kind = 'reminder'`),
			time.Now().UTC().Add(-25*time.Hour), s.round.ID); err != nil {
			t.Fatal(err)
		}
		r = b.post(round+"/remind", url.Values{})
		mustContain(t, "a reminder a day later", r.body, "5 reminder(s) queued")
		count(20, "a reminder a day later")
	})
}

// htmlEscape is how html/template writes a name into a page.
func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

// TestRemindTwiceAtOnce: two presses at the same moment send one batch
// of reminders; the other is refused. The check is in the reminder's
// transaction, after the study's lock, so the second waits for the first
// and sees its reminders.
func TestRemindTwiceAtOnce(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newExpertStudy(t, env, nil, []string{"One", "Two"}, defaultPanel)
		b := env.loggedIn("coord@example.org")
		paths := []string{fmt.Sprintf("/studies/%d/rounds/%d/remind", s.id, s.round.ID), "/api/v1/rounds/" + itoa(s.round.ID) + "/remind"}
		statuses := make([]int, 2)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range paths {
			wg.Go(func() {
				<-start
				if i == 0 {
					statuses[i] = b.post(paths[i], url.Values{}).status
				} else {
					statuses[i] = s.call(t, "POST", paths[i], "").status
				}
			})
		}
		close(start)
		wg.Wait()
		if n := reminderCount(t, env, s.round.ID); n != 5 {
			t.Errorf("two presses at once queued %d reminders; want 5", n)
		}
		if (statuses[0] == http.StatusConflict) == (statuses[1] == http.StatusConflict) {
			t.Errorf("page %d, API %d; want one to remind and the other asked to confirm", statuses[0], statuses[1])
		}
	})
}

// TestRoundZeroRemindAgainAsksFirst: round 0's reminders ask the same way
// (page: the box; API: 409, then {"confirm": true}), its page says when
// the experts were last reminded, and closing it asks first.
func TestRoundZeroRemindAgainAsksFirst(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newPanelStudy(t, env, nil, nil, defaultPanel, "")
		s.ideaRoundLaunched(t)
		ideaReminders := func() int {
			ms, err := env.store.IdeaOutbox(context.Background(), s.id)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, m := range ms {
				n += strings.Count(m.Kind, "reminder")
			}
			return n
		}
		if r := s.call(t, "POST", s.path+"/ideas/remind", ""); r.status != http.StatusOK {
			t.Fatalf("first reminder: %d %s", r.status, r.body)
		}
		if r := s.call(t, "POST", s.path+"/ideas/remind", ""); r.status != http.StatusConflict || !strings.Contains(r.body, "confirm") {
			t.Errorf("second reminder: %d %s", r.status, r.body)
		}
		if n := ideaReminders(); n != 5 {
			t.Errorf("%d round 0 reminders after an unconfirmed second; want 5", n)
		}
		b := env.loggedIn("coord@example.org")
		r := b.post(fmt.Sprintf("/studies/%d/ideas/remind", s.id), url.Values{})
		mustContain(t, "round 0 second press", r.body, "Remind the experts again?", "who have proposed nothing yet", "Yes, remind again")
		if n := ideaReminders(); n != 5 {
			t.Errorf("%d round 0 reminders after the page's second press; want 5", n)
		}
		if r := s.call(t, "POST", s.path+"/ideas/remind", `{"confirm": true}`); r.status != http.StatusOK || r.body != `{"reminded":5}`+"\n" {
			t.Errorf("confirmed: %d %s", r.status, r.body)
		}
		if n := ideaReminders(); n != 10 {
			t.Errorf("%d round 0 reminders after the confirmed one; want 10", n)
		}
		ideas := fmt.Sprintf("/studies/%d/ideas", s.id)
		mustContain(t, "round 0 page", b.get(ideas).body, `id="last-reminded"`, "(5 reminder(s), listed under E-mails)")

		// Closing round 0 asks first too.
		r = b.post(ideas+"/close", url.Values{})
		mustContain(t, "round 0 close question", r.body, "Close round 0 now?", "cannot be undone", `name="confirm" value="yes"`)
		if st := s.ideas(t).Status; st != "open" {
			t.Fatalf("round 0 is %s after the unconfirmed close", st)
		}
		mustContain(t, "round 0 closed", b.post(ideas+"/close", url.Values{"confirm": {"yes"}}).body, "Round 0 closed.")
		if st := s.ideas(t).Status; st != "closed" {
			t.Fatalf("round 0 is %s after the confirmed close", st)
		}
	})
}

// TestCloseRoundAsksFirst: "Close round now" closed the round on one
// click, irreversibly. The page now asks, naming what happens, and closes
// only once confirmed; the API closes on its call, as documented.
func TestCloseRoundAsksFirst(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newExpertStudy(t, env, nil, []string{"One", "Two"}, defaultPanel)
		s.rate(t, s.expert(t, defaultPanel[0].email), map[int]string{0: "4", 1: "5"}, nil, true)
		s.rate(t, s.expert(t, defaultPanel[1].email), map[int]string{0: "4"}, nil, false)
		b := env.loggedIn("coord@example.org")
		round := fmt.Sprintf("/studies/%d/rounds/%d", s.id, s.round.ID)
		r := b.post(round+"/close", url.Values{})
		mustContain(t, "close question", r.body, "Close round 1 now?", "2099-06-04 17:00 UTC", "cannot be undone",
			"1 of 5 invited experts have submitted", "the 1 who started without submitting are not", `name="confirm" value="yes"`, `href="`+round+`">Cancel`)
		if st := s.get(t).Status; st != "open" {
			t.Fatalf("the round is %s after the unconfirmed close; want open", st)
		}
		r = b.post(round+"/close", url.Values{"confirm": {"yes"}})
		mustContain(t, "confirmed close", r.body, "Round 1 closed")
		if st := s.get(t).Status; st != "closed" {
			t.Fatalf("the round is %s after the confirmed close", st)
		}
	})
}

// TestDeleteAsksFirst: "Delete" on a statement or a topic acted on one
// click; removing an expert too. Each now asks, naming what is deleted,
// and acts once confirmed.
func TestDeleteAsksFirst(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newPanelStudy(t, env, nil, []string{"Keep me", "Delete me"}, defaultPanel, "")
		b := env.loggedIn("coord@example.org")
		base := "/studies/" + itoa(s.id)
		ctx := context.Background()
		sts, _ := env.store.StatementsByStudy(ctx, s.id)
		target := sts[1]
		del := fmt.Sprintf("%s/statements/%d/delete", base, target.ID)
		r := b.post(del, url.Values{})
		mustContain(t, "statement question", r.body, "Delete this statement?", "&#34;Delete me&#34; is deleted with its translations", "cannot be undone")
		if after, _ := env.store.StatementsByStudy(ctx, s.id); len(after) != 2 {
			t.Fatalf("%d statements after the unconfirmed delete; want 2", len(after))
		}
		mustContain(t, "statement deleted", b.post(del, url.Values{"confirm": {"yes"}}).body, "Statement deleted")
		if after, _ := env.store.StatementsByStudy(ctx, s.id); len(after) != 1 || after[0].Text != "Keep me" {
			t.Fatalf("after the confirmed delete: %+v", after)
		}

		secs, _ := env.store.SectionsByStudy(ctx, s.id)
		del = fmt.Sprintf("%s/sections/%d/delete", base, secs[0].ID)
		r = b.post(del, url.Values{})
		mustContain(t, "topic question", r.body, "Delete the topic &#34;"+secs[0].Title+"&#34;?", "Its 1 statement(s) are kept, without a topic")
		if after, _ := env.store.SectionsByStudy(ctx, s.id); len(after) != len(secs) {
			t.Fatalf("%d topics after the unconfirmed delete; want %d", len(after), len(secs))
		}
		mustContain(t, "topic deleted", b.post(del, url.Values{"confirm": {"yes"}}).body, "Topic deleted")
		if after, _ := env.store.SectionsByStudy(ctx, s.id); len(after) != len(secs)-1 {
			t.Fatalf("%d topics after the confirmed delete; want %d", len(after), len(secs)-1)
		}

		es, _ := env.store.ExpertsByStudy(ctx, s.id)
		del = fmt.Sprintf("%s/panel/experts/%d/delete", base, es[0].ID)
		r = b.post(del, url.Values{})
		mustContain(t, "expert question", r.body, "Remove "+htmlEscape(es[0].Name)+" from the panel?", es[0].Email, "cannot be undone")
		if after, _ := env.store.ExpertsByStudy(ctx, s.id); len(after) != len(es) {
			t.Fatalf("%d experts after the unconfirmed removal; want %d", len(after), len(es))
		}
		mustContain(t, "expert removed", b.post(del, url.Values{"confirm": {"yes"}}).body, "removed from the panel")
		if after, _ := env.store.ExpertsByStudy(ctx, s.id); len(after) != len(es)-1 {
			t.Fatalf("%d experts after the confirmed removal; want %d", len(after), len(es)-1)
		}
	})
}

// TestConfirmAllProposals: each decision needed its own Save. One form
// now confirms every statement's decision in one workflow call, with an
// override on a row; the table shows % agree and % disagree (both halves
// of COMET's rule). A refused row (an override without a reason) saves
// nothing and keeps every choice. The API's list does the same.
func TestConfirmAllProposals(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		for _, via := range []string{"page", "api"} {
			t.Run(via, func(t *testing.T) {
				s := newDecisionStudy(t, env, "confirm-"+via+"@example.org")
				rss := s.round.Statements // proposals in, carry, carry
				round := fmt.Sprintf("/studies/%d/rounds/%d", s.studyID, s.round.ID)
				rp := "/api/v1/rounds/" + itoa(s.round.ID)
				// Everyone confirmed, statement 3 overridden to out.
				items := []struct{ decision, reason string }{{"in", ""}, {"carry", ""}, {"out", "answered by round 1"}}

				// Refused first: the override without its reason.
				switch via {
				case "page":
					page := s.b.get(round).body
					mustContain(t, "carry-over page", page, `<th class="num">% agree</th><th class="num">% disagree</th>`, `<button type="submit">Confirm all proposals</button>`,
						`form="decide-all"`)
					row := page[strings.Index(page, `id="rs`+itoa(rss[1].ID)+`"`):]
					row = row[:strings.Index(row, "</tr>")]
					mustContain(t, "divided row", row, `<td class="num">50.0 %</td><td class="num">50.0 %</td>`)
					form := url.Values{}
					for i, it := range items {
						form.Set("decision_"+itoa(rss[i].ID), it.decision)
					}
					r := s.b.post(round+"/decisions", form)
					if r.status != http.StatusUnprocessableEntity {
						t.Errorf("an override without its reason: %d", r.status)
					}
					mustContain(t, "refused page", r.body, "No decision was saved: 1 statement(s) need a correction", `id="err`+itoa(rss[2].ID)+`"`, "needs a reason",
						`<option value="out" selected>out</option>`)
				case "api":
					body := fmt.Sprintf(`[{"round_statement_id":%d,"decision":"in"},{"round_statement_id":%d,"decision":"carry"},{"round_statement_id":%d,"decision":"out"}]`,
						rss[0].ID, rss[1].ID, rss[2].ID)
					if r := s.call(t, "POST", rp+"/decisions", body); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `"field":"[2].reason"`) {
						t.Errorf("an override without its reason: %d %s", r.status, r.body)
					}
				}
				if got := decodeRound(t, s.call(t, "GET", rp, "")).Statements[2]; got.Decision != "carry" {
					t.Fatalf("the refused form saved statement 3: %+v", got)
				}

				switch via {
				case "page":
					form := url.Values{}
					for i, it := range items {
						form.Set("decision_"+itoa(rss[i].ID), it.decision)
						form.Set("reason_"+itoa(rss[i].ID), it.reason)
					}
					mustContain(t, "confirmed", s.b.post(round+"/decisions", form).body, "3 decisions confirmed")
				case "api":
					body := fmt.Sprintf(`[{"round_statement_id":%d,"decision":"in"},{"round_statement_id":%d,"decision":"carry"},{"round_statement_id":%d,"decision":"out","reason":"answered by round 1"}]`,
						rss[0].ID, rss[1].ID, rss[2].ID)
					if r := s.call(t, "POST", rp+"/decisions", body); r.status != http.StatusOK {
						t.Fatalf("decisions: %d %s", r.status, r.body)
					}
				}
				got := decodeRound(t, s.call(t, "GET", rp, "")).Statements
				for i, it := range items {
					if got[i].Decision != it.decision || got[i].Reason != it.reason {
						t.Errorf("statement %d: %s (%q); want %s (%q)", i+1, got[i].Decision, got[i].Reason, it.decision, it.reason)
					}
				}
				if audit := s.b.get(fmt.Sprintf("/studies/%d/audit", s.studyID)).body; strings.Count(audit, "decide statement") != 3 {
					t.Errorf("the audit log has %d decisions; want 3", strings.Count(audit, "decide statement"))
				}
			})
		}
	})
}

// TestFinalRound: the last planned round's page said "prepare the next
// round" and offered "carry"; the study stayed "running" after it
// closed. Now its page speaks of final decisions with no carry (which
// the workflow refuses too), and the study list, the overview and the
// API say the study is finished.
func TestFinalRound(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newDecisionStudyOf(t, env, "final@example.org", 1)
		round := fmt.Sprintf("/studies/%d/rounds/%d", s.studyID, s.round.ID)
		page := s.b.get(round).body
		mustContain(t, "last round's page", page, "Results and final decisions", "the study's last planned round (1): these are the final decisions", "Confirm all proposals")
		for _, not := range []string{`<option value="carry"`, "prepare the next round", "Prepare statements for the next round"} {
			if strings.Contains(page, not) {
				t.Errorf("the last round's page offers %q", not)
			}
		}
		rs := s.round.Statements[1]
		// Carrying is refused, by the page and the API alike.
		r := s.b.post(round+"/decisions", url.Values{"decision_" + itoa(rs.ID): {"carry"}, "reason_" + itoa(rs.ID): {"one more round"}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "last planned round, so nothing can be carried") {
			t.Errorf("page carry in the last round: %d", r.status)
		}
		body := fmt.Sprintf(`[{"round_statement_id":%d,"decision":"carry","reason":"one more round"}]`, rs.ID)
		if r := s.call(t, "POST", "/api/v1/rounds/"+itoa(s.round.ID)+"/decisions", body); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "nothing can be carried") {
			t.Errorf("API carry in the last round: %d %s", r.status, r.body)
		}

		// Finished: the study list, the overview and the API.
		list := s.b.get("/studies").body
		row := list[strings.Index(list, fmt.Sprintf(`href="/studies/%d"`, s.studyID)):]
		if row = row[:strings.Index(row, "</tr>")]; !strings.Contains(row, "<td>finished</td>") {
			t.Errorf("the study list row: %s", row)
		}
		mustContain(t, "overview", s.b.get(fmt.Sprintf("/studies/%d", s.studyID)).body, "Status: <strong>finished</strong>")
		var st studyJSON
		decodeInto(t, s.call(t, "GET", "/api/v1/studies/"+itoa(s.studyID), ""), &st)
		if st.Status != "finished" {
			t.Errorf("API status %q; want finished", st.Status)
		}

		// A study of three rounds is running after round 1.
		three := newDecisionStudy(t, env, "three@example.org")
		decodeInto(t, three.call(t, "GET", "/api/v1/studies/"+itoa(three.studyID), ""), &st)
		if st.Status != "running" {
			t.Errorf("API status of a study after round 1 of 3: %q; want running", st.Status)
		}
		if page := three.b.get(fmt.Sprintf("/studies/%d/rounds/%d", three.studyID, three.round.ID)).body; !strings.Contains(page, `<option value="carry"`) || strings.Contains(page, "final decisions") {
			t.Error("round 1 of 3 does not offer carry, or speaks of final decisions")
		}
	})
}

// TestNextRoundInheritsReminderDays: round 2's reminder days were reset
// to "3"; they now follow round 1's, whether round 2 is prepared on the
// page or through the API, unless given.
func TestNextRoundInheritsReminderDays(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		for _, via := range []string{"page", "api"} {
			t.Run(via, func(t *testing.T) {
				email := "days-" + via + "@example.org"
				s := &decisionStudy{env: env, token: tokenFor(t, env, email)}
				var st studyJSON
				decodeInto(t, s.call(t, "POST", "/api/v1/studies", `{"title":"Days","scale_min":1,"scale_max":5,"max_rounds":3}`), &st)
				sp := "/api/v1/studies/" + itoa(st.ID)
				s.call(t, "POST", sp+"/statements", `[{"text":"One"}]`)
				env.api("POST", sp+"/panel", s.token, "text/csv", "email,name,stakeholder_group,country,language\na@panel.example,A,Research,NL,en\n")
				r1 := decodeRound(t, s.call(t, "POST", sp+"/rounds", `{"reminder_days":"7, 2"}`))
				s.call(t, "POST", "/api/v1/rounds/"+itoa(r1.ID)+"/launch", "")
				if r := s.call(t, "POST", "/api/v1/rounds/"+itoa(r1.ID)+"/close", ""); r.status != http.StatusOK {
					t.Fatalf("close: %d %s", r.status, r.body)
				}
				var r2 roundJSON
				switch via {
				case "page":
					b := env.loggedIn(email)
					r := b.post(fmt.Sprintf("/studies/%d/rounds", st.ID), url.Values{})
					mustContain(t, "round 2 draft", r.body, `id="reminder_days" name="reminder_days" type="text" value="7,2"`)
					r2 = decodeRound(t, s.call(t, "GET", "/api/v1/rounds/"+itoa(mustRoundID(t, r.url)), ""))
				case "api":
					r2 = decodeRound(t, s.call(t, "POST", sp+"/rounds", ""))
				}
				if r2.Number != 2 || r2.ReminderDays != "7,2" {
					t.Errorf("round %d reminder days %q; want round 2 with round 1's 7,2", r2.Number, r2.ReminderDays)
				}
			})
		}
	})
}

// TestAPIStudyReportsMode: a study created through the API without a
// mode reported "mode": ""; it is "classic", as stored, and its status
// "in preparation".
func TestAPIStudyReportsMode(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		token := tokenFor(t, env, "mode@example.org")
		var st studyJSON
		r := env.api("POST", "/api/v1/studies", token, "application/json", `{"title":"Mode","scale_min":1,"scale_max":5}`)
		decodeInto(t, r, &st)
		if r.status != http.StatusCreated || st.Mode != "classic" || st.Status != "in preparation" {
			t.Errorf("created: %d mode %q status %q; want classic, in preparation", r.status, st.Mode, st.Status)
		}
		decodeInto(t, env.api("GET", "/api/v1/studies/"+itoa(st.ID), token, "", ""), &st)
		if st.Mode != "classic" {
			t.Errorf("read back: mode %q", st.Mode)
		}
	})
}

package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/mail/smtptest"
	"github.com/delphi-platform/delphi/internal/store"
)

var ideaLinkRE = regexp.MustCompile(`https?://[^\s"<]+/i/[A-Za-z0-9_-]+`)

// ideaLinks returns the round-0 personal link paths by e-mail address.
func (s *expertStudy) ideaLinks(t testing.TB) map[string]string {
	t.Helper()
	ms, err := s.env.store.IdeaOutbox(context.Background(), s.id)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range ms {
		u, err := url.Parse(ideaLinkRE.FindString(m.TextBody))
		if err != nil || !strings.HasPrefix(u.Path, "/i/") {
			t.Fatalf("no round-0 link in %q", m.TextBody)
		}
		out[m.ToAddress] = u.Path
	}
	return out
}

func (s *expertStudy) ideas(t testing.TB) ideasJSON {
	t.Helper()
	r := s.call(t, "GET", s.path+"/ideas", "")
	var out ideasJSON
	if err := json.Unmarshal([]byte(r.body), &out); err != nil || r.status != http.StatusOK {
		t.Fatalf("ideas: %d %s", r.status, r.body)
	}
	return out
}

func TestRoundZero(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newPanelStudy(t, env, nil, nil, defaultPanel, "")
		if r := s.call(t, "POST", s.path+"/ideas", `{"questions":[]}`); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "at least one question") {
			t.Errorf("no questions: %d %s", r.status, r.body)
		}
		if r := s.call(t, "POST", s.path+"/ideas", `{"questions":[{"text":"What keeps migrants from care?","section":"Access"},{"text":"  "}]}`); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "question 2: the text is empty") {
			t.Errorf("an empty question: %d %s", r.status, r.body)
		}
		if r := s.call(t, "GET", s.path+"/ideas", ""); r.status != http.StatusNotFound {
			t.Errorf("a refused round 0 was created: %d %s", r.status, r.body)
		}
		r := s.call(t, "POST", s.path+"/ideas", `{"deadline":"2099-01-01T12:00:00Z","questions":[{"text":"What keeps migrants from care?","section":"Access"},{"text":"What would help most?","section":"Services"}]}`)
		if r.status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		if r := s.call(t, "POST", s.path+"/ideas/launch", ""); r.status != http.StatusOK || !strings.Contains(r.body, `"invited":5`) {
			t.Fatalf("launch: %d %s", r.status, r.body)
		}
		q := s.ideas(t).Questions
		links := s.ideaLinks(t)
		if len(links) != 5 {
			t.Fatalf("%d round-0 e-mails", len(links))
		}

		// Only a real link opens round 0.
		stranger := env.browser()
		if r := stranger.get("/ideas"); r.status != http.StatusUnauthorized {
			t.Errorf("round 0 without a link: %d", r.status)
		}
		if r := stranger.get("/i/not-a-token"); r.status != http.StatusNotFound {
			t.Errorf("an unknown round-0 link: %d", r.status)
		}
		// A round link does not open round 0, nor the other way round.
		if r := stranger.get(strings.Replace(links["e1@example.org"], "/i/", "/r/", 1)); r.status != http.StatusNotFound {
			t.Errorf("a round-0 token as a round link: %d", r.status)
		}
		// Expert 1: the link, the information sheet, proposals without JavaScript.
		e1 := env.browser()
		if r := e1.get(links["e1@example.org"]); r.url != "/ideas" || !strings.Contains(r.body, `action="/ideas/consent"`) {
			t.Fatalf("link: %d at %s", r.status, r.url)
		}
		if r := e1.post("/ideas", url.Values{"n" + itoa(q[0].ID): {"x"}}); r.status != http.StatusForbidden {
			t.Errorf("proposals before consent: %d", r.status)
		}
		e1.post("/ideas/consent", url.Values{"agree": {"yes"}})
		r = e1.post("/ideas", url.Values{"n" + itoa(q[0].ID): {"Lack of identity papers"}, "n" + itoa(q[1].ID): {"Peer navigators"}})
		mustContain(t, "expert 1 after saving", r.body, "Your proposals are saved.", ">Lack of identity papers</textarea>", "Your proposal 1", "A new proposal (optional)")
		// Expert 2 (Dutch) proposes a duplicate and never sees expert 1's proposals.
		e2 := env.browser()
		e2.get(links["e2@example.org"])
		e2.post("/ideas/consent", url.Values{"agree": {"yes"}})
		r = e2.post("/ideas", url.Values{"n" + itoa(q[0].ID): {"No documents"}})
		mustContain(t, "expert 2", r.body, "Ronde 0", ">No documents</textarea>")
		if strings.Contains(r.body, "identity papers") || strings.Contains(r.body, "Ana Expert") || strings.Contains(r.body, "e1@example.org") {
			t.Error("expert 2 sees expert 1's proposals or identity")
		}
		// A too long proposal saves nothing, not even the other box.
		mine := s.ideas(t).Questions[0].Proposals
		long := strings.Repeat("x", 2001)
		r = e1.post("/ideas", url.Values{"p" + itoa(mine[0].ID): {"Changed"}, "n" + itoa(q[1].ID): {long}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "longer than 2,000 characters") {
			t.Errorf("too long: %d", r.status)
		}
		if got := s.ideas(t); got.Questions[0].Proposals[0].Text != "Lack of identity papers" || len(got.Questions[1].Proposals) != 1 {
			t.Errorf("a refused save changed proposals: %+v", got.Questions)
		}
		// Editing, and withdrawing by emptying the box.
		p2 := s.ideas(t).Questions[1].Proposals[0].ID
		e1.post("/ideas", url.Values{"p" + itoa(mine[0].ID): {"Lack of identity documents"}, "p" + itoa(p2): {""}})
		got := s.ideas(t)
		if got.Questions[0].Proposals[0].Text != "Lack of identity documents" || len(got.Questions[1].Proposals) != 0 {
			t.Errorf("after edit and withdrawal: %+v", got.Questions)
		}
		// The expert's subject-access export holds their proposals.
		if r := s.call(t, "GET", s.path+"/panel/"+itoa(expertID(t, env, s.id, "e1@example.org"))+"/export", ""); !strings.Contains(r.body, `"proposal": "Lack of identity documents"`) {
			t.Errorf("subject-access export: %d %.300s", r.status, r.body)
		}
		// The coordinator's API never names the authors.
		if raw := s.call(t, "GET", s.path+"/ideas", "").body; strings.Contains(raw, "expert") || strings.Contains(raw, "invitation") {
			t.Errorf("the proposals name their authors: %s", raw)
		}
		a, b := got.Questions[0].Proposals[0].ID, got.Questions[0].Proposals[1].ID
		if r := s.call(t, "POST", s.path+"/ideas/merge", `{"into":`+itoa(a)+`,"proposals":[`+itoa(a)+`]}`); r.status != http.StatusUnprocessableEntity {
			t.Errorf("merge into itself: %d %s", r.status, r.body)
		}
		if r := s.call(t, "POST", s.path+"/ideas/merge", `{"into":`+itoa(a)+`,"proposals":[`+itoa(b)+`]}`); r.status != http.StatusNoContent {
			t.Errorf("merge: %d %s", r.status, r.body)
		}
		if r := s.call(t, "POST", s.path+"/ideas/proposals/"+itoa(a)+"/theme", `{"theme":"Documents"}`); r.status != http.StatusNoContent {
			t.Errorf("theme: %d %s", r.status, r.body)
		}
		if r := s.call(t, "POST", s.path+"/ideas/statements", `{"text":"","proposals":[`+itoa(a)+`]}`); r.status != http.StatusUnprocessableEntity {
			t.Errorf("an empty statement: %d %s", r.status, r.body)
		}
		if r := s.call(t, "POST", s.path+"/ideas/statements", `{"text":"Lack of documents should never prevent access to care.","proposals":[`+itoa(a)+`,999999]}`); r.status != http.StatusNotFound {
			t.Errorf("an unknown proposal: %d %s", r.status, r.body)
		}
		r = s.call(t, "POST", s.path+"/ideas/statements", `{"text":"Lack of documents should never prevent access to care.","proposals":[`+itoa(a)+`,`+itoa(b)+`]}`)
		if r.status != http.StatusCreated {
			t.Fatalf("statement: %d %s", r.status, r.body)
		}
		links2 := s.call(t, "GET", s.path+"/proposal-links", "").body
		mustContain(t, "proposal links", links2, `"proposal_text":"Lack of identity documents"`, `"proposal_text":"No documents"`, `"theme":"Documents"`)
		// Close: proposals are fixed; the statement is in round 1, in the question's topic.
		if r := s.call(t, "POST", s.path+"/ideas/close", ""); r.status != http.StatusOK {
			t.Fatalf("close: %d %s", r.status, r.body)
		}
		if r := e1.post("/ideas", url.Values{"n" + itoa(q[0].ID): {"late"}}); r.status != http.StatusConflict || !strings.Contains(r.body, "This round is closed") {
			t.Errorf("after close: %d", r.status)
		}
		s.launch(t, `{"deadline":"2099-06-04T17:00:00Z"}`, 5)
		if len(s.round.Statements) != 1 || s.round.Statements[0].Section != "Access" || !strings.Contains(s.round.Statements[0].Text, "Lack of documents") {
			t.Errorf("round 1: %+v", s.round.Statements)
		}
		if r := s.call(t, "POST", s.path+"/ideas", `{"questions":[{"text":"More?"}]}`); r.status != http.StatusConflict {
			t.Errorf("questions after round 1: %d %s", r.status, r.body)
		}
		// Once round 1 closes, the lineage export names the proposals the
		// statement came from, never who wrote them.
		s.close(t)
		lin := s.call(t, "GET", s.path+"/lineage.csv", "")
		if lin.status != http.StatusOK || !strings.Contains(lin.body, "from_round0_proposals") ||
			!strings.Contains(lin.body, "Documents: Lack of identity documents | No documents") {
			t.Errorf("lineage: %d %s", lin.status, lin.body)
		}
		for _, p := range defaultPanel {
			if strings.Contains(lin.body, p.name) || strings.Contains(lin.body, p.email) {
				t.Errorf("the lineage export names %s", p.email)
			}
		}
	})
}

// TestRoundZeroClosesAtDeadline: the round jobs close round 0 once its
// deadline has passed; before that it stays open.
func TestRoundZeroClosesAtDeadline(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newPanelStudy(t, env, nil, nil, defaultPanel, "")
		s.call(t, "POST", s.path+"/ideas", `{"questions":[{"text":"What would help?"}]}`)
		s.call(t, "POST", s.path+"/ideas/launch", "")
		ctx := context.Background()
		env.app.flow.JobsOnce(ctx)
		if got := s.ideas(t).Status; got != "open" {
			t.Fatalf("before the deadline: %s", got)
		}
		q := env.store.DB().Rebind(`UPDATE idea_rounds SET deadline = ? WHERE study_id = ?`)
		if _, err := env.store.DB().ExecContext(ctx, q, time.Now().UTC().Add(-time.Minute), s.id); err != nil {
			t.Fatal(err)
		}
		env.app.flow.JobsOnce(ctx)
		if got := s.ideas(t).Status; got != "closed" {
			t.Errorf("after the deadline: %s", got)
		}
	})
}

// TestRoundZeroEscapes: what experts write is escaped on the
// coordinator's page and on their own.
func TestRoundZeroEscapes(t *testing.T) {
	env := newTestEnv(t, "sqlite")
	s := newPanelStudy(t, env, nil, nil, defaultPanel, "")
	s.call(t, "POST", s.path+"/ideas", `{"questions":[{"text":"What <b>helps</b>?","section":"<i>Topic</i>"}]}`)
	s.call(t, "POST", s.path+"/ideas/launch", "")
	q := s.ideas(t).Questions[0]
	e := env.browser()
	e.get(s.ideaLinks(t)["e1@example.org"])
	e.post("/ideas/consent", url.Values{"agree": {"yes"}})
	xss := `<script>alert(1)</script>`
	r := e.post("/ideas", url.Values{"n" + itoa(q.ID): {xss}})
	if strings.Contains(r.body, xss) || strings.Contains(r.body, "<b>helps</b>") || !strings.Contains(r.body, "&lt;script&gt;") {
		t.Error("the expert's page does not escape")
	}
	b, _ := env.coordinator("ana@example.org", "Ana")
	if err := env.store.AddStudyMember(context.Background(), s.id, 1, "ana@example.org", "coordinator"); err != nil {
		t.Fatal(err)
	}
	page := b.get("/studies/" + itoa(s.id) + "/ideas").body
	if strings.Contains(page, xss) || strings.Contains(page, "<i>Topic</i>") || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the coordinator's page does not escape proposals")
	}
}

// TestRoundZeroQuestionsEditable: questions can be reworded or deleted
// until round 0 launches, then not.
func TestRoundZeroQuestionsEditable(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newPanelStudy(t, env, nil, nil, defaultPanel, "")
		s.call(t, "POST", s.path+"/ideas", `{"questions":[{"text":"Wht helps?"},{"text":"Duplicate"}]}`)
		q := s.ideas(t).Questions
		b, _ := env.coordinator("ana@example.org", "Ana")
		if err := env.store.AddStudyMember(context.Background(), s.id, 1, "ana@example.org", "coordinator"); err != nil {
			t.Fatal(err)
		}
		base := "/studies/" + itoa(s.id) + "/ideas/questions/"
		if r := b.post(base+itoa(q[0].ID), url.Values{"text": {"  "}, "action": {"save"}}); r.status != http.StatusUnprocessableEntity {
			t.Errorf("an empty question: %d", r.status)
		}
		b.post(base+itoa(q[0].ID), url.Values{"text": {"What helps?"}, "action": {"save"}})
		b.post(base+itoa(q[1].ID), url.Values{"action": {"delete"}})
		if got := s.ideas(t).Questions; len(got) != 1 || got[0].Text != "What helps?" {
			t.Errorf("after edit and delete: %+v", got)
		}
		if r := b.post(base+"999999", url.Values{"text": {"x"}, "action": {"save"}}); r.status != http.StatusNotFound {
			t.Errorf("an unknown question: %d", r.status)
		}
		s.call(t, "POST", s.path+"/ideas/launch", "")
		if r := b.post(base+itoa(q[0].ID), url.Values{"text": {"Changed after launch"}, "action": {"save"}}); r.status != http.StatusConflict || !strings.Contains(r.body, "already been launched") {
			t.Errorf("edit after launch: %d", r.status)
		}
		if got := s.ideas(t).Questions[0].Text; got != "What helps?" {
			t.Errorf("a refused edit changed the question to %q", got)
		}
	})
}

// TestRoundZeroReminders: a reminder goes, with a fresh link and in the
// expert's language, to the invited experts who have proposed nothing and
// have not declined; only while round 0 is open.
func TestRoundZeroReminders(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newPanelStudy(t, env, nil, nil, defaultPanel, panelLanguages)
		s.call(t, "POST", s.path+"/ideas", `{"deadline":"2099-01-01T12:00:00Z","questions":[{"text":"What keeps migrants from care?"}]}`)
		if r := s.call(t, "POST", s.path+"/ideas/remind", ""); r.status != http.StatusConflict {
			t.Errorf("reminder before launch: %d %s", r.status, r.body)
		}
		s.call(t, "POST", s.path+"/ideas/launch", "")
		q := s.ideas(t).Questions[0].ID
		first := s.ideaLinks(t)
		e1 := env.browser() // proposes
		e1.get(first["e1@example.org"])
		e1.post("/ideas/consent", url.Values{"agree": {"yes"}})
		e1.post("/ideas", url.Values{"n" + itoa(q): {"No papers"}})
		e3 := env.browser() // declines
		e3.get(first["e3@example.org"])
		if r := e3.post("/ideas/decline", url.Values{}); r.status != http.StatusOK {
			t.Fatalf("decline: %d", r.status)
		}

		r := s.call(t, "POST", s.path+"/ideas/remind", "")
		if r.status != http.StatusOK || r.body != `{"reminded":3}`+"\n" {
			t.Fatalf("remind: %d %s", r.status, r.body)
		}
		ms, _ := env.store.IdeaOutbox(context.Background(), s.id)
		reminded := map[string]string{}
		for _, m := range ms {
			if m.Kind == "reminder" {
				reminded[m.ToAddress] = m.Subject
			}
		}
		if len(reminded) != 3 || reminded["e1@example.org"] != "" || reminded["e3@example.org"] != "" ||
			!strings.HasPrefix(reminded["e2@example.org"], "Herinnering: ronde 0 van") || !strings.HasPrefix(reminded["e4@example.org"], "Erinnerung: Runde 0") {
			t.Errorf("reminders: %v", reminded)
		}
		fresh := s.ideaLinks(t) // the last e-mail to each address
		if fresh["e2@example.org"] == first["e2@example.org"] {
			t.Error("the reminder reuses the first link")
		}
		for _, link := range []string{first["e2@example.org"], fresh["e2@example.org"]} {
			if r := env.browser().get(link); r.url != "/ideas" {
				t.Errorf("link %s: %d at %s", link, r.status, r.url)
			}
		}

		// The coordinator's button, then round 0 closes: no more reminders.
		// The experts were reminded a moment ago (above), so the button asks
		// first; ticked, it reminds them again.
		b := env.loggedIn("coord@example.org")
		page := b.post("/studies/"+itoa(s.id)+"/ideas/remind", url.Values{})
		mustContain(t, "reminder from the page", page.body, "Remind the experts again?", "3 reminder(s)", "Yes, remind again")
		seen := regexp.MustCompile(`name="seen" value="(\d+)"`).FindStringSubmatch(page.body)
		if page.status != http.StatusConflict || seen == nil {
			t.Fatalf("second reminder from the page: %d, seen %v", page.status, seen)
		}
		page = b.post("/studies/"+itoa(s.id)+"/ideas/remind", url.Values{"again": {"yes"}, "seen": {seen[1]}})
		mustContain(t, "reminder from the page", page.body, "3 reminders queued")
		// A failed round 0 e-mail sent again comes back to the round 0 page.
		if _, err := env.store.DB().Exec(env.store.DB().Rebind(`UPDATE outbox SET status = 'failed' WHERE id = ?`), ms[0].ID); err != nil {
			t.Fatal(err)
		}
		if r := b.post("/studies/"+itoa(s.id)+"/outbox/"+itoa(ms[0].ID)+"/resend", url.Values{}); r.url != "/studies/"+itoa(s.id)+"/ideas" || !strings.Contains(r.body, "will be sent again") {
			t.Errorf("resend a round 0 e-mail: %d at %s", r.status, r.url)
		}
		s.call(t, "POST", s.path+"/ideas/close", "")
		if r := s.call(t, "POST", s.path+"/ideas/remind", ""); r.status != http.StatusConflict {
			t.Errorf("reminder after close: %d %s", r.status, r.body)
		}
	})
}

// TestRoundZeroScheduledReminders: round 0's reminder days become
// scheduled reminders at launch; the background job sends each once.
func TestRoundZeroScheduledReminders(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		s := newPanelStudy(t, env, nil, nil, defaultPanel, "")
		if r := s.call(t, "POST", s.path+"/ideas", `{"reminder_days":"tomorrow","questions":[{"text":"What helps?"}]}`); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "reminder_days") {
			t.Errorf("bad reminder days: %d %s", r.status, r.body)
		}
		if r := s.call(t, "POST", s.path+"/ideas", `{"deadline":"2099-01-01T12:00:00Z","reminder_days":"7, 2","questions":[{"text":"What helps?"}]}`); r.status != http.StatusCreated || !strings.Contains(r.body, `"reminder_days":"7,2"`) {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		// Questions added later without reminder days keep them.
		if r := s.call(t, "POST", s.path+"/ideas", `{"questions":[{"text":"What else?"}]}`); r.status != http.StatusCreated || !strings.Contains(r.body, `"reminder_days":"7,2"`) {
			t.Errorf("reminder days after adding a question: %d %s", r.status, r.body)
		}
		s.call(t, "POST", s.path+"/ideas/launch", "")
		db := env.store.DB()
		var n int
		if err := db.Get(&n, `SELECT COUNT(*) FROM idea_reminders`); err != nil || n != 2 {
			t.Fatalf("%d scheduled reminders (%v); want 2", n, err)
		}
		reminders := func() int {
			ms, _ := env.store.IdeaOutbox(ctx, s.id)
			k := 0
			for _, m := range ms {
				if m.Kind == "reminder" {
					k++
				}
			}
			return k
		}
		env.app.flow.JobsOnce(ctx)
		if got := reminders(); got != 0 {
			t.Fatalf("%d reminders before they are due", got)
		}
		if _, err := db.Exec(db.Rebind(`UPDATE idea_reminders SET due_at = ? WHERE id = (SELECT MIN(id) FROM idea_reminders)`), time.Now().UTC().Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		env.app.flow.JobsOnce(ctx)
		env.app.flow.JobsOnce(ctx)
		if got := reminders(); got != len(defaultPanel) {
			t.Errorf("%d reminders after one came due; want one per expert (%d)", got, len(defaultPanel))
		}
	})
}

// ideaRoundLaunched creates and launches round 0 with one question and
// returns the question's id and the personal links by e-mail address.
func (s *expertStudy) ideaRoundLaunched(t *testing.T) (int64, map[string]string) {
	t.Helper()
	if r := s.call(t, "POST", s.path+"/ideas", `{"deadline":"2099-01-01T12:00:00Z","questions":[{"text":"What would help most?"}]}`); r.status != http.StatusCreated {
		t.Fatalf("create round 0: %d %s", r.status, r.body)
	}
	if r := s.call(t, "POST", s.path+"/ideas/launch", ""); r.status != http.StatusOK {
		t.Fatalf("launch round 0: %d %s", r.status, r.body)
	}
	return s.ideas(t).Questions[0].ID, s.ideaLinks(t)
}

// TestLinkKindsShareOnePath: a round's personal link and round 0's go
// through the same steps with the same answers: an unknown token gets the
// link-problem page, a real one becomes a cookie on a clean address that
// asks for consent first, and the decline link asks, then records the
// decline, also as a one-click unsubscribe without a CSRF token.
func TestLinkKindsShareOnePath(t *testing.T) {
	for _, kind := range []struct {
		name, prefix, home string
		links              func(t *testing.T, env *testEnv) map[string]string
	}{
		{"round", "/r/", "/e", func(t *testing.T, env *testEnv) map[string]string {
			return newExpertStudy(t, env, nil, []string{"One", "Two"}, defaultPanel).links
		}},
		{"round 0", "/i/", "/ideas", func(t *testing.T, env *testEnv) map[string]string {
			_, links := newPanelStudy(t, env, nil, nil, defaultPanel, "").ideaRoundLaunched(t)
			return links
		}},
	} {
		t.Run(kind.name, func(t *testing.T) {
			engines(t, func(t *testing.T, env *testEnv) {
				links := kind.links(t, env)
				if r := env.browser().get(kind.prefix + strings.Repeat("x", 43)); r.status != http.StatusNotFound || !strings.Contains(r.body, "This link does not work") {
					t.Errorf("an unknown link: %d", r.status)
				}
				if r := env.browser().get(kind.home); r.status != http.StatusUnauthorized || !strings.Contains(r.body, "This link does not work") {
					t.Errorf("%s without a link: %d", kind.home, r.status)
				}
				b := env.browser()
				r := b.get(links["e1@example.org"])
				if r.url != kind.home || !strings.Contains(r.body, `action="`+kind.home+`/consent"`) || !strings.Contains(r.body, `action="`+kind.home+`/decline"`) {
					t.Fatalf("the link: %d at %s", r.status, r.url)
				}
				if r := b.post(kind.home+"/consent", url.Values{}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Please tick the box") {
					t.Errorf("consent without agreeing: %d", r.status)
				}
				if r := b.post(kind.home+"/consent", url.Values{"agree": {"yes"}}); r.url != kind.home || strings.Contains(r.body, `action="`+kind.home+`/consent"`) {
					t.Errorf("after consent: %d at %s", r.status, r.url)
				}
				if !expertByLink(t, env, kind.prefix, links["e1@example.org"]).ConsentedAt.Valid {
					t.Error("consent not recorded")
				}

				// The decline link of the e-mail asks first, then declines;
				// the mail provider's one-click unsubscribe posts without a
				// CSRF token.
				decline := links["e2@example.org"] + "/decline"
				d := env.browser()
				if r := d.get(decline); r.status != http.StatusOK || !strings.Contains(r.body, `action="`+decline+`"`) || !strings.Contains(r.body, "Wilt u stoppen") {
					t.Errorf("decline page: %d %s", r.status, r.body)
				}
				d.noCSRF = true
				if r := d.post(decline, url.Values{}); r.status != http.StatusOK || !strings.Contains(r.body, "U ontvangt geen e-mails meer") {
					t.Errorf("one-click decline: %d", r.status)
				}
				if e := expertByLink(t, env, kind.prefix, links["e2@example.org"]); e.Status != "declined" {
					t.Errorf("after declining: %q", e.Status)
				}
			})
		})
	}
}

// expertByLink returns the expert of a personal link, by the lookup of
// its kind.
func expertByLink(t *testing.T, env *testEnv, prefix, link string) store.Expert {
	t.Helper()
	lookup := env.store.VisitByTokenHash
	if prefix == "/i/" {
		lookup = env.store.IdeaVisitByTokenHash
	}
	v, err := lookup(context.Background(), auth.HashToken(strings.TrimPrefix(link, prefix)))
	if err != nil {
		t.Fatalf("%s: %v", link, err)
	}
	return v.Expert
}

// TestEraseExpertReachesRoundZero: erasing an expert, through the API or
// the panel page, also reaches round 0: her round-0 link and the cookie it
// left give the rounds' "link not valid" page, nothing more is saved, and
// her name and e-mail are nowhere in the database or the round-0 exports,
// while her proposals are kept (anonymise) or deleted (delete: round 0
// is open). The erasure's counts include round 0.
func TestEraseExpertReachesRoundZero(t *testing.T) {
	for _, tc := range []struct {
		via, policy string
		kept        int
	}{
		{"api", store.ErasureAnonymise, 2},
		{"page", store.ErasureDelete, 0},
	} {
		t.Run(tc.via, func(t *testing.T) {
			engines(t, func(t *testing.T, env *testEnv) {
				ctx := context.Background()
				panel := []panelist{{eraseEmail, eraseName, "Research", "en"}, {"bo@panel.example", "Bo", "Research", "en"}, {"cy@panel.example", "Cy", "Policy", "en"}}
				s := newPanelStudy(t, env, nil, nil, panel, `,"erasure_policy":"`+tc.policy+`"`)
				q, links := s.ideaRoundLaunched(t)
				propose := func(email string, texts ...string) *browser {
					b := env.browser()
					b.get(links[email])
					b.post("/ideas/consent", url.Values{"agree": {"yes"}})
					form := url.Values{"n" + itoa(q): {texts[0]}}
					if r := b.post("/ideas", form); r.status != http.StatusOK || !strings.Contains(r.body, "Your proposals are saved.") {
						t.Fatalf("%s proposes: %d", email, r.status)
					}
					for _, text := range texts[1:] {
						b.post("/ideas", url.Values{"n" + itoa(q): {text}})
					}
					return b
				}
				ana := propose(eraseEmail, "Peer navigators, says "+eraseName+" ("+eraseEmail+")", "Evening hours")
				propose("bo@panel.example", "Mobile clinics")
				mine := s.ideas(t).Questions[0].Proposals[0].ID
				if r := s.call(t, "POST", s.path+"/ideas/statements", `{"text":"Peer navigators help.","proposals":[`+itoa(mine)+`]}`); r.status != http.StatusCreated {
					t.Fatalf("statement: %d %s", r.status, r.body)
				}
				if found := strings.Join(findInDatabase(t, env.store, eraseName, eraseEmail), " "); !strings.Contains(found, "idea_proposals.text ") {
					t.Fatalf("before the erasure the scan does not find her proposal (only %s): the test is broken", found)
				}

				id := expertID(t, env, s.id, eraseEmail)
				counts := fmt.Sprintf("%d round-0 proposals kept anonymously, %d deleted", tc.kept, 2-tc.kept)
				switch tc.via {
				case "api":
					r := s.call(t, "DELETE", s.path+"/panel/"+itoa(id), "")
					var res store.Erasure
					decodeInto(t, r, &res)
					if r.status != http.StatusOK || res.ProposalsKept != tc.kept || res.ProposalsDeleted != 2-tc.kept || res.LinksRevoked != 1 {
						t.Errorf("erasure %d %+v; want %s, 1 link revoked", r.status, res, counts)
					}
				case "page":
					page := fmt.Sprintf("/studies/%d/panel/experts/%d/erase", s.id, id)
					b := loginAs(t, env, "coord@example.org")
					mustContain(t, "erase page", b.get(page).body, "round-0 proposals")
					mustContain(t, "panel after the erasure", b.post(page, url.Values{"confirm": {eraseEmail}}).body, counts)
				}
				audit, _ := env.store.AuditByStudy(ctx, s.id)
				if last := audit[len(audit)-1]; last.Action != "erase expert" || !strings.Contains(last.Reason, counts+"; 1 links revoked") {
					t.Errorf("audit entry: %+v", last)
				}

				// Her link, and the cookie it left, say what the rounds say
				// of a dead link; nothing more is saved.
				for _, b := range []*browser{env.browser(), ana} {
					if r := b.get(links[eraseEmail]); r.status != http.StatusNotFound || !strings.Contains(r.body, "This link does not work") || strings.Contains(r.body, "team@example.org") {
						t.Errorf("her link after the erasure: %d at %s", r.status, r.url)
					}
				}
				if r := ana.get("/ideas"); r.status != http.StatusNotFound || !strings.Contains(r.body, "This link does not work") {
					t.Errorf("round 0 with her cookie: %d", r.status)
				}
				if r := ana.post("/ideas", url.Values{"n" + itoa(q): {"After the erasure"}}); r.status != http.StatusNotFound {
					t.Errorf("a proposal after the erasure: %d", r.status)
				}
				if r := ana.get(links[eraseEmail] + "/decline"); r.status != http.StatusNotFound {
					t.Errorf("her decline link after the erasure: %d", r.status)
				}
				if r := env.browser().get(links["bo@panel.example"]); r.url != "/ideas" {
					t.Errorf("another expert's link: %d at %s", r.status, r.url)
				}

				// Her name and e-mail are nowhere; the exports keep what the
				// policy keeps.
				if found := findInDatabase(t, env.store, eraseName, eraseEmail, "Silvério"); len(found) > 0 {
					t.Errorf("after the erasure she is still in: %v", found)
				}
				ideas := s.call(t, "GET", s.path+"/ideas", "").body
				lineage := s.call(t, "GET", s.path+"/proposal-links", "").body
				for _, export := range []string{ideas, lineage} {
					if strings.Contains(export, "Quintessa") || strings.Contains(export, eraseEmail) || strings.Contains(export, "After the erasure") {
						t.Errorf("an export names her: %s", export)
					}
				}
				if kept := strings.Contains(ideas, "Peer navigators, says [removed] ([removed])") && strings.Contains(ideas, "Evening hours"); kept != (tc.kept > 0) {
					t.Errorf("round 0 after the erasure (%s): %s", tc.policy, ideas)
				}
				if kept := strings.Contains(lineage, `"proposal_id":`+itoa(mine)); kept != (tc.kept > 0) {
					t.Errorf("lineage after the erasure (%s): %s", tc.policy, lineage)
				}
				if !strings.Contains(ideas, "Mobile clinics") {
					t.Errorf("Bo's proposal is gone: %s", ideas)
				}
			})
		})
	}
}

// TestRoundZeroEmails: round 0's invitations and reminders are the
// rounds' kind of e-mail, over real SMTP: composed from the templates in
// the expert's language, with a decline link and one-click
// List-Unsubscribe. Following the decline link and confirming declines
// the expert, who then gets no round-0 reminder.
func TestRoundZeroEmails(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			smtp := smtptest.Start(t)
			env := newTestEnvWith(t, engine, map[string]string{"DELPHI_SMTP_URL": smtp.URL(), "DELPHI_SMTP_FROM": "Study team <study@example.org>"})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go env.app.mailer.Run(ctx)
			s := newPanelStudy(t, env, smtp, nil, defaultPanel, panelLanguages)
			s.ideaRoundLaunched(t)
			ms, _ := env.store.IdeaOutbox(ctx, s.id)
			for _, m := range ms {
				if m.Kind != "invitation" || !strings.HasSuffix(m.ListUnsubscribe, "/decline") || !strings.Contains(m.ListUnsubscribe, "/i/") {
					t.Errorf("outbox row to %s: kind %q, List-Unsubscribe %q", m.ToAddress, m.Kind, m.ListUnsubscribe)
				}
			}
			// check reads one delivered e-mail and returns its personal link.
			check := func(m smtptest.Message) string {
				t.Helper()
				link := ideaLinkRE.FindString(m.Text)
				if link == "" || !strings.Contains(m.HTML, `href="`+link+`"`) || !strings.Contains(m.Text, link+"/decline") || !strings.Contains(m.HTML, link+"/decline") {
					t.Errorf("to %v: personal or decline link missing:\n%s", m.To, m.Text)
				}
				if got := m.Header.Get("List-Unsubscribe"); got != "<"+link+"/decline>" || m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
					t.Errorf("to %v: List-Unsubscribe %q", m.To, got)
				}
				return link
			}
			invitations := smtp.WaitForMessages(len(defaultPanel), 10*time.Second)
			if len(invitations) != len(defaultPanel) {
				t.Fatalf("%d invitations arrived; want %d", len(invitations), len(defaultPanel))
			}
			links := map[string]string{}
			for _, m := range invitations {
				links[m.To[0]] = check(m)
				if dutch := strings.HasPrefix(m.Subject, `Ronde 0 van „Access to care”`); dutch != (m.To[0] == "e2@example.org") {
					t.Errorf("to %v: subject %q", m.To, m.Subject)
				}
				if m.To[0] == "e1@example.org" {
					mustContain(t, "the English invitation", m.Text, "Dear Ana Expert,", "(1 in all)", "team@example.org")
				}
			}

			// Expert 3 follows the decline link and confirms.
			u, _ := url.Parse(links["e3@example.org"] + "/decline")
			b := env.browser()
			if r := b.get(u.Path); r.status != http.StatusOK || !strings.Contains(r.body, `action="`+u.Path+`"`) {
				t.Fatalf("decline page: %d", r.status)
			}
			if r := b.post(u.Path, url.Values{}); r.status != http.StatusOK || !strings.Contains(r.body, "Vous ne recevrez plus") {
				t.Fatalf("decline: %d", r.status)
			}
			if e := expertByLink(t, env, "/i/", u.Path[:len(u.Path)-len("/decline")]); e.Status != "declined" {
				t.Fatalf("after declining: %q", e.Status)
			}

			// The reminder goes to the four others, not to her.
			if r := s.call(t, "POST", s.path+"/ideas/remind", ""); r.status != http.StatusOK || r.body != `{"reminded":4}`+"\n" {
				t.Fatalf("remind: %d %s", r.status, r.body)
			}
			all := smtp.WaitForMessages(len(defaultPanel)+4, 10*time.Second)
			if len(all) != len(defaultPanel)+4 {
				t.Fatalf("%d e-mails arrived; want %d invitations and 4 reminders", len(all), len(defaultPanel))
			}
			for _, m := range all[len(defaultPanel):] {
				if m.To[0] == "e3@example.org" {
					t.Error("the expert who declined got a reminder")
				}
				if link := check(m); link == links[m.To[0]] {
					t.Errorf("to %v: the reminder reuses the invitation's link", m.To)
				}
			}
			ms, _ = env.store.IdeaOutbox(ctx, s.id)
			for _, m := range ms {
				if m.Kind == "reminder" && m.ToAddress == "e3@example.org" {
					t.Errorf("a reminder to the expert who declined is in the outbox (%s)", m.Status)
				}
			}
		})
	}
}

// TestRoundZeroInputPageAndAPI: round 0's deadline, reminder days and
// questions are read by one workflow, so the round 0 page and the API
// refuse the same bad input with the same reasons and create nothing, and
// a new deadline for the draft is kept, not ignored, either way.
func TestRoundZeroInputPageAndAPI(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newPanelStudy(t, env, nil, nil, defaultPanel, "")
		b := env.loggedIn("coord@example.org")
		page := "/studies/" + itoa(s.id) + "/ideas"

		r := b.post(page, url.Values{"questions": {"What helps?"}, "deadline": {"next week"}, "reminder_days": {"x"}})
		mustContain(t, "page: bad input", r.body, "Give the deadline as a date and time in the study&#39;s time zone (Europe/Brussels)", "&#34;x&#34; is not a number of days between 1 and 60")
		api := s.call(t, "POST", s.path+"/ideas", `{"deadline":"next week","reminder_days":"x","questions":[{"text":"What helps?"}]}`)
		mustContain(t, "API: bad input", api.body, `"field":"deadline","message":"give the deadline as a date and time in the study's time zone (Europe/Brussels)`, `"field":"reminder_days","message":"\"x\" is not a number of days between 1 and 60"`)
		if r.status != http.StatusUnprocessableEntity || api.status != http.StatusUnprocessableEntity {
			t.Errorf("bad input: page %d, API %d", r.status, api.status)
		}
		if r := s.call(t, "GET", s.path+"/ideas", ""); r.status != http.StatusNotFound {
			t.Fatalf("a refused round 0 was created: %d %s", r.status, r.body)
		}

		if r := b.post(page, url.Values{"questions": {"What helps?"}, "deadline": {"2099-01-01T12:00"}, "reminder_days": {"7, 2"}}); r.status != http.StatusOK {
			t.Fatalf("page: create: %d", r.status)
		}
		if r := b.post(page, url.Values{"questions": {"What is missing?"}, "deadline": {"2099-02-01T12:00"}, "reminder_days": {"7, 2"}}); r.status != http.StatusOK {
			t.Fatalf("page: add: %d", r.status)
		}
		if got := s.ideas(t); got.Deadline == nil || got.Deadline.Format("2006-01-02") != "2099-02-01" || len(got.Questions) != 2 {
			t.Errorf("after the page's second save: deadline %v, %d questions", got.Deadline, len(got.Questions))
		}
		if r := s.call(t, "POST", s.path+"/ideas", `{"deadline":"2099-03-01T12:00:00Z","questions":[{"text":"Who else should we ask?"}]}`); r.status != http.StatusCreated {
			t.Fatalf("API: add: %d %s", r.status, r.body)
		}
		if got := s.ideas(t); got.Deadline == nil || got.Deadline.Format("2006-01-02") != "2099-03-01" || got.ReminderDays != "7,2" {
			t.Errorf("after the API's save: deadline %v, reminders %q", got.Deadline, got.ReminderDays)
		}
	})
}

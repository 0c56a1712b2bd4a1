package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
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
		s := newPanelStudy(t, env, nil, nil, defaultPanel, "")
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
		b := env.browser()
		b.get("/login")
		b.post("/login", url.Values{"email": {"coord@example.org"}, "password": {"a long test password"}})
		page := b.post("/studies/"+itoa(s.id)+"/ideas/remind", url.Values{})
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

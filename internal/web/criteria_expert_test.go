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

// twoCriteria makes a study rate its statements on Importance (1–5) and
// Feasibility (1–4).
const twoCriteria = `,"criterion_name":"Importance","criteria":[{"name":"Feasibility","scale_min":1,"scale_max":4,"scale_labels":["Not feasible","Hardly","Mostly","Feasible"],"bands":"1-2,,3-4","consensus_rule":"percent:70"}]`

// autosaveCriteria posts one statement's answer as the page's script
// does, with its rating on each criterion.
func autosaveCriteria(b *browser, rsID int64, r, r2, comment string) (int, savedAnswer) {
	req, _ := http.NewRequest(http.MethodPost, b.base+"/e/answer",
		strings.NewReader(url.Values{"s": {itoa(rsID)}, "r": {r}, "r2": {r2}, "c": {comment}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", b.csrf())
	req.Header.Set("Accept", "application/json")
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, savedAnswer{}
	}
	defer resp.Body.Close()
	var out savedAnswer
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestExpertRatesTwoCriteria: in a study rating on two criteria, each
// statement shows a labelled group of radios per criterion; the autosave
// and the form without JavaScript save both; a rating off criterion 2's
// own scale is refused with its name and saves nothing; a statement
// counts as answered only when both criteria are, for the progress, the
// submit confirmation and the coordinator's count; in round 2 each
// criterion's figures and the expert's own earlier rating on it are shown,
// to the expert and in the coordinator's preview.
func TestExpertRatesTwoCriteria(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		s := newPanelStudy(t, env, nil, []string{"Outreach workers", "Opening hours"}, defaultPanel, twoCriteria)
		s.launch(t, `{}`, len(defaultPanel))
		rs0, rs1 := s.round.Statements[0].ID, s.round.Statements[1].ID
		b := s.expert(t, "e1@example.org")
		page := b.get("/e").body
		for _, want := range []string{"<legend>Importance</legend>", "<legend>Feasibility</legend>",
			fmt.Sprintf("name=r%d_2 value=4>", rs0), fmt.Sprintf("name=r%d value=5>", rs0), "Not feasible"} {
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if strings.Contains(page, fmt.Sprintf("name=r%d_2 value=5>", rs0)) {
			t.Errorf("criterion 2 offers a point off its 1–4 scale")
		}
		// The autosave: both criteria, one comment.
		if st, out := autosaveCriteria(b, rs0, "4", "3", "Both matter"); st != http.StatusOK || out.Answered != 1 {
			t.Fatalf("autosave, both criteria: %d %+v", st, out)
		}
		if st, out := autosaveCriteria(b, rs1, "2", "", ""); st != http.StatusOK || out.Answered != 1 || !strings.Contains(out.Progress, "1 of 2") {
			t.Fatalf("autosave, criterion 1 only: %d %+v; want still 1 answered", st, out)
		}
		if st, out := autosaveCriteria(b, rs1, "2", "5", ""); st != http.StatusUnprocessableEntity || !strings.Contains(out.Message, "Feasibility") {
			t.Errorf("autosave, 5 on a 1–4 criterion: %d %+v", st, out)
		}
		inv := s.invitationOf(t, "e1@example.org")
		got, err := env.store.RatingsByInvitation(ctx, inv)
		if err != nil {
			t.Fatal(err)
		}
		if r := got[rs0]; r.Rating.Int64 != 4 || r.Rating2.Int64 != 3 || r.Comment != "Both matter" {
			t.Errorf("statement 1 stored as %+v", r)
		}
		if r := got[rs1]; r.Rating.Int64 != 2 || r.Rating2.Valid {
			t.Errorf("statement 2 after the refused save: %+v", r)
		}
		// The form without JavaScript: criterion 2 of statement 2.
		form := url.Values{fmt.Sprintf("r%d_2", rs1): {"unable"}, fmt.Sprintf("or%d", rs1): {"2"}, fmt.Sprintf("r%d", rs1): {"2"}}
		if r := b.post("/e", form); r.status != http.StatusOK || !strings.Contains(r.body, "2 of 2") {
			t.Fatalf("form: %d, progress not 2 of 2", r.status)
		}
		if r := b.post("/e", url.Values{fmt.Sprintf("r%d_2", rs1): {"7"}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Feasibility") {
			t.Errorf("form, 7 on criterion 2: %d", r.status)
		}
		got, _ = env.store.RatingsByInvitation(ctx, inv)
		if r := got[rs1]; !r.Unable2 || r.Rating.Int64 != 2 {
			t.Errorf("statement 2 after the form: %+v", r)
		}
		// Half an answer is not an answer: the submit asks first.
		b2 := s.expert(t, "e2@example.org")
		autosaveCriteria(b2, rs0, "3", "", "")
		if r := b2.post("/e/submit", url.Values{}); r.status != http.StatusOK || !strings.Contains(r.body, "2 stellingen hebben nog geen antwoord") {
			t.Errorf("submit with criterion 2 missing: %d %s", r.status, r.body)
		}
		if r := s.call(t, "PATCH", s.path, `{"require_all":true}`); r.status != http.StatusOK {
			t.Fatalf("require_all: %d %s", r.status, r.body)
		}
		if r := b2.post("/e/submit", url.Values{"confirm": {"unanswered"}}); r.status != http.StatusUnprocessableEntity || r.url == "/e/thanks" {
			t.Errorf("require_all, submit with criterion 2 missing: %d at %s", r.status, r.url)
		}
		if r := s.call(t, "PATCH", s.path, `{"require_all":false}`); r.status != http.StatusOK {
			t.Fatalf("require_all off: %d %s", r.status, r.body)
		}
		if r := b.post("/e/submit", url.Values{}); r.url != "/e/thanks" || !strings.Contains(r.body, "Importance: 4") || !strings.Contains(r.body, "Feasibility: 3 · Mostly") {
			t.Errorf("complete submit: at %s", r.url)
		}
		statuses, err := env.store.RoundStatuses(ctx, s.round.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range statuses {
			want := map[string]int{"e1@example.org": 2}[e.Email]
			if e.Rated != want {
				t.Errorf("%s: %d rated; want %d", e.Email, e.Rated, want)
			}
		}
		// The others answer; round 2 shows the figures per criterion.
		for i, p := range defaultPanel[1:] {
			bx := s.expert(t, p.email)
			f := url.Values{fmt.Sprintf("r%d", rs0): {fmt.Sprint(1 + i%2*4)}, fmt.Sprintf("r%d_2", rs0): {fmt.Sprint(1 + i%2*3)},
				fmt.Sprintf("r%d", rs1): {"3"}, fmt.Sprintf("r%d_2", rs1): {"4"}, "confirm": {"unanswered"}}
			if r := bx.post("/e/submit", f); r.url != "/e/thanks" {
				t.Fatalf("%s submits: %d at %s", p.email, r.status, r.url)
			}
		}
		s.close(t)
		s.launch(t, `{}`, len(defaultPanel))
		next, err := env.store.RoundStatements(ctx, s.round.ID)
		if err != nil {
			t.Fatal(err)
		}
		// n, counts, unable on Feasibility; neither statement reached
		// consensus on both criteria, so both carry over.
		want := map[int64]string{rs0: "5 [2 0 1 2] 0", rs1: "4 [0 0 0 4] 1"}
		for _, rs := range next {
			var fb rounds.Feedback
			if err := json.Unmarshal([]byte(rs.Feedback), &fb); err != nil || len(fb.Criteria) != 1 {
				t.Fatalf("round 2 feedback: %v %s", err, rs.Feedback)
			}
			c := fb.Criteria[0]
			if got := fmt.Sprint(c.N, " ", c.Counts, " ", c.Unable); c.Name != "Feasibility" || c.Max != 4 || got != want[rs.PreviousID.Int64] {
				t.Errorf("criterion 2's figures of %d: %s; want %s", rs.PreviousID.Int64, got, want[rs.PreviousID.Int64])
			}
			delete(want, rs.PreviousID.Int64)
		}
		if len(want) > 0 {
			t.Fatalf("not carried over to round 2: %v", want)
		}
		r2 := s.expert(t, "e1@example.org").get("/e").body
		for _, want := range []string{"Importance · Panel result, round 1", "Feasibility · Panel result, round 1",
			"Your rating in round 1: 4 · Agree", "Your rating in round 1: 3 · Mostly", "In round 1 you were unable to rate this statement."} {
			if !strings.Contains(r2, want) {
				t.Errorf("round 2 page lacks %q:\n%s", want, r2)
			}
		}
		b3 := loginAs(t, env, "coord@example.org")
		if r := b3.get(fmt.Sprintf("/studies/%d/preview?round=%d", s.id, s.round.ID)); r.status != http.StatusOK || !strings.Contains(r.body, "Feasibility · Panel result, round 1") {
			t.Errorf("preview: %d, no criterion 2 feedback", r.status)
		}
	})
}

// invitationOf is the invitation of a panel member in the study's current round.
func (s *expertStudy) invitationOf(t *testing.T, email string) int64 {
	t.Helper()
	statuses, err := s.env.store.RoundStatuses(context.Background(), s.round.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range statuses {
		if e.Email == email {
			return e.InvitationID
		}
	}
	t.Fatalf("no invitation for %s", email)
	return 0
}

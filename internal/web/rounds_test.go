package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/mail/smtptest"
)

var linkRE = regexp.MustCompile(`http://[^\s"<>]+/r/[A-Za-z0-9_-]{40,}`)

// linkIn returns the personal link (not the decline link) in a message.
func linkIn(t testing.TB, text string) string {
	t.Helper()
	for _, l := range linkRE.FindAllString(text, -1) {
		if !strings.HasSuffix(l, "/decline") {
			return l
		}
	}
	t.Fatalf("no personal link in:\n%s", text)
	return ""
}

func decodeInto(t *testing.T, r response, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("JSON (%d): %v\n%s", r.status, err, r.body)
	}
}

func decodeRound(t *testing.T, r response) roundJSON {
	t.Helper()
	var j roundJSON
	if err := json.Unmarshal([]byte(r.body), &j); err != nil {
		t.Fatalf("round JSON (%d): %v\n%s", r.status, err, r.body)
	}
	return j
}

// expertRates opens a personal link in a fresh browser, answers with the
// plain form (no JavaScript), and submits unless told not to.
func (env *testEnv) expertRates(t *testing.T, link string, answers map[int64]string, submit bool) {
	t.Helper()
	b := env.browser()
	u, _ := url.Parse(link)
	r := b.get(u.Path)
	if r.status != http.StatusOK || r.url != "/e" {
		t.Fatalf("opening %s: %d at %s", u.Path, r.status, r.url)
	}
	if r.status, r.body = b.consent(t); r.status != http.StatusOK {
		t.Fatalf("consent: %d", r.status)
	}
	form := url.Values{}
	for id, v := range answers {
		form.Set(fmt.Sprintf("r%d", id), v)
	}
	if r := b.post("/e", form); r.status != http.StatusOK || !strings.Contains(r.body, `<p class="flash" role="status">`) {
		t.Fatalf("saving: %d %s", r.status, r.body)
	}
	if submit {
		if r := b.post("/e/submit", url.Values{"confirm": {"unanswered"}}); r.url != "/e/thanks" {
			t.Fatalf("submit: %d", r.status)
		}
	}
}

// TestThreeRoundStudy drives a whole study through the API with real
// e-mail over SMTP: launch, invitations received, links used, ratings,
// close, proposals, a rewording and an added statement, and later rounds
// sent only to the previous round's respondents.
func TestThreeRoundStudy(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			smtp := smtptest.Start(t)
			env := newTestEnvWith(t, engine, map[string]string{"DELPHI_SMTP_URL": smtp.URL(), "DELPHI_SMTP_FROM": "Study team <study@example.org>"})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go env.app.mailer.Run(ctx)

			token := tokenFor(t, env, "coord@example.org")
			call := func(method, path, body string) response {
				ct := ""
				if body != "" {
					ct = "application/json"
				}
				return env.api(method, path, token, ct, body)
			}
			r := call("POST", "/api/v1/studies", `{"title":"Access to care","scale_min":1,"scale_max":5,"consensus_rule":"percent:75","max_rounds":3,"contact_email":"coord@example.org"`+panelLanguages+`}`)
			var st studyJSON
			_ = json.Unmarshal([]byte(r.body), &st)
			sp := "/api/v1/studies/" + itoa(st.ID)
			call("POST", sp+"/statements", `[{"text":"Everyone agrees","section":"A"},{"text":"Everyone disagrees","section":"A"},{"text":"Divided, to reword","section":"B"},{"text":"Divided, carried","section":"B"}]`)
			panel := "email,name,stakeholder_group,country,language\n"
			for i := 1; i <= 6; i++ {
				lang := map[bool]string{true: "nl", false: "en"}[i == 2] // expert 2 reads Dutch
				panel += fmt.Sprintf("e%d@example.org,Expert %d,Research,NL,%s\n", i, i, lang)
			}
			if r := env.api("POST", sp+"/panel", token, "text/csv", panel); r.status != http.StatusOK {
				t.Fatalf("panel: %s", r.body)
			}

			// Round 1: every statement, the whole panel.
			r1 := decodeRound(t, call("POST", sp+"/rounds", `{"reminder_days":"3"}`))
			if r1.Number != 1 || r1.Status != "draft" || len(r1.Statements) != 4 || r1.Statements[0].Origin != "new" {
				t.Fatalf("round 1 draft: %+v", r1)
			}
			rp := "/api/v1/rounds/" + itoa(r1.ID)
			if r := call("POST", rp+"/launch", ""); r.status != http.StatusOK {
				t.Fatalf("launch: %d %s", r.status, r.body)
			}
			if r := call("POST", rp+"/launch", ""); r.status != http.StatusConflict {
				t.Errorf("second launch: %d", r.status)
			}
			msgs := smtp.WaitForMessages(6, 10*time.Second)
			if len(msgs) != 6 {
				t.Fatalf("%d invitations received; want 6", len(msgs))
			}
			links := map[string]string{}
			for _, m := range msgs {
				if len(m.To) != 1 || !strings.Contains(m.Subject, "Access to care") || !strings.Contains(m.HTML, "Access to care") {
					t.Errorf("message to %v: subject %q", m.To, m.Subject)
				}
				if dutch := strings.HasPrefix(m.Subject, "Ronde 1"); dutch != (m.To[0] == "e2@example.org") {
					t.Errorf("message to %v in the wrong language: %q", m.To, m.Subject)
				}
				links[m.To[0]] = linkIn(t, m.Text)
				if !strings.Contains(m.HTML, links[m.To[0]]) || !strings.Contains(m.Text, links[m.To[0]]+"/decline") {
					t.Errorf("HTML part or decline link missing for %v", m.To)
				}
				if m.Header.Get("List-Unsubscribe") == "" {
					t.Errorf("no List-Unsubscribe to %v", m.To)
				}
			}
			// The settings are locked now: a change needs a reason, as on the page.
			if r := call("PATCH", sp, `{"consensus_rule":"percent:80"}`); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `"field":"amendment_reason"`) {
				t.Errorf("rule change after launch: %d %s", r.status, r.body)
			}

			ids := make([]int64, 4)
			for i, s := range r1.Statements {
				ids[i] = s.ID
			}
			// Experts 1–4 submit; 5 saves without submitting; 6 declines.
			for i := 1; i <= 5; i++ {
				div := map[bool]string{true: "5", false: "1"}[i%2 == 0]
				env.expertRates(t, links[fmt.Sprintf("e%d@example.org", i)], map[int64]string{ids[0]: "5", ids[1]: "1", ids[2]: div, ids[3]: div}, i <= 4)
			}
			dec := env.browser()
			u, _ := url.Parse(links["e6@example.org"] + "/decline")
			dec.get(u.Path)
			if r := dec.post(u.Path, url.Values{}); !strings.Contains(r.body, "no more e-mails") {
				t.Errorf("decline: %d", r.status)
			}

			closed := decodeRound(t, call("POST", rp+"/close", ""))
			want := []string{"in", "out", "carry", "carry"}
			for i, s := range closed.Statements {
				if s.Proposal != want[i] || s.Decision != want[i] {
					t.Errorf("round 1 %q: proposal %s decision %s; want %s", s.Text, s.Proposal, s.Decision, want[i])
				}
			}
			if closed.Counts["submitted"] != 4 || closed.Counts["declined"] != 1 || closed.Counts["invited"] != 6 {
				t.Errorf("round 1 counts %v", closed.Counts)
			}
			if len(closed.Results) == 0 {
				t.Error("no results snapshot")
			}

			// Decisions through the API: all or none, each refusal named by
			// its item; an override needs a reason.
			s0, s1 := itoa(closed.Statements[0].ID), itoa(closed.Statements[1].ID)
			decide := func(body string) response { return call("POST", rp+"/decisions", body) }
			if r := decide(`[{"round_statement_id":` + s0 + `,"decision":"out","reason":"steering group"},{"round_statement_id":` + s1 + `,"decision":"in"}]`); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `[1].reason`) {
				t.Errorf("override without a reason: %d %s", r.status, r.body)
			}
			if r := decide(`[{"round_statement_id":` + s0 + `,"decision":"maybe"},{"round_statement_id":999999,"decision":"in"}]`); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `[0].decision`) || !strings.Contains(r.body, `[1].round_statement_id`) {
				t.Errorf("bad items: %d %s", r.status, r.body)
			}
			if got := decodeRound(t, call("GET", rp, "")); got.Statements[0].Decision != "in" {
				t.Errorf("a refused batch changed a decision: %+v", got.Statements[0])
			}
			if got := decodeRound(t, decide(`[{"round_statement_id":`+s0+`,"decision":"out","reason":"steering group"}]`)); got.Statements[0].Decision != "out" || got.Statements[0].Reason != "steering group" {
				t.Errorf("override: %+v", got.Statements[0])
			}
			if got := decodeRound(t, decide(`[{"round_statement_id":`+s0+`,"decision":"in"}]`)); got.Statements[0].Decision != "in" {
				t.Errorf("back to the proposal: %+v", got.Statements[0])
			}

			// Reword one carried statement, add one new.
			if r := call("POST", sp+"/statements/"+itoa(closed.Statements[2].StatementID)+"/reword", `{"text":"Divided, reworded","reason":"ambiguous wording"}`); r.status != http.StatusCreated {
				t.Fatalf("reword: %d %s", r.status, r.body)
			}
			call("POST", sp+"/statements", `[{"text":"Added from comments","section":"B"}]`)

			// Round 2: the reworded, the carried and the added statement,
			// sent only to round 1's respondents (experts 1–4).
			r2 := decodeRound(t, call("POST", sp+"/rounds", ""))
			if r := call("POST", rp+"/decisions", `[{"round_statement_id":`+s0+`,"decision":"in"}]`); r.status != http.StatusConflict || !strings.Contains(r.body, "decisions of this round are final") {
				t.Errorf("decision after the next round exists: %d %s", r.status, r.body)
			}
			if r := call("POST", "/api/v1/rounds/"+itoa(r2.ID)+"/decisions", `[]`); r.status != http.StatusConflict {
				t.Errorf("decisions on a draft round: %d %s", r.status, r.body)
			}
			var got []string
			for _, s := range r2.Statements {
				got = append(got, s.Origin+":"+s.Text)
			}
			if strings.Join(got, "|") != "reworded:Divided, reworded|carried:Divided, carried|added:Added from comments" {
				t.Errorf("round 2 statements: %v", got)
			}
			var fb struct {
				N        int     `json:"n"`
				Median   float64 `json:"median"`
				Previous string  `json:"previous_text"`
			}
			_ = json.Unmarshal(r2.Statements[0].Feedback, &fb)
			if fb.N != 4 || fb.Median != 3 || fb.Previous != "Divided, to reword" {
				t.Errorf("frozen feedback %+v from %s", fb, r2.Statements[0].Feedback)
			}
			smtp.Reset()
			call("POST", "/api/v1/rounds/"+itoa(r2.ID)+"/launch", "")
			smtp.WaitForMessages(4, 10*time.Second)
			time.Sleep(200 * time.Millisecond) // would a fifth arrive?
			if msgs = smtp.Messages(); len(msgs) != 4 {
				t.Fatalf("round 2: %d invitations; want 4", len(msgs))
			}
			var to []string
			for _, m := range msgs {
				links[m.To[0]] = linkIn(t, m.Text)
				to = append(to, m.To[0])
			}
			sort.Strings(to)
			if strings.Join(to, " ") != "e1@example.org e2@example.org e3@example.org e4@example.org" {
				t.Errorf("round 2 invited %v; want round 1's respondents e1–e4", to)
			}
			// Experts 1–3 submit round 2: the reworded statement now reaches consensus.
			for i := 1; i <= 3; i++ {
				env.expertRates(t, links[fmt.Sprintf("e%d@example.org", i)], map[int64]string{r2.Statements[0].ID: "4", r2.Statements[1].ID: fmt.Sprint(i), r2.Statements[2].ID: fmt.Sprint(i + 1)}, true)
			}
			closed = decodeRound(t, call("POST", "/api/v1/rounds/"+itoa(r2.ID)+"/close", ""))
			want = []string{"in", "carry", "carry"}
			for i, s := range closed.Statements {
				if s.Proposal != want[i] {
					t.Errorf("round 2 %q: %s; want %s", s.Text, s.Proposal, want[i])
				}
			}

			// Round 3, the last: respondents of round 2 only; no consensus is unresolved.
			r3 := decodeRound(t, call("POST", sp+"/rounds", ""))
			if len(r3.Statements) != 2 {
				t.Errorf("round 3 has %d statements; want 2", len(r3.Statements))
			}
			smtp.Reset()
			call("POST", "/api/v1/rounds/"+itoa(r3.ID)+"/launch", "")
			msgs = smtp.WaitForMessages(3, 10*time.Second)
			time.Sleep(200 * time.Millisecond)
			if len(smtp.Messages()) != 3 {
				t.Fatalf("round 3: %d invitations; want 3", len(smtp.Messages()))
			}
			for _, m := range msgs {
				env.expertRates(t, linkIn(t, m.Text), map[int64]string{r3.Statements[0].ID: "3", r3.Statements[1].ID: "3"}, true)
			}
			closed = decodeRound(t, call("POST", "/api/v1/rounds/"+itoa(r3.ID)+"/close", ""))
			for _, s := range closed.Statements {
				if s.Proposal != "unresolved" {
					t.Errorf("round 3 %q: %s; want unresolved", s.Text, s.Proposal)
				}
			}
			if closed.Counts["submitted"] != 3 || closed.Status != "closed" {
				t.Errorf("round 3: %+v", closed.Counts)
			}
			if r := call("POST", sp+"/rounds", ""); r.status != http.StatusConflict {
				t.Errorf("round 4 beyond the planned 3: %d", r.status)
			}
			// An old link no longer accepts ratings once its round closed.
			b := env.browser()
			u, _ = url.Parse(links["e1@example.org"])
			b.get(u.Path)
			if r := b.post("/e", url.Values{fmt.Sprintf("r%d", r2.Statements[1].ID): {"5"}}); r.status != http.StatusConflict {
				t.Errorf("rating a closed round: %d", r.status)
			}
		})
	}
}

package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/store"
)

// FuzzAPIBodies sends arbitrary bodies to every API route that reads one,
// through the whole stack (authentication, decoding, validation, the
// database). No body may make the server fail (5xx, including a
// recovered panic), and every refusal is a JSON error the caller can
// read. The routes act on a classic study whose round 1 is closed and on
// a study in round 0 with two proposals; what one input changes stays for
// the next, as with a real client.
func FuzzAPIBodies(f *testing.F) {
	var errlog syncBuffer
	env := newTestEnvLogging(f, "sqlite", nil, &errlog)
	classic := newExpertStudyWith(f, env, nil, []string{"Identity documents", "Peer navigators", "Opening hours"}, defaultPanel, `,"languages":["en","nl"]`)
	classic.close(f)
	var stmts []statementJSON
	if r := classic.call(f, "GET", classic.path+"/statements", ""); json.Unmarshal([]byte(r.body), &stmts) != nil || len(stmts) != 3 {
		f.Fatalf("statements: %d %s", r.status, r.body)
	}
	var secs []sectionJSON
	if r := classic.call(f, "GET", classic.path+"/sections", ""); json.Unmarshal([]byte(r.body), &secs) != nil || len(secs) == 0 {
		f.Fatalf("sections: %d %s", r.status, r.body)
	}
	ideas := newIdeaStudyWithProposals(f, env, classic.token)

	type route struct{ method, path, contentType string }
	routes := []route{
		{"POST", "/api/v1/studies", "application/json"},
		{"PATCH", classic.path, "application/json"},
		{"POST", classic.path + "/statements", "application/json"},
		{"POST", classic.path + "/rounds", "application/json"},
		{"POST", "/api/v1/rounds/" + itoa(classic.round.ID) + "/decisions", "application/json"},
		{"POST", classic.path + "/statements/" + itoa(stmts[0].ID) + "/reword", "application/json"},
		{"POST", classic.path + "/panel", "text/csv"},
		{"POST", ideas.path + "/ideas", "application/json"},
		{"POST", ideas.path + "/ideas/proposals/" + itoa(ideas.proposals[0]) + "/theme", "application/json"},
		{"POST", ideas.path + "/ideas/merge", "application/json"},
		{"POST", ideas.path + "/ideas/statements", "application/json"},
		{"PUT", classic.path + "/statements/" + itoa(stmts[1].ID) + "/translations", "application/json"},
		{"PATCH", classic.path + "/sections/" + itoa(secs[0].ID), "application/json"},
		{"PATCH", "/api/v1/rounds/" + itoa(classic.round.ID), "application/json"},
	}
	rs := classic.round.Statements
	for i, body := range []string{
		`{"title":"x","scale_min":1,"scale_max":9,"consensus_rule":"comet","quantile":"type6"}`,
		`{"consensus_rule":"percent:80","amendment_reason":"Steering group"}`,
		`[{"text":"Peer navigators should be paid.","section":"Services"},{"text":"x"}]`,
		`{"deadline":"2099-12-04T18:00:00Z","reminder_days":"7,2","invite_scope":"respondents","show_groups":true}`,
		`[{"round_statement_id":` + itoa(rs[0].ID) + `,"decision":"carry","reason":"unclear"},{"round_statement_id":` + itoa(rs[1].ID) + `,"decision":"in"}]`,
		`{"text":"Lack of identity documents should never prevent access to primary care.","reason":"clearer"}`,
		"email,name,stakeholder_group,country,language\nnew@example.org,New,Research,GR,el\n",
		`{"deadline":"2099-01-01T12:00:00Z","questions":[{"text":"What else?","section":"Access"}]}`,
		`{"theme":"Documents"}`,
		`{"into":` + itoa(ideas.proposals[0]) + `,"proposals":[` + itoa(ideas.proposals[1]) + `]}`,
		`{"text":"A statement from proposals","proposals":[` + itoa(ideas.proposals[0]) + `]}`,
		`{"nl":"Peer-navigators","en":"x","fr":""}`,
		`{"title":"Access to care","translations":{"nl":"Toegang tot zorg"}}`,
		`{"deadline":"2099-12-04T18:00","reminder_days":"x","invite_scope":"panel","show_groups":false}`,
	} {
		f.Add(uint8(i), []byte(body))
	}
	for _, odd := range []string{``, `null`, `[]`, `{}`, `{"title":null}`, `[{"round_statement_id":-1}]`, `{"into":1e99}`, `"\u0000"`, `{"text":"` + strings.Repeat("x", 3000) + `"}`} {
		f.Add(uint8(len(odd)), []byte(odd))
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		rt := routes[int(which)%len(routes)]
		req, err := http.NewRequest(rt.method, env.srv.URL+rt.path, strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+classic.token)
		req.Header.Set("Content-Type", rt.contentType)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s %q: %d %s\n%s", rt.method, rt.path, body, resp.StatusCode, out, errlog.String())
		}
		if resp.StatusCode >= 400 {
			var e map[string]any
			if json.Unmarshal(out, &e) != nil || e["error"] == nil && e["errors"] == nil {
				t.Fatalf("%s %s %q: %d without a JSON error: %s", rt.method, rt.path, body, resp.StatusCode, out)
			}
		}
	})
}

// ideaStudy is a study in round 0 with proposals.
type ideaStudy struct {
	path      string
	proposals []int64
}

// newIdeaStudyWithProposals creates a second study of the coordinator
// whose token is given, opens round 0 and lets one expert propose twice.
func newIdeaStudyWithProposals(t testing.TB, env *testEnv, token string) ideaStudy {
	t.Helper()
	ctx := context.Background()
	s := &expertStudy{env: env, token: token}
	r := s.call(t, "POST", "/api/v1/studies", `{"title":"Round 0","scale_min":1,"scale_max":5}`)
	var st studyJSON
	if err := json.Unmarshal([]byte(r.body), &st); err != nil || st.ID == 0 {
		t.Fatalf("create study: %d %s", r.status, r.body)
	}
	s.id, s.path = st.ID, "/api/v1/studies/"+itoa(st.ID)
	if r := env.api("POST", s.path+"/panel", token, "text/csv", "email,name,stakeholder_group,country,language\np1@example.org,P One,Research,NL,en\n"); r.status != http.StatusOK {
		t.Fatalf("panel: %s", r.body)
	}
	if r := s.call(t, "POST", s.path+"/ideas", `{"deadline":"2099-01-01T12:00:00Z","questions":[{"text":"What keeps migrants from care?","section":"Access"}]}`); r.status != http.StatusCreated {
		t.Fatalf("ideas: %d %s", r.status, r.body)
	}
	if r := s.call(t, "POST", s.path+"/ideas/launch", ""); r.status != http.StatusOK {
		t.Fatalf("launch ideas: %d %s", r.status, r.body)
	}
	q := s.ideas(t).Questions[0].ID
	for _, link := range s.ideaLinks(t) {
		v, err := env.store.IdeaVisitByTokenHash(ctx, auth.HashToken(strings.TrimPrefix(link, "/i/")))
		if err != nil {
			t.Fatal(err)
		}
		if err := env.store.SaveProposals(ctx, v.IdeaInvitation.ID, []store.ProposalEdit{{QuestionID: q, Text: "No papers"}, {QuestionID: q, Text: "No documents"}}); err != nil {
			t.Fatal(err)
		}
	}
	out := ideaStudy{path: s.path}
	for _, p := range s.ideas(t).Questions[0].Proposals {
		out.proposals = append(out.proposals, p.ID)
	}
	if len(out.proposals) != 2 {
		t.Fatalf("%d proposals", len(out.proposals))
	}
	return out
}

package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// goPrefix matches the "pkg: op:" prefixes Go code wraps errors with.
var goPrefix = regexp.MustCompile(`\b(store|rounds|workflow|results|report|web|fault|sql|pq|json): `)

// TestConflictsSpeakToTheUser: a refused action, on a page or through the
// API, answers the status of its kind with the sentence written for the
// user and never the Go error text around it (the carry-over page once
// said "store: set decision: a decision that departs from …").
func TestConflictsSpeakToTheUser(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newExpertStudy(t, env, nil, fourStatements, defaultPanel)
		b := env.loggedIn("coord@example.org")
		page := "/studies/" + itoa(s.id)
		round := page + "/rounds/" + itoa(s.round.ID)
		rs := s.round.Statements[0]
		check := func(what string, r response, status int, sentence string) {
			t.Helper()
			if r.status != status || !strings.Contains(r.body, sentence) {
				t.Errorf("%s: %d, want %d with %q\n%.400s", what, r.status, status, sentence, r.body)
			}
			if m := goPrefix.FindString(r.body); m != "" {
				t.Errorf("%s shows Go error text %q", what, m)
			}
		}
		check("page: launch twice", b.post(round+"/launch", url.Values{}), http.StatusConflict, "already been launched")
		check("page: delete a statement in use", b.post(page+"/statements/"+itoa(rs.StatementID)+"/delete", url.Values{}), http.StatusConflict,
			"already presented in a round")
		check("API: a new range after launch", s.call(t, "PATCH", s.path, `{"scale_min":1,"scale_max":7,"amendment_reason":"wider"}`),
			http.StatusConflict, "range cannot change once ratings were collected")
		check("page: a new range after launch", b.post(page+"/scale", url.Values{"scale": {"1-7"}, "rule": {"percent"}, "percent_threshold": {"75"},
			"quantile": {"type6"}, "final_no_consensus": {"unresolved"}, "amendment_reason": {"wider"}}),
			http.StatusConflict, "range cannot change once ratings were collected")
		// Before the close, deciding is a conflict on the page as in the API.
		check("page: decide before the close", b.post(round+"/statements/"+itoa(rs.ID)+"/decision", url.Values{"decision": {"out"}}),
			http.StatusConflict, "decisions are made once the round is closed")
		check("API: decide before the close", s.call(t, "POST", "/api/v1/rounds/"+itoa(s.round.ID)+"/decisions", `[{"round_statement_id":`+itoa(rs.ID)+`,"decision":"out"}]`),
			http.StatusConflict, "decisions are made once the round is closed")
		check("API: close", s.call(t, "POST", "/api/v1/rounds/"+itoa(s.round.ID)+"/close", ""), http.StatusOK, "")
		check("API: close twice", s.call(t, "POST", "/api/v1/rounds/"+itoa(s.round.ID)+"/close", ""), http.StatusConflict, `"error":"the round is not open"`)
		check("API: remind a closed round", s.call(t, "POST", "/api/v1/rounds/"+itoa(s.round.ID)+"/remind", ""), http.StatusConflict, "the round is not open")
		// The override that needs a reason, where the prefix was seen.
		var proposal string
		for _, d := range []string{"in", "out", "carry"} {
			r := b.post(round+"/statements/"+itoa(rs.ID)+"/decision", url.Values{"decision": {d}})
			if r.status == http.StatusUnprocessableEntity {
				proposal = d
				check("page: override without a reason", r, http.StatusUnprocessableEntity, "needs a reason")
				break
			}
		}
		if proposal == "" {
			t.Error("no decision was refused for want of a reason")
		}
		// A new version without a reason: the same field error both ways.
		check("page: reword without a reason", b.post(round+"/replace", url.Values{"kind": {"reworded"}, "statement_id": {itoa(rs.StatementID)}, "text": {"Clearer"}}),
			http.StatusUnprocessableEntity, "Say why the statement changes")
		check("API: reword without a reason", s.call(t, "POST", s.path+"/statements/"+itoa(rs.StatementID)+"/reword", `{"text":"Clearer"}`),
			http.StatusUnprocessableEntity, `"field":"reason","message":"say why the statement changes`)
		check("API: bad JSON", s.call(t, "POST", s.path+"/rounds", `{"invite_scope": 5}`), http.StatusBadRequest, `the field \"invite_scope\" cannot be a JSON number`)
	})
}

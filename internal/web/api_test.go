package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// tokenFor creates an account with `delphi user add` and a token with
// `delphi token add`, exactly as the README tells a coordinator to.
func tokenFor(t testing.TB, env *testEnv, email string) string {
	t.Helper()
	if err := env.runStdin("a long test password\n", nil, "user", "add", "--email", email, "--name", "API user", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := env.run(&out, "token", "add", "--email", email); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out.String())
	if strings.ContainsAny(token, " \n") || len(token) < 40 {
		t.Fatalf("token add printed %q; want only the token", out.String())
	}
	return token
}

func TestAPI(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		token := tokenFor(t, env, "api@example.org")

		// Without a token, or with a wrong one: 401.
		for _, tok := range []string{"", "not-a-token"} {
			if r := env.api("POST", "/api/v1/studies", tok, "application/json", `{"title":"x","scale_min":1,"scale_max":5}`); r.status != http.StatusUnauthorized {
				t.Errorf("token %q: %d", tok, r.status)
			}
		}

		// Create with only the required fields: defaults fill the rest.
		r := env.api("POST", "/api/v1/studies", token, "application/json", `{"title":"Migrant health","scale_min":1,"scale_max":9}`)
		if r.status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		var st studyJSON
		if err := json.Unmarshal([]byte(r.body), &st); err != nil {
			t.Fatal(err)
		}
		if st.ID == 0 || st.Bands != "1-3,4-6,7-9" || st.ConsensusRule != "percent:75" || st.Quantile != "type6" || len(st.ScaleLabels) != 9 || !st.AllowUnable {
			t.Errorf("defaults: %+v", st)
		}
		path := "/api/v1/studies/" + itoa(st.ID)

		// Bad settings: 422 with a JSON error naming each field.
		r = env.api("POST", "/api/v1/studies", token, "application/json",
			`{"title":"","scale_min":1,"scale_max":9,"bands":"1-4,4-6,7-9","consensus_rule":"percent:150"}`)
		var ae apiError
		_ = json.Unmarshal([]byte(r.body), &ae)
		if r.status != http.StatusUnprocessableEntity || len(ae.Fields) != 3 {
			t.Errorf("bad create: %d %s", r.status, r.body)
		}
		r = env.api("POST", "/api/v1/studies", token, "application/json", `{"title":"x","scale_min":1,"scale_max":9,"colour":"red"}`)
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, "colour") {
			t.Errorf("unknown field: %d %s", r.status, r.body)
		}

		// Read it back; change the rule.
		r = env.api("GET", path, token, "", "")
		if r.status != http.StatusOK || !strings.Contains(r.body, `"title":"Migrant health"`) {
			t.Errorf("get: %d %s", r.status, r.body)
		}
		r = env.api("PATCH", path, token, "application/json", `{"consensus_rule":"comet","quantile":"type7"}`)
		if r.status != http.StatusOK || !strings.Contains(r.body, `"consensus_rule":"comet"`) {
			t.Errorf("patch: %d %s", r.status, r.body)
		}

		// Statements.
		r = env.api("POST", path+"/statements", token, "application/json",
			`[{"text":"Identity documents block access.","section":"Barriers"},{"text":"Peers should be paid."}]`)
		if r.status != http.StatusCreated || !strings.Contains(r.body, `"section":"Barriers"`) {
			t.Errorf("statements: %d %s", r.status, r.body)
		}
		r = env.api("POST", path+"/statements", token, "application/json", `[{"text":"ok"},{"text":"  "}]`)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "[1].text") {
			t.Errorf("empty statement: %d %s", r.status, r.body)
		}

		// Panel import: good, then bad with row errors and nothing imported.
		r = env.api("POST", path+"/panel", token, "text/csv", goodPanel)
		if r.status != http.StatusOK || !strings.Contains(r.body, `"imported":3`) {
			t.Errorf("panel: %d %s", r.status, r.body)
		}
		r = env.api("POST", path+"/panel", token, "text/csv", badPanel)
		var res importResultJSON
		_ = json.Unmarshal([]byte(r.body), &res)
		if r.status != http.StatusUnprocessableEntity || res.Imported != 0 || len(res.Errors) != 3 {
			t.Errorf("bad panel: %d %s", r.status, r.body)
		}
		if res.Errors[0].Row != 3 || res.Errors[0].Column != "email" {
			t.Errorf("first error %+v; want row 3, column email", res.Errors[0])
		}
		r = env.api("GET", path+"/panel", token, "", "")
		var panel []expertJSON
		_ = json.Unmarshal([]byte(r.body), &panel)
		if len(panel) != 3 {
			t.Errorf("panel has %d experts; want 3", len(panel))
		}

		// Another coordinator's token cannot see this study.
		other := tokenFor(t, env, "other@example.org")
		if r := env.api("GET", path, other, "", ""); r.status != http.StatusNotFound {
			t.Errorf("other user's token: %d", r.status)
		}
	})
}

package web

import (
	"encoding/json"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/delphi-platform/delphi/internal/report"
)

// TestResultsJSONMatchesDocs validates the results JSON against its
// documentation: the top-level keys are exactly the analyze schema's
// (settings, rounds) plus the keys docs/api.md lists, and a flow row has
// exactly the documented fields.
func TestResultsJSONMatchesDocs(t *testing.T) {
	env := newTestEnv(t, "sqlite")
	re := newResearcherEnvFrom(t, env)
	r := env.api("GET", "/api/v1/studies/1/results", re.token, "", "")
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.body), &doc); err != nil {
		t.Fatalf("%d: %v", r.status, err)
	}
	md, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(md)
	start := strings.Index(section, "### `GET /api/v1/studies/{id}/results?format=json|csv`")
	end := strings.Index(section[start:], "`csv`: the consensus table")
	if start < 0 || end < 0 {
		t.Fatal("docs/api.md: the results section is missing")
	}
	section = section[start : start+end]
	documented := []string{"rounds", "settings"}
	var flowFields []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\| (.*) \\|$").FindAllStringSubmatch(section, -1) {
		documented = append(documented, m[1])
		if m[1] == "flow" {
			for _, f := range regexp.MustCompile("`([a-z_0-9]+)`").FindAllStringSubmatch(m[2], -1) {
				flowFields = append(flowFields, f[1])
			}
		}
	}
	var got []string
	for k := range doc {
		got = append(got, k)
	}
	sort.Strings(got)
	sort.Strings(documented)
	if strings.Join(got, ",") != strings.Join(documented, ",") {
		t.Errorf("top-level keys %v; docs/api.md documents %v", got, documented)
	}
	var flow []map[string]any
	if err := json.Unmarshal(doc["flow"], &flow); err != nil || len(flow) == 0 {
		t.Fatalf("flow: %v", err)
	}
	var fields []string
	for k := range flow[0] {
		if k != "round" {
			fields = append(fields, k)
		}
	}
	sort.Strings(fields)
	sort.Strings(flowFields)
	if strings.Join(fields, ",") != strings.Join(flowFields, ",") {
		t.Errorf("flow fields %v; docs/api.md documents %v", fields, flowFields)
	}
	// A statement has the analyze schema's fields plus the record of its
	// decision (proposal, and decision_reason when one was given), which
	// both documents name.
	var rounds []struct {
		Statements []map[string]json.RawMessage `json:"statements"`
	}
	if err := json.Unmarshal(doc["rounds"], &rounds); err != nil || len(rounds) == 0 || len(rounds[0].Statements) == 0 {
		t.Fatalf("rounds: %v", err)
	}
	analyze, err := json.Marshal(report.StatementReport{})
	if err != nil {
		t.Fatal(err)
	}
	var analyzeKeys map[string]json.RawMessage
	if err := json.Unmarshal(analyze, &analyzeKeys); err != nil {
		t.Fatal(err)
	}
	analyzeMD, err := os.ReadFile("../../docs/analyze.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"proposal", "decision_reason"} {
		if _, ok := analyzeKeys[k]; ok {
			t.Errorf("delphi analyze writes %q", k)
		}
		if !strings.Contains(section, "`"+k+"`") || !strings.Contains(string(analyzeMD), "`"+k+"`") {
			t.Errorf("%q is not documented in docs/api.md and docs/analyze.md", k)
		}
	}
	for k := range rounds[0].Statements[0] {
		if _, ok := analyzeKeys[k]; !ok && k != "proposal" && k != "decision_reason" && k != "subgroups" {
			t.Errorf("statement field %q is neither the analyze schema's nor the record's", k)
		}
	}
	if _, ok := rounds[0].Statements[0]["proposal"]; !ok {
		t.Error("a statement of the results JSON has no proposal")
	}
}

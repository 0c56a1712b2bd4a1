package analysis

import (
	"strings"
	"testing"
)

func TestCombineDecisions(t *testing.T) {
	for _, tc := range []struct {
		rule, decisions, want string
	}{
		{"all", "in,in", "in"},
		{"all", "in", "in"},
		{"all", "in,none", "none"},
		{"all", "none,none", "none"},
		{"all", "in,out", "out"},
		{"all", "out,none", "out"},
		{"all", "out,insufficient", "out"},
		{"all", "in,insufficient", "insufficient"},
		{"all", "none,insufficient", "insufficient"},
		{"all", "insufficient,insufficient", "insufficient"},
		{"all", "out,out", "out"},
		{"all", "in,in,in", "in"},
		{"all", "in,in,none", "none"},
		{"any", "in,in", "in"},
		{"any", "in,out", "in"},
		{"any", "in,insufficient", "in"},
		{"any", "none,out", "none"},
		{"any", "out,out", "out"},
		{"any", "out", "out"},
		{"any", "out,insufficient", "insufficient"},
		{"any", "none,insufficient", "insufficient"},
		{"any", "none,none", "none"},
		{"any", "out,out,none", "none"},
		{"all", "", "insufficient"},
		{"any", "", "insufficient"},
		{"both", "in,in", ""},
		{"all", "in,maybe", ""},
		{"any", "IN,in", ""},
	} {
		var ds []string
		if tc.decisions != "" {
			ds = strings.Split(tc.decisions, ",")
		}
		if got := CombineDecisions(tc.rule, ds); got != tc.want {
			t.Errorf("CombineDecisions(%q, %q) = %q, want %q", tc.rule, tc.decisions, got, tc.want)
		}
	}
}

// TestCombineDecisionsMirror: any is all with in and out swapped, for every
// pair of decisions.
func TestCombineDecisionsMirror(t *testing.T) {
	all := []string{"in", "out", "none", "insufficient"}
	swap := map[string]string{"in": "out", "out": "in", "none": "none", "insufficient": "insufficient"}
	for _, a := range all {
		for _, b := range all {
			got := CombineDecisions(CombineAny, []string{a, b})
			want := swap[CombineDecisions(CombineAll, []string{swap[a], swap[b]})]
			if got != want {
				t.Errorf("any(%s,%s) = %s, mirror of all gives %s", a, b, got, want)
			}
		}
	}
}

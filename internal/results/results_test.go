package results

import (
	"context"
	"strings"
	"testing"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/report"
)

// tiny is a two-round study of four experts; expert 4 (index 3) drops out
// after round 1, where they disagreed with everyone else.
func tiny(t *testing.T) *Input {
	t.Helper()
	sc := analysis.Scale{Min: 1, Max: 5}
	s := analysis.DefaultSettings(sc)
	rule, err := analysis.ParseRule("percent:80")
	if err != nil {
		t.Fatal(err)
	}
	s.Rule = rule
	M := analysis.Missing
	return &Input{
		Settings: s,
		Ratings: &report.Ratings{
			Experts:    []report.Expert{{ID: "E001", Group: "A", Country: "NL"}, {ID: "E002", Group: "A", Country: "DE"}, {ID: "E003", Group: "B", Country: "NL"}, {ID: "E004", Group: "B", Country: "DE"}},
			Statements: []string{"S1", "S2"},
			HasGroup:   true, HasCountry: true,
			Rounds: []report.Round{
				{Number: 1, Responses: [][]analysis.Response{analysis.Ratings(5, 5, 5, 1), analysis.Ratings(1, 1, 1, 1)}},
				{Number: 2, Responses: [][]analysis.Response{{5, 5, 5, M}, nil}},
			},
		},
		Rounds: []RoundInfo{
			{Number: 1, Invited: []int{0, 1, 2, 3}, Respondents: []int{0, 1, 2, 3}, Origins: map[string]string{"S1": "new", "S2": "new"}},
			{Number: 2, Invited: []int{0, 1, 2, 3}, Respondents: []int{0, 1, 2}, Origins: map[string]string{"S1": "carried"}},
		},
		Statements: []StatementInfo{{Key: "S1", Text: "one"}, {Key: "S2", Text: "two"}},
	}
}

func TestCompute(t *testing.T) {
	res, err := Compute(context.Background(), tiny(t))
	if err != nil {
		t.Fatal(err)
	}
	// The report is report.Build's, under both quartile definitions.
	if res.Report.Settings.Quantile != "type6" || res.Other.Settings.Quantile != "type7" {
		t.Errorf("quantiles %s and %s", res.Report.Settings.Quantile, res.Other.Settings.Quantile)
	}
	// Flow: round 2 lost one of four.
	f := res.Flow[1]
	if f.Invited != 4 || f.Responded != 3 || f.DroppedSincePreviousRound.Or(-1) != 1 || f.ConsensusIn != 1 {
		t.Errorf("round 2 flow %+v", f)
	}
	if sf := res.StatementFlow; sf[0].New != 2 || sf[0].In != 0 || sf[0].Out != 1 || sf[1].Carried != 1 || sf[1].In != 1 {
		t.Errorf("statement flow %+v", sf)
	}
	// Attrition: group B lost one of two; three experts completed both rounds.
	if res.Attrition.Completers != 3 || res.Attrition.Groups[1].Name != "B" || res.Attrition.Groups[1].Responded[1] != 1 ||
		res.Attrition.Groups[1].Rate(1).Or(0) != 50 {
		t.Errorf("attrition %+v", res.Attrition)
	}
	// Sensitivity: S1 in round 1 has 75 % agreement and 25 % disagreement:
	// in at 70 and 75 %, not at 80 % (the primary rule) nor under COMET.
	sr := res.Sensitivity
	want := map[string]analysis.Decision{"percent:70": analysis.DecisionIn, "percent:75": analysis.DecisionIn, "percent:80": analysis.DecisionNone,
		"comet": analysis.DecisionNone, "comet-inclusive": analysis.DecisionNone}
	primary := 0
	for i, r := range sr.Rules {
		if w, ok := want[r.Name]; ok && sr.Rounds[0].Statements[0].Decisions[i] != w {
			t.Errorf("S1 round 1 under %s: %v, want %v", r.Name, sr.Rounds[0].Statements[0].Decisions[i], w)
		}
		if r.Primary {
			primary++
			if r.Name != "percent:80" {
				t.Errorf("primary rule %s", r.Name)
			}
			// The primary column is the report's decision.
			for j, row := range sr.Rounds[0].Statements {
				if row.Decisions[i] != res.Report.Rounds[0].Statements[j].Decision {
					t.Errorf("primary column differs from the report for %s", row.Statement)
				}
			}
		}
	}
	if len(sr.NotApplicable) != 1 || !strings.Contains(sr.NotApplicable[0], "RAND") {
		t.Errorf("not applicable on 1-5: %v", sr.NotApplicable)
	}
	if primary != 1 || sr.Rounds[0].Changing != 1 || sr.Rounds[1].Changing != 0 {
		t.Errorf("primary %d, changing %d and %d", primary, sr.Rounds[0].Changing, sr.Rounds[1].Changing)
	}
	// Bias: E004 dropped; had they stayed at 1, S1 would have 75 % < 80 %.
	b := res.Bias
	if b.Dropped != 1 || b.Stayed != 3 || len(b.Imputed) != 1 || !b.Imputed[0].Differs ||
		b.Imputed[0].Actual != analysis.DecisionIn || b.Imputed[0].Imputed != analysis.DecisionNone || b.DecisionsDiffer != 1 {
		t.Errorf("bias %+v", b)
	}
	mw := analysis.MannWhitney([]int{1}, []int{5, 5, 5})
	if got := b.Statements[0].MannWhitney; got.P != mw.P || got.N1 != 1 || got.N2 != 3 {
		t.Errorf("Mann–Whitney %+v, want %+v", got, mw)
	}
}

func TestComputeNoRounds(t *testing.T) {
	in := tiny(t)
	in.Ratings.Rounds = nil
	if _, err := Compute(context.Background(), in); err != ErrNoClosedRound {
		t.Errorf("err = %v", err)
	}
}

func TestMethods(t *testing.T) {
	res, err := Compute(context.Background(), tiny(t))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(res.Methods(StudyFacts{Title: "Tiny", MaxRounds: 3, OpenRound: 3}), "\n")
	for _, want := range []string{
		"2 rounds closed", "Round 3 is still open", "4 experts in 2 stakeholder groups (A 2, B 2)", "2 countries (NL 2, DE 2)",
		"round 2: 3 of 4 invited experts responded (75.0 %), 75.0 % of round-1 respondents retained, 1 dropped out since round 1",
		"in if ≥ 80 %", "not locked", "R type 6", "round 2 presented 1 statements (1 carried forward): 1 reached consensus in",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("methods text lacks %q:\n%s", want, text)
		}
	}
	items := res.Checklist(StudyFacts{MaxRounds: 3})
	narrative := 0
	for _, it := range items {
		if it.Value == "" && it.Narrative != "" {
			narrative++
		}
	}
	if narrative != 5 {
		t.Errorf("%d narrative items, want 5 (rationale, steering group, funding, conflicts, limitations)", narrative)
	}
}

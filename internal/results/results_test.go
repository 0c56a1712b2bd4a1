package results

import (
	"context"
	"strings"
	"testing"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/rounds"
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
			// The primary column is the rule's decision in the report.
			for j, row := range sr.Rounds[0].Statements {
				if row.Decisions[i] != RuleDecision(&res.Report.Rounds[0].Statements[j]) {
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
		"2 rounds closed", "Round 3 is still open", "4 experts in 2 stakeholder groups (A 2, B 2)", "2 countries (DE 2, NL 2)",
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

// TestRecordedDecisions: the report, the flow and the methods text give the
// decision recorded after the round; the rule's stays beside it as the
// proposal, and the sensitivity and attrition-bias checks keep the rule's.
func TestRecordedDecisions(t *testing.T) {
	in := tiny(t)
	// Round 1 of tiny: S1 has 75 % agreement, "none" under percent:80, so
	// the rule proposes carrying it; the coordinator decides "out".
	in.Rounds[0].Decisions = map[string]RecordedDecision{
		"S1": {Proposed: rounds.ProposeCarry, Decision: rounds.ProposeOut, Reason: "steering group: out of scope"},
		"S2": {Proposed: rounds.ProposeOut, Decision: rounds.ProposeOut},
	}
	in.Rounds[1].Decisions = map[string]RecordedDecision{"S1": {Proposed: rounds.ProposeIn, Decision: rounds.ProposeIn}}
	res, err := Compute(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	r1 := res.Report.Rounds[0]
	s1 := r1.Statements[0]
	if s1.Decision != analysis.DecisionOut || s1.Proposal == nil || *s1.Proposal != analysis.DecisionNone || s1.DecisionReason != "steering group: out of scope" {
		t.Errorf("S1 in round 1: decision %v, proposal %v, reason %q", s1.Decision, s1.Proposal, s1.DecisionReason)
	}
	if s2 := r1.Statements[1]; s2.Decision != analysis.DecisionOut || *s2.Proposal != analysis.DecisionOut || s2.DecisionReason != "" {
		t.Errorf("S2 in round 1: decision %v, proposal %v, reason %q", s2.Decision, *s2.Proposal, s2.DecisionReason)
	}
	if r1.ConsensusIn != 0 || r1.ConsensusOut != 2 || r1.NoConsensus != 0 {
		t.Errorf("round 1 counts in %d, out %d, none %d", r1.ConsensusIn, r1.ConsensusOut, r1.NoConsensus)
	}
	if f := res.Flow[0]; f.ConsensusOut != 2 || f.NoConsensus != 0 || f.CarriedForward != 0 {
		t.Errorf("round 1 flow %+v", f)
	}
	if sf := res.StatementFlow[0]; sf.Out != 2 || sf.None != 0 {
		t.Errorf("round 1 statement flow %+v", sf)
	}
	for i, rule := range res.Sensitivity.Rules {
		if rule.Primary && res.Sensitivity.Rounds[0].Statements[0].Decisions[i] != analysis.DecisionNone {
			t.Errorf("the sensitivity table gives S1 the coordinator's decision under the primary rule")
		}
	}
	if o := res.Overrides(); len(o) != 1 || o[0].Round != 1 || o[0].Statement != "S1" || o[0].Decision != rounds.ProposeOut {
		t.Errorf("overrides %+v", o)
	}
	text := strings.Join(res.Methods(StudyFacts{Title: "Tiny", MaxRounds: 3}), "\n")
	for _, want := range []string{
		"round 1 presented 2 statements (2 new): 0 reached consensus in, 2 consensus out, 0 none",
		"departed from the rule's proposal for 1 statement",
		"round 1, S1: out (proposed: carry; “steering group: out of scope”)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("methods text lacks %q:\n%s", want, text)
		}
	}
	// Round 2 followed the rule: no override, the same as without a record.
	if s := res.Report.Rounds[1].Statements[0]; s.Decision != analysis.DecisionIn || *s.Proposal != analysis.DecisionIn {
		t.Errorf("S1 in round 2: %v, proposal %v", s.Decision, *s.Proposal)
	}
}

// TestRecordedDecisionVocabulary: recorded decisions (in, out, carry,
// unresolved) in the report's words (in, out, none, insufficient), and what
// the flow counts as carried forward or unresolved.
func TestRecordedDecisionVocabulary(t *testing.T) {
	M := analysis.Missing
	agree, divided, unrated := analysis.Ratings(5, 5, 5, 5), analysis.Ratings(5, 5, 1, 1), []analysis.Response{M, M, M, M}
	for _, c := range []struct {
		name         string
		col          []analysis.Response
		final        bool
		rec          *RecordedDecision
		rule, want   analysis.Decision
		carried      int
		unresolved   int // after the final round
		noConsensus  int
		insufficient int
		inOrOut      int
	}{
		{"none, carried as proposed", divided, false, &RecordedDecision{"carry", "carry", ""}, analysis.DecisionNone, analysis.DecisionNone, 1, 0, 1, 0, 0},
		{"none, decided out", divided, false, &RecordedDecision{"carry", "out", "r"}, analysis.DecisionNone, analysis.DecisionOut, 0, 0, 0, 0, 1},
		{"none, closed unresolved before the last round", divided, false, &RecordedDecision{"carry", "unresolved", "r"}, analysis.DecisionNone, analysis.DecisionNone, 0, 0, 1, 0, 0},
		{"insufficient, carried", unrated, false, &RecordedDecision{"carry", "carry", ""}, analysis.DecisionInsufficient, analysis.DecisionInsufficient, 1, 0, 0, 1, 0},
		{"in, carried for another look", agree, false, &RecordedDecision{"in", "carry", "r"}, analysis.DecisionIn, analysis.DecisionNone, 1, 0, 1, 0, 0},
		{"none after the final round", divided, true, &RecordedDecision{"unresolved", "unresolved", ""}, analysis.DecisionNone, analysis.DecisionNone, 0, 1, 1, 0, 0},
		{"in, reopened after the final round", agree, true, &RecordedDecision{"in", "unresolved", "r"}, analysis.DecisionIn, analysis.DecisionNone, 0, 1, 1, 0, 0},
		{"no record: the rule's", divided, false, nil, analysis.DecisionNone, analysis.DecisionNone, 1, 0, 1, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := tiny(t)
			in.Ratings.Statements = []string{"S1"}
			in.Ratings.Rounds = []report.Round{{Number: 1, Responses: [][]analysis.Response{c.col}}}
			in.Rounds = in.Rounds[:1]
			in.Rounds[0].Origins = map[string]string{"S1": "new"}
			in.Statements = in.Statements[:1]
			in.Finished = c.final
			if c.rec != nil {
				in.Rounds[0].Decisions = map[string]RecordedDecision{"S1": *c.rec}
			}
			res, err := Compute(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			st, f := res.Report.Rounds[0].Statements[0], res.Flow[0]
			if st.Decision != c.want || *st.Proposal != c.rule {
				t.Errorf("decision %v, proposal %v; want %v, %v", st.Decision, *st.Proposal, c.want, c.rule)
			}
			if f.CarriedForward != c.carried || f.UnresolvedAfterFinalRound.Or(0) != c.unresolved || f.NoConsensus != c.noConsensus ||
				f.Insufficient != c.insufficient || f.ConsensusIn+f.ConsensusOut != c.inOrOut {
				t.Errorf("flow %+v", f)
			}
		})
	}
}

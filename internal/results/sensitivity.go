package results

import (
	"fmt"
	"strings"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/report"
)

// Sensitivity is every statement's decision under every supported rule
// (SPEC §3.6), side by side.
type Sensitivity struct {
	Rules  []SensitivityRule
	Rounds []SensitivityRound
	// NotApplicable explains the supported rules left out on this scale
	// (RAND/UCLA needs the 1–9 scale).
	NotApplicable []string
}

// SensitivityRule is one column: a rule and whether it is the study's
// primary rule, locked before round 1.
type SensitivityRule struct {
	Rule        analysis.Rule
	Name        string // "percent:75", "comet", …
	Description string
	Primary     bool
}

// SensitivityRound is one round: a row per statement and the number of
// statements whose decision depends on the rule.
type SensitivityRound struct {
	Round      int
	Statements []SensitivityRow
	// Changing counts statements whose decision is not the same under
	// every rule.
	Changing int
}

// SensitivityRow is one statement's decisions, in Rules order.
type SensitivityRow struct {
	Statement string
	Decisions []analysis.Decision
	Changes   bool
}

// sensitivityRules are the rules compared: percent agreement at 70, 75 and
// 80 %, COMET 70/15 strict and inclusive, median + IQR with the scale's
// default limit (or the study's), and RAND/UCLA on the 1–9 scale; plus
// the study's own rule when it is none of these.
func sensitivityRules(s analysis.Settings) ([]SensitivityRule, []string) {
	cands := []analysis.Rule{
		{Kind: analysis.RulePercent, Threshold: 7000},
		{Kind: analysis.RulePercent, Threshold: 7500},
		{Kind: analysis.RulePercent, Threshold: 8000},
		{Kind: analysis.RuleCOMET},
		{Kind: analysis.RuleCOMET, Inclusive: true},
	}
	if sr := s.Sensitivity(); sr.IQR.Valid {
		cands = append(cands, sr.IQR.Value)
	}
	cands = append(cands, analysis.Rule{Kind: analysis.RuleRAND})
	var out []SensitivityRule
	var skipped []string
	if !s.Sensitivity().IQR.Valid {
		skipped = append(skipped, fmt.Sprintf("median + IQR: no default IQR limit for a %d-point scale", s.Scale.Points()))
	}
	primaryListed := false
	for _, r := range cands {
		if err := r.Validate(s.Scale); err != nil {
			skipped = append(skipped, strings.TrimPrefix(err.Error(), "analysis: "))
			continue
		}
		p := sameRule(r, s.Rule, s.Scale)
		primaryListed = primaryListed || p
		out = append(out, SensitivityRule{Rule: r, Name: r.String(), Description: r.Describe(), Primary: p})
	}
	if !primaryListed {
		out = append(out, SensitivityRule{Rule: s.Rule, Name: s.Rule.String(), Description: s.Rule.Describe(), Primary: true})
	}
	return out, skipped
}

// sameRule compares rules, taking an IQR rule without a limit as the
// scale's default.
func sameRule(a, b analysis.Rule, sc analysis.Scale) bool {
	if a.Kind == analysis.RuleIQR && b.Kind == analysis.RuleIQR {
		la, lb := a.IQRLimit, b.IQRLimit
		def, _ := analysis.DefaultIQRLimit(sc)
		if la == 0 {
			la = def
		}
		if lb == 0 {
			lb = def
		}
		return la == lb
	}
	return a == b
}

func sensitivity(in *Input) (Sensitivity, error) {
	return sensitivityOf(in.Settings, in.Ratings)
}

// sensitivityOf is the sensitivity of ratings rated under settings set
// (one criterion's).
func sensitivityOf(set analysis.Settings, ratings *report.Ratings) (Sensitivity, error) {
	var out Sensitivity
	out.Rules, out.NotApplicable = sensitivityRules(set)
	analyzers := make([]*analysis.Analyzer, len(out.Rules))
	for i, r := range out.Rules {
		s := set
		s.Rule = r.Rule
		a, err := analysis.NewAnalyzer(s)
		if err != nil {
			return out, fmt.Errorf("results: sensitivity rule %s: %w", r.Name, err)
		}
		analyzers[i] = a
	}
	for _, rd := range ratings.Rounds {
		sr := SensitivityRound{Round: rd.Number}
		for si, col := range rd.Responses {
			if col == nil {
				continue
			}
			row := SensitivityRow{Statement: ratings.Statements[si], Decisions: make([]analysis.Decision, len(analyzers))}
			for i, a := range analyzers {
				res, err := a.Statement(col)
				if err != nil {
					return out, fmt.Errorf("results: round %d, statement %s: %w", rd.Number, row.Statement, err)
				}
				row.Decisions[i] = res.Decision
				if row.Decisions[i] != row.Decisions[0] {
					row.Changes = true
				}
			}
			if row.Changes {
				sr.Changing++
			}
			sr.Statements = append(sr.Statements, row)
		}
		out.Rounds = append(out.Rounds, sr)
	}
	return out, nil
}

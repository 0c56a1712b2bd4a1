// Package report builds the Delphi round report — per-statement statistics,
// consensus decisions, stability against the previous round, subgroup tests
// and Kendall's W — from ratings in long form (ReadRatings) or in the wide
// form survey tools export (ReadWide), and writes it as JSON, CSV or an
// aligned terminal table.
//
// It is the engine of `delphi analyze` (RunAnalyze), which reads ratings
// exported from any survey tool, and of the web platform's researcher
// exports, which build a Ratings value from the database: both produce the
// same schema (docs/analyze.md). The statistics themselves come from package
// analysis.
package report

import (
	"fmt"

	"github.com/delphi-platform/delphi/analysis"
)

// Ratings are a study's answers, in the shape Build needs.
type Ratings struct {
	Experts []Expert
	// Statements are the statement IDs in report order (the order of first
	// appearance in a ratings file).
	Statements []string
	// Labels, when not nil, are the statements' labels in Statements
	// order: a wide file's column header where it differs from the ID
	// (Q1[SQ001] for Q1_SQ001), "" where it does not.
	Labels []string
	// Rounds are in ascending round number.
	Rounds []Round
	// HasGroup and HasCountry tell whether the experts carry a group or a
	// country, which turns on the subgroup analyses.
	HasGroup, HasCountry bool
}

// Expert is one panel member.
type Expert struct {
	ID, Group, Country string
}

// Round holds one round's answers.
type Round struct {
	Number int
	// Responses[s][e] is expert e's answer (Ratings.Experts order) to
	// statement s (Ratings.Statements order). Responses[s] is nil when
	// statement s was not presented in this round; otherwise it has one
	// entry per expert, analysis.Missing where there is no answer.
	Responses [][]analysis.Response
}

// respondents returns the experts who took part in the round: those with at
// least one answer (a rating or "unable") to a statement of the round. An
// expert whose rows are all empty or NA did not take part, so a survey
// export that lists every invited expert does not inflate the count.
func (r *Round) respondents(nExperts int) []int {
	took := make([]bool, nExperts)
	for _, col := range r.Responses {
		for e, x := range col {
			if x != analysis.Missing {
				took[e] = true
			}
		}
	}
	var out []int
	for e, ok := range took {
		if ok {
			out = append(out, e)
		}
	}
	return out
}

// validate checks the shape Build relies on; ratings off the scale are
// reported by the analysis itself.
func (r *Ratings) validate() error {
	if r.Labels != nil && len(r.Labels) != len(r.Statements) {
		return fmt.Errorf("report: %d labels for %d statements", len(r.Labels), len(r.Statements))
	}
	for i := range r.Rounds {
		rd := &r.Rounds[i]
		if i > 0 && rd.Number <= r.Rounds[i-1].Number {
			return fmt.Errorf("report: rounds must be in ascending order (round %d after %d)", rd.Number, r.Rounds[i-1].Number)
		}
		if len(rd.Responses) != len(r.Statements) {
			return fmt.Errorf("report: round %d has %d statement columns for %d statements", rd.Number, len(rd.Responses), len(r.Statements))
		}
		for s, col := range rd.Responses {
			if col != nil && len(col) != len(r.Experts) {
				return fmt.Errorf("report: round %d, statement %q: %d responses for %d experts", rd.Number, r.Statements[s], len(col), len(r.Experts))
			}
		}
	}
	return nil
}

// label returns statement s's label, "" when it has none.
func (r *Ratings) label(s int) string {
	if r.Labels == nil {
		return ""
	}
	return r.Labels[s]
}

package results

import (
	"context"
	"fmt"
	"strings"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/report"
)

// Criteria are the criteria of a study whose statements are rated on more
// than one (issue 17): criterion 1 is Input.Ratings under Input.Settings,
// the others are in More, with the same experts, statements and rounds.
type Criteria struct {
	// Names are every criterion's name, criterion 1 first.
	Names []string
	// Settings are every criterion's analysis settings; Settings[0] is
	// Input.Settings.
	Settings []analysis.Settings
	// More are the answers on criteria 2 (and 3).
	More []*report.Ratings
	// Combine is the study's combination rule (analysis.CombineAll, Any).
	Combine string
}

// criteria builds each criterion's report and the combined decisions
// (report.BuildCriteria, as `delphi analyze` does for a long file with a
// criterion column), reusing Report as criterion 1's; nil for a study
// with one criterion.
func (r *Results) criteria(ctx context.Context) error {
	c := r.Input.Criteria
	if c == nil {
		return nil
	}
	ext, err := CriteriaReport(ctx, r.Input, r.Report)
	if err != nil {
		return err
	}
	r.Criteria = ext
	// Each criterion's sensitivity to its rule; criterion 1's is
	// Sensitivity, computed with the others.
	for k, rt := range c.More {
		s, err := sensitivityOf(c.Settings[k+1], rt)
		if err != nil {
			return fmt.Errorf("results: criterion %q: %w", c.Names[k+1], err)
		}
		r.MoreSensitivity = append(r.MoreSensitivity, s)
	}
	return nil
}

// CriteriaReport is report.BuildCriteria of the input's criteria, with
// criterion 1's report already built (first): what the close stores and
// the results show.
func CriteriaReport(ctx context.Context, in *Input, first *report.Report) (*report.ExtendedReport, error) {
	c := in.Criteria
	if len(c.More)+1 != len(c.Names) || len(c.Settings) != len(c.Names) {
		return nil, fmt.Errorf("results: %d criteria named, %d with settings, %d with answers", len(c.Names), len(c.Settings), len(c.More)+1)
	}
	crit := []report.CriterionRatings{{Name: c.Names[0], Ratings: in.Ratings, Settings: c.Settings[0], Report: first}}
	for k, rt := range c.More {
		crit = append(crit, report.CriterionRatings{Name: c.Names[k+1], Ratings: rt, Settings: c.Settings[k+1]})
	}
	ext, err := report.BuildCriteria(ctx, in.Settings, crit, c.Combine)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	return ext, nil
}

// CombinedDecision is a statement's combined decision in round index ri,
// when the study has several criteria.
func (r *Results) CombinedDecision(ri int, statement string) (analysis.Decision, bool) {
	if r.Criteria == nil || ri >= len(r.Criteria.Rounds) {
		return 0, false
	}
	for _, st := range r.Criteria.Rounds[ri].Statements {
		if st.Statement == statement {
			return ParseDecision(st.CombinedDecision), true
		}
	}
	return 0, false
}

// ParseDecision reads a decision as Decision.String writes it; anything
// else is insufficient.
func ParseDecision(s string) analysis.Decision {
	switch s {
	case "in":
		return analysis.DecisionIn
	case "out":
		return analysis.DecisionOut
	case "none":
		return analysis.DecisionNone
	}
	return analysis.DecisionInsufficient
}

// criteriaMethods is the methods paragraph of a study rated on several
// criteria: each criterion with its scale, bands and rule, and how their
// decisions were combined; "" for one criterion. The paragraph before
// describes criterion 1's scale and rule.
func (r *Results) criteriaMethods() string {
	ext := r.Criteria
	if ext == nil {
		return ""
	}
	parts := make([]string, len(ext.Criteria))
	for k, c := range ext.Criteria {
		s := c.Settings
		neutral := ""
		if !s.Bands.Neutral.Empty() {
			neutral = fmt.Sprintf(", neutral %s", band(s.Bands.Neutral))
		}
		parts[k] = fmt.Sprintf("%d. %s, rated %d–%d (disagreement %s%s, agreement %s), with consensus defined as %s",
			k+1, c.Criterion, s.Scale.Min, s.Scale.Max, band(s.Bands.Disagree), neutral, band(s.Bands.Agree), s.RuleDescription)
	}
	combine := "a statement was included only when every criterion reached consensus in, and excluded as soon as one criterion reached consensus out (rule \"all\")"
	if ext.Combine == analysis.CombineAny {
		combine = "a statement was included as soon as one criterion reached consensus in, and excluded only when every criterion reached consensus out (rule \"any\")"
	}
	return fmt.Sprintf("Each statement was rated on %d criteria, each with its own scale and consensus rule: %s. The criteria's decisions were combined: %s. The decisions proposed after each round, and the counts below, are the combined decisions.",
		len(ext.Criteria), strings.Join(parts, "; "), combine)
}

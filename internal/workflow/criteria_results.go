package workflow

import (
	"context"
	"encoding/json"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/export"
	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/internal/results"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// studyCriteria describes the criteria of a study rated on several for
// the results (results.Criteria, without answers yet); nil for one
// criterion.
func studyCriteria(sc rounds.Scale) (*results.Criteria, error) {
	if !sc.Several() {
		return nil, nil
	}
	c := &results.Criteria{Combine: sc.Combine}
	for k, cr := range sc.Criteria() {
		set, err := sc.CriterionSettings(k)
		if err != nil {
			return nil, err
		}
		c.Names = append(c.Names, cr.Name)
		c.Settings = append(c.Settings, set)
	}
	return c, nil
}

// moreRatings gives criteria 2 and 3 the experts and statements of
// criterion 1's ratings, once those are read.
func moreRatings(c *results.Criteria, first *report.Ratings) {
	if c == nil {
		return
	}
	c.More = make([]*report.Ratings, len(c.Names)-1)
	for k := range c.More {
		c.More[k] = &report.Ratings{Experts: first.Experts, Statements: first.Statements, HasGroup: first.HasGroup, HasCountry: first.HasCountry}
	}
}

// criterionResponse is an answer's response on criterion k (0 is
// criterion 1).
func criterionResponse(x store.Answer, k int) analysis.Response {
	switch k {
	case 1:
		return ResponseOf(store.Rating{Rating: x.Rating2, Unable: x.Unable2})
	case 2:
		return ResponseOf(store.Rating{Rating: x.Rating3, Unable: x.Unable3})
	}
	return ResponseOf(store.Rating{Rating: x.Rating, Unable: x.Unable})
}

// closeCriteria replaces the proposals of a closing round of a study
// rated on several criteria by those of the combined decisions, and
// returns what its snapshot stores: the settings of every criterion and
// the combination rule (report.ExtendedReport without rounds) and the
// round as `delphi analyze` reports it (report.CriteriaRoundReport:
// each criterion's figures and decision, the combined decision).
func closeCriteria(ctx context.Context, in *results.Input, first *report.Report, keys map[string]int64, number, maxRounds int, proposals map[int64]rounds.Proposal) (settings, round []byte, err error) {
	ext, err := results.CriteriaReport(ctx, in, first)
	if err != nil {
		return nil, nil, err
	}
	last := ext.Rounds[len(ext.Rounds)-1]
	for _, s := range last.Statements {
		proposals[keys[s.Statement]] = rounds.Propose(s.CombinedDecision, number, maxRounds)
	}
	head := *ext
	head.Rounds = nil
	if settings, err = json.Marshal(head); err != nil {
		return nil, nil, err
	}
	round, err = json.Marshal(last)
	return settings, round, err
}

// criteriaRawRows yields an answer of a study rated on several criteria
// as raw rows, one per criterion in order (row is criterion 1's without
// its criterion); the comment, given once per statement, is on criterion
// 1's row. An answer with neither a rating on any criterion nor a
// comment gives none.
func criteriaRawRows(c *results.Criteria, x store.Answer, row export.RawRow, yield func(export.RawRow) error) error {
	answers := make([]analysis.Response, len(c.Names))
	some := x.Comment != ""
	for k := range answers {
		answers[k] = criterionResponse(x, k)
		some = some || answers[k] != analysis.Missing
	}
	if !some {
		return nil
	}
	for k, a := range answers {
		r := row
		r.Answer, r.Criterion = a, c.Names[k]
		if k > 0 {
			r.Comment = ""
		}
		if err := yield(r); err != nil {
			return err
		}
	}
	return nil
}

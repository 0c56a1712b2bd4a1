package export

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/internal/results"
)

// A study whose statements are rated on several criteria (issue 17) is
// exported criterion by criterion: each criterion's figures and decision
// under its own rule, beside the combined decision (results.Criteria, the
// shape of `delphi analyze` for a file with a criterion column) and the
// decision recorded after the round, which follows the combined one.

// CriteriaHeader are the columns of the consensus table of a study rated
// on several criteria: one row per round × statement × criterion ×
// subgroup (subgroup_type "all" for the panel, then "group" and
// "country"). criterion_decision is the criterion's own rule
// (criterion_rule) on its own ratings (within the subgroup for a subgroup
// row); combined_decision combines the panel's criteria's decisions under
// combine; decision is the decision recorded after the round, proposal
// the combined decision it started from, decision_reason the
// coordinator's reason (the three are empty on subgroup rows).
var CriteriaHeader = []string{
	"round", "statement", "section", "text", "criterion", "subgroup_type", "subgroup",
	"n", "n_unable", "n_missing", "median", "q1", "q3", "iqr",
	"mean", "sd", "pct_disagree", "pct_neutral", "pct_agree",
	"criterion_rule", "criterion_decision", "combine", "combined_decision",
	"decision", "proposal", "decision_reason",
}

// criteriaConsensus is the consensus table of every round of a study
// rated on several criteria; only criterion crit's rows when crit ≥ 0.
func criteriaConsensus(res *results.Results, crit int) table {
	t := table{header: CriteriaHeader}
	ext := res.Criteria
	info := map[string]results.StatementInfo{}
	for _, s := range res.Input.Statements {
		info[s.Key] = s
	}
	for ri, rr := range ext.Rounds {
		recorded := map[string]*report.StatementReport{}
		for j := range res.Report.Rounds[ri].Statements {
			st := &res.Report.Rounds[ri].Statements[j]
			recorded[st.Statement] = st
		}
		text := res.Input.Rounds[ri].Texts
		for _, cs := range rr.Statements {
			rec := recorded[cs.Statement]
			for k, c := range ext.Criteria {
				if crit >= 0 && k != crit {
					continue
				}
				st, ok := cs.Criteria.Get(c.Criterion)
				if !ok {
					continue
				}
				row := []any{rr.Round, cs.Statement, info[cs.Statement].Section, text[cs.Statement], c.Criterion, "all", "",
					st.N, st.NUnable, st.NMissing, optH(st.Median), optH(st.Q1), optH(st.Q3), optH(st.IQR),
					optF(st.Mean), optF(st.SD), optF(st.PctDisagree), optF(st.PctNeutral), optF(st.PctAgree),
					c.Settings.Rule, st.Decision.String(), ext.Combine, cs.CombinedDecision}
				if rec != nil {
					row = append(row, rec.Decision.String(), results.RuleDecision(rec).String(), rec.DecisionReason)
				} else {
					row = append(row, nil, nil, nil)
				}
				t.rows = append(t.rows, row)
				for _, g := range []struct {
					kind string
					g    *report.GroupingReport
				}{{"group", grouping(&st, true)}, {"country", grouping(&st, false)}} {
					if g.g == nil {
						continue
					}
					for _, x := range g.g.Groups {
						t.rows = append(t.rows, []any{rr.Round, cs.Statement, info[cs.Statement].Section, text[cs.Statement], c.Criterion, g.kind, x.Name,
							x.N, x.NUnable, x.NMissing, optH(x.Median), optH(x.Q1), optH(x.Q3), optH(x.IQR),
							optF(x.Mean), optF(x.SD), optF(x.PctDisagree), optF(x.PctNeutral), optF(x.PctAgree),
							c.Settings.Rule, x.Decision.String(), ext.Combine, cs.CombinedDecision, nil, nil, nil})
					}
				}
			}
		}
	}
	return t
}

// combinedRows is the "Combined decisions" sheet: one row per round ×
// statement with each criterion's decision, the combined decision and the
// recorded one.
func combinedRows(res *results.Results) table {
	ext := res.Criteria
	t := table{header: []string{"round", "statement", "text"}}
	for _, c := range ext.Criteria {
		t.header = append(t.header, "decision_"+c.Criterion)
	}
	t.header = append(t.header, "combine", "combined_decision", "decision", "decision_reason")
	for ri, rr := range ext.Rounds {
		recorded := map[string]*report.StatementReport{}
		for j := range res.Report.Rounds[ri].Statements {
			st := &res.Report.Rounds[ri].Statements[j]
			recorded[st.Statement] = st
		}
		for _, cs := range rr.Statements {
			row := []any{rr.Round, cs.Statement, res.Input.Rounds[ri].Texts[cs.Statement]}
			for _, c := range ext.Criteria {
				var d any
				if st, ok := cs.Criteria.Get(c.Criterion); ok {
					d = st.Decision.String()
				}
				row = append(row, d)
			}
			row = append(row, ext.Combine, cs.CombinedDecision)
			if rec := recorded[cs.Statement]; rec != nil {
				row = append(row, rec.Decision.String(), rec.DecisionReason)
			} else {
				row = append(row, nil, nil)
			}
			t.rows = append(t.rows, row)
		}
	}
	return t
}

// criteriaSettingsRows name each criterion's scale, bands and rule and
// the combination rule, for the Settings sheet.
func criteriaSettingsRows(res *results.Results) [][]any {
	ext := res.Criteria
	var rows [][]any
	for k, c := range ext.Criteria {
		p := "criterion_" + strconv.Itoa(k+1) + "_"
		s := c.Settings
		rows = append(rows, []any{p + "name", c.Criterion},
			[]any{p + "scale", strconv.Itoa(s.Scale.Min) + "-" + strconv.Itoa(s.Scale.Max)},
			[]any{p + "bands", bandsText(s.Bands)},
			[]any{p + "consensus_rule", s.Rule},
			[]any{p + "consensus_rule_description", s.RuleDescription})
	}
	return append(rows, []any{"combine", ext.Combine}, []any{"combine_description", CombineDescription(ext.Combine)})
}

// CombineDescription says what a combination rule does.
func CombineDescription(combine string) string {
	if combine == "any" {
		return "a statement is in when any criterion reaches consensus in, out when every criterion is out"
	}
	return "a statement is in only when every criterion reaches consensus in, out when any criterion is out"
}

func bandsText(b report.BandsInfo) string {
	neutral := "none"
	if !b.Neutral.Empty() {
		neutral = fmt.Sprintf("%d-%d", b.Neutral.Lo, b.Neutral.Hi)
	}
	return fmt.Sprintf("disagree %d-%d, neutral %s, agree %d-%d", b.Disagree.Lo, b.Disagree.Hi, neutral, b.Agree.Lo, b.Agree.Hi)
}

// criterionSheetName is a criterion's sheet: its number and name, within
// Excel's 31 characters and without the characters Excel refuses.
func criterionSheetName(k int, name string) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '-'
		}
		return r
	}, name)
	s := strconv.Itoa(k+1) + " " + name
	for utf8.RuneCountInString(s) > 31 {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	return s
}

// writeCriteriaConsensusCSV is WriteConsensusCSV for a study rated on
// several criteria (CriteriaHeader).
func writeCriteriaConsensusCSV(w io.Writer, res *results.Results) error {
	c := newCSV(w)
	if err := c.header(CriteriaHeader); err != nil {
		return fmt.Errorf("export: consensus csv: %w", err)
	}
	for _, r := range criteriaConsensus(res, -1).rows {
		if err := c.row(r); err != nil {
			return fmt.Errorf("export: consensus csv: %w", err)
		}
	}
	if err := c.flush(); err != nil {
		return fmt.Errorf("export: consensus csv: %w", err)
	}
	return nil
}

// writeCriteriaCodebook adds to the codebook what a study rated on
// several criteria adds to the raw-data CSV: its criterion column, each
// criterion's scale and rule, and how `delphi analyze` reads it.
func writeCriteriaCodebook(w io.Writer, ext *report.ExtendedReport) error {
	var b strings.Builder
	b.WriteString(`
Criteria: each statement is rated on several criteria. The file has one row per criterion
of each answer, and one more column:

criterion          text     the criterion the rating is on (its name, as below); the comment
                            is given once per statement, on the first criterion's row

`)
	args := []string{"delphi analyze"}
	for k, c := range ext.Criteria {
		s := c.Settings
		fmt.Fprintf(&b, "Criterion %d: %s. Scale: %d-%d. Bands: %s.\n  Consensus rule: %s (%s).\n",
			k+1, c.Criterion, s.Scale.Min, s.Scale.Max, bandsText(s.Bands), s.Rule, s.RuleDescription)
		args = append(args, fmt.Sprintf("--scale %q --rule %q", c.Criterion+"="+strconv.Itoa(s.Scale.Min)+"-"+strconv.Itoa(s.Scale.Max), c.Criterion+"="+s.Rule))
	}
	fmt.Fprintf(&b, "Combination: %s (%s).\n", ext.Combine, CombineDescription(ext.Combine))
	args = append(args, "--combine "+ext.Combine, "--quantile "+ext.Settings.Quantile, "raw.csv")
	fmt.Fprintf(&b, "  delphi: %s\n", strings.Join(args, " "))
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("export: codebook: %w", err)
	}
	return nil
}

// WriteResultsCodebook writes the codebook of a study's raw-data CSV:
// WriteCodebook, and for a study rated on several criteria its criteria.
func WriteResultsCodebook(w io.Writer, res *results.Results) error {
	if err := WriteCodebook(w, res.Report.Settings); err != nil || res.Criteria == nil {
		return err
	}
	return writeCriteriaCodebook(w, res.Criteria)
}

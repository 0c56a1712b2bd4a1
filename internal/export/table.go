// Package export writes a study's results and raw data for researchers:
// the consensus table as CSV and XLSX, the raw answers in long format as
// CSV with a codebook, the statement lineage as CSV, and everything as
// JSON. Every writer takes what package results computed, so the files
// show the numbers of the results pages. Text that a spreadsheet would
// read as a formula is neutralised (Neutralise).
package export

import (
	"strconv"
	"strings"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/internal/results"
)

// Neutralise makes a text cell inert in spreadsheets: a cell that begins
// with = + - @, a tab or a carriage return is prefixed with ' so that a
// comment such as =HYPERLINK("http://x") cannot become a formula (OWASP
// CSV injection). Numbers are written as numbers and never pass here.
func Neutralise(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// A table is a header and rows of cells. A cell is nil (empty), a string
// (text, neutralised by the writers), an int or a float64.
type table struct {
	header []string
	rows   [][]any
}

// opt converts undefined statistics to empty cells.
func optF(o analysis.Opt[float64]) any {
	if !o.Valid {
		return nil
	}
	return o.Value
}

func optH(o analysis.Opt[analysis.Hundredths]) any {
	if !o.Valid {
		return nil
	}
	return o.Value.Float()
}

// ConsensusHeader are the columns of the consensus table. q1/q3/iqr are
// given under both quartile definitions (SPEC §2.1). For the whole panel,
// decision is the decision recorded after the round, proposal the decision
// of the primary rule named in the rule column, and decision_reason the
// coordinator's reason; for a subgroup, decision and proposal are the rule
// applied within the subgroup.
var ConsensusHeader = []string{
	"round", "statement", "section", "text", "subgroup_type", "subgroup",
	"n", "n_unable", "n_missing", "median",
	"q1_type6", "q3_type6", "iqr_type6", "q1_type7", "q3_type7", "iqr_type7",
	"mean", "sd", "pct_disagree", "pct_neutral", "pct_agree", "decision", "rule",
	"proposal", "decision_reason",
}

// consensus builds the consensus table of one round (index ri into the
// report's rounds): one row per statement for the whole panel, then one per
// stakeholder group and per country.
func consensus(res *results.Results, ri int) table {
	t := table{header: ConsensusHeader}
	q6, q7 := res.Report, res.Other
	if res.Report.Settings.Quantile == "type7" {
		q6, q7 = res.Other, res.Report
	}
	rule := res.Report.Settings.Rule
	info := map[string]results.StatementInfo{}
	for _, s := range res.Input.Statements {
		info[s.Key] = s
	}
	rr := &res.Report.Rounds[ri]
	text := res.Input.Rounds[ri].Texts
	for si := range rr.Statements {
		a, b := &q6.Rounds[ri].Statements[si], &q7.Rounds[ri].Statements[si]
		st := &rr.Statements[si]
		t.rows = append(t.rows, []any{rr.Round, st.Statement, info[st.Statement].Section, text[st.Statement], "all", "",
			st.N, st.NUnable, st.NMissing, optH(st.Median),
			optH(a.Q1), optH(a.Q3), optH(a.IQR), optH(b.Q1), optH(b.Q3), optH(b.IQR),
			optF(st.Mean), optF(st.SD), optF(st.PctDisagree), optF(st.PctNeutral), optF(st.PctAgree), st.Decision.String(), rule,
			results.RuleDecision(st).String(), st.DecisionReason})
		if st.Subgroups == nil {
			continue
		}
		for _, g := range []struct {
			kind   string
			g6, g7 *report.GroupingReport
		}{{"group", grouping(a, true), grouping(b, true)}, {"country", grouping(a, false), grouping(b, false)}} {
			if g.g6 == nil {
				continue
			}
			for gi := range g.g6.Groups {
				x, y := &g.g6.Groups[gi], &g.g7.Groups[gi]
				main := x
				if res.Report.Settings.Quantile == "type7" {
					main = y
				}
				t.rows = append(t.rows, []any{rr.Round, st.Statement, info[st.Statement].Section, text[st.Statement], g.kind, x.Name,
					main.N, main.NUnable, main.NMissing, optH(main.Median),
					optH(x.Q1), optH(x.Q3), optH(x.IQR), optH(y.Q1), optH(y.Q3), optH(y.IQR),
					optF(main.Mean), optF(main.SD), optF(main.PctDisagree), optF(main.PctNeutral), optF(main.PctAgree), main.Decision.String(), rule,
					main.Decision.String(), ""})
			}
		}
	}
	return t
}

func grouping(s *report.StatementReport, byGroup bool) *report.GroupingReport {
	if s.Subgroups == nil {
		return nil
	}
	if byGroup {
		return s.Subgroups.Group
	}
	return s.Subgroups.Country
}

// summary is one row per round: flow and Kendall's W.
func summary(res *results.Results) table {
	t := table{header: []string{"round", "opened", "closed", "invited", "responded", "response_rate_pct", "retention_vs_round1_pct",
		"dropped_since_previous_round", "statements_presented", "consensus_in", "consensus_out", "no_consensus", "carried_forward",
		"unresolved_after_final_round", "n_unable", "n_skipped", "kendall_w", "kendall_w_tie_corrected", "kendall_p", "kendall_band",
		"kendall_experts_used", "kendall_experts_dropped"}}
	for i, f := range res.Flow {
		ri := res.Input.Rounds[i]
		k := res.Report.Rounds[i].KendallW
		var dropped, unresolved any
		if f.DroppedSincePreviousRound.Valid {
			dropped = f.DroppedSincePreviousRound.Value
		}
		if f.UnresolvedAfterFinalRound.Valid {
			unresolved = f.UnresolvedAfterFinalRound.Value
		}
		var band any
		if k.Band.Valid {
			band = k.Band.Value
		}
		t.rows = append(t.rows, []any{f.Round, date(ri.OpenedAt.Format("2006-01-02")), date(ri.ClosedAt.Format("2006-01-02")), f.Invited, f.Responded,
			optF(f.ResponseRatePct), optF(f.RetentionVsRound1Pct), dropped, f.StatementsPresented, f.ConsensusIn, f.ConsensusOut,
			f.NoConsensus, f.CarriedForward, unresolved, f.NRatingsUnable, f.NItemsSkipped,
			optF(k.W), optF(k.WTieCorrected), optF(k.P), band, k.ExpertsUsed, k.ExpertsDropped})
	}
	return t
}

func date(s string) any {
	if strings.HasPrefix(s, "0001") {
		return nil
	}
	return s
}

// settingsRows names what every number depends on (SPEC §7.2).
func settingsRows(res *results.Results) table {
	s := res.Report.Settings
	in := res.Input
	lock := "no"
	if !in.LockedAt.IsZero() {
		lock = "yes (locked " + in.LockedAt.UTC().Format("2006-01-02 15:04 UTC") + ")"
	}
	band := func(b analysis.Band) string {
		if b.Lo == b.Hi {
			return strconv.Itoa(b.Lo)
		}
		return strconv.Itoa(b.Lo) + "-" + strconv.Itoa(b.Hi)
	}
	neutral := "none"
	if !s.Bands.Neutral.Empty() {
		neutral = band(s.Bands.Neutral)
	}
	mode := [][]any{{"mode", "classic"}}
	if rt := in.RealTime; rt != nil {
		mode = [][]any{{"mode", "realtime"},
			{"realtime_snapshots", strings.Join(rt.Snapshots, "; ")},
			{"realtime_experts_rated", rt.Answered},
			{"realtime_experts_revised", rt.Revised},
			{"realtime_experts_revised_after_seeing_group", rt.RevisedAfterGroup}}
	}
	t := table{header: []string{"setting", "value"}, rows: append(mode, [][]any{
		{"scale", strconv.Itoa(s.Scale.Min) + "-" + strconv.Itoa(s.Scale.Max)},
		{"band_disagree", band(s.Bands.Disagree)},
		{"band_neutral", neutral},
		{"band_agree", band(s.Bands.Agree)},
		{"consensus_rule", s.Rule},
		{"consensus_rule_description", s.RuleDescription},
		{"quartile_definition", s.Quantile},
		{"quartile_label", s.QuantileLabel},
		{"consensus_definition_specified_a_priori", lock},
		{"percentage_denominator", s.Denominator},
		{"kendall_w_missing_data", "experts with any unable or missing answer are dropped (SPSS)"},
	}...)}
	if res.Criteria != nil {
		t.rows = append(t.rows, criteriaSettingsRows(res)...)
	}
	return t
}

// formatCell writes a cell for CSV: numbers in full precision, text neutralised.
func formatCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return Neutralise(x)
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}

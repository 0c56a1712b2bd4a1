package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/delphi-platform/delphi/analysis"
)

// csvColumn is one column of the CSV output.
type csvColumn struct {
	name  string
	value func(rr *RoundReport, st *StatementReport) string
}

// csvColumns lists the CSV columns: the JSON statement fields flattened, one
// column per decision rule, the round's respondents and Kendall's W, and
// Kruskal–Wallis per grouping when the ratings have groups or countries.
func csvColumns(rep *Report, hasGroup, hasCountry bool) []csvColumn {
	stab := func(f func(*StabilityReport) string) func(*RoundReport, *StatementReport) string {
		return func(_ *RoundReport, st *StatementReport) string {
			if st.Stability == nil {
				return ""
			}
			return f(st.Stability)
		}
	}
	cols := []csvColumn{
		{"round", func(rr *RoundReport, _ *StatementReport) string { return strconv.Itoa(rr.Round) }},
		{"statement", func(_ *RoundReport, st *StatementReport) string { return st.Statement }},
		{"n", func(_ *RoundReport, st *StatementReport) string { return strconv.Itoa(st.N) }},
		{"n_unable", func(_ *RoundReport, st *StatementReport) string { return strconv.Itoa(st.NUnable) }},
		{"n_missing", func(_ *RoundReport, st *StatementReport) string { return strconv.Itoa(st.NMissing) }},
		{"mean", func(_ *RoundReport, st *StatementReport) string { return fmtFloat(st.Mean) }},
		{"sd", func(_ *RoundReport, st *StatementReport) string { return fmtFloat(st.SD) }},
		{"cv", func(_ *RoundReport, st *StatementReport) string { return fmtFloat(st.CV) }},
		{"min", func(_ *RoundReport, st *StatementReport) string { return fmtInt(st.Min) }},
		{"max", func(_ *RoundReport, st *StatementReport) string { return fmtInt(st.Max) }},
		{"median", func(_ *RoundReport, st *StatementReport) string { return fmtH(st.Median) }},
		{"q1", func(_ *RoundReport, st *StatementReport) string { return fmtH(st.Q1) }},
		{"q3", func(_ *RoundReport, st *StatementReport) string { return fmtH(st.Q3) }},
		{"iqr", func(_ *RoundReport, st *StatementReport) string { return fmtH(st.IQR) }},
		{"p30", func(_ *RoundReport, st *StatementReport) string { return fmtH(st.P30) }},
		{"p70", func(_ *RoundReport, st *StatementReport) string { return fmtH(st.P70) }},
		{"modes", func(_ *RoundReport, st *StatementReport) string {
			s := make([]string, len(st.Modes))
			for i, m := range st.Modes {
				s[i] = strconv.Itoa(m)
			}
			return strings.Join(s, ";")
		}},
	}
	sc := rep.Settings.Scale
	for v := sc.Min; v <= sc.Max; v++ {
		cols = append(cols, csvColumn{"freq_" + strconv.Itoa(v), func(_ *RoundReport, st *StatementReport) string {
			// With criteria on different scales, the columns span them
			// all; a point off the statement's scale is left empty.
			i := v - st.Freq.Min
			if i < 0 || i >= len(st.Freq.Counts) {
				return ""
			}
			return strconv.Itoa(st.Freq.Counts[i])
		}})
	}
	cols = append(cols, []csvColumn{
		{"pct_agree", func(_ *RoundReport, st *StatementReport) string { return fmtFloat(st.PctAgree) }},
		{"pct_neutral", func(_ *RoundReport, st *StatementReport) string { return fmtFloat(st.PctNeutral) }},
		{"pct_disagree", func(_ *RoundReport, st *StatementReport) string { return fmtFloat(st.PctDisagree) }},
		{"decision", func(_ *RoundReport, st *StatementReport) string { return st.Decision.String() }},
		{"decision_percent", func(_ *RoundReport, st *StatementReport) string { return st.Decisions.Percent.String() }},
		{"decision_comet", func(_ *RoundReport, st *StatementReport) string { return st.Decisions.COMET.String() }},
		{"decision_iqr", func(_ *RoundReport, st *StatementReport) string { return fmtStr(st.Decisions.IQR) }},
		{"decision_rand", func(_ *RoundReport, st *StatementReport) string { return fmtStr(st.Decisions.RAND) }},
		{"rand_class", func(_ *RoundReport, st *StatementReport) string { return fmtStr(st.RAND) }},
		{"stability_previous_round", stab(func(s *StabilityReport) string { return strconv.Itoa(s.PreviousRound) })},
		{"stability_n_pairs", stab(func(s *StabilityReport) string { return strconv.Itoa(s.NPairs) })},
		{"stability_pct_changed", stab(func(s *StabilityReport) string { return fmtFloat(s.PctChanged) })},
		{"stability_pct_changed_band", stab(func(s *StabilityReport) string { return fmtFloat(s.PctChangedBand) })},
		{"stability_mean_change", stab(func(s *StabilityReport) string { return fmtFloat(s.MeanChange) })},
		{"stability_mean_abs_change", stab(func(s *StabilityReport) string { return fmtFloat(s.MeanAbsChange) })},
		{"wilcoxon_w_plus", stab(func(s *StabilityReport) string { return fmtFloat(s.WilcoxonWPlus) })},
		{"wilcoxon_w_minus", stab(func(s *StabilityReport) string { return fmtFloat(s.WilcoxonWMinus) })},
		{"wilcoxon_n_nonzero", stab(func(s *StabilityReport) string { return strconv.Itoa(s.WilcoxonNNonzero) })},
		{"wilcoxon_z", stab(func(s *StabilityReport) string { return fmtFloat(s.WilcoxonZ) })},
		{"wilcoxon_p", stab(func(s *StabilityReport) string { return fmtFloat(s.WilcoxonP) })},
		{"wilcoxon_p_exact", stab(func(s *StabilityReport) string { return fmtFloat(s.WilcoxonPExact) })},
		{"mcnemar_b", stab(func(s *StabilityReport) string { return strconv.Itoa(s.McNemarB) })},
		{"mcnemar_c", stab(func(s *StabilityReport) string { return strconv.Itoa(s.McNemarC) })},
		{"mcnemar_p", stab(func(s *StabilityReport) string { return fmtFloat(s.McNemarP) })},
		{"distribution_change_pct", stab(func(s *StabilityReport) string { return fmtFloat(s.DistributionChangePct) })},
		{"delta_cv", stab(func(s *StabilityReport) string { return fmtFloat(s.DeltaCV) })},
		{"round_respondents", func(rr *RoundReport, _ *StatementReport) string { return strconv.Itoa(rr.Respondents) }},
		{"kendall_w_tie_corrected", func(rr *RoundReport, _ *StatementReport) string { return fmtFloat(rr.KendallW.WTieCorrected) }},
		{"kendall_p", func(rr *RoundReport, _ *StatementReport) string { return fmtFloat(rr.KendallW.P) }},
	}...)
	kw := func(name string, pick func(*SubgroupsReport) *GroupingReport) []csvColumn {
		get := func(st *StatementReport) *KWReport {
			if st.Subgroups == nil || pick(st.Subgroups) == nil {
				return nil
			}
			return &pick(st.Subgroups).KruskalWallis
		}
		return []csvColumn{
			{"kw_" + name + "_h", func(_ *RoundReport, st *StatementReport) string {
				if k := get(st); k != nil {
					return fmtFloat(k.H)
				}
				return ""
			}},
			{"kw_" + name + "_p", func(_ *RoundReport, st *StatementReport) string {
				if k := get(st); k != nil {
					return fmtFloat(k.P)
				}
				return ""
			}},
		}
	}
	if hasGroup {
		cols = append(cols, kw("group", func(s *SubgroupsReport) *GroupingReport { return s.Group })...)
	}
	if hasCountry {
		cols = append(cols, kw("country", func(s *SubgroupsReport) *GroupingReport { return s.Country })...)
	}
	return cols
}

// WriteCSV writes one row per round × statement with a plain header. Empty
// cells are undefined values.
func WriteCSV(w io.Writer, rep *Report) error {
	hasGroup, hasCountry := false, false
	for ri := range rep.Rounds {
		for si := range rep.Rounds[ri].Statements {
			if sg := rep.Rounds[ri].Statements[si].Subgroups; sg != nil {
				hasGroup = hasGroup || sg.Group != nil
				hasCountry = hasCountry || sg.Country != nil
			}
		}
	}
	cols := csvColumns(rep, hasGroup, hasCountry)
	cw := csv.NewWriter(w)
	rec := make([]string, len(cols))
	for i, c := range cols {
		rec[i] = c.name
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	for ri := range rep.Rounds {
		rr := &rep.Rounds[ri]
		for si := range rr.Statements {
			for i, c := range cols {
				rec[i] = c.value(rr, &rr.Statements[si])
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// fmtFloat writes the shortest representation that reads back exactly, as
// JSON does; "" when undefined.
func fmtFloat(o analysis.Opt[float64]) string {
	if !o.Valid {
		return ""
	}
	return strconv.FormatFloat(o.Value, 'g', -1, 64)
}

func fmtInt(o analysis.Opt[int]) string {
	if !o.Valid {
		return ""
	}
	return strconv.Itoa(o.Value)
}

func fmtH(o analysis.Opt[analysis.Hundredths]) string {
	if !o.Valid {
		return ""
	}
	return o.Value.String()
}

func fmtStr[T interface{ String() string }](o analysis.Opt[T]) string {
	if !o.Valid {
		return ""
	}
	return o.Value.String()
}

package report

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/delphi-platform/delphi/analysis"
)

// WriteExtendedJSON writes an extended report as indented JSON, as
// WriteJSON writes a Report (two-space indentation, encoding/json's
// escaping).
func WriteExtendedJSON(w io.Writer, rep *ExtendedReport) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

// WriteExtendedCSV writes one row per round × statement (× criterion).
func WriteExtendedCSV(w io.Writer, rep *ExtendedReport) error {
	cw := csv.NewWriter(w)
	switch {
	case rep.Ranking != nil:
		writeRankingCSV(cw, rep.Ranking)
	case rep.Estimates != nil:
		writeEstimatesCSV(cw, rep.Estimates)
	default:
		writeCriteriaCSV(cw, rep)
	}
	cw.Flush()
	return cw.Error()
}

// writeCriteriaCSV writes the single-criterion CSV columns with a
// criterion column after the statement and the combined decision last.
// The freq_ columns span every criterion's scale; a criterion leaves the
// points off its scale empty.
func writeCriteriaCSV(cw *csv.Writer, rep *ExtendedReport) {
	span := &Report{}
	hasGroup, hasCountry := false, false
	per := make([]*Report, len(rep.Criteria))
	for i := range rep.Criteria {
		per[i] = rep.CriterionReport(i)
	}
	for i, r := range per {
		sc := r.Settings.Scale
		if i == 0 {
			span.Settings.Scale = sc
		}
		span.Settings.Scale.Min = min(span.Settings.Scale.Min, sc.Min)
		span.Settings.Scale.Max = max(span.Settings.Scale.Max, sc.Max)
		for _, rr := range r.Rounds {
			for _, st := range rr.Statements {
				if sg := st.Subgroups; sg != nil {
					hasGroup = hasGroup || sg.Group != nil
					hasCountry = hasCountry || sg.Country != nil
				}
			}
		}
	}
	cols := csvColumns(span, hasGroup, hasCountry)
	// Round-level columns (respondents, Kendall) come from the criterion's
	// own round.
	header := []string{"round", "statement", "criterion"}
	for _, c := range cols[2:] {
		header = append(header, c.name)
	}
	cw.Write(append(header, "combined_decision"))
	for _, rr := range rep.Rounds {
		for _, cs := range rr.Statements {
			for _, kv := range cs.Criteria {
				crr := criterionRound(rep, per, kv.Key, rr.Round)
				st := kv.Value
				rec := []string{strconv.Itoa(rr.Round), cs.Statement, kv.Key}
				for _, c := range cols[2:] {
					rec = append(rec, c.value(crr, &st))
				}
				cw.Write(append(rec, cs.CombinedDecision))
			}
		}
	}
}

// criterionRound returns criterion c's own report of round n.
func criterionRound(rep *ExtendedReport, per []*Report, c string, n int) *RoundReport {
	for i, info := range rep.Criteria {
		if info.Criterion != c {
			continue
		}
		for k := range per[i].Rounds {
			if rr := &per[i].Rounds[k]; rr.Round == n {
				return rr
			}
		}
	}
	return &RoundReport{Round: n}
}

func writeRankingCSV(cw *csv.Writer, sec *RankingSection) {
	maxK := 0
	for _, rr := range sec.Rounds {
		maxK = max(maxK, rr.NItems)
	}
	header := []string{"round", "statement", "n", "n_unranked", "mean_rank", "median_rank"}
	for r := 1; r <= maxK; r++ {
		header = append(header, "rank_"+strconv.Itoa(r))
	}
	header = append(header, "top_k", "top_k_count", "top_k_pct", "round_experts", "round_answered", "round_complete",
		"kendall_w", "kendall_p", "kendall_w_tied_last", "kendall_p_tied_last")
	cw.Write(header)
	for _, rr := range sec.Rounds {
		for _, it := range rr.Items {
			rec := []string{strconv.Itoa(rr.Round), it.Statement, strconv.Itoa(it.N), strconv.Itoa(it.NUnranked), fmtFloat(it.MeanRank), fmtH(it.MedianRank)}
			for r := range maxK {
				v := ""
				if r < len(it.Distribution) {
					v = strconv.Itoa(it.Distribution[r])
				}
				rec = append(rec, v)
			}
			rec = append(rec, strconv.Itoa(rr.TopK), strconv.Itoa(it.TopKCount), fmtFloat(it.TopKPct),
				strconv.Itoa(rr.Experts), strconv.Itoa(rr.Answered), strconv.Itoa(rr.Complete),
				fmtFloat(rr.KendallW.WTieCorrected), fmtFloat(rr.KendallW.P),
				fmtFloat(rr.KendallWTiedLast.WTieCorrected), fmtFloat(rr.KendallWTiedLast.P))
			cw.Write(rec)
		}
	}
}

func writeEstimatesCSV(cw *csv.Writer, sec *EstimatesSection) {
	cw.Write([]string{"round", "statement", "n_total", "n", "n_missing", "mean", "min", "max", "median", "q1", "q3", "iqr", "iqr_per_median",
		"previous_round", "iqr_change", "n_pairs", "wilcoxon_w_plus", "wilcoxon_w_minus", "wilcoxon_n_nonzero", "wilcoxon_z", "wilcoxon_p", "wilcoxon_p_exact",
		"round_respondents"})
	for _, er := range sec.Rounds {
		for _, st := range er.Statements {
			rec := []string{strconv.Itoa(er.Round), st.Statement, strconv.Itoa(st.NTotal), strconv.Itoa(st.N), strconv.Itoa(st.NMissing),
				fmtFloat(st.Mean), fmtFloat(st.Min), fmtFloat(st.Max), fmtFloat(st.Median), fmtFloat(st.Q1), fmtFloat(st.Q3), fmtFloat(st.IQR), fmtFloat(st.IQRPerMedian)}
			if c := st.Change; c != nil {
				rec = append(rec, strconv.Itoa(c.PreviousRound), fmtFloat(c.IQRChange), strconv.Itoa(c.NPairs), fmtFloat(c.WilcoxonWPlus), fmtFloat(c.WilcoxonWMinus),
					strconv.Itoa(c.WilcoxonNNonzero), fmtFloat(c.WilcoxonZ), fmtFloat(c.WilcoxonP), fmtFloat(c.WilcoxonPExact))
			} else {
				rec = append(rec, "", "", "", "", "", "", "", "", "")
			}
			cw.Write(append(rec, strconv.Itoa(er.Respondents)))
		}
	}
}

// WriteExtendedTable writes an extended report for the terminal.
func WriteExtendedTable(w io.Writer, rep *ExtendedReport) error {
	bw := bufio.NewWriter(w)
	switch {
	case rep.Ranking != nil:
		writeRankingTable(bw, rep.Ranking)
	case rep.Estimates != nil:
		writeEstimatesTable(bw, rep.Estimates)
	default:
		writeCriteriaTable(bw, rep)
	}
	return bw.Flush()
}

// writeCriteriaTable writes each criterion's table as for a single
// criterion, then the combined decisions.
func writeCriteriaTable(w *bufio.Writer, rep *ExtendedReport) {
	for i, info := range rep.Criteria {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "Criterion %s\n", info.Criterion)
		WriteTable(w, rep.CriterionReport(i))
	}
	fmt.Fprintf(w, "\nCombined decisions (%s): ", rep.Combine)
	if rep.Combine == analysis.CombineAny {
		fmt.Fprintln(w, "in when any criterion is in, out when every criterion is out")
	} else {
		fmt.Fprintln(w, "in when every criterion is in, out when any criterion is out")
	}
	for _, rr := range rep.Rounds {
		fmt.Fprintf(w, "\nRound %d: %s, %s: %d in, %d out, %d none", rr.Round, plural(rr.Respondents, "respondent"),
			plural(rr.StatementsPresented, "statement"), rr.ConsensusIn, rr.ConsensusOut, rr.NoConsensus)
		if rr.Insufficient > 0 {
			fmt.Fprintf(w, ", %d without ratings", rr.Insufficient)
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w)
		header := []string{"statement"}
		for _, info := range rep.Criteria {
			header = append(header, info.Criterion)
		}
		rows := [][]string{append(header, "combined")}
		for _, cs := range rr.Statements {
			row := []string{cs.Statement}
			for _, info := range rep.Criteria {
				if st, ok := cs.Criteria.Get(info.Criterion); ok {
					row = append(row, st.Decision.String())
				} else {
					row = append(row, dash)
				}
			}
			rows = append(rows, append(row, cs.CombinedDecision))
		}
		writeAligned(w, rows, func(int) bool { return true })
	}
}

func writeRankingTable(w *bufio.Writer, sec *RankingSection) {
	fmt.Fprintln(w, "Ranking: 1 = first; mean and median rank over the experts who ranked the item.")
	for _, rr := range sec.Rounds {
		fmt.Fprintf(w, "\nRound %d: %s; %s, %d ranked, %d completely\n", rr.Round, plural(rr.NItems, "item"),
			plural(rr.Experts, "expert"), rr.Answered, rr.Complete)
		fmt.Fprintln(w, "Complete rankings:", strings.Replace(kendallLine(&rr.KendallW), "for an unable or missing answer", "for an incomplete ranking", 1))
		fmt.Fprintln(w, "Unranked tied last:", kendallLine(&rr.KendallWTiedLast))
		fmt.Fprintln(w)
		rows := [][]string{{"statement", "n", "unranked", "mean rank", "median rank", fmt.Sprintf("top-%d", rr.TopK), fmt.Sprintf("top-%d%%", rr.TopK)}}
		for _, it := range rr.Items {
			mean := dash
			if it.MeanRank.Valid {
				mean = strconv.FormatFloat(it.MeanRank.Value, 'f', 2, 64)
			}
			rows = append(rows, []string{it.Statement, strconv.Itoa(it.N), strconv.Itoa(it.NUnranked), mean, tabH(it.MedianRank),
				strconv.Itoa(it.TopKCount), tabPct(it.TopKPct)})
		}
		writeAligned(w, rows, func(j int) bool { return j == 0 })
	}
}

func writeEstimatesTable(w *bufio.Writer, sec *EstimatesSection) {
	fmt.Fprintf(w, "Numeric estimates; quartiles: %s\n", sec.QuantileLabel)
	if sec.Range != nil {
		fmt.Fprintf(w, "Range: %s\n", fmtRange(*sec.Range))
	}
	num := func(o analysis.Opt[float64]) string {
		if !o.Valid {
			return dash
		}
		return strconv.FormatFloat(o.Value, 'g', 6, 64)
	}
	for _, er := range sec.Rounds {
		fmt.Fprintf(w, "\nRound %d: %s, %s\n\n", er.Round, plural(er.Respondents, "respondent"), plural(er.StatementsPresented, "statement"))
		rows := [][]string{{"statement", "n", "missing", "median", "q1", "q3", "iqr", "iqr/median", "min", "max", "iqr change", "wilcoxon p"}}
		for _, st := range er.Statements {
			row := []string{st.Statement, strconv.Itoa(st.N), strconv.Itoa(st.NMissing), num(st.Median), num(st.Q1), num(st.Q3), num(st.IQR),
				num(st.IQRPerMedian), num(st.Min), num(st.Max)}
			if c := st.Change; c != nil {
				row = append(row, num(c.IQRChange), tabP(c.WilcoxonP))
			} else {
				row = append(row, dash, dash)
			}
			rows = append(rows, row)
		}
		writeAligned(w, rows, func(j int) bool { return j == 0 })
	}
}

// writeAligned writes rows as columns two spaces apart; left(j) tells
// whether column j is left-aligned (numbers are right-aligned).
func writeAligned(w io.Writer, rows [][]string, left func(int) bool) {
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for j, c := range row {
			widths[j] = max(widths[j], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		b.Reset()
		for j, c := range row {
			if j > 0 {
				b.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[j]-utf8.RuneCountInString(c))
			if left(j) {
				b.WriteString(c)
				if j < len(row)-1 {
					b.WriteString(pad)
				}
			} else {
				b.WriteString(pad)
				b.WriteString(c)
			}
		}
		fmt.Fprintln(w, b.String())
	}
}

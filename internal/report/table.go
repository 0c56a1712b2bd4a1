package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/delphi-platform/delphi/analysis"
)

// dash marks an undefined value, as the platform shows it (SPEC §0.3).
const dash = "—"

// WriteTable writes an aligned, human-readable summary for the terminal:
// the settings, then per round a line with the counts of decisions, a line
// with Kendall's W and its band, and one row per statement.
func WriteTable(w io.Writer, rep *Report) error {
	bw := bufio.NewWriter(w)
	s := &rep.Settings
	neutral := "none"
	if !s.Bands.Neutral.Empty() {
		neutral = s.Bands.Neutral.String()
	}
	fmt.Fprintf(bw, "Scale %d-%d; bands: disagree %s, neutral %s, agree %s\n",
		s.Scale.Min, s.Scale.Max, s.Bands.Disagree, neutral, s.Bands.Agree)
	fmt.Fprintf(bw, "Quartiles: %s\n", s.QuantileLabel)
	fmt.Fprintf(bw, "Primary rule %s: %s\n", s.Rule, s.RuleDescription)
	fmt.Fprintf(bw, "Percentages use valid ratings only; %s = undefined.\n", dash)
	for ri := range rep.Rounds {
		writeRoundTable(bw, &rep.Rounds[ri])
	}
	return bw.Flush()
}

func writeRoundTable(w io.Writer, rr *RoundReport) {
	fmt.Fprintf(w, "\nRound %d: %s, %s: %d in, %d out, %d none",
		rr.Round, plural(rr.Respondents, "respondent"), plural(rr.StatementsPresented, "statement"),
		rr.ConsensusIn, rr.ConsensusOut, rr.NoConsensus)
	if rr.Insufficient > 0 {
		fmt.Fprintf(w, ", %d without ratings", rr.Insufficient)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, kendallLine(&rr.KendallW))
	fmt.Fprintln(w)

	header := []string{"statement", "n", "unable", "missing", "median", "q1", "q3", "iqr", "agree%", "disagree%",
		"decision", "percent rule", "comet rule", "iqr rule", "rand rule", "changed%", "wilcoxon p", "mcnemar p"}
	// Left-aligned columns; the others are numbers, right-aligned.
	left := map[int]bool{0: true, 10: true, 11: true, 12: true, 13: true, 14: true}
	rows := [][]string{header}
	for i := range rr.Statements {
		st := &rr.Statements[i]
		row := []string{
			st.Statement, strconv.Itoa(st.N), strconv.Itoa(st.NUnable), strconv.Itoa(st.NMissing),
			tabH(st.Median), tabH(st.Q1), tabH(st.Q3), tabH(st.IQR),
			tabPct(st.PctAgree), tabPct(st.PctDisagree),
			st.Decision.String(), st.Decisions.Percent.String(), st.Decisions.COMET.String(),
			tabStr(st.Decisions.IQR), tabStr(st.Decisions.RAND),
		}
		if sb := st.Stability; sb != nil {
			row = append(row, tabPct(sb.PctChanged), tabP(sb.WilcoxonP), tabP(sb.McNemarP))
		} else {
			row = append(row, dash, dash, dash)
		}
		rows = append(rows, row)
	}
	widths := make([]int, len(header))
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
			if left[j] {
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

func kendallLine(k *KendallReport) string {
	used := plural(k.ExpertsUsed, "expert") + " used"
	if k.ExpertsDropped > 0 {
		used += fmt.Sprintf(", %d dropped for an unable or missing answer", k.ExpertsDropped)
	}
	if !k.WTieCorrected.Valid {
		return fmt.Sprintf("Kendall's W: %s (%s); %s", dash, k.Note, used)
	}
	line := fmt.Sprintf("Kendall's W = %.3f (%s), chi2(%d) = %.2f, p %s; %s",
		k.WTieCorrected.Value, k.Band.Value, k.DF.Value, k.Chi2.Value, pPhrase(k.P), used)
	if k.Note != "" {
		line += "; " + k.Note
	}
	return line
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// pPhrase is "= 0.023" or "< 0.001".
func pPhrase(p analysis.Opt[float64]) string {
	v := tabP(p)
	if strings.HasPrefix(v, "<") {
		return "< 0.001"
	}
	return "= " + v
}

func tabH(o analysis.Opt[analysis.Hundredths]) string {
	if !o.Valid {
		return dash
	}
	return o.Value.String()
}

func tabPct(o analysis.Opt[float64]) string {
	if !o.Valid {
		return dash
	}
	return strconv.FormatFloat(o.Value, 'f', 1, 64)
}

func tabP(o analysis.Opt[float64]) string {
	switch {
	case !o.Valid:
		return dash
	case o.Value < 0.001:
		return "<0.001"
	}
	return strconv.FormatFloat(o.Value, 'f', 3, 64)
}

func tabStr[T interface{ String() string }](o analysis.Opt[T]) string {
	if !o.Valid {
		return dash
	}
	return o.Value.String()
}

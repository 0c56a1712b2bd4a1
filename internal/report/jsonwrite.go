package report

import (
	"bufio"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/delphi-platform/delphi/analysis"
)

// WriteJSON writes the report as indented JSON (schema: docs/analyze.md).
//
// The output is byte for byte what encoding/json produces for the Report
// types with two-space indentation (a test holds the two together), but it
// is written directly, without reflection and without holding the document
// in memory: a large study's JSON is tens of megabytes, and building it with
// encoding/json took longer than the whole analysis.
func WriteJSON(w io.Writer, rep *Report) error {
	j := &jsonWriter{w: bufio.NewWriterSize(w, 64<<10)}
	j.report(rep)
	j.w.WriteByte('\n')
	return j.w.Flush()
}

// jsonWriter writes indented JSON in encoding/json's layout.
type jsonWriter struct {
	w     *bufio.Writer
	buf   []byte
	depth int
	empty []bool // per open container: nothing written in it yet
}

func (j *jsonWriter) open(c byte) {
	j.w.WriteByte(c)
	j.depth++
	j.empty = append(j.empty, true)
}

func (j *jsonWriter) close(c byte) {
	j.depth--
	wasEmpty := j.empty[len(j.empty)-1]
	j.empty = j.empty[:len(j.empty)-1]
	if !wasEmpty {
		j.newline()
	}
	j.w.WriteByte(c)
}

func (j *jsonWriter) newline() {
	j.w.WriteByte('\n')
	for range j.depth {
		j.w.WriteString("  ")
	}
}

// elem starts the next element of the current container.
func (j *jsonWriter) elem() {
	top := len(j.empty) - 1
	if !j.empty[top] {
		j.w.WriteByte(',')
	}
	j.empty[top] = false
	j.newline()
}

func (j *jsonWriter) key(k string) {
	j.elem()
	j.str(k)
	j.w.WriteString(": ")
}

func (j *jsonWriter) null() { j.w.WriteString("null") }

func (j *jsonWriter) int(v int) {
	j.buf = strconv.AppendInt(j.buf[:0], int64(v), 10)
	j.w.Write(j.buf)
}

// float formats as encoding/json does: shortest representation, exponent
// form below 1e-6 and from 1e21, with "e-07" shortened to "e-7".
func (j *jsonWriter) float(f float64) {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b := strconv.AppendFloat(j.buf[:0], f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	j.buf = b
	j.w.Write(b)
}

func (j *jsonWriter) optFloat(o analysis.Opt[float64]) {
	if !o.Valid {
		j.null()
		return
	}
	j.float(o.Value)
}

func (j *jsonWriter) optInt(o analysis.Opt[int]) {
	if !o.Valid {
		j.null()
		return
	}
	j.int(o.Value)
}

func (j *jsonWriter) optH(o analysis.Opt[analysis.Hundredths]) {
	if !o.Valid {
		j.null()
		return
	}
	j.w.WriteString(o.Value.String())
}

func optStrOf[T interface{ String() string }](j *jsonWriter, o analysis.Opt[T]) {
	if !o.Valid {
		j.null()
		return
	}
	j.str(o.Value.String())
}

func (j *jsonWriter) band(b analysis.Band) {
	if b.Empty() {
		j.null()
		return
	}
	j.open('[')
	j.elem()
	j.int(b.Lo)
	j.elem()
	j.int(b.Hi)
	j.close(']')
}

const hexDigits = "0123456789abcdef"

// str writes a JSON string escaped as encoding/json does by default: HTML
// characters, U+2028 and U+2029 as \u escapes, invalid UTF-8 as U+FFFD.
func (j *jsonWriter) str(s string) {
	b := append(j.buf[:0], '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	b = append(b, '"')
	j.buf = b
	j.w.Write(b)
}

func (j *jsonWriter) report(rep *Report) {
	j.open('{')
	j.key("settings")
	j.settings(&rep.Settings)
	j.key("rounds")
	if rep.Rounds == nil {
		j.null()
	} else {
		j.open('[')
		for i := range rep.Rounds {
			j.elem()
			j.round(&rep.Rounds[i])
		}
		j.close(']')
	}
	j.close('}')
}

func (j *jsonWriter) settings(s *SettingsInfo) {
	j.open('{')
	j.key("scale")
	j.open('{')
	j.key("min")
	j.int(s.Scale.Min)
	j.key("max")
	j.int(s.Scale.Max)
	j.close('}')
	j.key("bands")
	j.open('{')
	j.key("disagree")
	j.band(s.Bands.Disagree)
	j.key("neutral")
	j.band(s.Bands.Neutral)
	j.key("agree")
	j.band(s.Bands.Agree)
	j.close('}')
	j.key("quantile")
	j.str(s.Quantile)
	j.key("quantile_label")
	j.str(s.QuantileLabel)
	j.key("rule")
	j.str(s.Rule)
	j.key("rule_description")
	j.str(s.RuleDescription)
	j.key("decision_rules")
	j.open('{')
	j.key("percent")
	j.str(s.DecisionRules.Percent)
	j.key("comet")
	j.str(s.DecisionRules.COMET)
	j.key("iqr")
	j.optString(s.DecisionRules.IQR)
	j.key("rand")
	j.optString(s.DecisionRules.RAND)
	j.close('}')
	j.key("denominator")
	j.str(s.Denominator)
	j.close('}')
}

func (j *jsonWriter) optString(o analysis.Opt[string]) {
	if !o.Valid {
		j.null()
		return
	}
	j.str(o.Value)
}

func (j *jsonWriter) round(rr *RoundReport) {
	j.open('{')
	j.key("round")
	j.int(rr.Round)
	j.key("respondents")
	j.int(rr.Respondents)
	j.key("statements_presented")
	j.int(rr.StatementsPresented)
	j.key("consensus_in")
	j.int(rr.ConsensusIn)
	j.key("consensus_out")
	j.int(rr.ConsensusOut)
	j.key("no_consensus")
	j.int(rr.NoConsensus)
	j.key("insufficient")
	j.int(rr.Insufficient)
	j.key("n_unable")
	j.int(rr.NUnable)
	j.key("n_skipped")
	j.int(rr.NSkipped)
	j.key("kendall_w")
	j.kendall(&rr.KendallW)
	j.key("kendall_w_drop_statements")
	j.kendall(&rr.KendallWDropStatements)
	j.key("statements")
	if rr.Statements == nil {
		j.null()
	} else {
		j.open('[')
		for i := range rr.Statements {
			j.elem()
			j.statement(&rr.Statements[i])
		}
		j.close(']')
	}
	j.close('}')
}

func (j *jsonWriter) kendall(k *KendallReport) {
	j.open('{')
	j.key("w")
	j.optFloat(k.W)
	j.key("w_tie_corrected")
	j.optFloat(k.WTieCorrected)
	j.key("chi2")
	j.optFloat(k.Chi2)
	j.key("df")
	j.optInt(k.DF)
	j.key("p")
	j.optFloat(k.P)
	j.key("band")
	j.optString(k.Band)
	j.key("experts_used")
	j.int(k.ExpertsUsed)
	j.key("experts_dropped")
	j.int(k.ExpertsDropped)
	j.key("statements_used")
	j.int(k.StatementsUsed)
	j.key("statements_dropped")
	j.int(k.StatementsDropped)
	if k.Note != "" {
		j.key("note")
		j.str(k.Note)
	}
	j.close('}')
}

func (j *jsonWriter) statement(st *StatementReport) {
	j.open('{')
	j.key("statement")
	j.str(st.Statement)
	if st.Label != "" {
		j.key("label")
		j.str(st.Label)
	}
	j.key("n")
	j.int(st.N)
	j.key("n_unable")
	j.int(st.NUnable)
	j.key("n_missing")
	j.int(st.NMissing)
	j.key("mean")
	j.optFloat(st.Mean)
	j.key("sd")
	j.optFloat(st.SD)
	j.key("cv")
	j.optFloat(st.CV)
	j.key("min")
	j.optInt(st.Min)
	j.key("max")
	j.optInt(st.Max)
	j.key("median")
	j.optH(st.Median)
	j.key("q1")
	j.optH(st.Q1)
	j.key("q3")
	j.optH(st.Q3)
	j.key("iqr")
	j.optH(st.IQR)
	j.key("p30")
	j.optH(st.P30)
	j.key("p70")
	j.optH(st.P70)
	j.key("modes")
	if st.Modes == nil {
		j.null()
	} else {
		j.open('[')
		for _, m := range st.Modes {
			j.elem()
			j.int(m)
		}
		j.close(']')
	}
	j.key("freq")
	j.open('{')
	for i, c := range st.Freq.Counts {
		j.key(strconv.Itoa(st.Freq.Min + i))
		j.int(c)
	}
	j.close('}')
	j.key("pct_agree")
	j.optFloat(st.PctAgree)
	j.key("pct_neutral")
	j.optFloat(st.PctNeutral)
	j.key("pct_disagree")
	j.optFloat(st.PctDisagree)
	j.key("decision")
	j.str(st.Decision.String())
	if st.Proposal != nil {
		j.key("proposal")
		j.str(st.Proposal.String())
	}
	if st.DecisionReason != "" {
		j.key("decision_reason")
		j.str(st.DecisionReason)
	}
	j.key("decisions")
	j.open('{')
	j.key("percent")
	j.str(st.Decisions.Percent.String())
	j.key("comet")
	j.str(st.Decisions.COMET.String())
	j.key("iqr")
	optStrOf(j, st.Decisions.IQR)
	j.key("rand")
	optStrOf(j, st.Decisions.RAND)
	j.close('}')
	j.key("rand_class")
	optStrOf(j, st.RAND)
	j.key("stability")
	if st.Stability == nil {
		j.null()
	} else {
		j.stability(st.Stability)
	}
	if sg := st.Subgroups; sg != nil {
		j.key("subgroups")
		j.open('{')
		if sg.Group != nil {
			j.key("group")
			j.grouping(sg.Group)
		}
		if sg.Country != nil {
			j.key("country")
			j.grouping(sg.Country)
		}
		j.close('}')
	}
	j.close('}')
}

func (j *jsonWriter) stability(s *StabilityReport) {
	j.open('{')
	j.key("previous_round")
	j.int(s.PreviousRound)
	j.key("n_pairs")
	j.int(s.NPairs)
	j.key("pct_changed")
	j.optFloat(s.PctChanged)
	j.key("pct_changed_band")
	j.optFloat(s.PctChangedBand)
	j.key("mean_change")
	j.optFloat(s.MeanChange)
	j.key("mean_abs_change")
	j.optFloat(s.MeanAbsChange)
	j.key("wilcoxon_w_plus")
	j.optFloat(s.WilcoxonWPlus)
	j.key("wilcoxon_w_minus")
	j.optFloat(s.WilcoxonWMinus)
	j.key("wilcoxon_n_nonzero")
	j.int(s.WilcoxonNNonzero)
	j.key("wilcoxon_z")
	j.optFloat(s.WilcoxonZ)
	j.key("wilcoxon_p")
	j.optFloat(s.WilcoxonP)
	j.key("wilcoxon_p_exact")
	j.optFloat(s.WilcoxonPExact)
	j.key("mcnemar_b")
	j.int(s.McNemarB)
	j.key("mcnemar_c")
	j.int(s.McNemarC)
	j.key("mcnemar_p")
	j.optFloat(s.McNemarP)
	j.key("distribution_change_pct")
	j.optFloat(s.DistributionChangePct)
	j.key("delta_cv")
	j.optFloat(s.DeltaCV)
	j.close('}')
}

func (j *jsonWriter) grouping(g *GroupingReport) {
	j.open('{')
	j.key("groups")
	if g.Groups == nil {
		j.null()
	} else {
		j.open('[')
		for i := range g.Groups {
			gr := &g.Groups[i]
			j.elem()
			j.open('{')
			j.key("name")
			j.str(gr.Name)
			j.key("n")
			j.int(gr.N)
			j.key("n_unable")
			j.int(gr.NUnable)
			j.key("n_missing")
			j.int(gr.NMissing)
			j.key("mean")
			j.optFloat(gr.Mean)
			j.key("sd")
			j.optFloat(gr.SD)
			j.key("median")
			j.optH(gr.Median)
			j.key("q1")
			j.optH(gr.Q1)
			j.key("q3")
			j.optH(gr.Q3)
			j.key("iqr")
			j.optH(gr.IQR)
			j.key("pct_agree")
			j.optFloat(gr.PctAgree)
			j.key("pct_neutral")
			j.optFloat(gr.PctNeutral)
			j.key("pct_disagree")
			j.optFloat(gr.PctDisagree)
			j.key("decision")
			j.str(gr.Decision.String())
			j.close('}')
		}
		j.close(']')
	}
	kw := &g.KruskalWallis
	j.key("kruskal_wallis")
	j.open('{')
	j.key("k")
	j.int(kw.K)
	j.key("n")
	j.int(kw.N)
	j.key("h")
	j.optFloat(kw.H)
	j.key("df")
	j.optInt(kw.DF)
	j.key("p")
	j.optFloat(kw.P)
	j.key("epsilon_squared")
	j.optFloat(kw.EpsilonSquared)
	j.close('}')
	j.close('}')
}

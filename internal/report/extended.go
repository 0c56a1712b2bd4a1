package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/delphi-platform/delphi/analysis"
)

// ExtendedReport is the report of a long file with several criteria per
// statement, or of a ranking or numeric-estimate question
// (docs/analyze.md). A plain rating file without criteria keeps the Report
// schema as it is; this one adds "kind" and, by kind, the criteria fields
// or a "ranking" or "estimates" section.
type ExtendedReport struct {
	Kind string `json:"kind"`
	// Rating questions on several criteria: the default settings, each
	// criterion's settings, the combination rule and the rounds.
	Settings *SettingsInfo         `json:"settings,omitempty"`
	Criteria []CriterionInfo       `json:"criteria,omitempty"`
	Combine  string                `json:"combine,omitempty"`
	Rounds   []CriteriaRoundReport `json:"rounds,omitempty"`
	// Ranking and numeric questions.
	Ranking   *RankingSection   `json:"ranking,omitempty"`
	Estimates *EstimatesSection `json:"estimates,omitempty"`
}

// CriterionReport returns criterion i's own report: what a file with only
// that criterion's rows gives (its rounds are those that asked about the
// criterion).
func (rep *ExtendedReport) CriterionReport(i int) *Report {
	info := rep.Criteria[i]
	out := &Report{Settings: info.Settings}
	for _, rr := range rep.Rounds {
		cr, ok := rr.Criteria.Get(info.Criterion)
		if !ok {
			continue
		}
		r := RoundReport{
			Round: rr.Round, Respondents: cr.Respondents, StatementsPresented: cr.StatementsPresented,
			ConsensusIn: cr.ConsensusIn, ConsensusOut: cr.ConsensusOut, NoConsensus: cr.NoConsensus, Insufficient: cr.Insufficient,
			NUnable: cr.NUnable, NSkipped: cr.NSkipped, KendallW: cr.KendallW, KendallWDropStatements: cr.KendallWDropStatements,
			Statements: []StatementReport{},
		}
		for _, st := range rr.Statements {
			if s, ok := st.Criteria.Get(info.Criterion); ok {
				r.Statements = append(r.Statements, s)
			}
		}
		out.Rounds = append(out.Rounds, r)
	}
	return out
}

// CriterionInfo names a criterion and the settings of its analysis.
type CriterionInfo struct {
	Criterion string       `json:"criterion"`
	Settings  SettingsInfo `json:"settings"`
}

// CriteriaRoundReport is one round of a study with criteria. The counts
// of decisions are of the combined decisions.
type CriteriaRoundReport struct {
	Round int `json:"round"`
	// Respondents answered at least one statement on at least one
	// criterion; statements_presented counts statements with a row on any
	// criterion.
	Respondents         int                         `json:"respondents"`
	StatementsPresented int                         `json:"statements_presented"`
	ConsensusIn         int                         `json:"consensus_in"`
	ConsensusOut        int                         `json:"consensus_out"`
	NoConsensus         int                         `json:"no_consensus"`
	Insufficient        int                         `json:"insufficient"`
	Criteria            Keyed[CriterionRoundReport] `json:"criteria"`
	Statements          []CriteriaStatementReport   `json:"statements"`
}

// CriterionRoundReport is one criterion's round: the round fields of a
// single-criterion report other than the statements.
type CriterionRoundReport struct {
	Respondents            int           `json:"respondents"`
	StatementsPresented    int           `json:"statements_presented"`
	ConsensusIn            int           `json:"consensus_in"`
	ConsensusOut           int           `json:"consensus_out"`
	NoConsensus            int           `json:"no_consensus"`
	Insufficient           int           `json:"insufficient"`
	NUnable                int           `json:"n_unable"`
	NSkipped               int           `json:"n_skipped"`
	KendallW               KendallReport `json:"kendall_w"`
	KendallWDropStatements KendallReport `json:"kendall_w_drop_statements"`
}

// CriteriaStatementReport is one statement in one round: per criterion
// what a single-criterion report holds for the statement, and the
// combined decision.
type CriteriaStatementReport struct {
	Statement        string                 `json:"statement"`
	Criteria         Keyed[StatementReport] `json:"criteria"`
	CombinedDecision string                 `json:"combined_decision"`
}

// Keyed is a JSON object whose keys keep their order (criteria in order
// of first appearance), which a map would sort.
type Keyed[T any] []KeyedValue[T]

// KeyedValue is one member of a Keyed object.
type KeyedValue[T any] struct {
	Key   string
	Value T
}

// Get returns the value for key.
func (k Keyed[T]) Get(key string) (T, bool) {
	for _, kv := range k {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	var zero T
	return zero, false
}

// UnmarshalJSON reads the object MarshalJSON writes, keeping the order.
func (k *Keyed[T]) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		*k = nil
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("report: want an object keyed by criterion, got %v", tok)
	}
	*k = Keyed[T]{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		var kv KeyedValue[T]
		kv.Key = tok.(string)
		if err := dec.Decode(&kv.Value); err != nil {
			return err
		}
		*k = append(*k, kv)
	}
	_, err = dec.Token()
	return err
}

// MarshalJSON writes the members in order.
func (k Keyed[T]) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range k {
		if i > 0 {
			b.WriteByte(',')
		}
		key, err := json.Marshal(kv.Key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(kv.Value)
		if err != nil {
			return nil, err
		}
		b.Write(key)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// RankingSection is the analysis of a ranking question, per round.
type RankingSection struct {
	// TopK is the k of the top-k counts asked for; a round with fewer
	// items uses its number of items (the round's top_k).
	TopK   int            `json:"top_k"`
	Rounds []RankingRound `json:"rounds"`
}

// RankingRound is one round of a ranking question (analysis.AnalyzeRanking).
type RankingRound struct {
	Round    int `json:"round"`
	NItems   int `json:"n_items"`
	TopK     int `json:"top_k"`
	Experts  int `json:"experts"`
	Answered int `json:"answered"`
	Complete int `json:"complete"`
	NMissing int `json:"n_missing"`
	// KendallW uses complete rankings only; KendallWTiedLast every
	// answering expert, the unranked items sharing the bottom midrank.
	KendallW         KendallReport      `json:"kendall_w"`
	KendallWTiedLast KendallReport      `json:"kendall_w_tied_last"`
	Items            []RankedItemReport `json:"items"`
}

// RankedItemReport is one item (statement) of a ranking round.
type RankedItemReport struct {
	Statement  string                            `json:"statement"`
	N          int                               `json:"n"`
	NUnranked  int                               `json:"n_unranked"`
	MeanRank   analysis.Opt[float64]             `json:"mean_rank"`
	MedianRank analysis.Opt[analysis.Hundredths] `json:"median_rank"`
	// Distribution[r−1] counts the experts who gave the item rank r.
	Distribution []int                 `json:"distribution"`
	TopKCount    int                   `json:"top_k_count"`
	TopKPct      analysis.Opt[float64] `json:"top_k_pct"`
}

// EstimatesSection is the analysis of numeric estimates, per round.
type EstimatesSection struct {
	Quantile      string `json:"quantile"`
	QuantileLabel string `json:"quantile_label"`
	// Range is --range, null when not given.
	Range  *RangeInfo      `json:"range"`
	Rounds []EstimateRound `json:"rounds"`
}

// RangeInfo is the range estimates were checked against.
type RangeInfo struct {
	Min float64 `json:"min"`
	Max float64 `json:"max"`
}

// EstimateRound is one round of estimates.
type EstimateRound struct {
	Round               int              `json:"round"`
	Respondents         int              `json:"respondents"`
	StatementsPresented int              `json:"statements_presented"`
	Statements          []EstimateReport `json:"statements"`
}

// EstimateReport is one statement's estimates in one round
// (analysis.SummarizeEstimates); q1, q3, iqr and iqr_per_median follow the
// quantile setting.
type EstimateReport struct {
	Statement    string                `json:"statement"`
	NTotal       int                   `json:"n_total"`
	N            int                   `json:"n"`
	NMissing     int                   `json:"n_missing"`
	Mean         analysis.Opt[float64] `json:"mean"`
	Min          analysis.Opt[float64] `json:"min"`
	Max          analysis.Opt[float64] `json:"max"`
	Median       analysis.Opt[float64] `json:"median"`
	Q1           analysis.Opt[float64] `json:"q1"`
	Q3           analysis.Opt[float64] `json:"q3"`
	IQR          analysis.Opt[float64] `json:"iqr"`
	IQRPerMedian analysis.Opt[float64] `json:"iqr_per_median"`
	// Note says why iqr_per_median is null when n > 0 ("median is 0").
	Note string `json:"note,omitempty"`
	// Change compares with the most recent earlier round that asked for
	// the estimate; null in its first round.
	Change *EstimateChangeReport `json:"change"`
}

// EstimateChangeReport compares a statement's estimates with an earlier
// round (analysis.CompareEstimates).
type EstimateChangeReport struct {
	PreviousRound int `json:"previous_round"`
	// IQRChange is this round's IQR − the previous round's, each over all
	// of its round's estimates; negative when the panel converged.
	IQRChange analysis.Opt[float64] `json:"iqr_change"`
	// Wilcoxon signed-rank on d = this round − previous round over the
	// experts with an estimate in both.
	NPairs           int                   `json:"n_pairs"`
	WilcoxonWPlus    analysis.Opt[float64] `json:"wilcoxon_w_plus"`
	WilcoxonWMinus   analysis.Opt[float64] `json:"wilcoxon_w_minus"`
	WilcoxonNNonzero int                   `json:"wilcoxon_n_nonzero"`
	WilcoxonZ        analysis.Opt[float64] `json:"wilcoxon_z"`
	WilcoxonP        analysis.Opt[float64] `json:"wilcoxon_p"`
	WilcoxonPExact   analysis.Opt[float64] `json:"wilcoxon_p_exact"`
}

// NewEstimateReport is one statement's EstimateReport under quantile
// type q: its summary and, when ch is not nil, the change since round
// previousRound. `delphi analyze` and the platform's stored numeric
// results (workflow) both build it here, so that they agree field for
// field.
func NewEstimateReport(statement string, sum analysis.EstimateSummary, ch *analysis.EstimateChange, previousRound int, q analysis.QuantileType) EstimateReport {
	qs := sum.Quartiles(q)
	rep := EstimateReport{
		Statement: statement, NTotal: sum.NTotal, N: sum.N, NMissing: sum.NMissing,
		Mean: sum.Mean, Min: sum.Min, Max: sum.Max, Median: sum.Median,
		Q1: qs.Q1, Q3: qs.Q3, IQR: qs.IQR, IQRPerMedian: qs.IQRPerMedian, Note: qs.IQRPerMedianReason,
	}
	if ch != nil {
		w := &ch.Wilcoxon
		rep.Change = &EstimateChangeReport{
			PreviousRound: previousRound, IQRChange: ch.IQRChange(q), NPairs: w.NPairs,
			WilcoxonWPlus: w.WPlus, WilcoxonWMinus: w.WMinus, WilcoxonNNonzero: w.NNonzero,
			WilcoxonZ: w.Z, WilcoxonP: w.P, WilcoxonPExact: w.PExactCond,
		}
	}
	return rep
}

// roundNumbers returns the file's round numbers, ascending.
func (f *longFile) roundNumbers() []int {
	var rs []int
	for _, r := range f.rows {
		if !slices.Contains(rs, r.round) {
			rs = append(rs, r.round)
		}
	}
	slices.Sort(rs)
	return rs
}

// CriterionSettings are the settings of each criterion, by name.
type CriterionSettings map[string]analysis.Settings

// buildCriteria analyses each criterion of a rating file as a file of its
// own, under its settings, and combines the decisions per statement and
// round under combine (analysis.CombineDecisions).
func buildCriteria(ctx context.Context, f *longFile, def analysis.Settings, per CriterionSettings, combine string) (*ExtendedReport, error) {
	if err := f.checkDuplicates(); err != nil {
		return nil, err
	}
	set := func(c string) analysis.Settings {
		if s, ok := per[c]; ok {
			return s
		}
		return def
	}
	// The responses of each criterion, by round and statement.
	rounds := f.roundNumbers()
	ri := map[int]int{}
	for i, n := range rounds {
		ri[n] = i
	}
	nE, nS := len(f.experts), len(f.statements)
	cells := map[string][][][]analysis.Response{} // criterion → round → statement → expert
	for _, c := range f.criteria {
		cells[c] = make([][][]analysis.Response, len(rounds))
		for i := range rounds {
			cells[c][i] = make([][]analysis.Response, nS)
		}
	}
	took := make([][]bool, len(rounds)) // round → expert answered something
	for i := range took {
		took[i] = make([]bool, nE)
	}
	for _, r := range f.rows {
		resp, err := parseResponse(r.line, []byte(r.value), set(r.criterion).Scale)
		if err != nil {
			return nil, err
		}
		col := cells[r.criterion][ri[r.round]][r.stmtIdx]
		if col == nil {
			col = make([]analysis.Response, nE)
			for e := range col {
				col[e] = analysis.Missing
			}
			cells[r.criterion][ri[r.round]][r.stmtIdx] = col
		}
		col[r.expertIdx] = resp
		if resp != analysis.Missing {
			took[ri[r.round]][r.expertIdx] = true
		}
	}
	crit := make([]CriterionRatings, len(f.criteria))
	for k, c := range f.criteria {
		rt := &Ratings{Experts: f.experts, Statements: f.statements, HasGroup: f.hasGroup, HasCountry: f.hasCountry}
		for i, n := range rounds {
			if slices.ContainsFunc(cells[c][i], func(col []analysis.Response) bool { return col != nil }) {
				rt.Rounds = append(rt.Rounds, Round{Number: n, Responses: cells[c][i]})
			}
		}
		crit[k] = CriterionRatings{Name: c, Ratings: rt, Settings: set(c)}
	}
	return combineCriteria(ctx, def, crit, combine, rounds, took)
}

// CriterionRatings are one criterion's answers and the settings of its
// analysis, for BuildCriteria.
type CriterionRatings struct {
	Name     string
	Ratings  *Ratings
	Settings analysis.Settings
	// Report, when set, is Build's report of Ratings under Settings,
	// already computed by the caller.
	Report *Report
}

// BuildCriteria analyses each criterion's ratings under its settings and
// combines the decisions per statement and round under combine
// (analysis.CombineDecisions): what `delphi analyze` reports for a long
// file with a criterion column, for the platform's studies rated on
// several criteria. The criteria share their experts and statements; a
// round's respondents are the experts with an answer on any criterion.
func BuildCriteria(ctx context.Context, def analysis.Settings, crit []CriterionRatings, combine string) (*ExtendedReport, error) {
	var rounds []int
	for _, c := range crit {
		for _, r := range c.Ratings.Rounds {
			if !slices.Contains(rounds, r.Number) {
				rounds = append(rounds, r.Number)
			}
		}
	}
	slices.Sort(rounds)
	var took [][]bool
	if len(crit) > 0 {
		nE := len(crit[0].Ratings.Experts)
		took = make([][]bool, len(rounds))
		for i, n := range rounds {
			took[i] = make([]bool, nE)
			for _, c := range crit {
				for _, r := range c.Ratings.Rounds {
					if r.Number != n {
						continue
					}
					for _, col := range r.Responses {
						for e, x := range col {
							took[i][e] = took[i][e] || x != analysis.Missing
						}
					}
				}
			}
		}
	}
	return combineCriteria(ctx, def, crit, combine, rounds, took)
}

// combineCriteria builds each criterion's report and the rounds of
// combined decisions; took[i][e] tells whether expert e answered
// something in rounds[i].
func combineCriteria(ctx context.Context, def analysis.Settings, crit []CriterionRatings, combine string, rounds []int, took [][]bool) (*ExtendedReport, error) {
	out := &ExtendedReport{Kind: KindRating, Combine: combine}
	info := settingsInfo(def)
	out.Settings = &info
	reps := map[string]*Report{}
	names := make([]string, len(crit))
	var statements []string
	for k, c := range crit {
		names[k] = c.Name
		statements = c.Ratings.Statements
		rep := c.Report
		if rep == nil {
			var err error
			if rep, err = Build(ctx, c.Ratings, c.Settings); err != nil {
				return nil, fmt.Errorf("criterion %q: %w", c.Name, err)
			}
		}
		reps[c.Name] = rep
		out.Criteria = append(out.Criteria, CriterionInfo{Criterion: c.Name, Settings: rep.Settings})
	}
	for i, n := range rounds {
		rr := CriteriaRoundReport{Round: n}
		for _, t := range took[i] {
			if t {
				rr.Respondents++
			}
		}
		// Each criterion's statements of this round, by statement ID.
		byStmt := map[string]map[string]*StatementReport{}
		for _, c := range names {
			for k := range reps[c].Rounds {
				cr := &reps[c].Rounds[k]
				if cr.Round != n {
					continue
				}
				rr.Criteria = append(rr.Criteria, KeyedValue[CriterionRoundReport]{Key: c, Value: CriterionRoundReport{
					Respondents: cr.Respondents, StatementsPresented: cr.StatementsPresented,
					ConsensusIn: cr.ConsensusIn, ConsensusOut: cr.ConsensusOut, NoConsensus: cr.NoConsensus, Insufficient: cr.Insufficient,
					NUnable: cr.NUnable, NSkipped: cr.NSkipped, KendallW: cr.KendallW, KendallWDropStatements: cr.KendallWDropStatements,
				}})
				for j := range cr.Statements {
					st := &cr.Statements[j]
					if byStmt[st.Statement] == nil {
						byStmt[st.Statement] = map[string]*StatementReport{}
					}
					byStmt[st.Statement][c] = st
				}
			}
		}
		for _, s := range statements {
			m := byStmt[s]
			if m == nil {
				continue
			}
			cs := CriteriaStatementReport{Statement: s}
			var ds []string
			for _, c := range names {
				st, ok := m[c]
				if !ok {
					// Not rated on this criterion in this round: no
					// decision, which the combination treats as insufficient.
					ds = append(ds, analysis.DecisionInsufficient.String())
					continue
				}
				cs.Criteria = append(cs.Criteria, KeyedValue[StatementReport]{Key: c, Value: *st})
				ds = append(ds, st.Decision.String())
			}
			cs.CombinedDecision = analysis.CombineDecisions(combine, ds)
			switch cs.CombinedDecision {
			case "in":
				rr.ConsensusIn++
			case "out":
				rr.ConsensusOut++
			case "none":
				rr.NoConsensus++
			default:
				rr.Insufficient++
			}
			rr.Statements = append(rr.Statements, cs)
		}
		rr.StatementsPresented = len(rr.Statements)
		out.Rounds = append(out.Rounds, rr)
	}
	return out, nil
}

// buildRanking analyses a ranking question: per round, the statements with
// a row in the round are the items, the experts with a row the rankers,
// and the rating cell holds the rank (1 = first; empty or NA = unranked).
func buildRanking(f *longFile, topK int) (*ExtendedReport, error) {
	if err := f.checkDuplicates(); err != nil {
		return nil, err
	}
	sec := &RankingSection{TopK: topK}
	for _, n := range f.roundNumbers() {
		var items, experts []int
		itemOf, expertOf := map[int]int{}, map[int]int{}
		var rows []*longRow
		for i := range f.rows {
			r := &f.rows[i]
			if r.round != n {
				continue
			}
			rows = append(rows, r)
			if _, ok := itemOf[r.stmtIdx]; !ok {
				itemOf[r.stmtIdx] = -1
				items = append(items, r.stmtIdx)
			}
			if _, ok := expertOf[r.expertIdx]; !ok {
				expertOf[r.expertIdx] = len(experts)
				experts = append(experts, r.expertIdx)
			}
		}
		// Items in statement order, which is the file's order of first
		// appearance.
		slices.Sort(items)
		for j, s := range items {
			itemOf[s] = j
		}
		k := len(items)
		rankings := make([][]int, len(experts))
		for i := range rankings {
			rankings[i] = make([]int, k)
		}
		lineOf := make([]map[int]int, len(experts)) // expert → rank → line
		for _, r := range rows {
			if missingCell(r.value) {
				continue
			}
			rank, ok := parseRating([]byte(r.value))
			if !ok || rank < 1 || rank > k {
				return nil, parseErrf(r.line, colRating, "%q is not a rank (want a whole number from 1 to %d, the number of items in round %d, or empty or NA for unranked)", r.value, k, n)
			}
			e := expertOf[r.expertIdx]
			if lineOf[e] == nil {
				lineOf[e] = map[int]int{}
			}
			if first, dup := lineOf[e][rank]; dup {
				return nil, parseErrf(r.line, colRating, "expert %q gives rank %d twice in round %d (also on line %d)", r.expert, rank, n, first)
			}
			lineOf[e][rank] = r.line
			rankings[e][itemOf[r.stmtIdx]] = rank
		}
		for e, m := range lineOf {
			top, at := 0, 0
			for rank, line := range m {
				if rank > top {
					top, at = rank, line
				}
			}
			for rank := 1; rank <= top; rank++ {
				if _, ok := m[rank]; !ok {
					return nil, parseErrf(at, colRating, "expert %q gives rank %d but no rank %d in round %d; a ranking of t items uses the ranks 1 to t", f.experts[experts[e]].ID, top, rank, n)
				}
			}
		}
		tk := min(topK, k)
		res, err := analysis.AnalyzeRanking(rankings, k, tk)
		if err != nil {
			return nil, fmt.Errorf("round %d: %w", n, err)
		}
		rr := RankingRound{
			Round: n, NItems: k, TopK: tk, Experts: res.Experts, Answered: res.Answered, Complete: res.Complete, NMissing: res.NMissing,
			KendallW:         kendallReport(&res.Kendall, k),
			KendallWTiedLast: kendallReport(&res.KendallTiedLast, k),
		}
		for j, s := range items {
			it := &res.PerItem[j]
			rr.Items = append(rr.Items, RankedItemReport{
				Statement: f.statements[s], N: it.N, NUnranked: it.NUnranked, MeanRank: it.MeanRank, MedianRank: it.MedianRank,
				Distribution: it.Distribution, TopKCount: it.TopKCount, TopKPct: it.TopKPct,
			})
		}
		sec.Rounds = append(sec.Rounds, rr)
	}
	return &ExtendedReport{Kind: KindRanking, Ranking: sec}, nil
}

// parseEstimate reads an estimate: a decimal number (a decimal comma is
// accepted when the number has no point), empty or NA for no answer.
func parseEstimate(line int, v string, rng *RangeInfo) (analysis.Opt[float64], error) {
	if missingCell(v) || strings.EqualFold(v, "unable") {
		return analysis.Opt[float64]{}, nil
	}
	s := v
	if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
		s = strings.Replace(s, ",", ".", 1)
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return analysis.Opt[float64]{}, parseErrf(line, colRating, `%q is not an estimate (want a number such as 12 or 3.5, "unable", or empty or NA for no answer)`, v)
	}
	if rng != nil && (x < rng.Min || x > rng.Max) {
		return analysis.Opt[float64]{}, parseErrf(line, colRating, "%q is outside the range %s given by --range", v, fmtRange(*rng))
	}
	return analysis.Some(x), nil
}

func fmtRange(r RangeInfo) string {
	return strconv.FormatFloat(r.Min, 'g', -1, 64) + "-" + strconv.FormatFloat(r.Max, 'g', -1, 64)
}

// parseRange reads --range MIN-MAX; either bound may be negative.
func parseRange(s string) (*RangeInfo, error) {
	s = strings.TrimSpace(s)
	for i := 1; i < len(s); i++ {
		if s[i] != '-' || s[i-1] == 'e' || s[i-1] == 'E' {
			continue
		}
		lo, err1 := strconv.ParseFloat(strings.TrimSpace(s[:i]), 64)
		hi, err2 := strconv.ParseFloat(strings.TrimSpace(s[i+1:]), 64)
		if err1 != nil || err2 != nil || math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
			continue
		}
		if lo > hi {
			return nil, fmt.Errorf("range %q: the minimum is above the maximum", s)
		}
		return &RangeInfo{Min: lo, Max: hi}, nil
	}
	return nil, fmt.Errorf("range %q: want MIN-MAX, two numbers such as 0-100 or -5-2.5", s)
}

// buildEstimates summarises numeric estimates per statement and round, and
// compares each with the most recent earlier round that asked for it.
func buildEstimates(f *longFile, q analysis.QuantileType, rng *RangeInfo) (*ExtendedReport, error) {
	if err := f.checkDuplicates(); err != nil {
		return nil, err
	}
	rounds := f.roundNumbers()
	ri := map[int]int{}
	for i, n := range rounds {
		ri[n] = i
	}
	nE, nS := len(f.experts), len(f.statements)
	// vals[round][stmt][expert]; nil when the statement has no row in the round.
	vals := make([][][]analysis.Opt[float64], len(rounds))
	answered := make([][]bool, len(rounds))
	for i := range rounds {
		vals[i] = make([][]analysis.Opt[float64], nS)
		answered[i] = make([]bool, nE)
	}
	for _, r := range f.rows {
		x, err := parseEstimate(r.line, r.value, rng)
		if err != nil {
			return nil, err
		}
		i := ri[r.round]
		if vals[i][r.stmtIdx] == nil {
			vals[i][r.stmtIdx] = make([]analysis.Opt[float64], nE)
		}
		vals[i][r.stmtIdx][r.expertIdx] = x
		if !missingCell(r.value) {
			answered[i][r.expertIdx] = true
		}
	}
	sec := &EstimatesSection{Quantile: q.String(), QuantileLabel: q.Label(), Range: rng}
	last := make([]int, nS)
	for s := range last {
		last[s] = -1
	}
	for i, n := range rounds {
		er := EstimateRound{Round: n}
		var resp []int
		for e, ok := range answered[i] {
			if ok {
				resp = append(resp, e)
			}
		}
		er.Respondents = len(resp)
		for s := range f.statements {
			all := vals[i][s]
			if all == nil {
				continue
			}
			// The respondents' answers: n_missing counts respondents without
			// an estimate, not experts absent from the round.
			mine := make([]analysis.Opt[float64], len(resp))
			for j, e := range resp {
				mine[j] = all[e]
			}
			sum, err := analysis.SummarizeEstimates(mine)
			if err != nil {
				return nil, fmt.Errorf("round %d, statement %q: %w", n, f.statements[s], err)
			}
			var change *analysis.EstimateChange
			previous := 0
			if p := last[s]; p >= 0 {
				ch, err := analysis.CompareEstimates(vals[p][s], all)
				if err != nil {
					return nil, fmt.Errorf("round %d, statement %q: %w", n, f.statements[s], err)
				}
				change, previous = &ch, rounds[p]
			}
			rep := NewEstimateReport(f.statements[s], sum, change, previous, q)
			last[s] = i
			er.Statements = append(er.Statements, rep)
		}
		er.StatementsPresented = len(er.Statements)
		sec.Rounds = append(sec.Rounds, er)
	}
	return &ExtendedReport{Kind: KindNumeric, Estimates: sec}, nil
}

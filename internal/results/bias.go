package results

import (
	"fmt"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/report"
)

// Bias is the attrition-bias check: the round-1 ratings of experts who
// later dropped out against those of experts who stayed to the last
// closed round (Mann–Whitney per statement), and the decisions of the last
// round had the dropouts stayed at their round-1 answers.
type Bias struct {
	// Reason says why the check is empty (a single round, no dropouts).
	Reason          string
	LastRound       int
	Stayed          int
	Dropped         int
	Statements      []BiasRow
	Imputed         []ImputedRow
	Significant     int // statements with p < 0.05
	DecisionsDiffer int
}

// BiasRow compares one statement's round-1 ratings.
type BiasRow struct {
	Statement     string
	NStayed       int
	NDropped      int
	MedianStayed  analysis.Opt[analysis.Hundredths]
	MedianDropped analysis.Opt[analysis.Hundredths]
	// MannWhitney has group 1 = dropped, group 2 = stayed.
	MannWhitney analysis.MannWhitneyResult
	Significant bool // asymptotic p < 0.05, uncorrected
}

// ImputedRow is one statement of the last round: the primary rule's
// decision, and its decision with the dropouts' round-1 answers added (a
// coordinator's override is not a rule's and is left out of the comparison).
type ImputedRow struct {
	Statement string
	NImputed  int
	Actual    analysis.Decision
	Imputed   analysis.Decision
	Differs   bool
}

func bias(in *Input, rep *report.Report) (Bias, error) {
	var b Bias
	if len(in.Rounds) < 2 {
		b.Reason = "only one round is closed"
		return b, nil
	}
	first, last := in.Rounds[0], in.Rounds[len(in.Rounds)-1]
	b.LastRound = last.Number
	inLast := map[int]bool{}
	for _, e := range last.Respondents {
		inLast[e] = true
	}
	var stayed, dropped []int
	for _, e := range first.Respondents {
		if inLast[e] {
			stayed = append(stayed, e)
		} else {
			dropped = append(dropped, e)
		}
	}
	b.Stayed, b.Dropped = len(stayed), len(dropped)
	if len(dropped) == 0 {
		b.Reason = "no expert of round 1 dropped out"
		return b, nil
	}
	a, err := analysis.NewAnalyzer(in.Settings)
	if err != nil {
		return b, fmt.Errorf("results: %w", err)
	}
	r1 := in.Ratings.Rounds[0]
	valid := func(col []analysis.Response, es []int) []int {
		var out []int
		for _, e := range es {
			if col[e].IsRating() {
				out = append(out, int(col[e]))
			}
		}
		return out
	}
	for si, col := range r1.Responses {
		if col == nil {
			continue
		}
		x, y := valid(col, dropped), valid(col, stayed)
		row := BiasRow{Statement: in.Ratings.Statements[si], NDropped: len(x), NStayed: len(y), MannWhitney: analysis.MannWhitney(x, y)}
		row.MedianDropped = median(a, col, dropped)
		row.MedianStayed = median(a, col, stayed)
		if p, ok := row.MannWhitney.P.Get(); ok && p < 0.05 {
			row.Significant = true
			b.Significant++
		}
		b.Statements = append(b.Statements, row)
	}

	lastRound := in.Ratings.Rounds[len(in.Ratings.Rounds)-1]
	actual := map[string]analysis.Decision{}
	for _, st := range rep.Rounds[len(rep.Rounds)-1].Statements {
		actual[st.Statement] = RuleDecision(&st) // the rule's, as the imputed one is
	}
	for si, col := range lastRound.Responses {
		if col == nil || r1.Responses[si] == nil {
			continue // a statement added after round 1 has no round-1 answers
		}
		imputed := append([]analysis.Response(nil), col...)
		n := 0
		for _, e := range dropped {
			if x := r1.Responses[si][e]; x != analysis.Missing && imputed[e] == analysis.Missing {
				imputed[e] = x
				n++
			}
		}
		res, err := a.Statement(imputed)
		if err != nil {
			return b, fmt.Errorf("results: attrition bias: %w", err)
		}
		key := in.Ratings.Statements[si]
		row := ImputedRow{Statement: key, NImputed: n, Actual: actual[key], Imputed: res.Decision, Differs: res.Decision != actual[key]}
		if row.Differs {
			b.DecisionsDiffer++
		}
		b.Imputed = append(b.Imputed, row)
	}
	return b, nil
}

// median is the median of the given experts' valid ratings.
func median(a *analysis.Analyzer, col []analysis.Response, es []int) analysis.Opt[analysis.Hundredths] {
	sub := make([]analysis.Response, len(es))
	for i, e := range es {
		sub[i] = col[e]
	}
	res, err := a.Statement(sub)
	if err != nil {
		return analysis.Opt[analysis.Hundredths]{}
	}
	return res.Median
}

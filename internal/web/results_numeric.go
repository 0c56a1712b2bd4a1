package web

import (
	"context"
	"errors"
	"math"
	"strconv"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/rounds"
)

// The results of numeric estimate rounds (issue 17) on the results page:
// per closed numeric round, each statement's estimates (n, median,
// quartiles of both types, IQR/median, range, mean confidence) and, from
// the second numeric round, their convergence (IQR change, paired
// Wilcoxon). They were computed and stored when the round closed
// (workflow.NumericResultsOf).

type numericResultsView struct {
	Round    int
	Unit     string
	Quantile string
	Rows     []numericResultRow
}

type numericResultRow struct {
	Text                                   string
	N                                      int
	Median, Q1, Q3, IQR, Q1o, Q3o, IQRo    string // the study's quantile type, then the other
	IQRPerMedian, Min, Max, Confidence     string
	Previous                               int // 0: no earlier numeric round asked it
	IQRChange, Pairs, WilcoxonP, Direction string
}

// numericResultsViews reads the stored results of a study's closed
// numeric rounds, in order.
func (a *App) numericResultsViews(ctx context.Context, st store.Study) ([]numericResultsView, error) {
	all, err := a.store.RoundsByStudy(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	var out []numericResultsView
	for _, r := range all {
		if r.Kind != rounds.KindNumeric || r.Status != rounds.Closed {
			continue
		}
		rr, err := a.store.RoundResultsByID(ctx, r.ID)
		if errors.Is(err, store.ErrNotFound) { // its close is being finished
			continue
		} else if err != nil {
			return nil, err
		}
		res, ok, err := workflow.NumericResultsOf(rr.Results)
		if err != nil || !ok {
			return nil, err
		}
		out = append(out, numericView(r.Number, res))
	}
	return out, nil
}

func numericView(round int, res workflow.NumericResults) numericResultsView {
	v := numericResultsView{Round: round, Unit: res.Unit}
	primary, other := analysis.Type6, analysis.Type7
	if res.Quantile == analysis.Type7.String() {
		primary, other = other, primary
	}
	v.Quantile = primary.Label()
	for _, s := range res.Statements {
		q, o := s.Summary.Quartiles(primary), s.Summary.Quartiles(other)
		row := numericResultRow{Text: s.Text, N: s.Summary.N, Median: num(s.Summary.Median), Q1: num(q.Q1), Q3: num(q.Q3), IQR: num(q.IQR),
			Q1o: num(o.Q1), Q3o: num(o.Q3), IQRo: num(o.IQR), IQRPerMedian: num(q.IQRPerMedian), Min: num(s.Summary.Min), Max: num(s.Summary.Max),
			Confidence: num(s.Confidence)}
		if ch := s.Change; ch != nil {
			row.Previous, row.Pairs = s.PreviousRound, strconv.Itoa(ch.Wilcoxon.NPairs)
			d := ch.IQRChange(primary)
			row.IQRChange, row.WilcoxonP = num(d), num(ch.Wilcoxon.P)
			switch x, ok := d.Get(); {
			case ok && x < 0:
				row.Direction = "converged"
			case ok && x > 0:
				row.Direction = "diverged"
			case ok:
				row.Direction = "unchanged"
			}
		}
		v.Rows = append(v.Rows, row)
	}
	return v
}

// num writes a figure with at most four decimals; "—" when undefined.
func num(x analysis.Opt[float64]) string {
	v, ok := x.Get()
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return strconv.FormatFloat(math.Round(v*1e4)/1e4, 'f', -1, 64)
}

package web

import (
	"context"
	"errors"
	"math"
	"strconv"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/export"
	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/internal/results"
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

// roundNumericResults is a closed numeric round's stored results.
type roundNumericResults struct {
	round int
	res   workflow.NumericResults
}

// storedNumericResults reads the stored results of a study's closed
// numeric rounds, in order.
func (a *App) storedNumericResults(ctx context.Context, st store.Study) ([]roundNumericResults, error) {
	all, err := a.store.RoundsByStudy(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	var out []roundNumericResults
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
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, roundNumericResults{r.Number, res})
		}
	}
	return out, nil
}

// numericResultsViews are the results page's numeric sections.
func (a *App) numericResultsViews(ctx context.Context, st store.Study) ([]numericResultsView, error) {
	stored, err := a.storedNumericResults(ctx, st)
	var out []numericResultsView
	for _, x := range stored {
		out = append(out, numericView(x.round, x.res))
	}
	return out, err
}

// estimatesSheet is the workbook's "Estimates" sheet: one row per
// statement and numeric round, every figure of both quantile types;
// undefined figures are empty cells.
func (a *App) estimatesSheet(ctx context.Context, st store.Study) ([]export.Sheet, error) {
	stored, err := a.storedNumericResults(ctx, st)
	if err != nil || len(stored) == 0 {
		return nil, err
	}
	sh := export.Sheet{Name: "Estimates", Header: []string{"round", "statement", "unit", "n", "n_missing", "mean", "median",
		"q1_type6", "q3_type6", "iqr_type6", "iqr_per_median_type6", "q1_type7", "q3_type7", "iqr_type7", "iqr_per_median_type7",
		"min", "max", "mean_confidence", "previous_round", "iqr_change_type6", "iqr_change_type7", "wilcoxon_pairs", "wilcoxon_w_plus", "wilcoxon_z", "wilcoxon_p"}}
	cell := func(x analysis.Opt[float64]) any {
		if v, ok := x.Get(); ok {
			return v
		}
		return nil
	}
	for _, x := range stored {
		for _, s := range x.res.Statements {
			t6, t7 := underType(x.res, s, analysis.Type6), underType(x.res, s, analysis.Type7)
			row := []any{x.round, s.Text, x.res.Unit, t6.N, t6.NMissing, cell(t6.Mean), cell(t6.Median),
				cell(t6.Q1), cell(t6.Q3), cell(t6.IQR), cell(t6.IQRPerMedian), cell(t7.Q1), cell(t7.Q3), cell(t7.IQR), cell(t7.IQRPerMedian),
				cell(t6.Min), cell(t6.Max), cell(s.MeanConfidence)}
			if c6, c7 := t6.Change, t7.Change; c6 != nil && c7 != nil {
				row = append(row, c6.PreviousRound, cell(c6.IQRChange), cell(c7.IQRChange), c6.NPairs, cell(c6.WilcoxonWPlus), cell(c6.WilcoxonZ), cell(c6.WilcoxonP))
			} else {
				row = append(row, nil, nil, nil, nil, nil, nil, nil)
			}
			sh.Rows = append(sh.Rows, row)
		}
	}
	return []export.Sheet{sh}, nil
}

// underType is a statement's stored report under quantile type t: the
// study's type is its "report", the other its "other_quantile".
func underType(res workflow.NumericResults, s workflow.NumericStatement, t analysis.QuantileType) report.EstimateReport {
	if res.Quantile == t.String() {
		return s.Report
	}
	return s.OtherQuantile
}

func numericView(round int, res workflow.NumericResults) numericResultsView {
	v := numericResultsView{Round: round, Unit: res.Unit}
	primary := analysis.Type6
	if res.Quantile == analysis.Type7.String() {
		primary = analysis.Type7
	}
	v.Quantile = primary.Label()
	for _, s := range res.Statements {
		q, o := s.Report, s.OtherQuantile
		row := numericResultRow{Text: s.Text, N: q.N, Median: num(q.Median), Q1: num(q.Q1), Q3: num(q.Q3), IQR: num(q.IQR),
			Q1o: num(o.Q1), Q3o: num(o.Q3), IQRo: num(o.IQR), IQRPerMedian: num(q.IQRPerMedian), Min: num(q.Min), Max: num(q.Max),
			Confidence: num(s.MeanConfidence)}
		if ch := q.Change; ch != nil {
			row.Previous, row.Pairs = ch.PreviousRound, strconv.Itoa(ch.NPairs)
			d := ch.IQRChange
			row.IQRChange, row.WilcoxonP = num(d), num(ch.WilcoxonP)
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

// numericMethods is the methods report's paragraph on the study's closed
// numeric rounds.
func numericMethods(st store.Study, sc rounds.Scale, all []store.Round, quantile string) []string {
	var rs []results.NumericRound
	for i, r := range all {
		set, ok := workflow.NumericSettingsOf(r)
		if !ok || r.Status != rounds.Closed {
			continue
		}
		rs = append(rs, results.NumericRound{Number: r.Number, Unit: set.Unit, Min: set.Min, Max: set.Max, Decimals: set.Decimals,
			Confidence: set.Confidence, AllowUnable: sc.AllowUnable, QuantileLabel: quantile, FollowsNumeric: i > 0 && all[i-1].Kind == rounds.KindNumeric})
	}
	return results.NumericMethods(rs)
}

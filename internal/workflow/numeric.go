package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/fault"
	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/internal/results"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// Numeric estimate rounds (issue 17): the original RAND Delphi's "in which
// year …", "what share of …". Each statement of such a round is a question
// answered with one number (ratings.estimate) and, when asked, a
// confidence of 1–5 (ratings.confidence).

// NumericInput is a numeric round's options as submitted (RoundInput's
// "numeric"): the form sends text, the API numbers or text; a nil field
// keeps the current value.
type NumericInput struct {
	Unit       *string     `json:"unit"`
	Min        *NumberText `json:"min"`
	Max        *NumberText `json:"max"`
	Decimals   *NumberText `json:"decimals"`
	Confidence *bool       `json:"confidence"`
}

// NumberText is a number as typed: JSON may give 2040 or "2040", so that a
// refused value is reported with what was sent, as a form field is.
type NumberText string

// UnmarshalJSON takes a JSON number or string.
func (n *NumberText) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*n = NumberText(s)
		return nil
	}
	var num json.Number
	if err := json.Unmarshal(b, &num); err != nil {
		return fmt.Errorf("not a number: %s", b)
	}
	*n = NumberText(num)
	return nil
}

// applyNumeric merges a numeric round's options over opt.Numeric and
// checks them (rounds.NumericSettings.Check), when the round is numeric;
// the options of another kind of round are not its business.
func (in RoundInput) applyNumeric(opt RoundOptions) (RoundOptions, rounds.FieldErrors) {
	if opt.Kind != rounds.KindNumeric {
		return opt, nil
	}
	if opt.Numeric == nil {
		d := rounds.DefaultNumericSettings()
		opt.Numeric = &d
	}
	n, x := *opt.Numeric, in.Numeric
	if x == nil {
		return opt, n.Check()
	}
	var fe rounds.FieldErrors
	if x.Unit != nil {
		n.Unit = strings.TrimSpace(*x.Unit)
	}
	number := func(field string, t *NumberText, into *float64) {
		if t == nil {
			return
		}
		s := strings.ReplaceAll(strings.TrimSpace(string(*t)), ",", ".")
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			fe = append(fe, rounds.FieldError{Field: field, Message: fmt.Sprintf("%q is not a number", string(*t))})
			return
		}
		*into = v
	}
	number("numeric.min", x.Min, &n.Min)
	number("numeric.max", x.Max, &n.Max)
	if x.Decimals != nil {
		d, err := strconv.Atoi(strings.TrimSpace(string(*x.Decimals)))
		if err != nil {
			fe = append(fe, rounds.FieldError{Field: "numeric.decimals", Message: fmt.Sprintf("%q is not a whole number of decimals (0 to %d)", string(*x.Decimals), rounds.MaxDecimals)})
		} else {
			n.Decimals = d
		}
	}
	if x.Confidence != nil {
		n.Confidence = *x.Confidence
	}
	for _, e := range n.Check() { // a field already refused as not a number is not checked again
		if fe.For(e.Field) == "" {
			fe = append(fe, e)
		}
	}
	opt.Numeric = &n
	return opt, fe
}

// numericOf returns a stored round's numeric options (nil for another kind).
func numericOf(r store.Round) *rounds.NumericSettings {
	if r.Kind != rounds.KindNumeric {
		return nil
	}
	n, err := rounds.DecodeNumeric(r.KindSettings)
	if err != nil { // written by EncodeNumeric: cannot happen but on a hand-edited database
		n = rounds.DefaultNumericSettings()
	}
	return &n
}

// NumericSettingsOf returns a numeric round's options; ok false for a
// round of another kind.
func NumericSettingsOf(r store.Round) (rounds.NumericSettings, bool) {
	if n := numericOf(r); n != nil {
		return *n, true
	}
	return rounds.NumericSettings{}, false
}

// kindSettings is the JSON stored in rounds.kind_settings for opt.
func (opt RoundOptions) kindSettings() string {
	if opt.Kind == rounds.KindNumeric && opt.Numeric != nil {
		return rounds.EncodeNumeric(*opt.Numeric)
	}
	return ""
}

// EstimateError is a numeric answer refused: which part (estimate or
// confidence) and why (rounds.ErrEstimate…), so that the page says it next
// to the field in the expert's language.
type EstimateError struct {
	RoundStatementID int64
	Field            string // "estimate" or "confidence"
	Err              error
}

func (e EstimateError) Error() string {
	return fmt.Sprintf("statement %d: %s: %v", e.RoundStatementID, e.Field, e.Err)
}

func (e EstimateError) Unwrap() error { return e.Err }

// FaultKind makes it invalid input (package fault).
func (e EstimateError) FaultKind() fault.Kind { return fault.Invalid }

// ErrUnableNotOffered refuses "unable to estimate" in a study that does not offer it.
var ErrUnableNotOffered = errors.New("the study does not offer \"unable to answer\"")

// ReadEstimate checks one numeric answer as an expert's page sends it: the
// estimate as typed (a decimal comma accepted), "unable to estimate", the
// confidence (1–5, only when the round asks it) and the comment, checked
// already by the caller. Pages and the autosave call it alike.
func ReadEstimate(r store.Round, allowUnable bool, x Answer, estimate string, unable bool, confidence string) (Answer, error) {
	n, ok := NumericSettingsOf(r)
	if !ok {
		return x, fmt.Errorf("workflow: round %d is not a numeric round", r.ID)
	}
	x.Rating, x.Unable, x.Extra = nil, false, store.Extra{}
	if unable {
		if !allowUnable {
			return x, EstimateError{x.RoundStatementID, "estimate", ErrUnableNotOffered}
		}
		x.Unable = true
		return x, nil
	}
	v, err := n.ParseEstimate(estimate)
	if err != nil {
		return x, EstimateError{x.RoundStatementID, "estimate", err}
	}
	if v != nil {
		x.Extra.Estimate.Float64, x.Extra.Estimate.Valid = *v, true
	}
	if n.Confidence {
		c, err := rounds.ParseConfidence(confidence)
		if err != nil {
			return x, EstimateError{x.RoundStatementID, "confidence", err}
		}
		if c != nil && v != nil { // a confidence without an estimate has nothing to qualify
			x.Extra.Confidence.Int64, x.Extra.Confidence.Valid = int64(*c), true
		}
	}
	return x, nil
}

// numericFeedback collects a closed numeric round's estimates per
// statement for the next round's frozen feedback.
type numericFeedback struct {
	round     int
	unit      string
	quantile  analysis.QuantileType
	estimates map[int64][]analysis.Opt[float64]
	comments  map[int64][]string
}

// newNumericFeedback reads the counted answers of numeric round r.
func (w *Service) newNumericFeedback(ctx context.Context, st store.Study, r store.Round, q analysis.QuantileType) (*numericFeedback, error) {
	n, _ := NumericSettingsOf(r)
	nf := &numericFeedback{round: r.Number, unit: n.Unit, quantile: q, estimates: map[int64][]analysis.Opt[float64]{}, comments: map[int64][]string{}}
	err := w.forEachCounted(ctx, st, r.ID, true, func(x store.Answer) error {
		nf.estimates[x.RoundStatementID] = append(nf.estimates[x.RoundStatementID], estimateOf(x.Extra))
		if x.CommentShown && x.Comment != "" {
			nf.comments[x.RoundStatementID] = append(nf.comments[x.RoundStatementID], x.Comment)
		}
		return nil
	})
	return nf, err
}

func (nf *numericFeedback) feedback(rsID int64, previousText string) (string, error) {
	f, err := rounds.BuildNumericFeedback(nf.round, nf.unit, nf.estimates[rsID], nf.quantile, nf.comments[rsID], previousText)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(f)
	return string(b), err
}

// estimateOf is a stored estimate as analysis input.
func estimateOf(x store.Extra) analysis.Opt[float64] {
	if x.Estimate.Valid {
		return analysis.Some(x.Estimate.Float64)
	}
	return analysis.Opt[float64]{}
}

// NumericResults are a closed numeric round's results, stored with the
// round's results (round_results.results, key "estimates") when it
// closes, in the shape `delphi analyze --kind numeric --format json`
// writes (results.NumericResults).
type NumericResults = results.NumericResults

// NumericStatement is one statement's estimates in one round.
type NumericStatement = results.NumericStatement

// numericResults computes a closed numeric round's results: the counted
// answers of round r summarised per statement, and compared per expert
// with those of the statement's predecessor when the previous round was
// numeric too (convergence: the IQR change and a paired Wilcoxon test).
func (w *Service) numericResults(ctx context.Context, st store.Study, all []store.Round, r store.Round) (NumericResults, error) {
	set, err := st.AnalysisSettings()
	if err != nil {
		return NumericResults{}, err
	}
	n, _ := NumericSettingsOf(r)
	primary, other := set.Quantile, analysis.Type7
	if primary == analysis.Type7 {
		other = analysis.Type6
	}
	out := NumericResults{Round: r.Number, Unit: n.Unit, Quantile: primary.String(), OtherQuantile: other.String(), Statements: []NumericStatement{}}
	rss, err := w.store.RoundStatements(ctx, r.ID)
	if err != nil {
		return out, err
	}
	now, conf, err := w.estimatesByExpert(ctx, st, r.ID)
	if err != nil {
		return out, err
	}
	var prev *store.Round
	for i := range all {
		if all[i].Number == r.Number-1 && all[i].Kind == rounds.KindNumeric {
			prev = &all[i]
		}
	}
	var before map[int64]map[int64]analysis.Opt[float64]
	if prev != nil {
		if before, _, err = w.estimatesByExpert(ctx, st, prev.ID); err != nil {
			return out, err
		}
	}
	for _, rs := range rss {
		experts := sortedKeys(now[rs.ID])
		values := make([]analysis.Opt[float64], len(experts))
		for i, e := range experts {
			values[i] = now[rs.ID][e]
		}
		sum, err := analysis.SummarizeEstimates(values)
		if err != nil {
			return out, err
		}
		var change *analysis.EstimateChange
		previous := 0
		if prev != nil && rs.PreviousID.Valid {
			// Paired by expert: an expert of either round only is a
			// missing value on the other side (CompareEstimates drops it).
			earlierBy := before[rs.PreviousID.Int64]
			ids := sortedKeys(earlierBy)
			for _, e := range experts {
				if _, ok := earlierBy[e]; !ok {
					ids = append(ids, e)
				}
			}
			earlier, later := make([]analysis.Opt[float64], len(ids)), make([]analysis.Opt[float64], len(ids))
			for i, e := range ids {
				earlier[i], later[i] = earlierBy[e], now[rs.ID][e]
			}
			ch, err := analysis.CompareEstimates(earlier, later)
			if err != nil {
				return out, err
			}
			change, previous = &ch, prev.Number
		}
		out.Statements = append(out.Statements, NumericStatement{RoundStatementID: rs.ID, StatementID: rs.StatementID, Text: rs.Text,
			Report:         report.NewEstimateReport(rs.Text, sum, change, previous, primary),
			OtherQuantile:  report.NewEstimateReport(rs.Text, sum, change, previous, other),
			MeanConfidence: meanOf(conf[rs.ID])})
	}
	return out, nil
}

// estimatesByExpert reads a round's counted estimates by round statement
// and expert, and the confidences given.
func (w *Service) estimatesByExpert(ctx context.Context, st store.Study, roundID int64) (map[int64]map[int64]analysis.Opt[float64], map[int64][]float64, error) {
	est, conf := map[int64]map[int64]analysis.Opt[float64]{}, map[int64][]float64{}
	err := w.forEachCounted(ctx, st, roundID, false, func(x store.Answer) error {
		if est[x.RoundStatementID] == nil {
			est[x.RoundStatementID] = map[int64]analysis.Opt[float64]{}
		}
		est[x.RoundStatementID][x.ExpertID] = estimateOf(x.Extra)
		if x.Confidence.Valid {
			conf[x.RoundStatementID] = append(conf[x.RoundStatementID], float64(x.Confidence.Int64))
		}
		return nil
	})
	return est, conf, err
}

func sortedKeys[V any](m map[int64]V) []int64 {
	ks := make([]int64, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
	return ks
}

func meanOf(xs []float64) analysis.Opt[float64] {
	if len(xs) == 0 {
		return analysis.Opt[float64]{}
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return analysis.Some(s / float64(len(xs)))
}

// withNumericResults adds a numeric round's results to the round's
// results JSON under "estimates", beside what every round stores (read by
// report.RoundReport, which ignores the key), and proposes every statement
// "carry": a Likert consensus rule has no meaning for estimates, so the
// coordinator decides from the convergence figures whether to ask again.
func (w *Service) withNumericResults(ctx context.Context, st store.Study, r store.Round, results []byte, proposals map[int64]rounds.Proposal) ([]byte, error) {
	all, err := w.store.RoundsByStudy(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	nr, err := w.numericResults(ctx, st, all, r)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(results, &m); err != nil {
		return nil, err
	}
	if m["estimates"], err = json.Marshal(nr); err != nil {
		return nil, err
	}
	for _, s := range nr.Statements {
		proposals[s.RoundStatementID] = rounds.ProposeCarry
	}
	return json.Marshal(m)
}

// NumericResultsOf reads the numeric results stored with a round's results
// (withNumericResults); ok false when there are none.
func NumericResultsOf(resultsJSON string) (NumericResults, bool, error) {
	var m struct {
		Estimates *NumericResults `json:"estimates"`
	}
	if err := json.Unmarshal([]byte(resultsJSON), &m); err != nil {
		return NumericResults{}, false, err
	}
	if m.Estimates == nil {
		return NumericResults{}, false, nil
	}
	return *m.Estimates, true, nil
}

// loadEstimates reads the stored results of the closed numeric rounds
// among the study's rounds, in round order, for the exports.
func (w *Service) loadEstimates(ctx context.Context, lin []roundLineage) ([]NumericResults, error) {
	var out []NumericResults
	err := w.forEachClosedResults(ctx, lin, rounds.KindNumeric, func(rr store.RoundResults) error {
		res, ok, err := NumericResultsOf(rr.Results)
		if ok {
			out = append(out, res)
		}
		return err
	})
	return out, err
}

// forEachClosedResults calls fn with the stored results of each closed
// round of the kind among lin, in round order; a round whose close is
// still being finished has none yet and is left out.
func (w *Service) forEachClosedResults(ctx context.Context, lin []roundLineage, kind rounds.Kind, fn func(store.RoundResults) error) error {
	for _, rl := range lin {
		if rl.round.Kind != kind || rl.round.Status != rounds.Closed {
			continue
		}
		rr, err := w.store.RoundResultsByID(ctx, rl.round.ID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if err := fn(rr); err != nil {
			return fmt.Errorf("workflow: %s round %d results: %w", kind, rl.round.Number, err)
		}
	}
	return nil
}

// EstimatesOf returns the estimates given to the statement with lineage
// key key in each closed numeric round that asked it (the answers the
// results count), for the figures' box plot; the unit of the last.
func (w *Service) EstimatesOf(ctx context.Context, st store.Study, d *Dataset, key string) (numbers []int, values [][]float64, unit string, err error) {
	for _, rl := range d.Lineage {
		set, ok := NumericSettingsOf(rl.round)
		if !ok {
			continue
		}
		rsID, asked := rl.keys[key]
		if !asked {
			continue
		}
		var xs []float64
		err := w.forEachCounted(ctx, st, rl.round.ID, false, func(x store.Answer) error {
			if x.RoundStatementID == rsID && x.Estimate.Valid {
				xs = append(xs, x.Estimate.Float64)
			}
			return nil
		})
		if err != nil {
			return nil, nil, "", err
		}
		numbers, values, unit = append(numbers, rl.round.Number), append(values, xs), set.Unit
	}
	return numbers, values, unit, nil
}

// NumericKeys are the lineage keys of the statements asked in a closed
// numeric round, in order of first appearance.
func NumericKeys(d *Dataset) []string {
	var keys []string
	seen := map[string]bool{}
	for _, rl := range d.Lineage {
		if rl.round.Kind != rounds.KindNumeric {
			continue
		}
		for _, rs := range rl.statements {
			if k := d.KeyOf[rs.ID]; !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	return keys
}

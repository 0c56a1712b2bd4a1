package results

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/report"
)

// NumericResults are a closed numeric round's results as stored with the
// round's results (round_results.results, key "estimates") and exported
// in results.json ("estimates"): per statement the report `delphi analyze
// --kind numeric --format json` writes (report.EstimateReport), under the
// study's quantile type and under the other one.
type NumericResults struct {
	Round         int                `json:"round"`
	Unit          string             `json:"unit"`
	Quantile      string             `json:"quantile"`       // the study's type, which the pages show ("type6", "type7")
	OtherQuantile string             `json:"other_quantile"` // the other type, which the exports show beside it
	Statements    []NumericStatement `json:"statements"`
}

// NumericStatement is one statement's estimates in one numeric round.
type NumericStatement struct {
	RoundStatementID int64  `json:"round_statement_id"`
	StatementID      int64  `json:"statement_id"`
	Text             string `json:"text"`
	// Report is under the study's quantile type, OtherQuantile under the
	// other; their "statement" is the statement's text, and "change" is
	// null unless the previous round was numeric and asked the statement.
	Report         report.EstimateReport `json:"report"`
	OtherQuantile  report.EstimateReport `json:"other_quantile"`
	MeanConfidence analysis.Opt[float64] `json:"mean_confidence"`
}

// NumericRound describes a closed numeric estimate round for the methods
// report (issue 17).
type NumericRound struct {
	Number         int
	Unit           string
	Min, Max       float64
	Decimals       int
	Confidence     bool
	AllowUnable    bool
	QuantileLabel  string // the study's quantile definition
	FollowsNumeric bool   // the previous round asked for estimates too
}

// NumericMethods is the methods report's paragraph on the numeric
// estimate rounds; none without them.
func NumericMethods(rs []NumericRound) []string {
	if len(rs) == 0 {
		return nil
	}
	var asked []string
	convergence := false
	for _, r := range rs {
		x := fmt.Sprintf("round %d asked for a number", r.Number)
		if r.Unit != "" {
			x += fmt.Sprintf(" in %s", r.Unit)
		}
		x += fmt.Sprintf(" from %s to %s", fnum(r.Min), fnum(r.Max))
		if r.Decimals == 0 {
			x += ", in whole numbers"
		} else {
			x += fmt.Sprintf(", with up to %d decimals", r.Decimals)
		}
		if r.Confidence {
			x += ", and the expert's confidence in it from 1 (not at all) to 5 (very)"
		}
		if r.AllowUnable {
			x += "; experts could answer \"unable to estimate\""
		}
		asked = append(asked, x)
		convergence = convergence || r.FollowsNumeric
	}
	p := "Numeric estimate rounds: instead of a rating, each statement was a question answered with one number (" + strings.Join(asked, "; ") + "). " +
		fmt.Sprintf("Estimates were summarised per statement by n, median, quartiles and interquartile range (%s, and the other common definition), IQR/median, minimum and maximum. ", rs[0].QuantileLabel)
	if convergence {
		p += "In a numeric round following another, each expert saw the panel's median and quartiles of the previous round and their own previous estimate; convergence was assessed by the change of the interquartile range and by a Wilcoxon signed-rank test (asymptotic, tie-corrected) on the paired estimates of the experts who estimated in both rounds. "
	}
	p += "No consensus rule applies to estimates: every statement was proposed to be carried forward, and the coordinators decided."
	return []string{p}
}

func fnum(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

package figures

import (
	"errors"
	"fmt"
	"io"

	"github.com/delphi-platform/delphi/internal/results"
)

// MeanRanks draws a ranking round's mean rank of each statement (lower is
// more important), in the round's order, with the median rank beside it.
func MeanRanks(r results.Ranking, w io.Writer, f Format) error {
	if len(r.Per) == 0 {
		return errors.New("figures: mean ranks: no statements")
	}
	keys := make([]string, len(r.Per))
	mean, median := series{name: "mean rank"}, series{name: "median rank"}
	for i, it := range r.Per {
		keys[i] = it.Key
		mean.values = append(mean.values, it.MeanRank.Or(0))
		m := 0.0
		if it.MedianRank != nil {
			m = *it.MedianRank
		}
		median.values = append(median.values, m)
	}
	return bars(fmt.Sprintf("Round %d: mean rank of each statement (1 = most important)", r.Round), "rank", keys, []series{mean, median}, w, f)
}

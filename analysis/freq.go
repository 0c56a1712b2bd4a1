package analysis

import "fmt"

// freqTable counts one statement's responses by scale point. Ratings are
// small integers, so a table of scale-size counters replaces sorting: order
// statistics, quantiles, modes and midranks all come from it in O(points).
type freqTable struct {
	min      int
	counts   []int // counts[i]: ratings equal to min+i
	n        int   // valid ratings
	nUnable  int
	nMissing int
}

// count fills the table from responses. counts must have the scale's length
// and be zeroed.
func (f *freqTable) count(responses []Response, s Scale) error {
	f.min = s.Min
	for i, r := range responses {
		// add, inlined by hand for the hot loop.
		if k := int(r) - s.Min; k >= 0 && k < len(f.counts) {
			f.counts[k]++
			f.n++
			continue
		}
		if err := f.addOther(r, i, s); err != nil {
			return err
		}
	}
	return nil
}

// add counts one response (the i-th, for the error message). The rating
// test comes first: the codes lie far below any scale, so they fail it too.
func (f *freqTable) add(r Response, i int, s Scale) error {
	if k := int(r) - s.Min; k >= 0 && k < len(f.counts) {
		f.counts[k]++
		f.n++
		return nil
	}
	return f.addOther(r, i, s)
}

// addOther counts a code, and fails on a rating off the scale, because a
// silently dropped rating would change every statistic.
func (f *freqTable) addOther(r Response, i int, s Scale) error {
	switch r {
	case Missing:
		f.nMissing++
	case Unable:
		f.nUnable++
	default:
		return fmt.Errorf("analysis: response %d: rating %d is outside the scale %s", i, int(r), s)
	}
	return nil
}

// orderStat returns x_(k), the k-th smallest valid rating (1-based).
func (f *freqTable) orderStat(k int) int {
	cum := 0
	for i, c := range f.counts {
		cum += c
		if cum >= k {
			return f.min + i
		}
	}
	return f.min + len(f.counts) - 1 // unreachable for 1 ≤ k ≤ n
}

// sums returns Σx and Σx² as exact integers.
func (f *freqTable) sums() (sum, sumSq int64) {
	for i, c := range f.counts {
		if c == 0 {
			continue
		}
		v := int64(f.min + i)
		sum += v * int64(c)
		sumSq += v * v * int64(c)
	}
	return sum, sumSq
}

// bandCounts sums the table over each band.
func (f *freqTable) bandCounts(b Bands) BandCounts {
	var bc BandCounts
	for i, c := range f.counts {
		switch b.Of(f.min + i) {
		case BandDisagree:
			bc.Disagree += c
		case BandNeutral:
			bc.Neutral += c
		default:
			bc.Agree += c
		}
	}
	return bc
}

// twiceMidranks writes, for each scale point with a non-zero count, twice its
// midrank among all counted values: 2·(values below) + count + 1. Doubling
// keeps tied ranks (x.5) in integers. It returns Σ(t³ − t) over tie groups.
func twiceMidranks(counts []int, out []int64) (ties int64) {
	below := int64(0)
	for i, c := range counts {
		t := int64(c)
		out[i] = 2*below + t + 1
		below += t
		ties += t*t*t - t
	}
	return ties
}

package analysis

import "math"

// Descriptives are the per-statement statistics of SPEC §1, over valid
// ratings only.
type Descriptives struct {
	Scale Scale
	// NTotal is the number of responses given (N + NUnable + NMissing).
	NTotal, N, NUnable, NMissing int
	Mean                         Opt[float64]
	Variance, SD                 Opt[float64] // sample (n − 1); undefined for n < 2
	CV                           Opt[float64] // SD / mean; undefined for n < 2 or mean 0
	Min, Max                     Opt[int]
	// Median is the same under quantile types 6 and 7.
	Median Opt[Hundredths]
	// Modes are all scale points with the largest count, ascending; empty
	// when n = 0. SPSS shows only the smallest (Modes[0]).
	Modes     []int
	ModeCount int
	// Freq[i] counts ratings equal to Scale.Min + i, zeros included.
	Freq      []int
	BandCount BandCounts
}

// BandCounts are the numbers of valid ratings in each band.
type BandCounts struct {
	Disagree, Neutral, Agree int
}

// Of returns the count of one band.
func (b BandCounts) Of(k BandKind) int {
	switch k {
	case BandDisagree:
		return b.Disagree
	case BandNeutral:
		return b.Neutral
	}
	return b.Agree
}

// Count returns the number of ratings equal to v (0 off the scale).
func (d *Descriptives) Count(v int) int {
	if !d.Scale.Contains(v) || len(d.Freq) == 0 {
		return 0
	}
	return d.Freq[v-d.Scale.Min]
}

// Pct returns 100·count(v)/n, unrounded; undefined when n = 0.
func (d *Descriptives) Pct(v int) Opt[float64] { return pct(d.Count(v), d.N) }

// BandPct returns 100·band count/n; undefined when n = 0.
func (d *Descriptives) BandPct(k BandKind) Opt[float64] { return pct(d.BandCount.Of(k), d.N) }

// pct is 100·count/n in the order the spec's reference computes it, so the
// floats are identical.
func pct(count, n int) Opt[float64] {
	if n == 0 {
		return Opt[float64]{}
	}
	return Some(100 * float64(count) / float64(n))
}

// describe computes SPEC §1 from a frequency table.
func describe(f *freqTable, s Scale, b Bands, freq []int) Descriptives {
	d := Descriptives{
		Scale:     s,
		N:         f.n,
		NUnable:   f.nUnable,
		NMissing:  f.nMissing,
		NTotal:    f.n + f.nUnable + f.nMissing,
		Freq:      freq,
		BandCount: f.bandCounts(b),
	}
	n := f.n
	if n == 0 {
		d.Modes = []int{}
		return d
	}
	sum, sumSq := f.sums()
	// Σx/n of two exact integers: the correctly rounded mean.
	d.Mean = Some(float64(sum) / float64(n))
	if n >= 2 {
		v := variance(sum, sumSq, int64(n))
		sd := math.Sqrt(v)
		d.Variance, d.SD = Some(v), Some(sd)
		if sum != 0 {
			d.CV = Some(sd / d.Mean.Value)
		}
	}
	for i, c := range f.counts {
		if c > 0 {
			if !d.Min.Valid {
				d.Min = Some(s.Min + i)
			}
			d.Max = Some(s.Min + i)
		}
		if c > d.ModeCount {
			d.ModeCount = c
		}
	}
	d.Modes = make([]int, 0, 2)
	for i, c := range f.counts {
		if c == d.ModeCount {
			d.Modes = append(d.Modes, s.Min+i)
		}
	}
	med, _ := f.quantile(50, Type7) // identical under both types
	d.Median = Some(med)
	return d
}

// variance is the sample variance (nΣx² − (Σx)²) / (n(n − 1)). With scale
// values bounded by MaxScaleValue the numerator is an exact int64 for n up to
// about a million, so the result is the correctly rounded rational value;
// beyond that it falls back to a float computation.
func variance(sum, sumSq, n int64) float64 {
	const exactLimit = 1 << 20
	if n <= exactLimit {
		return float64(n*sumSq-sum*sum) / float64(n*(n-1))
	}
	mean := float64(sum) / float64(n)
	return (float64(sumSq) - float64(sum)*mean) / float64(n-1)
}

// SDReason explains an undefined SD (and variance and CV): "n<2" for a single
// rating, "" otherwise (n = 0 needs no reason beyond n itself).
func (d *Descriptives) SDReason() string {
	if d.N == 1 {
		return "n<2"
	}
	return ""
}

package analysis

// Quantiles holds the quantiles of one statement's valid ratings under one
// quantile definition (SPEC §2). All are exact; they are undefined when n = 0.
type Quantiles struct {
	Type                     QuantileType
	Q1, Median, Q3, P30, P70 Opt[Hundredths]
	IQR                      Opt[Hundredths] // Q3 − Q1
	// ExcelExc reports, for type 6 only, where Excel's QUARTILE.EXC /
	// PERCENTILE.EXC returns #NUM! (position h < 1 or h > n) while the
	// platform reports the clamped value as SPSS does. Exports add a
	// footnote there (SPEC §2.1).
	ExcelExc ExcelExcErrors
}

// ExcelExcErrors flags each type-6 quantile that Excel's .EXC functions
// cannot compute.
type ExcelExcErrors struct {
	Q1, Median, Q3, P30, P70 bool
}

// IPR returns P70 − P30, the inter-percentile range of the RAND/UCLA method.
func (q Quantiles) IPR() Opt[Hundredths] {
	if !q.P30.Valid {
		return Opt[Hundredths]{}
	}
	return Some(q.P70.Value - q.P30.Value)
}

// quantilePosition locates the p-th quantile (p = pct/100) of n sorted values
// in exact integer arithmetic (SPEC §2.3 with hDen = 100): the value is
// x_(j) + g/100 · (x_(j+1) − x_(j)). g = 0 when the position is clamped to the
// first or last value, so x_(j+1) is then never read. excErr tells whether
// Excel's .EXC functions fail here (type 6 with h < 1 or h > n).
func quantilePosition(n, pct int, t QuantileType) (j, g int, excErr bool) {
	var hNum int // h·100
	if t == Type6 {
		hNum = (n + 1) * pct
	} else {
		hNum = (n-1)*pct + 100
	}
	excErr = t == Type6 && (hNum < 100 || hNum > n*100)
	switch {
	case hNum < 100:
		return 1, 0, excErr
	case hNum >= n*100:
		return n, 0, excErr
	}
	return hNum / 100, hNum % 100, excErr
}

// Quantile returns the pct-th percentile (pct in 0–100) of sorted integer
// data under definition t, exactly. It is undefined for empty data or a pct
// outside 0–100. Callers with a frequency table get the same numbers from
// AnalyzeStatement without sorting.
func Quantile(sorted []int, pct int, t QuantileType) Opt[Hundredths] {
	n := len(sorted)
	if n == 0 || pct < 0 || pct > 100 || !t.valid() {
		return Opt[Hundredths]{}
	}
	j, g, _ := quantilePosition(n, pct, t)
	lo := sorted[j-1]
	if g == 0 {
		return Some(Hundredths(lo) * 100)
	}
	hi := sorted[j]
	return Some(Hundredths(lo)*100 + Hundredths(g*(hi-lo)))
}

// quantile is Quantile on a frequency table.
func (f *freqTable) quantile(pct int, t QuantileType) (Hundredths, bool) {
	j, g, excErr := quantilePosition(f.n, pct, t)
	lo := f.orderStat(j)
	if g == 0 {
		return Hundredths(lo) * 100, excErr
	}
	hi := f.orderStat(j + 1)
	return Hundredths(lo)*100 + Hundredths(g*(hi-lo)), excErr
}

// quantiles computes the five quantiles of SPEC §2 (p = .25, .30, .50, .70,
// .75) and the IQR for one definition.
func (f *freqTable) quantiles(t QuantileType) Quantiles {
	q := Quantiles{Type: t}
	if f.n == 0 {
		return q
	}
	var e [5]bool
	var v [5]Hundredths
	for i, pct := range [5]int{25, 50, 75, 30, 70} {
		v[i], e[i] = f.quantile(pct, t)
	}
	q.Q1, q.Median, q.Q3, q.P30, q.P70 = Some(v[0]), Some(v[1]), Some(v[2]), Some(v[3]), Some(v[4])
	q.IQR = Some(v[2] - v[0])
	if t == Type6 {
		q.ExcelExc = ExcelExcErrors{Q1: e[0], Median: e[1], Q3: e[2], P30: e[3], P70: e[4]}
	}
	return q
}

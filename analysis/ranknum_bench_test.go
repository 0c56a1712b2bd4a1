package analysis

import (
	"math"
	"math/rand/v2"
	"testing"
)

// BenchmarkAnalyzeRanking: one ranking question, 1,000 experts × 50 items,
// rankings of random length (full, top-t, none).
func BenchmarkAnalyzeRanking(b *testing.B) {
	rows := randomRankings(rand.New(rand.NewPCG(1, 2)), 1000, 50, false)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := AnalyzeRanking(rows, 50, 10); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompareEstimates: 500 numeric items answered by 1,000 experts in
// two rounds (5 % missing); one operation compares all 500 items.
func BenchmarkCompareEstimates(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	const experts, items = 1000, 500
	earlier := make([][]Opt[float64], items)
	later := make([][]Opt[float64], items)
	for j := range items {
		earlier[j] = make([]Opt[float64], experts)
		later[j] = make([]Opt[float64], experts)
		for i := range experts {
			a := math.Round(math.Exp(math.Log(50)+0.6*rng.NormFloat64())*10) / 10
			if rng.IntN(20) > 0 {
				earlier[j][i] = Some(a)
			}
			if rng.IntN(20) > 0 {
				later[j][i] = Some(math.Round((0.7*a+15+3*rng.NormFloat64())*10) / 10)
			}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		for j := range items {
			if _, err := CompareEstimates(earlier[j], later[j]); err != nil {
				b.Fatal(err)
			}
		}
	}
}

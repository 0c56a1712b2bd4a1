// Package synth writes a synthetic Delphi ratings file for benchmarks: many
// experts rate many statements over several rounds, with stakeholder groups,
// countries, "unable" and skipped answers, and the drift between rounds
// that feedback causes (experts move toward the previous round's median).
// The output is deterministic for a given Config.
package synth

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
)

// Config sizes the study.
type Config struct {
	Experts, Statements, Rounds int
	Seed                        uint64
}

// Bench is the benchmark study of docs/benchmarks.md: 1,000 experts × 500
// statements × 3 rounds = 1.5 million ratings.
func Bench() Config { return Config{Experts: 1000, Statements: 500, Rounds: 3, Seed: 20240611} }

var (
	groups    = []string{"clinician", "researcher", "patient", "policymaker"}
	groupW    = []float64{0.40, 0.25, 0.25, 0.10}
	countries = []string{"AU", "BR", "CA", "DE", "ES", "FR", "IN", "IT", "JP", "NL", "UK", "US"}
)

// Write writes the ratings CSV (columns expert, group, country, round,
// statement, rating; 1–9 scale) to w, one row per expert × statement ×
// round, ordered by round, expert and statement.
func Write(w io.Writer, cfg Config) error {
	if cfg.Experts < 1 || cfg.Statements < 1 || cfg.Rounds < 1 {
		return fmt.Errorf("synth: need at least one expert, statement and round: %+v", cfg)
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	type expert struct {
		id, group, country string
		gi                 int
		lenient, conform   float64
		keep               float64
	}
	ex := make([]expert, cfg.Experts)
	for i := range ex {
		gi := pick(rng, groupW)
		ex[i] = expert{
			id:      fmt.Sprintf("E%04d", i+1),
			group:   groups[gi],
			gi:      gi,
			country: countries[rng.IntN(len(countries))],
			lenient: rng.NormFloat64() * 0.6,
			conform: 0.2 + 0.6*rng.Float64(),
			keep:    0.2 + 0.4*rng.Float64(),
		}
	}
	// Statement means: likely in, likely out, borderline, contested; some
	// statements split the stakeholder groups.
	mu := make([]float64, cfg.Statements)
	shift := make([][4]float64, cfg.Statements)
	for s := range mu {
		switch u := rng.Float64(); {
		case u < 0.35:
			mu[s] = 7.2 + 1.4*rng.Float64()
		case u < 0.5:
			mu[s] = 1.8 + 1.0*rng.Float64()
		case u < 0.75:
			mu[s] = 6.0 + 1.1*rng.Float64()
		default:
			mu[s] = 4.0 + 2.0*rng.Float64()
		}
		if rng.Float64() < 0.1 {
			shift[s] = [4]float64{-1.5, 0, 2.0, 0.5}
		}
	}
	stmtID := make([]string, cfg.Statements)
	for s := range stmtID {
		stmtID[s] = fmt.Sprintf("S%03d", s+1)
	}

	prev := make([]int8, cfg.Experts*cfg.Statements) // 0 = no valid rating
	cur := make([]int8, len(prev))
	median := make([]float64, cfg.Statements)
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString("expert,group,country,round,statement,rating\n")
	var line []byte
	for r := 1; r <= cfg.Rounds; r++ {
		for e := range ex {
			x := &ex[e]
			for s := 0; s < cfg.Statements; s++ {
				i := e*cfg.Statements + s
				var v int8
				var cell string
				switch u := rng.Float64(); {
				case u < 0.008:
					cell = "unable"
				case u < 0.012:
					cell = "NA"
				default:
					if r == 1 || prev[i] == 0 {
						lat := mu[s] + x.lenient + shift[s][x.gi] + 1.3*rng.NormFloat64()
						v = clip(lat)
					} else if rng.Float64() < x.keep {
						v = prev[i]
					} else {
						old := float64(prev[i])
						v = clip(old + x.conform*(median[s]-old) + 0.5*rng.NormFloat64())
					}
				}
				cur[i] = v
				line = append(line[:0], x.id...)
				line = append(line, ',')
				line = append(line, x.group...)
				line = append(line, ',')
				line = append(line, x.country...)
				line = append(line, ',')
				line = strconv.AppendInt(line, int64(r), 10)
				line = append(line, ',')
				line = append(line, stmtID[s]...)
				line = append(line, ',')
				if v != 0 {
					line = strconv.AppendInt(line, int64(v), 10)
				} else {
					line = append(line, cell...)
				}
				line = append(line, '\n')
				if _, err := bw.Write(line); err != nil {
					return err
				}
			}
		}
		// Feedback for the next round: each statement's median.
		for s := 0; s < cfg.Statements; s++ {
			var cnt [10]int
			n := 0
			for e := 0; e < cfg.Experts; e++ {
				if v := cur[e*cfg.Statements+s]; v != 0 {
					cnt[v]++
					n++
				}
			}
			median[s] = medianOf(cnt[:], n)
		}
		prev, cur = cur, prev
	}
	return bw.Flush()
}

func pick(rng *rand.Rand, w []float64) int {
	u := rng.Float64()
	for i, p := range w {
		if u < p {
			return i
		}
		u -= p
	}
	return len(w) - 1
}

func clip(v float64) int8 {
	return int8(min(9, max(1, math.Round(v))))
}

func medianOf(cnt []int, n int) float64 {
	if n == 0 {
		return 5
	}
	at := func(k int) int { // k-th smallest, 1-based
		c := 0
		for v, x := range cnt {
			c += x
			if c >= k {
				return v
			}
		}
		return len(cnt) - 1
	}
	if n%2 == 1 {
		return float64(at(n/2 + 1))
	}
	return float64(at(n/2)+at(n/2+1)) / 2
}

package report

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/report/synth"
)

// benchData is the synthetic 1,000 × 500 × 3 study (1.5 million ratings),
// generated once per test binary.
var benchData = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	if err := synth.Write(&b, synth.Bench()); err != nil {
		panic(err)
	}
	return b.Bytes()
})

var benchSettings = func() analysis.Settings { return analysis.DefaultSettings(analysis.Scale{Min: 1, Max: 9}) }

// BenchmarkAnalyzeEndToEnd is `delphi analyze --scale 1-9 FILE` on the
// benchmark study: read the file, parse, analyse, format the table.
func BenchmarkAnalyzeEndToEnd(b *testing.B) {
	for _, format := range []string{"table", "json", "csv"} {
		b.Run(format, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "ratings.csv")
			if err := os.WriteFile(path, benchData(), 0o644); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(benchData())))
			for b.Loop() {
				if err := RunAnalyze(context.Background(), []string{"--scale", "1-9", "--format", format, path}, nil, io.Discard, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAnalyzeParse is the CSV reader alone.
func BenchmarkAnalyzeParse(b *testing.B) {
	data := benchData()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseRatings(data, analysis.Scale{Min: 1, Max: 9}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAnalyzeBuild is the statistics alone, on parsed ratings.
func BenchmarkAnalyzeBuild(b *testing.B) {
	r, err := ParseRatings(benchData(), analysis.Scale{Min: 1, Max: 9})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Build(context.Background(), r, benchSettings()); err != nil {
			b.Fatal(err)
		}
	}
}

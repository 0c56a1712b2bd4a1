package export

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/internal/report/synth"
	"github.com/delphi-platform/delphi/internal/results"
)

// benchInput is the synthetic 1,000 experts × 500 statements × 3 rounds
// study of docs/benchmarks.md, everyone invited and responding.
func benchInput(b *testing.B) *results.Input {
	b.Helper()
	var buf bytes.Buffer
	if err := synth.Write(&buf, synth.Bench()); err != nil {
		b.Fatal(err)
	}
	sc := analysis.Scale{Min: 1, Max: 9}
	r, err := report.ReadRatings(&buf, sc)
	if err != nil {
		b.Fatal(err)
	}
	in := &results.Input{Settings: analysis.DefaultSettings(sc), Ratings: r}
	all := make([]int, len(r.Experts))
	for i := range all {
		all[i] = i
	}
	for _, rd := range r.Rounds {
		ri := results.RoundInfo{Number: rd.Number, Invited: all, Respondents: all, Origins: map[string]string{}, Texts: map[string]string{}}
		for si, col := range rd.Responses {
			if col != nil {
				ri.Texts[r.Statements[si]] = "Statement " + r.Statements[si] + " of the benchmark study, about as long as a real one."
			}
		}
		in.Rounds = append(in.Rounds, ri)
	}
	for _, s := range r.Statements {
		in.Statements = append(in.Statements, results.StatementInfo{Key: s, Section: "Benchmark", Text: "Statement " + s})
	}
	return in
}

// BenchmarkExportXLSX computes the results (report under both quartile
// definitions, flow, attrition, sensitivity, bias) and writes the XLSX
// workbook, as GET /api/v1/studies/{id}/export.xlsx does after reading
// the database.
func BenchmarkExportXLSX(b *testing.B) {
	in := benchInput(b)
	b.ReportAllocs()
	for b.Loop() {
		res, err := results.Compute(context.Background(), in)
		if err != nil {
			b.Fatal(err)
		}
		if err := WriteXLSX(io.Discard, res, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}

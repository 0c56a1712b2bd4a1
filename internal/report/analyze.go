package report

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/delphi-platform/delphi/analysis"
)

const analyzeUsage = `usage: delphi analyze --scale MIN-MAX [options] FILE

Analyse Delphi ratings exported from any survey tool: per-statement
statistics, consensus decisions, stability against the previous round and
Kendall's W, for every round in the file.

FILE is a CSV file in long form, or - for standard input. Its header names
the columns expert, round, statement and rating (any order, any case), and
optionally group and country. A rating is a whole number on the scale,
"unable" for unable to rate, or empty or NA for no answer.

Options:
  --scale MIN-MAX     rating scale, e.g. 1-9 (required)
  --bands D,N,A       disagree, neutral and agree bands, e.g. 1-3,4-6,7-9;
                      leave neutral empty for none (1-2,,3-4); default:
                      1-2,3,4-5 / 1-3,4,5-7 / 1-3,4-6,7-9 for 5/7/9 points
  --quantile TYPE     type6 (SPSS, Excel .EXC; default) or type7 (R, Excel .INC)
  --rule RULE         primary consensus rule: percent:T (default percent:75),
                      comet, comet-inclusive, iqr:L (iqr alone: L by scale
                      size) or rand
  --format FORMAT     table (default), csv or json
  --out FILE          write to FILE instead of standard output; nothing is
                      written if the analysis fails

See docs/analyze.md for the output fields.
`

// RunAnalyze runs `delphi analyze`; args exclude the word "analyze". It
// reads the ratings and builds the whole report before it writes a byte, so
// a bad file or option produces no output at all, and with --out no file is
// created or truncated (the report goes to a temporary file that is renamed
// into place). Errors are returned for the caller to print; usage errors
// also print the usage to stderr.
func RunAnalyze(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("delphi analyze", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		scaleStr = fs.String("scale", "", "")
		bandsStr = fs.String("bands", "", "")
		quantStr = fs.String("quantile", "type6", "")
		ruleStr  = fs.String("rule", "percent:75", "")
		format   = fs.String("format", "table", "")
		outPath  = fs.String("out", "", "")
	)
	usageErr := func(err error) error {
		fmt.Fprint(stderr, analyzeUsage)
		return err
	}
	// Allow the file before, between or after the options.
	var positional []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(stdout, analyzeUsage)
				return nil
			}
			return usageErr(fmt.Errorf("analyze: %w", err))
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	switch {
	case len(positional) == 0:
		return usageErr(errors.New("analyze: missing the ratings file (a path, or - for standard input)"))
	case len(positional) > 1:
		return usageErr(fmt.Errorf("analyze: one ratings file expected, got %d: %q", len(positional), positional))
	case *scaleStr == "":
		return usageErr(errors.New("analyze: --scale is required, e.g. --scale 1-9"))
	}

	settings, err := parseSettings(*scaleStr, *bandsStr, *quantStr, *ruleStr)
	if err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	var write func(io.Writer, *Report) error
	switch *format {
	case "table":
		write = WriteTable
	case "csv":
		write = WriteCSV
	case "json":
		write = WriteJSON
	default:
		return usageErr(fmt.Errorf("analyze: --format %q: want table, csv or json", *format))
	}

	in := stdin
	name := "standard input"
	if p := positional[0]; p != "-" {
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("analyze: %w", err)
		}
		defer f.Close()
		in, name = f, p
	}
	ratings, err := ReadRatings(in, settings.Scale)
	if err != nil {
		return fmt.Errorf("analyze: %s: %w", name, err)
	}
	rep, err := Build(ctx, ratings, settings)
	if err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	// The report is complete; only an I/O error can stop the output now.
	if *outPath == "" {
		bw := bufio.NewWriterSize(stdout, 64<<10)
		if err := write(bw, rep); err != nil {
			return fmt.Errorf("analyze: %w", err)
		}
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("analyze: %w", err)
		}
		return nil
	}
	return writeFileAtomic(*outPath, func(w io.Writer) error { return write(w, rep) })
}

// parseSettings turns the option strings into validated settings.
func parseSettings(scaleStr, bandsStr, quantStr, ruleStr string) (analysis.Settings, error) {
	sc, err := analysis.ParseScale(scaleStr)
	if err != nil {
		return analysis.Settings{}, fmt.Errorf("--scale: %w", err)
	}
	s := analysis.DefaultSettings(sc)
	if bandsStr != "" {
		if s.Bands, err = analysis.ParseBands(bandsStr); err != nil {
			return s, fmt.Errorf("--bands: %w", err)
		}
		if err := s.Bands.Validate(sc); err != nil {
			return s, fmt.Errorf("--bands: %w", err)
		}
	}
	if s.Quantile, err = analysis.ParseQuantileType(quantStr); err != nil {
		return s, fmt.Errorf("--quantile: %w", err)
	}
	if s.Rule, err = analysis.ParseRule(ruleStr); err != nil {
		return s, fmt.Errorf("--rule: %w", err)
	}
	if err := s.Validate(); err != nil {
		return s, fmt.Errorf("--rule: %w", err)
	}
	return s, nil
}

// writeFileAtomic writes to a temporary file beside path and renames it
// into place, so a failed write never leaves a truncated report and an
// existing file survives.
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriterSize(f, 64<<10)
	if err := write(bw); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}

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
	"regexp"
	"strings"

	"github.com/delphi-platform/delphi/analysis"
)

const analyzeUsage = `usage: delphi analyze --scale MIN-MAX [options] FILE
       delphi analyze --scale MIN-MAX --wide [wide options] [options] FILE
       delphi analyze --scale MIN-MAX --wide --round 1 FILE1 --round 2 FILE2 ...

Analyse Delphi ratings exported from any survey tool: per-statement
statistics, consensus decisions, stability against the previous round and
Kendall's W, for every round in the file.

Without --wide, FILE is a CSV file in long form, or - for standard input. Its header names
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

Wide files (one row per expert, one column per statement, as LimeSurvey,
REDCap and Qualtrics export them):
  --wide              read FILE, or the --round files, as wide files
  --round N FILE      FILE holds round N; repeat for each round, instead of
                      a single FILE
  --round-column NAME the column giving each row's round when one FILE holds
                      several rounds (default: a column named round)
  --id-column NAME    the expert ID column (default: the first of expert,
                      record_id, token, id, ResponseId)
  --unable-code CODE  a cell value meaning "unable to rate", e.g. 99, -1 or
                      N/A; repeat or separate with commas
  --statement-columns REGEX
                      the statement columns: those whose header matches
                      (default: all but the ID, round, group, country,
                      comment and known survey-tool metadata columns)

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
		wide     = fs.Bool("wide", false, "")
		idCol    = fs.String("id-column", "", "")
		roundCol = fs.String("round-column", "", "")
		stmtCols = fs.String("statement-columns", "", "")
		unable   listFlag
	)
	fs.Var(&unable, "unable-code", "")
	usageErr := func(err error) error {
		fmt.Fprint(stderr, analyzeUsage)
		return err
	}
	// --round takes two values, which package flag cannot parse.
	args, roundFiles, err := takeRoundFiles(args)
	if err != nil {
		return usageErr(fmt.Errorf("analyze: %w", err))
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
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !*wide {
		for _, name := range []string{"id-column", "round-column", "unable-code", "statement-columns"} {
			if set[name] {
				return usageErr(fmt.Errorf("analyze: --%s is for wide files; add --wide", name))
			}
		}
		if len(roundFiles) > 0 {
			return usageErr(errors.New("analyze: --round N FILE is for wide files; add --wide"))
		}
	}
	switch {
	case len(roundFiles) > 0 && len(positional) > 0:
		return usageErr(fmt.Errorf("analyze: give the files either as --round N FILE or as one FILE, not both (%q has no --round)", positional[0]))
	case len(roundFiles) > 0 && *roundCol != "":
		return usageErr(errors.New("analyze: --round-column and --round N FILE exclude each other: a round column is for one file with every round, --round for one file per round"))
	case len(roundFiles) > 0:
	case len(positional) == 0:
		return usageErr(errors.New("analyze: missing the ratings file (a path, or - for standard input)"))
	case len(positional) > 1:
		return usageErr(fmt.Errorf("analyze: one ratings file expected, got %d: %q", len(positional), positional))
	}
	if *scaleStr == "" {
		return usageErr(errors.New("analyze: --scale is required, e.g. --scale 1-9"))
	}
	var wideOpts WideOptions
	if *wide {
		wideOpts = WideOptions{IDColumn: *idCol, RoundColumn: *roundCol, UnableCodes: unable}
		if *stmtCols != "" {
			re, err := regexp.Compile(*stmtCols)
			if err != nil {
				return usageErr(fmt.Errorf("analyze: --statement-columns %q: %w", *stmtCols, err))
			}
			wideOpts.StatementColumns = re
		}
	}

	var closers []io.Closer
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

	open := func(p string) (io.Reader, string, error) {
		if p == "-" {
			return stdin, "standard input", nil
		}
		f, err := os.Open(p)
		if err != nil {
			return nil, "", fmt.Errorf("analyze: %w", err)
		}
		closers = append(closers, f)
		return f, p, nil
	}
	defer func() {
		for _, c := range closers {
			c.Close()
		}
	}()
	var ratings *Ratings
	if *wide {
		srcs, err := wideSources(positional, roundFiles, *roundCol, open)
		if err != nil {
			return err
		}
		if ratings, err = ReadWide(srcs, wideOpts, settings.Scale); err != nil {
			return fmt.Errorf("analyze: %w", err)
		}
	} else {
		in, name, err := open(positional[0])
		if err != nil {
			return err
		}
		if ratings, err = ReadRatings(in, settings.Scale); err != nil {
			return fmt.Errorf("analyze: %s: %w", name, err)
		}
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

// roundFile is one --round N FILE.
type roundFile struct {
	round int
	path  string
}

// takeRoundFiles removes the --round N FILE options from args. Every file
// must exist is checked later; here, that each has a round number and a
// file, and that no round is given twice.
func takeRoundFiles(args []string) ([]string, []roundFile, error) {
	var rest []string
	var out []roundFile
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "round" {
			rest = append(rest, a)
			continue
		}
		if !hasVal {
			if i+1 >= len(args) {
				return nil, nil, errors.New("--round needs a round number and a file: --round N FILE")
			}
			i++
			val = args[i]
		}
		n, ok := parseUint([]byte(val))
		if !ok || n < 1 || n > maxRound {
			return nil, nil, fmt.Errorf("--round %q: want a round number from 1 to %d, then the file: --round N FILE", val, maxRound)
		}
		if i+1 >= len(args) || (strings.HasPrefix(args[i+1], "-") && args[i+1] != "-") {
			return nil, nil, fmt.Errorf("--round %d needs a file: --round N FILE", n)
		}
		i++
		for _, rf := range out {
			if rf.round == n {
				return nil, nil, fmt.Errorf("--round %d is given twice (%s and %s)", n, rf.path, args[i])
			}
		}
		out = append(out, roundFile{round: n, path: args[i]})
	}
	return rest, out, nil
}

// wideSources opens the wide files: the --round files, or the one FILE
// with its round column (named, or a column called round).
func wideSources(positional []string, roundFiles []roundFile, roundCol string, open func(string) (io.Reader, string, error)) ([]WideSource, error) {
	var srcs []WideSource
	for _, rf := range roundFiles {
		r, name, err := open(rf.path)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, WideSource{Name: name, R: r, Round: rf.round})
	}
	if len(positional) == 1 {
		r, name, err := open(positional[0])
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, WideSource{Name: name, R: r})
	}
	return srcs, nil
}

// listFlag is a repeatable option whose values may also be separated by
// commas.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			return fmt.Errorf("empty value in %q", v)
		}
		*l = append(*l, p)
	}
	return nil
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

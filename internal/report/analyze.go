package report

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/delphi-platform/delphi/analysis"
)

const analyzeUsage = `usage: delphi analyze --scale MIN-MAX [options] FILE
       delphi analyze --kind ranking|numeric [options] FILE
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

Criteria, rankings and estimates (long files; see docs/analyze.md):
  --scale CRITERION=MIN-MAX, --rule CRITERION=RULE
                      a criterion's own scale or rule, for files with a
                      criterion column (the plain --scale and --rule apply
                      to the other criteria)
  --combine all|any   combined decision per statement: all (default) is in
                      only when every criterion is in, out when any is out;
                      any is in when any criterion is in, out when all are out
  --kind KIND         rating (default), ranking (the rating column holds the
                      rank, 1 = first) or numeric (an estimate); or a kind
                      column in the file
  --top-k K           rankings: the k of the top-k counts (default 3)
  --range MIN-MAX     estimates: reject estimates outside MIN-MAX

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
		scales, rules criterionFlag
		bandsStr      = fs.String("bands", "", "")
		quantStr      = fs.String("quantile", "type6", "")
		kind          = fs.String("kind", "", "")
		topK          = fs.Int("top-k", 3, "")
		rangeStr      = fs.String("range", "", "")
		combine       = fs.String("combine", analysis.CombineAll, "")
		format        = fs.String("format", "table", "")
		outPath       = fs.String("out", "", "")
		wide          = fs.Bool("wide", false, "")
		idCol         = fs.String("id-column", "", "")
		roundCol      = fs.String("round-column", "", "")
		stmtCols      = fs.String("statement-columns", "", "")
		unable        listFlag
	)
	fs.Var(&unable, "unable-code", "")
	fs.Var(&scales, "scale", "")
	fs.Var(&rules, "rule", "")
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
	switch *kind {
	case "", KindRating, KindRanking, KindNumeric:
	default:
		return usageErr(fmt.Errorf("analyze: --kind %q: want rating, ranking or numeric", *kind))
	}
	switch *combine {
	case analysis.CombineAll, analysis.CombineAny:
	default:
		return usageErr(fmt.Errorf("analyze: --combine %q: want all (in only when every criterion is in) or any (in when one criterion is in)", *combine))
	}
	if *topK < 1 {
		return usageErr(fmt.Errorf("analyze: --top-k %d: want a whole number from 1", *topK))
	}
	var rng *RangeInfo
	if *rangeStr != "" {
		if rng, err = parseRange(*rangeStr); err != nil {
			return usageErr(fmt.Errorf("analyze: --range: %w", err))
		}
	}
	if *wide {
		if *kind == KindRanking || *kind == KindNumeric {
			return usageErr(fmt.Errorf("analyze: --kind %s is for long files; wide files hold ratings", *kind))
		}
		if len(scales.per) > 0 || len(rules.per) > 0 {
			return usageErr(errors.New("analyze: a criterion's own --scale or --rule (CRITERION=VALUE) is for long files with a criterion column"))
		}
	}
	// Ratings need a scale; a long file's kind column may say that they are
	// ranks or estimates, which need none.
	noScale := scales.def == "" && len(scales.per) == 0
	if noScale && (*wide || *kind == KindRating) {
		return usageErr(errScaleRequired)
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
	ruleStr := rules.def
	if ruleStr == "" {
		ruleStr = "percent:75"
	}
	var write func(io.Writer, *Report) error
	var writeExt func(io.Writer, *ExtendedReport) error
	switch *format {
	case "table":
		write, writeExt = WriteTable, WriteExtendedTable
	case "csv":
		write, writeExt = WriteCSV, WriteExtendedCSV
	case "json":
		write, writeExt = WriteJSON, WriteExtendedJSON
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
	// output writes the finished report; only an I/O error can stop it.
	output := func(w func(io.Writer) error) error {
		if *outPath == "" {
			bw := bufio.NewWriterSize(stdout, 64<<10)
			if err := w(bw); err != nil {
				return fmt.Errorf("analyze: %w", err)
			}
			if err := bw.Flush(); err != nil {
				return fmt.Errorf("analyze: %w", err)
			}
			return nil
		}
		return writeFileAtomic(*outPath, w)
	}
	var ratings *Ratings
	var settings analysis.Settings
	if *wide {
		if err := kindOptions(KindRating, false, set); err != nil {
			return usageErr(err)
		}
		if settings, err = parseSettings(scales.def, *bandsStr, *quantStr, ruleStr); err != nil {
			return fmt.Errorf("analyze: %w", err)
		}
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
		in, names, err := sniffHeader(in)
		if err != nil {
			return fmt.Errorf("analyze: %s: %w", name, err)
		}
		// A plain rating file goes through ReadRatings as it always has;
		// criteria and kinds need the whole file (readLong).
		if *kind == KindRanking || *kind == KindNumeric || slices.Contains(names, colCriterion) || slices.Contains(names, colKind) {
			plain, ext, err := analyzeExtended(ctx, in, name, extendedOptions{
				kind: *kind, scales: scales, rules: rules, bands: *bandsStr, quantile: *quantStr,
				topK: *topK, rng: rng, combine: *combine, given: set,
			})
			if err != nil {
				return err
			}
			if plain != nil {
				return output(func(w io.Writer) error { return write(w, plain) })
			}
			return output(func(w io.Writer) error { return writeExt(w, ext) })
		}
		if len(scales.per) > 0 || len(rules.per) > 0 {
			return usageErr(fmt.Errorf("analyze: a criterion's own --scale or --rule (CRITERION=VALUE) needs a criterion column, which %s has not", name))
		}
		if noScale {
			return usageErr(errScaleRequired)
		}
		if err := kindOptions(KindRating, false, set); err != nil {
			return usageErr(err)
		}
		if settings, err = parseSettings(scales.def, *bandsStr, *quantStr, ruleStr); err != nil {
			return fmt.Errorf("analyze: %w", err)
		}
		if ratings, err = ReadRatings(in, settings.Scale); err != nil {
			return fmt.Errorf("analyze: %s: %w", name, err)
		}
	}
	rep, err := Build(ctx, ratings, settings)
	if err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return output(func(w io.Writer) error { return write(w, rep) })
}

var errScaleRequired = errors.New("analyze: --scale is required, e.g. --scale 1-9")

// extendedOptions are the options of a long file with criteria or of a
// ranking or numeric question.
type extendedOptions struct {
	kind          string
	scales, rules criterionFlag
	bands         string
	quantile      string
	topK          int
	rng           *RangeInfo
	combine       string
	given         map[string]bool // the options given
}

// kindOptions rejects an option given for another kind of question, which
// would otherwise be silently ignored.
func kindOptions(kind string, criteria bool, given map[string]bool) error {
	switch {
	case given["top-k"] && kind != KindRanking:
		return fmt.Errorf("analyze: --top-k is for ranking questions, and this file holds a %s question", kind)
	case given["range"] && kind != KindNumeric:
		return fmt.Errorf("analyze: --range is for numeric estimates, and this file holds a %s question", kind)
	case given["combine"] && !criteria:
		return errors.New("analyze: --combine is for files with a criterion column")
	case given["bands"] && kind != KindRating:
		return fmt.Errorf("analyze: --bands is for rating questions, and this file holds a %s question", kind)
	}
	return nil
}

// analyzeExtended reads a long file with a criterion or kind column, or
// of --kind ranking or numeric, and analyses it by kind. A file whose kind
// column says rating throughout and that has no criterion column is a
// plain rating file: its report is the plain Report, as without the
// column.
func analyzeExtended(ctx context.Context, in io.Reader, name string, o extendedOptions) (*Report, *ExtendedReport, error) {
	f, err := readLong(in, o.kind)
	if err != nil {
		return nil, nil, fmt.Errorf("analyze: %s: %w", name, err)
	}
	kind := cmp.Or(o.kind, f.kind, KindRating)
	if kind != KindRating && f.hasCriterion {
		for _, r := range f.rows {
			if r.criterion != "" {
				return nil, nil, fmt.Errorf("analyze: %s: %w", name, parseErrf(r.line, colCriterion, "%q: criteria are for rating questions, and this file holds a %s question", r.criterion, kind))
			}
		}
	}
	if err := kindOptions(kind, f.hasCriterion, o.given); err != nil {
		return nil, nil, err
	}
	if kind != KindRating && (len(o.scales.per) > 0 || len(o.rules.per) > 0) {
		return nil, nil, fmt.Errorf("analyze: a criterion's own --scale or --rule is for rating questions; %s holds a %s question", name, kind)
	}
	var ext *ExtendedReport
	switch kind {
	case KindRanking:
		ext, err = buildRanking(f, o.topK)
	case KindNumeric:
		q, qerr := analysis.ParseQuantileType(o.quantile)
		if qerr != nil {
			return nil, nil, fmt.Errorf("analyze: --quantile: %w", qerr)
		}
		ext, err = buildEstimates(f, q, o.rng)
	default:
		if !f.hasCriterion {
			if len(o.scales.per) > 0 || len(o.rules.per) > 0 {
				return nil, nil, fmt.Errorf("analyze: a criterion's own --scale or --rule (CRITERION=VALUE) needs a criterion column, which %s has not", name)
			}
			if o.scales.def == "" {
				return nil, nil, errScaleRequired
			}
			settings, err := parseSettings(o.scales.def, o.bands, o.quantile, cmp.Or(o.rules.def, "percent:75"))
			if err != nil {
				return nil, nil, fmt.Errorf("analyze: %w", err)
			}
			ratings, err := ParseRatings(f.data, settings.Scale)
			if err != nil {
				return nil, nil, fmt.Errorf("analyze: %s: %w", name, err)
			}
			rep, err := Build(ctx, ratings, settings)
			if err != nil {
				return nil, nil, fmt.Errorf("analyze: %w", err)
			}
			return rep, nil, nil
		}
		def, per, cerr := criterionSettings(f, o)
		if cerr != nil {
			return nil, nil, cerr
		}
		ext, err = buildCriteria(ctx, f, def, per, o.combine)
	}
	if err != nil {
		var pe *ParseError
		if errors.As(err, &pe) {
			return nil, nil, fmt.Errorf("analyze: %s: %w", name, err)
		}
		return nil, nil, fmt.Errorf("analyze: %w", err)
	}
	return nil, ext, nil
}

// criterionSettings resolves the default settings and each criterion's:
// a criterion's --scale or --rule replaces the default one.
func criterionSettings(f *longFile, o extendedOptions) (analysis.Settings, CriterionSettings, error) {
	for _, fl := range []struct {
		name string
		per  []criterionValue
	}{{"scale", o.scales.per}, {"rule", o.rules.per}} {
		for _, cv := range fl.per {
			if !slices.Contains(f.criteria, cv.criterion) {
				return analysis.Settings{}, nil, fmt.Errorf("analyze: --%s %s=%s: the file has no criterion %q (its criteria: %s)", fl.name, cv.criterion, cv.value, cv.criterion, joinNames(f.criteria))
			}
		}
	}
	ruleOf := func(c string) string {
		return cmp.Or(o.rules.of(c), o.rules.def, "percent:75")
	}
	defScale := o.scales.def
	if defScale == "" {
		for _, c := range f.criteria {
			if o.scales.of(c) == "" {
				if len(o.scales.per) == 0 {
					return analysis.Settings{}, nil, errScaleRequired
				}
				return analysis.Settings{}, nil, fmt.Errorf("analyze: --scale: criterion %q has no scale; give --scale MIN-MAX for every criterion or --scale %s=MIN-MAX", c, c)
			}
		}
		defScale = o.scales.of(f.criteria[0])
	}
	def, err := parseSettings(defScale, o.bands, o.quantile, cmp.Or(o.rules.def, "percent:75"))
	if err != nil {
		return def, nil, fmt.Errorf("analyze: %w", err)
	}
	per := CriterionSettings{}
	for _, c := range f.criteria {
		sc := cmp.Or(o.scales.of(c), defScale)
		s, err := parseSettings(sc, o.bands, o.quantile, ruleOf(c))
		if err != nil {
			return def, nil, fmt.Errorf("analyze: criterion %q: %w", c, err)
		}
		per[c] = s
	}
	return def, per, nil
}

// criterionValue is one CRITERION=VALUE option.
type criterionValue struct{ criterion, value string }

// criterionFlag is a repeatable option that takes a default value (VALUE)
// and values for single criteria (CRITERION=VALUE), as --scale and --rule.
type criterionFlag struct {
	def string
	per []criterionValue
}

func (c *criterionFlag) String() string { return c.def }

func (c *criterionFlag) Set(v string) error {
	v = strings.TrimSpace(v)
	name, val, ok := strings.Cut(v, "=")
	if !ok {
		if c.def != "" {
			return fmt.Errorf("given twice (%q and %q); give CRITERION=VALUE for a criterion's own", c.def, v)
		}
		c.def = v
		return nil
	}
	name, val = strings.TrimSpace(name), strings.TrimSpace(val)
	if name == "" || val == "" {
		return fmt.Errorf("%q: want CRITERION=VALUE", v)
	}
	if c.of(name) != "" {
		return fmt.Errorf("criterion %q is given twice", name)
	}
	c.per = append(c.per, criterionValue{name, val})
	return nil
}

// of returns criterion name's own value, "" when it has none.
func (c *criterionFlag) of(name string) string {
	for _, cv := range c.per {
		if cv.criterion == name {
			return cv.value
		}
	}
	return ""
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

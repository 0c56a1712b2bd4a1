// Package sheet reads and writes a table of text cells as a spreadsheet:
// XLSX (one sheet) or CSV (UTF-8 with a byte-order mark, which Excel
// needs to read UTF-8). CSV cells that a spreadsheet would run as a
// formula are written inert (export.Neutralise) and read back as they
// were.
package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/delphi-platform/delphi/internal/export"
)

const bom = "\uFEFF"

// ReadError is a file that cannot be read as a table; Row is 1-based, 0
// when the file as a whole is unreadable.
type ReadError struct {
	Row     int
	Message string
}

func (e ReadError) Error() string {
	if e.Row == 0 {
		return e.Message
	}
	return fmt.Sprintf("row %d: %s", e.Row, e.Message)
}

// WriteCSV writes rows as CSV with a byte-order mark.
func WriteCSV(w io.Writer, rows [][]string) error {
	if _, err := io.WriteString(w, bom); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	for _, r := range rows {
		out := make([]string, len(r))
		for i, c := range r {
			out[i] = export.Neutralise(c)
		}
		if err := cw.Write(out); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes rows as a workbook of one sheet, the first row bold
// and frozen, long texts wrapped. widths are the columns' widths in
// characters (missing: Excel's default).
func WriteXLSX(w io.Writer, name string, rows [][]string, widths []float64) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	for i, width := range widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(name, col, col, width); err != nil {
			return err
		}
		if err := f.SetColStyle(name, col, wrap); err != nil {
			return err
		}
	}
	for ri, r := range rows {
		for ci, c := range r {
			cell, _ := excelize.CoordinatesToCellName(ci+1, ri+1)
			// SetCellStr: always a text cell, never a formula or a number.
			if err := f.SetCellStr(name, cell, c); err != nil {
				return err
			}
			if ri == 0 {
				if err := f.SetCellStyle(name, cell, cell, bold); err != nil {
					return err
				}
			}
		}
	}
	if err := f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	return f.Write(w)
}

// Read reads an uploaded table: XLSX (its first sheet) when the file is
// a ZIP archive, else CSV.
func Read(r io.Reader) ([][]string, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return readXLSX(data)
	}
	return readCSV(data)
}

func readXLSX(data []byte) ([][]string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, ReadError{Message: "the file is not a readable XLSX workbook"}
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, ReadError{Message: "the workbook has no sheet"}
	}
	rows, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, ReadError{Message: "the workbook's first sheet cannot be read"}
	}
	return rows, nil
}

func readCSV(data []byte) ([][]string, error) {
	s := strings.TrimPrefix(string(data), bom)
	if !utf8.ValidString(s) {
		return nil, ReadError{Message: "the CSV file is not UTF-8 text (save it as \"CSV UTF-8\")"}
	}
	cr := csv.NewReader(strings.NewReader(s))
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, ReadError{Row: pe.Line, Message: pe.Err.Error()}
	}
	if err != nil {
		return nil, ReadError{Message: "the CSV file cannot be read"}
	}
	for _, r := range rows {
		for i, c := range r {
			r[i] = unneutralise(c)
		}
	}
	return rows, nil
}

// unneutralise undoes export.Neutralise: "'=x" is read as "=x".
func unneutralise(s string) string {
	if len(s) >= 2 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}

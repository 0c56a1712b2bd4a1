package export

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"

	"github.com/delphi-platform/delphi/internal/results"
)

// csvWriter writes UTF-8 CSV with a header row, CRLF line ends (RFC 4180,
// as R, SPSS and Stata read it) and neutralised text.
type csvWriter struct {
	bw *bufio.Writer
	w  *csv.Writer
}

func newCSV(w io.Writer) *csvWriter {
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	return &csvWriter{bw: bw, w: cw}
}

func (c *csvWriter) row(cells []any) error {
	rec := make([]string, len(cells))
	for i, v := range cells {
		rec[i] = formatCell(v)
	}
	return c.w.Write(rec)
}

func (c *csvWriter) header(h []string) error {
	return c.w.Write(h)
}

func (c *csvWriter) flush() error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return err
	}
	return c.bw.Flush()
}

// WriteConsensusCSV writes the consensus table of every closed round, one
// row per round × statement × subgroup (subgroup_type "all" for the panel).
func WriteConsensusCSV(w io.Writer, res *results.Results) error {
	if res.Criteria != nil {
		return writeCriteriaConsensusCSV(w, res)
	}
	c := newCSV(w)
	if err := c.header(ConsensusHeader); err != nil {
		return fmt.Errorf("export: consensus csv: %w", err)
	}
	for ri := range res.Report.Rounds {
		for _, r := range consensus(res, ri).rows {
			if err := c.row(r); err != nil {
				return fmt.Errorf("export: consensus csv: %w", err)
			}
		}
	}
	if err := c.flush(); err != nil {
		return fmt.Errorf("export: consensus csv: %w", err)
	}
	return nil
}

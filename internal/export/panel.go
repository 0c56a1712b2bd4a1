package export

import (
	"fmt"
	"io"
	"strconv"
)

// PanelRow is one expert of the panel export: their details and their
// status in each round (PanelTable.Rounds), such as "submitted".
type PanelRow struct {
	ID                                    int64
	Email, Name, Group, Country, Language string
	Rounds                                []string
}

// PanelTable is a study's panel with each expert's status per round.
type PanelTable struct {
	Rounds []int // the numbers of the rounds launched, in order
	Rows   []PanelRow
}

// PanelHeader is the header of the panel export before its round columns:
// the columns of a panel file, so that the export imports back (its
// round_N_status columns are ignored by the import).
var PanelHeader = []string{"expert_id", "email", "name", "stakeholder_group", "country", "language"}

// WritePanelCSV writes the panel export as CSV, text neutralised.
func WritePanelCSV(w io.Writer, t PanelTable) error {
	c := newCSV(w)
	header := append([]string(nil), PanelHeader...)
	for _, n := range t.Rounds {
		header = append(header, fmt.Sprintf("round_%d_status", n))
	}
	if err := c.header(header); err != nil {
		return fmt.Errorf("export: panel csv: %w", err)
	}
	for _, r := range t.Rows {
		rec := []string{strconv.FormatInt(r.ID, 10), Neutralise(r.Email), Neutralise(r.Name), Neutralise(r.Group), Neutralise(r.Country), Neutralise(r.Language)}
		for _, s := range r.Rounds {
			rec = append(rec, Neutralise(s))
		}
		if err := c.w.Write(rec); err != nil {
			return fmt.Errorf("export: panel csv: %w", err)
		}
	}
	if err := c.flush(); err != nil {
		return fmt.Errorf("export: panel csv: %w", err)
	}
	return nil
}

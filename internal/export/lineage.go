package export

import (
	"fmt"
	"io"
	"strings"
)

// LineageRow is one version of a statement as presented in one round (or
// written but never presented: Round 0).
type LineageRow struct {
	Statement string `json:"statement"` // lineage key, as in raw.csv
	Version   int    `json:"version"`
	Round     int    `json:"round"`
	Origin    string `json:"origin"` // new, carried, reworded, merged, split, added
	Text      string `json:"text"`
	// Change is how this version came from an earlier one (reworded,
	// merged, split), Reason why.
	Change string `json:"change,omitempty"`
	Reason string `json:"reason,omitempty"`
	// PromptedBy are the comments (pseudonymous expert: text) that
	// prompted an added statement.
	PromptedBy []string `json:"prompted_by,omitempty"`
	// FromProposals are the round-0 proposals ("theme: text", never their
	// authors) the statement was written from.
	FromProposals []string `json:"from_proposals,omitempty"`
	// Decision is the decision recorded after the round (in, out, carry,
	// unresolved), Proposal the rule's proposal, and DecisionReason the
	// coordinator's reason; all empty while the round is not closed.
	Decision       string `json:"decision,omitempty"`
	Proposal       string `json:"proposal,omitempty"`
	DecisionReason string `json:"decision_reason,omitempty"`
}

// LineageHeader are the columns of the lineage CSV.
var LineageHeader = []string{"statement", "version", "round", "origin", "text", "change", "reason", "prompted_by_comments", "from_round0_proposals",
	"decision", "proposal", "decision_reason"}

// WriteLineageCSV writes every version of every statement.
func WriteLineageCSV(w io.Writer, rows []LineageRow) error {
	c := newCSV(w)
	if err := c.header(LineageHeader); err != nil {
		return fmt.Errorf("export: lineage csv: %w", err)
	}
	for _, r := range rows {
		var round any
		if r.Round > 0 {
			round = r.Round
		}
		if err := c.row([]any{r.Statement, r.Version, round, r.Origin, r.Text, r.Change, r.Reason, strings.Join(r.PromptedBy, " | "), strings.Join(r.FromProposals, " | "),
			r.Decision, r.Proposal, r.DecisionReason}); err != nil {
			return fmt.Errorf("export: lineage csv: %w", err)
		}
	}
	if err := c.flush(); err != nil {
		return fmt.Errorf("export: lineage csv: %w", err)
	}
	return nil
}

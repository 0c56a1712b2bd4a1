package workflow

import (
	"context"

	"github.com/delphi-platform/delphi/internal/results"
	"github.com/delphi-platform/delphi/rounds"
)

// recordDecisions gives each closed round of the results input the
// decisions recorded after it: the rule's proposal stored at close, and
// the coordinator's decision with its reason, keyed by lineage. The
// results, pages and exports report these, not the rule's decisions.
func (w *Service) recordDecisions(ctx context.Context, lin []roundLineage, in *results.Input) error {
	for i, rl := range lin {
		stored, err := w.store.DecisionsByRound(ctx, rl.round.ID)
		if err != nil {
			return err
		}
		recs := make(map[string]results.RecordedDecision, len(stored))
		for key, rsID := range rl.keys {
			if d, ok := stored[rsID]; ok {
				recs[key] = results.RecordedDecision{Proposed: rounds.Proposal(d.Proposed), Decision: rounds.Proposal(d.Decision), Reason: d.Reason}
			}
		}
		in.Rounds[i].Decisions = recs
	}
	return nil
}

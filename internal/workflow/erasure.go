package workflow

import (
	"context"

	"github.com/delphi-platform/delphi/internal/store"
)

// EraseExpert erases an expert's personal data from every table under the
// study's policy (docs/privacy.md) and logs that it happened (never who).
// The panel page, after its confirmation, and DELETE
// /api/v1/studies/{id}/panel/{eid} call it.
func (w *Service) EraseExpert(ctx context.Context, st store.Study, userID, expertID int64) (store.Erasure, error) {
	res, err := w.store.EraseExpert(ctx, st.ID, userID, expertID)
	if err != nil {
		return res, err
	}
	w.log.InfoContext(ctx, "expert erased", "study_id", st.ID, "expert_id", expertID, "user_id", userID)
	return res, nil
}

package workflow

import (
	"context"
	"errors"
	"io"

	"github.com/delphi-platform/delphi/internal/panelcsv"
	"github.com/delphi-platform/delphi/internal/store"
)

// ImportPanel reads a panel file against the study's current panel and,
// only when every row is valid, imports all of it in one transaction;
// otherwise it imports nothing and returns every problem by row and
// column. The panel page and POST /api/v1/studies/{id}/panel call it.
func (w *Service) ImportPanel(ctx context.Context, st store.Study, userID int64, r io.Reader) (int, []panelcsv.Problem, error) {
	existing, err := w.store.ExpertEmails(ctx, st.ID)
	if err != nil {
		return 0, nil, err
	}
	experts, problems := panelcsv.Parse(r, panelcsv.Options{DefaultLanguage: st.MainLanguage(), Existing: existing})
	if len(problems) > 0 {
		return 0, problems, nil
	}
	batch := make([]store.NewExpert, len(experts))
	for i, e := range experts {
		batch[i] = store.NewExpert{Email: e.Email, Name: e.Name, Group: e.Group, Country: e.Country, Language: e.Language, Attributes: e.Attributes}
	}
	n, err := w.store.ImportExperts(ctx, st.ID, userID, batch)
	if errors.Is(err, store.ErrConflict) {
		// Someone added one of these e-mails between the check and the insert.
		return 0, []panelcsv.Problem{{Message: "an e-mail in the file was added to the panel meanwhile; nothing was imported, please try again"}}, nil
	}
	return n, nil, err
}

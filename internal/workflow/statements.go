package workflow

import (
	"context"
	"maps"
	"slices"

	"github.com/delphi-platform/delphi/internal/store"
)

// SaveTopic renames a topic and sets its translations ("" removes one),
// all in one transaction; the callers have checked them.
func (w *Service) SaveTopic(ctx context.Context, studyID, sectionID int64, title string, translations map[string]string) error {
	return w.store.Transact(ctx, func(tx *store.Store) error {
		if err := tx.RenameSection(ctx, studyID, sectionID, title); err != nil {
			return err
		}
		for _, lang := range slices.Sorted(maps.Keys(translations)) {
			if err := tx.SetSectionTranslation(ctx, studyID, sectionID, lang, translations[lang]); err != nil {
				return err
			}
		}
		return nil
	})
}

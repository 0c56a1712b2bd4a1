package store_test

import (
	"context"
	"testing"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/store/storetest"
)

func TestStudyTexts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, st := newStudy(t, s)
		err := s.SetStudyTexts(ctx, st.ID, []store.StudyText{
			{Name: store.TextTitle, Language: "pl", Text: "Tytuł"},
			{Name: store.TextThanks, Language: "en", Text: "Thank you!"},
			{Name: store.TextThanks, Language: "pl", Text: "Dziękujemy!"},
		})
		if err != nil {
			t.Fatal(err)
		}
		// Replace one, remove one.
		if err := s.SetStudyTexts(ctx, st.ID, []store.StudyText{
			{Name: store.TextTitle, Language: "pl", Text: "Nowy tytuł"},
			{Name: store.TextThanks, Language: "pl", Text: "  "},
		}); err != nil {
			t.Fatal(err)
		}
		texts, err := s.StudyTextsByStudy(ctx, st.ID)
		if err != nil {
			t.Fatal(err)
		}
		if texts.Get(store.TextTitle, "pl") != "Nowy tytuł" || texts.Get(store.TextThanks, "en") != "Thank you!" || texts.Get(store.TextThanks, "pl") != "" {
			t.Errorf("texts: %v", texts)
		}
	})
}

func TestConsentItems(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, st := newStudy(t, s)
		a, err := s.AddConsentItem(ctx, st.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.AddConsentItem(ctx, st.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		if a.Position != 1 || b.Position != 2 {
			t.Errorf("positions %d, %d", a.Position, b.Position)
		}
		if err := s.SetStudyTexts(ctx, st.ID, []store.StudyText{{Name: store.ConsentTextName(b.ID), Language: "en", Text: "I may be quoted"}}); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateConsentItem(ctx, st.ID, a.ID, false); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateConsentItem(ctx, st.ID+1000, a.ID, true); err == nil {
			t.Error("another study's item was updated")
		}
		if err := s.DeleteConsentItem(ctx, st.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		items, err := s.ConsentItemsByStudy(ctx, st.ID)
		if err != nil || len(items) != 1 || items[0].ID != a.ID || items[0].Required {
			t.Errorf("items %+v, %v", items, err)
		}
		texts, _ := s.StudyTextsByStudy(ctx, st.ID)
		if len(texts) != 0 {
			t.Errorf("a deleted item's wording stayed: %v", texts)
		}
	})
}

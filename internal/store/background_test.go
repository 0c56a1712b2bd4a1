package store_test

import (
	"context"
	"testing"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/store/storetest"
)

// TestBackgroundAnswersErased: erasing an expert deletes their background
// answers (personal data: sector, role, region…) under either policy;
// the other expert's stay. Deleting an expert (never invited) takes them
// too, by the foreign key's cascade.
func TestBackgroundAnswersErased(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, st := newStudy(t, s)
		if _, err := s.ImportExperts(ctx, st.ID, u.ID, []store.NewExpert{
			{Email: "a@panel.example", Name: "Ana"}, {Email: "b@panel.example", Name: "Bo"}, {Email: "c@panel.example", Name: "Cy"}}); err != nil {
			t.Fatal(err)
		}
		es, err := s.ExpertsByStudy(ctx, st.ID)
		if err != nil || len(es) != 3 {
			t.Fatalf("experts: %v %v", es, err)
		}
		f := store.BackgroundField{StudyID: st.ID, Kind: store.FieldText}
		f.SetChoices(nil)
		if f, err = s.AddBackgroundField(ctx, f); err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if err := s.SaveBackgroundAnswers(ctx, e.ID, map[int64]string{f.ID: "Head nurse, " + e.Name}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.EraseExpert(ctx, st.ID, u.ID, es[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteExpert(ctx, st.ID, u.ID, es[2].ID); err != nil {
			t.Fatal(err)
		}
		all, err := s.BackgroundAnswersByStudy(ctx, st.ID)
		if err != nil || len(all) != 1 || all[0].ExpertID != es[1].ID || all[0].Value != "Head nurse, Bo" {
			t.Errorf("answers left: %+v %v", all, err)
		}
	})
}

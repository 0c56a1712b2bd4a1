package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/store/storetest"
)

// TestApplyPanelImportAllOrNothing: updates and additions go in together
// or not at all; an address given up by one expert can be taken by a new
// one in the same import, an address still someone else's cannot.
func TestApplyPanelImportAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, st := newStudy(t, s)
		if _, err := s.ImportExperts(ctx, st.ID, u.ID, []store.NewExpert{
			{Email: "a@x.org", Name: "A", Language: "en", Attributes: map[string]string{"org": "X", "note": "keep"}},
			{Email: "b@x.org", Name: "B", Language: "en"},
		}); err != nil {
			t.Fatal(err)
		}
		es, _ := s.ExpertsByStudy(ctx, st.ID)
		a, b := es[0], es[1]

		// B takes A's address while A keeps it: refused, nothing written.
		err := s.ApplyPanelImport(ctx, st.ID, u.ID, []store.NewExpert{{Email: "c@x.org", Name: "C", Language: "en"}},
			[]store.ExpertUpdate{{ID: b.ID, NewExpert: store.NewExpert{Email: "a@x.org", Name: "B", Language: "en"}}})
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("address taken: %v", err)
		}
		if es, _ := s.ExpertsByStudy(ctx, st.ID); len(es) != 2 || es[1].Email != "b@x.org" {
			t.Fatalf("half an import applied: %+v", es)
		}

		// A moves to a new address and a new expert takes A's old one.
		err = s.ApplyPanelImport(ctx, st.ID, u.ID, []store.NewExpert{{Email: "a@x.org", Name: "New A", Language: "en"}},
			[]store.ExpertUpdate{{ID: a.ID, NewExpert: store.NewExpert{Email: "A.moved@x.org", Name: "A", Group: "Policy", Language: "en",
				Attributes: map[string]string{"org": "Y", "note": "keep"}}}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.ExpertByID(ctx, st.ID, a.ID)
		if err != nil || got.Email != "a.moved@x.org" || got.Group != "Policy" || got.AttributeMap()["org"] != "Y" || got.AttributeMap()["note"] != "keep" {
			t.Errorf("updated expert: %+v %v", got, err)
		}
		if es, _ := s.ExpertsByStudy(ctx, st.ID); len(es) != 3 || es[2].Email != "a@x.org" || es[2].Name != "New A" {
			t.Errorf("panel after import: %+v", es)
		}
	})
}

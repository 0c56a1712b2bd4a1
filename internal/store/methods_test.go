package store_test

import (
	"context"
	"testing"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/store/storetest"
)

func TestMethodsNarrative(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, st := newStudy(t, s)
		m, err := s.MethodsNarrative(ctx, st.ID)
		if err != nil || m.StudyID != st.ID || m.Rationale != "" {
			t.Fatalf("empty narrative: %+v, %v", m, err)
		}
		for _, text := range []string{"First rationale", "Second rationale"} {
			m.Rationale, m.Funding = text, "Funded by nobody"
			if err := s.SaveMethodsNarrative(ctx, u.ID, m); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.MethodsNarrative(ctx, st.ID)
		if err != nil || got.Rationale != "Second rationale" || got.Funding != "Funded by nobody" || got.UpdatedBy == nil || *got.UpdatedBy != u.ID {
			t.Errorf("kept narrative %+v, %v", got, err)
		}
		audit, _ := s.AuditByStudy(ctx, st.ID)
		if n := len(audit); n == 0 || audit[n-1].Action != "methods narrative" {
			t.Errorf("no audit entry for the narrative")
		}
	})
}

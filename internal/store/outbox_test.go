package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/store/storetest"
)

// TestTestMessages: a coordinator's test e-mail is an outbox row of kind
// "test" with no expert and no round (migration 0022); it is not round
// 0's, and nothing counts it as a reminder.
func TestTestMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, st := newStudy(t, s)
		test := store.NewMessage{StudyID: st.ID, Kind: "test", ToAddress: "coord@example.org", Subject: "Test", TextBody: "t", HTMLBody: "<p>t</p>"}
		if err := s.EnqueueMessages(ctx, []store.NewMessage{test}); err != nil {
			t.Fatal(err)
		}
		e, err := s.CreateExpert(ctx, st.ID, u.ID, store.NewExpert{Email: "e@example.org", Name: "E", Language: "en"})
		if err != nil {
			t.Fatal(err)
		}
		toExpert := test
		toExpert.ExpertID = e.ID
		if err := s.EnqueueMessages(ctx, []store.NewMessage{toExpert}); err == nil {
			t.Error("a test e-mail to an expert was accepted")
		}
		other := test
		other.Kind = "newsletter"
		if err := s.EnqueueMessages(ctx, []store.NewMessage{other}); err == nil {
			t.Error("an unknown kind was accepted")
		}
		if ms, err := s.IdeaOutbox(ctx, st.ID); err != nil || len(ms) != 0 {
			t.Errorf("round 0's outbox lists %d messages (%v)", len(ms), err)
		}
		if _, ok, err := s.LastReminder(ctx, st.ID, 0); ok || err != nil {
			t.Errorf("a test counts as a reminder (%v)", err)
		}
		claimed, err := s.ClaimMessages(ctx, 10, time.Minute)
		if err != nil || len(claimed) != 1 || claimed[0].Kind != "test" {
			t.Fatalf("claimed %v (%v)", claimed, err)
		}
	})
}

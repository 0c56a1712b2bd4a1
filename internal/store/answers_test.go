package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/store/storetest"
)

// TestForEachAnswer: only submitted invitations' answers, ratings, unable
// and comments as saved, in questionnaire order when asked.
func TestForEachAnswer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, _, r, _ := launchedRound(t, s, 3)
		rss, _ := s.RoundStatements(ctx, r.ID)
		statuses, _ := s.RoundStatuses(ctx, r.ID)
		four := 4
		for i, es := range statuses {
			for _, rs := range rss {
				if err := s.SaveRating(ctx, es.InvitationID, rs.ID, &four, i == 1, fmt.Sprintf("c%d", i), store.Extra{}); err != nil {
					t.Fatal(err)
				}
			}
			if i < 2 { // the third expert does not submit
				if err := s.SubmitInvitation(ctx, es.InvitationID); err != nil {
					t.Fatal(err)
				}
			}
		}
		var got []string
		err := s.ForEachAnswer(ctx, r.ID, true, func(a store.Answer) error {
			got = append(got, fmt.Sprintf("%d/%d:%v,%v,%s", a.RoundStatementID, a.ExpertID, a.Rating.Int64, a.Unable, a.Comment))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// By statement, then by the experts' pseudonyms (not their ids).
		first, second := fmt.Sprintf("%d:4,false,c0", statuses[0].ExpertID), fmt.Sprintf("%d:0,true,c1", statuses[1].ExpertID)
		if statuses[1].PseudonymNumber < statuses[0].PseudonymNumber {
			first, second = second, first
		}
		want := []string{
			fmt.Sprintf("%d/%s", rss[0].ID, first), fmt.Sprintf("%d/%s", rss[0].ID, second),
			fmt.Sprintf("%d/%s", rss[1].ID, first), fmt.Sprintf("%d/%s", rss[1].ID, second),
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("answers\n%v\nwant\n%v", got, want)
		}
		stop := fmt.Errorf("stop")
		n := 0
		if err := s.ForEachAnswer(ctx, r.ID, false, func(store.Answer) error { n++; return stop }); err != stop || n != 1 {
			t.Errorf("an error from fn: %v after %d answers", err, n)
		}
	})
}

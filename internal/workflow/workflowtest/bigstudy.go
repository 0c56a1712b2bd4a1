// Package workflowtest builds large studies for the benchmarks of the
// workflows and of the web application.
package workflowtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/rounds"
)

// BigStudy is the benchmarks' study in s: 1,000 experts, 500 statements
// presented in each of 3 rounds, every expert answering every statement,
// the rounds launched and closed with the real workflows. The ratings are
// written with bulk SQL (the rating form would take hours).
func BigStudy(tb testing.TB, s *store.Store, flow *workflow.Service) (store.Study, store.User) {
	tb.Helper()
	return BigStudyScale(tb, s, flow, rounds.DefaultScale(1, 9))
}

// BigCriteriaScale is the big study's scale rated on n criteria (2 or 3):
// importance 1–9 under the default rule, the others 1–9 under 70 %
// agreement, combined under "all".
func BigCriteriaScale(n int) rounds.Scale {
	sc := rounds.DefaultScale(1, 9)
	sc.Name = "Importance"
	rule, _ := rounds.ParseRule("percent:70", 1, 9)
	for k := 2; k <= n; k++ {
		sc.More = append(sc.More, rounds.Criterion{Name: fmt.Sprintf("Criterion %d", k), Min: 1, Max: 9,
			Labels: rounds.DefaultLabels(1, 9), Bands: rounds.DefaultBands(1, 9), Rule: rule})
	}
	return sc
}

// BigStudyScale is BigStudy with the study's scale sc; with several
// criteria every expert rates every statement on each.
func BigStudyScale(tb testing.TB, s *store.Store, flow *workflow.Service, sc rounds.Scale) (store.Study, store.User) {
	tb.Helper()
	const nExperts, nStatements, nRounds = 1000, 500, 3
	ctx := context.Background()
	hash, _ := auth.HashPassword("a long bench password")
	u, err := s.CreateUser(ctx, "bench@example.org", "Bench", hash)
	if err != nil {
		tb.Fatal(err)
	}
	st, err := s.CreateStudy(ctx, u.ID, store.StudyInfo{Title: "Bench", Languages: []string{"en"}, MaxRounds: nRounds}, sc)
	if err != nil {
		tb.Fatal(err)
	}
	groups := []string{"clinician", "researcher", "patient", "policymaker"}
	countries := []string{"AU", "BR", "CA", "DE", "ES", "FR", "IN", "IT", "JP", "NL", "GB", "US"}
	var experts []store.NewExpert
	for i := range nExperts {
		experts = append(experts, store.NewExpert{Email: fmt.Sprintf("e%d@example.org", i), Name: fmt.Sprintf("Expert %d", i),
			Group: groups[i%len(groups)], Country: countries[i%len(countries)], Language: "en"})
	}
	if _, err := s.ImportExperts(ctx, st.ID, u.ID, experts); err != nil {
		tb.Fatal(err)
	}
	var items []store.NewStatement
	for i := range nStatements {
		items = append(items, store.NewStatement{Text: fmt.Sprintf("Benchmark statement %d, about as long as a real statement in a study.", i+1), Section: "Bench"})
	}
	stmts, err := s.AddStatements(ctx, st.ID, u.ID, items)
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var prev []store.RoundStatement
	for rn := 1; rn <= nRounds; rn++ {
		nr := store.NewRound{Scope: rounds.InvitePanel, Deadline: time.Now().Add(48 * time.Hour)}
		for i, stmt := range stmts {
			rs := store.NewRoundStatement{StatementID: stmt.ID, SectionTitle: "Bench", Text: stmt.Text, Origin: rounds.OriginNew}
			if prev != nil {
				rs.Origin, rs.PreviousID = rounds.OriginCarried, prev[i].ID
			}
			nr.Statements = append(nr.Statements, rs)
		}
		r, err := s.CreateRound(ctx, st.ID, u.ID, nr)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := flow.LaunchRound(ctx, st, r.ID, u.ID); err != nil {
			tb.Fatal(err)
		}
		rss, _ := s.RoundStatements(ctx, r.ID)
		statuses, _ := s.RoundStatuses(ctx, r.ID)
		if err := bulkRatings(ctx, s, rng, statuses, rss, len(sc.More)+1); err != nil {
			tb.Fatal(err)
		}
		if err := flow.CloseRound(ctx, st, r.ID, u.ID); err != nil {
			tb.Fatal(err)
		}
		prev = rss
	}
	return st, u
}

// bulkRatings writes every invited expert's answers to every statement
// of a round and submits the invitations, in one transaction.
func bulkRatings(ctx context.Context, s *store.Store, rng *rand.Rand, statuses []store.ExpertStatus, rss []store.RoundStatement, criteria int) error {
	db := s.DB()
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := time.Now().UTC()
	const batch = 1000
	cols, marks := "invitation_id, round_statement_id, updated_at, rating", "?, ?, ?, ?"
	for k := 2; k <= criteria; k++ {
		cols, marks = cols+fmt.Sprintf(", rating%d", k), marks+", ?"
	}
	width := 3 + criteria
	args := make([]any, 0, width*batch)
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		q := "INSERT INTO ratings (" + cols + ") VALUES " +
			strings.TrimSuffix(strings.Repeat("("+marks+"), ", len(args)/width), ", ")
		_, err := tx.ExecContext(ctx, q, args...)
		args = args[:0]
		return err
	}
	for ei, es := range statuses {
		shift := ei % 3
		for _, rs := range rss {
			args = append(args, es.InvitationID, rs.ID, now)
			for range criteria {
				args = append(args, min(9, max(1, 4+shift+rng.IntN(4))))
			}
			if len(args) == width*batch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE invitations SET submitted_at = ? WHERE id = ?", now, es.InvitationID); err != nil {
			return err
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return tx.Commit()
}

package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/config"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// bigStudy is the benchmarks' study: 1,000 experts, 500 statements
// presented in each of 3 rounds, every expert answering every statement,
// the rounds closed with the real closeRound.
func bigStudy(b *testing.B) (*App, *store.Store, store.Study, store.User) {
	b.Helper()
	const nExperts, nStatements, nRounds = 1000, 500, 3
	ctx := context.Background()
	dbURL := "sqlite:" + b.TempDir() + "/bench.db"
	getenv := func(k string) string {
		if k == "DELPHI_DATABASE_URL" {
			return dbURL
		}
		return ""
	}
	if err := run(ctx, []string{"migrate"}, getenv, strings.NewReader(""), io.Discard, io.Discard); err != nil {
		b.Fatal(err)
	}
	s, err := store.Open(ctx, dbURL)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	cfg, _ := config.Parse(getenv)
	a, err := New(cfg, s, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	hash, _ := auth.HashPassword("a long bench password")
	u, err := s.CreateUser(ctx, "bench@example.org", "Bench", hash)
	if err != nil {
		b.Fatal(err)
	}
	st, err := s.CreateStudy(ctx, u.ID, store.StudyInfo{Title: "Bench", Languages: []string{"en"}, MaxRounds: nRounds}, rounds.DefaultScale(1, 9))
	if err != nil {
		b.Fatal(err)
	}
	groups := []string{"clinician", "researcher", "patient", "policymaker"}
	countries := []string{"AU", "BR", "CA", "DE", "ES", "FR", "IN", "IT", "JP", "NL", "GB", "US"}
	var experts []store.NewExpert
	for i := range nExperts {
		experts = append(experts, store.NewExpert{Email: fmt.Sprintf("e%d@example.org", i), Name: fmt.Sprintf("Expert %d", i),
			Group: groups[i%len(groups)], Country: countries[i%len(countries)], Language: "en"})
	}
	if _, err := s.ImportExperts(ctx, st.ID, u.ID, experts); err != nil {
		b.Fatal(err)
	}
	var items []store.NewStatement
	for i := range nStatements {
		items = append(items, store.NewStatement{Text: fmt.Sprintf("Benchmark statement %d, about as long as a real statement in a study.", i+1), Section: "Bench"})
	}
	stmts, err := s.AddStatements(ctx, st.ID, u.ID, items)
	if err != nil {
		b.Fatal(err)
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
			b.Fatal(err)
		}
		if _, err := a.launchRound(ctx, st, r.ID, u.ID); err != nil {
			b.Fatal(err)
		}
		rss, _ := s.RoundStatements(ctx, r.ID)
		statuses, _ := s.RoundStatuses(ctx, r.ID)
		if err := bulkRatings(ctx, s, rng, statuses, rss); err != nil {
			b.Fatal(err)
		}
		if err := a.closeRound(ctx, st, r.ID, u.ID); err != nil {
			b.Fatal(err)
		}
		prev = rss
	}
	return a, s, st, u
}

// BenchmarkExportXLSXFromDB is GET /api/v1/studies/{id}/export.xlsx on a
// SQLite study of 1,000 experts × 500 statements × 3 rounds (1.5 million
// ratings): read the database, compute the results, write the workbook.
// The setup writes the ratings with bulk SQL (the rating form would take
// hours) and closes the rounds with the real closeRound.
func BenchmarkExportXLSXFromDB(b *testing.B) {
	ctx := context.Background()
	a, s, st, u := bigStudy(b)
	token, tokenHash := auth.NewToken()
	if _, err := s.CreateAPIToken(ctx, u.ID, tokenHash, "bench"); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(a.echo)
	defer srv.Close()
	// Peak memory the Go runtime holds from the OS during the exports,
	// sampled every 5 ms, after the setup's garbage is returned.
	runtime.GC()
	debug.FreeOSMemory()
	peak := watchMemory()
	defer func() { b.ReportMetric(float64(peak())/(1<<20), "peak-MiB") }()
	b.ResetTimer()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/api/v1/studies/%d/export.xlsx", srv.URL, st.ID), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("export: %d", resp.StatusCode)
		}
		b.ReportMetric(float64(n)/1e6, "MB/xlsx")
	}
}

// bulkRatings writes every invited expert's answers to every statement
// of a round and submits the invitations, in one transaction.
func bulkRatings(ctx context.Context, s *store.Store, rng *rand.Rand, statuses []store.ExpertStatus, rss []store.RoundStatement) error {
	db := s.DB()
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := time.Now().UTC()
	const batch = 1000
	args := make([]any, 0, 4*batch)
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		q := "INSERT INTO ratings (invitation_id, round_statement_id, rating, updated_at) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?), ", len(args)/4), ", ")
		_, err := tx.ExecContext(ctx, q, args...)
		args = args[:0]
		return err
	}
	for ei, es := range statuses {
		shift := ei % 3
		for _, rs := range rss {
			v := min(9, max(1, 4+shift+rng.IntN(4)))
			args = append(args, es.InvitationID, rs.ID, v, now)
			if len(args) == 4*batch {
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

// watchMemory samples the memory the Go runtime has mapped and not
// released (total minus released) until the returned function is called,
// which returns the largest sample.
func watchMemory() func() uint64 {
	samples := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	var max uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(samples)
			if v := samples[0].Value.Uint64() - samples[1].Value.Uint64(); v > max {
				max = v
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		return max
	}
}

// BenchmarkBuildReport times what closing a round computes: the report of
// every round so far (here the third of the big study), read from the
// database.
func BenchmarkBuildReport(b *testing.B) {
	ctx := context.Background()
	a, _, st, _ := bigStudy(b)
	for b.Loop() {
		if _, _, err := a.buildReport(ctx, st, 3); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFrozenFeedback times what preparing the next round computes
// from the last closed one: every statement's frozen feedback (figures,
// groups, chosen comments), read from the database.
func BenchmarkFrozenFeedback(b *testing.B) {
	ctx := context.Background()
	a, s, st, _ := bigStudy(b)
	rs, err := s.RoundsByStudy(ctx, st.ID)
	if err != nil {
		b.Fatal(err)
	}
	last := rs[len(rs)-1]
	rss, err := s.RoundStatements(ctx, last.ID)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		fs, err := a.newFeedbackSource(ctx, st, last, true)
		if err != nil {
			b.Fatal(err)
		}
		for _, x := range rss {
			if _, err := fs.feedback(x.ID, ""); err != nil {
				b.Fatal(err)
			}
		}
	}
}

package workflow_test

import (
	"context"
	"errors"
	"log/slog"
	"syscall"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/internal/results"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/internal/workflow/workflowtest"
	"github.com/delphi-platform/delphi/rounds"
)

// bigStudy is workflowtest.BigStudy on a fresh SQLite database.
func bigStudy(b *testing.B) (*workflow.Service, *store.Store, store.Study, store.User) {
	b.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, "sqlite:"+b.TempDir()+"/bench.db")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	flow := workflow.New(s, "http://127.0.0.1:8080", slog.New(slog.DiscardHandler), nil)
	st, u := workflowtest.BigStudy(b, s, flow)
	return flow, s, st, u
}

// BenchmarkCloseResults times what closing a round computes between its
// two transactions (workflow.CloseRound): the answers of every round so
// far (here all three of the big study) read from the database by the one
// loader, and their report.
func BenchmarkCloseResults(b *testing.B) {
	ctx := context.Background()
	flow, _, st, _ := bigStudy(b)
	defer reportCPU(b)()
	for b.Loop() {
		d, err := flow.LoadDataset(ctx, st, workflow.LoadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := report.Build(ctx, d.Input.Ratings, d.Input.Settings); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCloseResultsTwoCriteria is BenchmarkCloseResults for the big
// study rated on two criteria (3 million ratings): the one loader, each
// criterion's report and the combined decisions, as the close computes
// them.
func BenchmarkCloseResultsTwoCriteria(b *testing.B) {
	ctx := context.Background()
	s, err := store.Open(ctx, "sqlite:"+b.TempDir()+"/bench.db")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	flow := workflow.New(s, "http://127.0.0.1:8080", slog.New(slog.DiscardHandler), nil)
	st, _ := workflowtest.BigStudyScale(b, s, flow, workflowtest.BigCriteriaScale(2))
	defer reportCPU(b)()
	for b.Loop() {
		d, err := flow.LoadDataset(ctx, st, workflow.LoadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		rep, err := report.Build(ctx, d.Input.Ratings, d.Input.Settings)
		if err != nil {
			b.Fatal(err)
		}
		ext, err := results.CriteriaReport(ctx, d.Input, rep)
		if err != nil || len(ext.Rounds) != 3 || len(ext.Criteria) != 2 {
			b.Fatalf("criteria report: %v", err)
		}
	}
}

// reportCPU reports the CPU time (user and system, every thread of the
// process) per operation from now until the returned function is called:
// on a machine that others load, wall time says more about them than
// about the code.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() { b.ReportMetric((cpuTime()-start).Seconds()/float64(b.N), "cpu-s/op") }
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// errRollback undoes a benchmark's round, so that it can be prepared again.
var errRollback = errors.New("rollback")

// BenchmarkCreateNextRound times preparing the next round from the last
// closed one (workflow.CreateNextRound): every statement carried, with its
// feedback (figures, groups, the comments chosen to be shown) frozen from
// the answers read from the database. The study is given a fourth round
// and every statement of round 3 the decision "carry"; each round is
// created in a transaction that is rolled back.
func BenchmarkCreateNextRound(b *testing.B) {
	ctx := context.Background()
	_, s, st, u := bigStudy(b)
	if err := s.UpdateStudyInfo(ctx, st.ID, u.ID, store.StudyInfo{Title: st.Title, Languages: st.LanguageList(), MaxRounds: 4}); err != nil {
		b.Fatal(err)
	}
	all, err := s.RoundsByStudy(ctx, st.ID)
	if err != nil {
		b.Fatal(err)
	}
	last := all[len(all)-1]
	rss, err := s.RoundStatements(ctx, last.ID)
	if err != nil {
		b.Fatal(err)
	}
	err = s.Transact(ctx, func(tx *store.Store) error {
		for _, rs := range rss {
			if err := tx.SetDecision(ctx, rs.ID, u.ID, rounds.ProposeCarry, "the benchmark carries every statement"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if st, err = s.StudyByID(ctx, st.ID); err != nil {
		b.Fatal(err)
	}
	scope, groups := string(rounds.InvitePanel), true
	for b.Loop() {
		err := s.Transact(ctx, func(tx *store.Store) error {
			flow := workflow.New(tx, "http://127.0.0.1:8080", slog.New(slog.DiscardHandler), nil)
			r, err := flow.CreateNextRound(ctx, st, u.ID, workflow.RoundInput{Scope: &scope, ShowGroups: &groups})
			if err != nil {
				return err
			}
			if n, err := tx.StatementCount(ctx, r.ID); err != nil || n != len(rss) {
				b.Fatalf("round 4 has %d statements (%v); want %d", n, err, len(rss))
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			b.Fatal(err)
		}
	}
}

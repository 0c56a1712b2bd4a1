package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/config"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/workflow/workflowtest"
	"github.com/delphi-platform/delphi/rounds"
)

// bigStudy is the benchmarks' study (workflowtest.BigStudy) served by the
// whole application.
func bigStudy(b *testing.B) (*App, *store.Store, store.Study, store.User) {
	b.Helper()
	return bigStudyScale(b, rounds.DefaultScale(1, 9))
}

// bigStudyScale is bigStudy with the study's scale sc (several criteria:
// workflowtest.BigCriteriaScale).
func bigStudyScale(b *testing.B, sc rounds.Scale) (*App, *store.Store, store.Study, store.User) {
	b.Helper()
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
	st, u := workflowtest.BigStudyScale(b, s, a.flow, sc)
	return a, s, st, u
}

// BenchmarkExportXLSXFromDB is GET /api/v1/studies/{id}/export.xlsx on a
// SQLite study of 1,000 experts × 500 statements × 3 rounds (1.5 million
// ratings): read the database, compute the results, write the workbook.
// The setup writes the ratings with bulk SQL (the rating form would take
// hours) and closes the rounds with the real closeRound.
func BenchmarkExportXLSXFromDB(b *testing.B) {
	exportXLSXFromDB(b, bigStudy)
}

// BenchmarkExportXLSXFromDBTwoCriteria is BenchmarkExportXLSXFromDB for
// the big study rated on two criteria (3 million ratings): a sheet per
// criterion and the combined decisions.
func BenchmarkExportXLSXFromDBTwoCriteria(b *testing.B) {
	exportXLSXFromDB(b, func(b *testing.B) (*App, *store.Store, store.Study, store.User) {
		return bigStudyScale(b, workflowtest.BigCriteriaScale(2))
	})
}

func exportXLSXFromDB(b *testing.B, study func(*testing.B) (*App, *store.Store, store.Study, store.User)) {
	ctx := context.Background()
	a, s, st, u := study(b)
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
	cpu := cpuTime()
	defer func() { b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op") }()
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

// cpuTime is the CPU time (user and system, every thread) the process
// has used: on a machine that others load, wall time says more about them
// than about the code.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
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

// BenchmarkResultsTab is GET of each results tab of the big study
// (bigStudy: 1,000 experts × 500 statements × 3 rounds, SQLite) by its
// owner's browser, through the whole HTTP stack, once warm: each tab is
// requested once before it is timed.
func BenchmarkResultsTab(b *testing.B) {
	a, _, st, _ := bigStudy(b)
	srv := httptest.NewServer(a.echo)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	br := &browser{t: b, base: srv.URL, client: &http.Client{Jar: jar}}
	br.get("/login")
	if r := br.post("/login", url.Values{"email": {"bench@example.org"}, "password": {"a long bench password"}}); r.status != http.StatusOK {
		b.Fatalf("login: %d", r.status)
	}
	for _, tab := range []string{"results", "sensitivity", "attrition", "figures", "methods"} {
		path := fmt.Sprintf("/studies/%d/results", st.ID)
		if tab != "results" {
			path += "/" + tab
		}
		b.Run(tab, func(b *testing.B) {
			br.t = b
			if r := br.get(path); r.status != http.StatusOK { // warm-up
				b.Fatalf("%s: %d", path, r.status)
			}
			for b.Loop() {
				if r := br.get(path); r.status != http.StatusOK {
					b.Fatalf("%s: %d", path, r.status)
				}
			}
		})
	}
}

package web

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/auth"
)

// BenchmarkConcurrentLogins: 50 coordinators log in at the same moment,
// each with the right password (50 argon2 checks of 64 MiB), from 50
// addresses behind a trusted proxy (from one address, attempts beyond
// auth.AddressBurst in flight at once are refused before any check). The login
// guard runs at most auth.Slots of them at once, so the process's peak
// resident memory stays under 400 MB; every login still succeeds.
// docs/benchmarks.md ("Concurrent logins") has the numbers and the command:
//
//	go test -run '^$' -bench ConcurrentLogins -benchtime 3x ./internal/web/
func BenchmarkConcurrentLogins(b *testing.B) {
	env := newTestEnvWith(b, "sqlite", map[string]string{"DELPHI_TRUSTED_PROXIES": "127.0.0.1"})
	hash, err := auth.HashPassword("a long test password")
	if err != nil {
		b.Fatal(err)
	}
	const n = 50
	for i := range n {
		if _, err := env.store.CreateUser(context.Background(), "c"+strconv.Itoa(i)+"@example.org", "C", hash); err != nil {
			b.Fatal(err)
		}
	}
	var peak int64
	for b.Loop() {
		browsers := make([]*browser, n)
		for i := range browsers {
			browsers[i] = env.browserTB(b)
			browsers[i].get("/login")
		}
		resetPeakRSS(b)
		start := time.Now()
		var wg sync.WaitGroup
		failed := make(chan string, n)
		for i, br := range browsers {
			wg.Go(func() {
				r := br.postFrom("198.51.100."+strconv.Itoa(i), "/login", url.Values{"email": {"c" + strconv.Itoa(i) + "@example.org"}, "password": {"a long test password"}})
				if r.status != http.StatusOK || r.url != "/studies" {
					failed <- strconv.Itoa(r.status) + " at " + r.url
				}
			})
		}
		wg.Wait()
		close(failed)
		for f := range failed {
			b.Errorf("a login failed: %s", f)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/50-logins")
		peak = max(peak, peakRSS(b))
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MB")
	if peak > 400<<20 {
		b.Errorf("peak RSS %d MB; want under 400 MB", peak>>20)
	}
}

// resetPeakRSS makes the kernel restart the process's peak-RSS count
// (VmHWM), so peakRSS measures from here.
func resetPeakRSS(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Fatalf("cannot reset the peak RSS (Linux only): %v", err)
	}
}

// peakRSS is VmHWM of /proc/self/status in bytes.
func peakRSS(b *testing.B) int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb << 10
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}

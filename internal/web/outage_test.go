package web

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/mail/smtptest"
)

// EnvOutageExperts sets the panel size of TestSMTPOutageTwoInstances;
// CI runs 2,000, `make bench` runs 10,000 (docs/benchmarks.md).
const EnvOutageExperts = "DELPHI_TEST_OUTAGE_EXPERTS"

// buildBinary builds the delphi binary as `make build` does, into dir.
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "delphi")
	build := exec.Command("go", "build", "-o", bin, "../../server")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// TestSMTPOutageTwoInstances launches a round to a large panel while the
// mail server is down, with two real `delphi serve` processes on one
// PostgreSQL database. The server first refuses TCP connections, then
// answers 421 at the greeting, then recovers; afterwards every expert has
// exactly one invitation, and both processes took part in sending.
func TestSMTPOutageTwoInstances(t *testing.T) {
	t.Parallel() // waits on a browser or on timers: overlaps with the other such tests
	n := 2000
	if v := os.Getenv(EnvOutageExperts); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			t.Fatalf("%s=%q: want a number of experts", EnvOutageExperts, v)
		}
	}
	env := newTestEnv(t, "postgres")
	bin := buildBinary(t, t.TempDir())
	token := tokenFor(t, env, "coord@example.org")
	var st studyJSON
	decodeInto(t, env.api("POST", "/api/v1/studies", token, "application/json", `{"title":"Outage","scale_min":1,"scale_max":9}`), &st)
	sp := "/api/v1/studies/" + itoa(st.ID)
	env.api("POST", sp+"/statements", token, "application/json", `[{"text":"A"},{"text":"B"}]`)
	var panel strings.Builder
	panel.WriteString("email,name,stakeholder_group,country,language\n")
	for i := range n {
		fmt.Fprintf(&panel, "e%05d@example.org,Expert %d,,,en\n", i, i)
	}
	if r := env.api("POST", sp+"/panel", token, "text/csv", panel.String()); r.status != http.StatusOK && r.status != http.StatusCreated {
		t.Fatalf("panel import: %d %s", r.status, r.body)
	}
	r1 := decodeRound(t, env.api("POST", sp+"/rounds", token, "", ""))

	smtp := smtptest.Start(t)
	smtp.Stop() // phase 1: connection refused
	procEnv := []string{"DELPHI_DATABASE_URL=" + env.url, "DELPHI_LISTEN=127.0.0.1:0", "DELPHI_LOG_LEVEL=error",
		"DELPHI_SMTP_URL=" + smtp.URL(), "DELPHI_MAIL_RATE=100000", "DELPHI_BASE_URL=http://outage.test"}
	var bases []string
	for range 2 {
		cmd, base := startBinary(t, bin, procEnv)
		t.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() })
		bases = append(bases, base)
	}

	start := time.Now()
	req, _ := http.NewRequest("POST", bases[0]+"/api/v1/rounds/"+itoa(r1.ID)+"/launch", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("launch: %v %v", err, resp)
	}
	resp.Body.Close()
	t.Logf("launch of %d invitations answered in %v", n, time.Since(start).Round(time.Millisecond))

	time.Sleep(2 * time.Second)
	smtp.SetRefuseConnections(true) // phase 2: 421 at the greeting
	if err := smtp.Restart(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	if got := len(smtp.Messages()); got != 0 {
		t.Fatalf("%d messages arrived during the outage", got)
	}
	ctx := context.Background()
	counts, _ := env.store.OutboxCounts(ctx, r1.ID)
	if counts["pending"]+counts["sending"] != n {
		t.Errorf("during the outage: %v; want all %d waiting", counts, n)
	}
	smtp.SetRefuseConnections(false) // phase 3: recovered
	up := time.Now()
	msgs := smtp.WaitForMessages(n, 5*time.Minute)
	took := time.Since(up)
	var first time.Duration
	if len(msgs) > 0 {
		first = msgs[0].Received.Sub(up)
	}
	t.Logf("%d invitations received %v after the SMTP server came back (first after %v, so %v of sending)",
		len(msgs), took.Round(time.Millisecond), first.Round(time.Millisecond), (took - first).Round(time.Millisecond))

	// Every message has its final status, and every expert exactly one e-mail.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		counts, _ = env.store.OutboxCounts(ctx, r1.ID)
		if counts["sending"] == 0 && counts["pending"] == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if counts["sent"] != n || len(counts) != 1 {
		t.Errorf("outbox after recovery: %v; want %d sent", counts, n)
	}
	time.Sleep(500 * time.Millisecond) // nothing more may arrive
	msgs = smtp.Messages()
	perRecipient := map[string]int{}
	senders := map[string]int{}
	for _, m := range msgs {
		for _, to := range m.To {
			perRecipient[to]++
		}
		// Message-IDs are outbox-<id>.<per-process random part>@domain.
		id := m.Header.Get("Message-Id")
		if _, rest, ok := strings.Cut(id, "."); ok {
			senders[strings.SplitN(rest, "@", 2)[0]]++
		}
	}
	for i := range n {
		to := fmt.Sprintf("e%05d@example.org", i)
		if perRecipient[to] != 1 {
			t.Errorf("%s received %d invitations", to, perRecipient[to])
		}
	}
	if len(msgs) != n || len(perRecipient) != n {
		t.Errorf("%d messages to %d recipients; want %d each", len(msgs), len(perRecipient), n)
	}
	// Each process pauses on its own (up to 4 s after this outage), so with
	// a small panel the first one back may send everything; a panel that
	// takes longer than that to send must be shared.
	if len(senders) != 2 && took > 6*time.Second {
		t.Errorf("messages came from %d processes (%v); want both", len(senders), senders)
	}
	t.Logf("messages per process: %v", senders)
}

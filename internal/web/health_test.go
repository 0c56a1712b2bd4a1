package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/mail/smtptest"
	"github.com/delphi-platform/delphi/internal/store"
)

func TestReadiness(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			smtp := smtptest.Start(t)
			env := newTestEnvWith(t, engine, map[string]string{"DELPHI_SMTP_URL": smtp.URL()})
			if r := env.api("GET", "/healthz", "", "", ""); r.status != http.StatusOK {
				t.Errorf("healthz: %d", r.status)
			}
			r := env.api("GET", "/readyz", "", "", "")
			if r.status != http.StatusOK || !strings.Contains(r.body, `"ready":true`) || !strings.Contains(r.body, `"outbox":"ok"`) {
				t.Errorf("readyz on a healthy instance: %d %s", r.status, r.body)
			}
			// An e-mail due for an hour (no dispatcher runs in this test): stuck.
			ctx := context.Background()
			u, _ := env.store.CreateUser(ctx, "c@example.org", "C", "h")
			st, _ := env.store.CreateStudy(ctx, u.ID, store.StudyInfo{Title: "T", Languages: []string{"en"}, MaxRounds: 1}, defaultScaleForTest())
			if err := env.store.EnqueueMessages(ctx, []store.NewMessage{{StudyID: st.ID, Kind: "reminder", ToAddress: "x@example.org", Subject: "s", TextBody: "t", HTMLBody: "h"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := env.store.DB().ExecContext(ctx, env.store.DB().Rebind(`UPDATE outbox SET next_attempt_at = ?`), time.Now().UTC().Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
			r = env.api("GET", "/readyz", "", "", "")
			if r.status != http.StatusServiceUnavailable || !strings.Contains(r.body, "SMTP server reachable") {
				t.Errorf("readyz with a stuck outbox: %d %s", r.status, r.body)
			}
		})
	}
}

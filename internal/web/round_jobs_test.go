package web

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/mail/smtptest"
)

// TestRoundJobs checks the background work: a scheduled reminder goes out
// once, to those who have not submitted, and a round closes by itself at
// its deadline with its results computed.
func TestRoundJobs(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			smtp := smtptest.Start(t)
			env := newTestEnvWith(t, engine, map[string]string{"DELPHI_SMTP_URL": smtp.URL()})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go env.app.mailer.Run(ctx)
			token := tokenFor(t, env, "coord@example.org")
			r := env.api("POST", "/api/v1/studies", token, "application/json", `{"title":"Jobs","scale_min":1,"scale_max":5}`)
			var st studyJSON
			decodeInto(t, r, &st)
			sp := "/api/v1/studies/" + itoa(st.ID)
			env.api("POST", sp+"/statements", token, "application/json", `[{"text":"One"}]`)
			panel := "email,name,stakeholder_group,country,language\n"
			for i := 1; i <= 3; i++ {
				panel += fmt.Sprintf("e%d@example.org,E%d,,,en\n", i, i)
			}
			env.api("POST", sp+"/panel", token, "text/csv", panel)
			deadline := time.Now().UTC().Add(49 * time.Hour).Format(time.RFC3339)
			r1 := decodeRound(t, env.api("POST", sp+"/rounds", token, "application/json", `{"deadline":"`+deadline+`","reminder_days":"2"}`))
			env.api("POST", "/api/v1/rounds/"+itoa(r1.ID)+"/launch", token, "", "")
			msgs := smtp.WaitForMessages(3, 10*time.Second)
			env.expertRates(t, linkIn(t, msgs[0].Text), map[int64]string{r1.Statements[0].ID: "4"}, true)

			// The reminder is due 2 days before a deadline 49 hours away, in
			// an hour; nothing goes out yet. Then let the hour pass.
			smtp.Reset()
			env.app.flow.JobsOnce(ctx)
			if _, err := env.store.DB().ExecContext(ctx, env.store.DB().Rebind(`UPDATE reminders SET due_at = ? WHERE round_id = ?`), time.Now().UTC().Add(-time.Minute), r1.ID); err != nil {
				t.Fatal(err)
			}
			if len(smtp.Messages()) != 0 {
				t.Fatal("a reminder went out before it was due")
			}
			env.app.flow.JobsOnce(ctx)
			env.app.flow.JobsOnce(ctx) // a second pass must not remind again
			smtp.WaitForMessages(2, 10*time.Second)
			time.Sleep(200 * time.Millisecond) // would a third arrive?
			got := smtp.Messages()
			if len(got) != 2 {
				t.Fatalf("%d reminders; want 2 (3 invited, 1 submitted)", len(got))
			}
			for _, m := range got {
				if m.To[0] == msgs[0].To[0] || !strings.Contains(m.Subject, "Reminder") {
					t.Errorf("reminder to %v: %q", m.To, m.Subject)
				}
				// The reminder's fresh link works.
				b := env.browser()
				if r := b.get(strings.TrimPrefix(linkIn(t, m.Text), env.app.cfg.BaseURL)); r.url != "/e" {
					t.Errorf("reminder link ended at %s", r.url)
				}
			}

			// Move the deadline into the past: the job closes the round.
			if _, err := env.store.DB().ExecContext(ctx, env.store.DB().Rebind(`UPDATE rounds SET deadline = ? WHERE id = ?`), time.Now().UTC().Add(-time.Minute), r1.ID); err != nil {
				t.Fatal(err)
			}
			env.app.flow.JobsOnce(ctx)
			closed := decodeRound(t, env.api("GET", "/api/v1/rounds/"+itoa(r1.ID), token, "", ""))
			if closed.Status != "closed" || len(closed.Results) == 0 || closed.Statements[0].Proposal == "" {
				t.Errorf("after the deadline: status %s, results %d bytes, proposal %q", closed.Status, len(closed.Results), closed.Statements[0].Proposal)
			}
		})
	}
}

package main

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/mail/smtptest"
)

// TestFixAddressAndResend: an invitation to a mistyped address is refused
// for good by the mail server; the coordinator corrects the expert's
// address and sends it again, and it arrives there, with the link that
// works. Round 0's failed e-mails come back to the round 0 page.
func TestFixAddressAndResend(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { fixAddressAndResend(t, engine) })
	}
}

func fixAddressAndResend(t *testing.T, engine string) {
	smtp := smtptest.Start(t)
	env := newTestEnvWith(t, engine, map[string]string{"DELPHI_SMTP_URL": smtp.URL(), "DELPHI_SMTP_FROM": "Study team <study@example.org>"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go env.app.mailer.Run(ctx)
	s := newPanelStudy(t, env, smtp, []string{"One statement"}, []panelist{{"tia@exmaple.org", "Tia Typo", "Research", "en"}}, "")
	smtp.RefuseNextMessages(1, 550)
	var r1 roundJSON
	decodeInto(t, s.call(t, "POST", s.path+"/rounds", `{"deadline":"2099-06-04T17:00:00Z"}`), &r1)
	s.call(t, "POST", "/api/v1/rounds/"+itoa(r1.ID)+"/launch", "")
	var failedID int64
	for start := time.Now(); failedID == 0 && time.Since(start) < 10*time.Second; time.Sleep(20 * time.Millisecond) {
		ms, _ := env.store.OutboxByRound(context.Background(), r1.ID)
		if len(ms) == 1 && ms[0].Status == "failed" {
			failedID = ms[0].ID
		}
	}
	if failedID == 0 {
		t.Fatal("the refused invitation was not marked failed")
	}

	b := env.browser()
	b.get("/login")
	b.post("/login", url.Values{"email": {"coord@example.org"}, "password": {"a long test password"}})
	eid := expertID(t, env, s.id, "tia@exmaple.org")
	sp := "/studies/" + itoa(s.id)
	if r := b.post(sp+"/panel/experts/"+itoa(eid), url.Values{"email": {"tia@example.org"}, "name": {"Tia Typo"}, "group": {"Research"}, "country": {"NL"}, "language": {"en"}}); r.status != http.StatusOK {
		t.Fatalf("correct the address: %d", r.status)
	}
	r := b.post(sp+"/outbox/"+itoa(failedID)+"/resend", url.Values{})
	mustContain(t, "after resend", r.body, "will be sent again, to tia@example.org")
	msgs := smtp.WaitForMessages(1, 10*time.Second)
	if len(msgs) != 1 || msgs[0].To[0] != "tia@example.org" {
		t.Fatalf("delivered: %+v", msgs)
	}
	link := mustPath(t, linkIn(t, msgs[0].Text))
	if r := env.browser().get(link); r.url != "/e" {
		t.Errorf("the resent link: %d at %s", r.status, r.url)
	}
}

package web

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

// TestSendNewLink: the coordinator e-mails one expert of the open round a
// fresh link (the earlier one keeps working), audit-logged; not for an
// expert who declined or whose link was revoked, nor once the round is
// closed.
func TestSendNewLink(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newExpertStudy(t, env, nil, []string{"One statement"}, defaultPanel)
		statuses, err := env.store.RoundStatuses(context.Background(), s.round.ID)
		if err != nil {
			t.Fatal(err)
		}
		inv := map[string]int64{}
		for _, x := range statuses {
			inv[x.Email] = x.InvitationID
		}
		b := env.browser()
		b.get("/login")
		b.post("/login", url.Values{"email": {"coord@example.org"}, "password": {"a long test password"}})
		rp := "/studies/" + itoa(s.id) + "/rounds/" + itoa(s.round.ID)
		mustContain(t, "round page", b.get(rp).body, `action="`+rp+`/invitations/`+itoa(inv["e1@example.org"])+`/link"`)

		r := b.post(rp+"/invitations/"+itoa(inv["e1@example.org"])+"/link", url.Values{})
		mustContain(t, "after sending", r.body, "A new link is on its way to e1@example.org")
		ms, _ := env.store.OutboxByRound(context.Background(), s.round.ID) // newest first
		if ms[0].ToAddress != "e1@example.org" || ms[0].Kind != "invitation" {
			t.Fatalf("newest e-mail: %+v", ms[0])
		}
		fresh := mustPath(t, linkRE.FindString(ms[0].TextBody))
		if fresh == s.links["e1@example.org"] {
			t.Error("the new e-mail carries the old link")
		}
		for _, link := range []string{fresh, s.links["e1@example.org"]} {
			if r := env.browser().get(link); r.url != "/e" {
				t.Errorf("link %s: %d at %s", link, r.status, r.url)
			}
		}
		mustContain(t, "audit", b.get("/studies/"+itoa(s.id)+"/audit").body, "send new link")

		dec := env.browser()
		dec.get(s.links["e3@example.org"] + "/decline")
		dec.post(s.links["e3@example.org"]+"/decline", url.Values{})
		b.post(rp+"/invitations/"+itoa(inv["e2@example.org"])+"/revoke", url.Values{})
		for _, who := range []string{"e2@example.org", "e3@example.org"} {
			if r := b.post(rp+"/invitations/"+itoa(inv[who])+"/link", url.Values{}); r.status != http.StatusConflict {
				t.Errorf("%s: %d", who, r.status)
			}
		}
		s.close(t)
		if r := b.post(rp+"/invitations/"+itoa(inv["e4@example.org"])+"/link", url.Values{}); r.status != http.StatusConflict {
			t.Errorf("closed round: %d", r.status)
		}
	})
}

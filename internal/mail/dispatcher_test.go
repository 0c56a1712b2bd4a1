package mail_test

import (
	"context"
	"fmt"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/mail"
	"github.com/delphi-platform/delphi/internal/mail/smtptest"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/store/storetest"
	"github.com/delphi-platform/delphi/rounds"
)

// queue creates a study with n experts and one open round, and queues one
// invitation per expert; it returns the round id.
func queue(t *testing.T, s *store.Store, n int) int64 {
	t.Helper()
	ctx := context.Background()
	u, err := s.CreateUser(ctx, "c@example.org", "C", "h")
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.CreateStudy(ctx, u.ID, store.StudyInfo{Title: "Mail study", Languages: []string{"en"}, MaxRounds: 3}, rounds.DefaultScale(1, 5))
	if err != nil {
		t.Fatal(err)
	}
	experts := make([]store.NewExpert, n)
	for i := range experts {
		experts[i] = store.NewExpert{Email: fmt.Sprintf("e%05d@example.org", i), Name: fmt.Sprintf("Expert %d", i)}
	}
	if _, err := s.ImportExperts(ctx, st.ID, u.ID, experts); err != nil {
		t.Fatal(err)
	}
	r, err := s.CreateRound(ctx, st.ID, u.ID, store.NewRound{Scope: rounds.InvitePanel})
	if err != nil {
		t.Fatal(err)
	}
	es, _ := s.ExpertsByStudy(ctx, st.ID)
	msgs := make([]store.NewMessage, len(es))
	for i, e := range es {
		secret := fmt.Sprintf("SECRET%05d", i)
		msgs[i] = store.NewMessage{StudyID: st.ID, RoundID: r.ID, ExpertID: e.ID, Kind: "invitation", ToAddress: e.Email, ToName: e.Name,
			Subject: "Invitation " + e.Email, TextBody: "Your link: https://x/r/" + secret, HTMLBody: "<p>Your link: https://x/r/" + secret + "</p>",
			ListUnsubscribe: "https://x/r/" + secret + "/decline", Secret: secret}
	}
	if err := s.EnqueueMessages(ctx, msgs); err != nil {
		t.Fatal(err)
	}
	return r.ID
}

func dispatcher(s *store.Store, srv *smtptest.Server) *mail.Dispatcher {
	return &mail.Dispatcher{Store: s, SMTP: srv.SMTP(), From: "Study <study@example.org>", BatchSize: 20,
		BackoffBase: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, Poll: 10 * time.Millisecond,
		OutagePause: 10 * time.Millisecond, MaxOutagePause: 50 * time.Millisecond}
}

// drain runs d until every message has a final status or the timeout passes.
func drain(t *testing.T, s *store.Store, roundID int64, ds ...*mail.Dispatcher) map[string]int {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, d := range ds {
		wg.Add(1)
		go func() { defer wg.Done(); d.Run(ctx) }()
	}
	deadline := time.Now().Add(60 * time.Second)
	var counts map[string]int
	for time.Now().Before(deadline) {
		counts, _ = s.OutboxCounts(context.Background(), roundID)
		if counts["pending"] == 0 && counts["sending"] == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	return counts
}

// exactlyOnce checks that every expert got exactly one message.
func exactlyOnce(t *testing.T, srv *smtptest.Server, n int) {
	t.Helper()
	seen := map[string]int{}
	for _, m := range srv.Messages() {
		seen[m.To[0]]++
	}
	if len(seen) != n {
		t.Errorf("%d experts received mail; want %d", len(seen), n)
	}
	for to, c := range seen {
		if c != 1 {
			t.Errorf("%s received %d messages", to, c)
		}
	}
}

func TestDispatcherSends(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		srv := smtptest.Start(t)
		roundID := queue(t, s, 30)
		counts := drain(t, s, roundID, dispatcher(s, srv))
		if counts["sent"] != 30 {
			t.Fatalf("counts %v", counts)
		}
		exactlyOnce(t, srv, 30)
		m := srv.Messages()[0]
		if !strings.Contains(m.Text, "Your link: https://x/r/SECRET") || !strings.Contains(m.HTML, "<p>Your link") || !strings.HasPrefix(m.Subject, "Invitation ") {
			t.Errorf("message parts: %q / %q / %q", m.Subject, m.Text, m.HTML)
		}
		for _, h := range []string{"List-Unsubscribe", "List-Unsubscribe-Post", "Message-Id", "Auto-Submitted"} {
			if m.Header.Get(h) == "" {
				t.Errorf("header %s missing", h)
			}
		}
		if !strings.HasPrefix(m.Header.Get("Message-Id"), "<outbox-") || m.From != "study@example.org" {
			t.Errorf("Message-Id %q, from %q", m.Header.Get("Message-Id"), m.From)
		}
		// The personal links are gone from the stored bodies once sent.
		stored, _ := s.OutboxByRound(context.Background(), roundID)
		for _, o := range stored {
			if strings.Contains(o.TextBody, "SECRET") || strings.Contains(o.HTMLBody, "SECRET") || o.Secret != "" || !o.SentAt.Valid {
				t.Fatalf("sent message still holds its link: %+v", o)
			}
		}
	})
}

// TestDispatcherRetryStorm: the server answers 451 to the first 25
// attempts; every message still arrives exactly once.
func TestDispatcherRetryStorm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		srv := smtptest.Start(t)
		srv.RefuseNextMessages(25, 451)
		roundID := queue(t, s, 20)
		if counts := drain(t, s, roundID, dispatcher(s, srv)); counts["sent"] != 20 {
			t.Fatalf("counts %v", counts)
		}
		exactlyOnce(t, srv, 20)
		stored, _ := s.OutboxByRound(context.Background(), roundID)
		retried := 0
		for _, o := range stored {
			if o.Attempts > 1 {
				retried++
			}
		}
		if retried == 0 {
			t.Error("no message records a retry")
		}
	})
}

// TestDispatcherPermanentFailure: a 550 is final, with the server's reply.
func TestDispatcherPermanentFailure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		srv := smtptest.Start(t)
		srv.RefuseNextMessages(1, 550)
		roundID := queue(t, s, 3)
		counts := drain(t, s, roundID, dispatcher(s, srv))
		if counts["failed"] != 1 || counts["sent"] != 2 {
			t.Fatalf("counts %v", counts)
		}
		stored, _ := s.OutboxByRound(context.Background(), roundID)
		for _, o := range stored {
			if o.Status == "failed" && (!strings.Contains(o.LastError, "550") || o.Attempts != 1) {
				t.Errorf("failed row: attempts %d, error %q", o.Attempts, o.LastError)
			}
		}
	})
}

// TestDispatcherOutage: the server turns connections away for a while;
// after it recovers every message arrives once.
func TestDispatcherOutage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		srv := smtptest.Start(t)
		srv.SetRefuseConnections(true)
		roundID := queue(t, s, 40)
		time.AfterFunc(300*time.Millisecond, func() { srv.SetRefuseConnections(false) })
		if counts := drain(t, s, roundID, dispatcher(s, srv)); counts["sent"] != 40 {
			t.Fatalf("counts %v", counts)
		}
		exactlyOnce(t, srv, 40)
		// The server never saw them during the outage: no attempt is charged,
		// so no message waits out a backoff of its own after recovery.
		stored, _ := s.OutboxByRound(context.Background(), roundID)
		for _, o := range stored {
			if o.Attempts != 1 {
				t.Fatalf("message %d: %d attempts after an outage; want 1", o.ID, o.Attempts)
			}
		}
	})
}

// TestDispatcherServerDown: with the server's port closed (connection
// refused), the dispatcher pauses with a doubling pause instead of
// claiming the queue over and over; it sends everything once the server
// is back.
func TestDispatcherServerDown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		srv := smtptest.Start(t)
		srv.Stop()
		roundID := queue(t, s, 30)
		d := dispatcher(s, srv)
		d.OutagePause, d.MaxOutagePause = 20*time.Millisecond, 80*time.Millisecond
		ctx := context.Background()
		// Poll every 5 ms until the dispatcher has claimed four times: with
		// pauses of 20, 40 and 80 ms between claims that takes at least
		// 140 ms, where claiming at every poll would take 15. Only a lower
		// bound on time is checked, so a slow machine cannot fail it.
		claims := 0
		start := time.Now()
		for claims < 4 && time.Since(start) < 20*time.Second {
			n, err := d.SendOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n > 0 {
				claims++
			}
			time.Sleep(5 * time.Millisecond)
		}
		if elapsed := time.Since(start); claims < 4 || elapsed < 140*time.Millisecond {
			t.Errorf("%d claims in %v while the server was down; want 4, paced by pauses of 20, 40, 80 ms", claims, elapsed)
		}
		counts, _ := s.OutboxCounts(ctx, roundID)
		if counts["pending"] != 30 {
			t.Errorf("while down: %v", counts)
		}
		if err := srv.Restart(); err != nil {
			t.Fatal(err)
		}
		if counts := drain(t, s, roundID, d); counts["sent"] != 30 {
			t.Fatalf("after restart: %v", counts)
		}
		exactlyOnce(t, srv, 30)
	})
}

// TestDispatcherRestartMidSend stops a dispatcher in the middle of its
// work and starts a new one: nothing is lost, nothing sent twice. A row a
// crashed process left "sending" becomes "uncertain", never resent.
func TestDispatcherRestartMidSend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		srv := smtptest.Start(t)
		roundID := queue(t, s, 60)
		d1 := dispatcher(s, srv)
		d1.Rate = 200 // slow enough to stop half-way
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { d1.Run(ctx); close(done) }()
		srv.WaitForMessages(15, 10*time.Second)
		cancel()
		<-done
		counts, _ := s.OutboxCounts(context.Background(), roundID)
		if counts["sending"] != 0 || counts["sent"] == 60 {
			t.Fatalf("after stopping half-way: %v", counts)
		}
		if counts := drain(t, s, roundID, dispatcher(s, srv)); counts["sent"] != 60 {
			t.Fatalf("after restart: %v", counts)
		}
		exactlyOnce(t, srv, 60)

		// A crash: a claim whose lease expired without an outcome.
		roundID2 := queue2(t, s)
		claimed, err := s.ClaimMessages(context.Background(), 1, time.Millisecond)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
		before := len(srv.Messages())
		counts = drain(t, s, roundID2, dispatcher(s, srv))
		if counts["uncertain"] != 1 || counts["sent"] != 1 || len(srv.Messages()) != before+1 {
			t.Errorf("after a crash: %v, %d new messages", counts, len(srv.Messages())-before)
		}
	})
}

// queue2 queues two more messages, in a second round of the same study.
func queue2(t *testing.T, s *store.Store) int64 {
	t.Helper()
	ctx := context.Background()
	db := s.DB()
	var studyID, roundID int64
	if err := db.GetContext(ctx, &studyID, `SELECT id FROM studies LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	if err := db.GetContext(ctx, &roundID, db.Rebind(`INSERT INTO rounds (study_id, number, status, created_at) VALUES (?, 2, 'draft', ?) RETURNING id`), studyID, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	var msgs []store.NewMessage
	for i := 0; i < 2; i++ {
		msgs = append(msgs, store.NewMessage{StudyID: studyID, RoundID: roundID, Kind: "reminder", ToAddress: fmt.Sprintf("late%d@example.org", i), Subject: "r", TextBody: "t", HTMLBody: "h"})
	}
	if err := s.EnqueueMessages(ctx, msgs); err != nil {
		t.Fatal(err)
	}
	return roundID
}

// TestTwoDispatchers runs two dispatchers, each with its own connection
// pool as two server processes would have, on one database: 2,000
// invitations, each delivered exactly once.
func TestTwoDispatchers(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			url := storetest.URL(t, engine)
			ctx := context.Background()
			open := func() *store.Store {
				s, err := store.Open(ctx, url)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				return s
			}
			s1, s2 := open(), open()
			if _, err := s1.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			srv := smtptest.Start(t)
			roundID := queue(t, s1, 2000)
			start := time.Now()
			d1, d2 := dispatcher(s1, srv), dispatcher(s2, srv)
			d1.BatchSize, d2.BatchSize = 50, 50
			counts := drain(t, s1, roundID, d1, d2)
			t.Logf("%s: 2,000 invitations by two dispatchers in %v", engine, time.Since(start).Round(time.Millisecond))
			if counts["sent"] != 2000 {
				t.Fatalf("counts %v", counts)
			}
			exactlyOnce(t, srv, 2000)
		})
	}
}

// TestDeclinedExpertGetsNoMail: a pending message to an expert who
// declined is cancelled, not sent.
func TestDeclinedExpertGetsNoMail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		srv := smtptest.Start(t)
		roundID := queue(t, s, 3)
		es, _ := s.OutboxByRound(context.Background(), roundID)
		if err := s.DeclineExpert(context.Background(), es[0].ExpertID.Int64); err != nil {
			t.Fatal(err)
		}
		counts := drain(t, s, roundID, dispatcher(s, srv))
		if counts["sent"] != 2 || counts["cancelled"] != 1 || len(srv.Messages()) != 2 {
			t.Errorf("counts %v, %d received", counts, len(srv.Messages()))
		}
	})
}

// TestDispatcherRate: at 50 messages a second, 60 messages take over a second.
func TestDispatcherRate(t *testing.T) {
	s := storetest.Open(t, "sqlite")
	srv := smtptest.Start(t)
	roundID := queue(t, s, 60)
	d := dispatcher(s, srv)
	d.Rate = 50
	start := time.Now()
	drain(t, s, roundID, d)
	if el := time.Since(start); el < time.Second {
		t.Errorf("60 messages at 50/s took %v", el)
	}
	exactlyOnce(t, srv, 60)
}

// TestDispatcherQuotesNames: any name makes a valid To header, quoted or
// encoded by net/mail: a backslash and quote (which go-mail's
// AddToFormat left unbuildable), quotes, a comma, non-ASCII letters, and
// a line break that must not start a header of its own.
func TestDispatcherQuotesNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		srv := smtptest.Start(t)
		names := []string{`Ana \"Q\" Doe`, `Bo "the Boss" Ek\`, "Cy Ünal, PhD", "Di\r\nBcc: evil@example.org"}
		roundID := queue(t, s, len(names))
		msgs, err := s.OutboxByRound(ctx, roundID)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{} // address → name
		for i, m := range msgs {
			if err := s.UpdateExpert(ctx, m.StudyID, m.ExpertID.Int64, store.NewExpert{Email: m.ToAddress, Name: names[i], Language: "en"}); err != nil {
				t.Fatal(err)
			}
			want[m.ToAddress] = names[i]
		}
		counts := drain(t, s, roundID, dispatcher(s, srv))
		if counts["sent"] != len(names) {
			stored, _ := s.OutboxByRound(ctx, roundID)
			for _, m := range stored {
				t.Logf("%s: %s %s", m.ToName, m.Status, m.LastError)
			}
			t.Fatalf("counts %v; want all %d sent", counts, len(names))
		}
		for _, m := range srv.Messages() {
			if len(m.Header["Bcc"]) > 0 {
				t.Errorf("a name started a Bcc header: %q", m.Header["Bcc"])
			}
			to, err := netmail.ParseAddress(m.Header.Get("To"))
			if err != nil {
				t.Errorf("To %q: %v", m.Header.Get("To"), err)
				continue
			}
			if to.Name != want[to.Address] {
				t.Errorf("To %q reads back as name %q; want %q", m.Header.Get("To"), to.Name, want[to.Address])
			}
		}
	})
}

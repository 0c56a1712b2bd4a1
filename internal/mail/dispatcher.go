package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"net/mail"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/delphi-platform/delphi/internal/config"
	"github.com/delphi-platform/delphi/internal/store"
)

// Dispatcher sends the outbox over SMTP. Run it in one goroutine per
// process; several processes may share one database.
//
// A message is never sent twice: a dispatcher claims rows under a lease
// ("sending"), marks each one "sent" as soon as the server accepted it,
// and puts the rest back when it stops. If a process dies in the middle of
// one message, that message is marked "uncertain" after its lease and is
// resent only by hand, because the server may already have accepted it.
type Dispatcher struct {
	Store *store.Store
	SMTP  config.SMTP
	From  string // "Name <address>"
	Rate  int    // messages per second at most; 0 means no limit
	Log   *slog.Logger

	BatchSize   int           // messages per connection (default 50)
	Lease       time.Duration // how long a claim lasts (default 5 minutes)
	BackoffBase time.Duration // first retry delay (default 30 s), doubling per attempt
	MaxBackoff  time.Duration // longest retry delay (default 1 hour)
	Poll        time.Duration // how often Run looks for due messages (default 1 s)
	// When the server cannot be reached at all, the dispatcher pauses
	// instead of charging every queued message a failed attempt: first for
	// OutagePause (default 1 s), doubling up to MaxOutagePause (default
	// 30 s), and sends the whole queue as soon as a connection works again.
	OutagePause    time.Duration
	MaxOutagePause time.Duration

	once   sync.Once
	nudge  chan struct{}
	suffix string // random part of Message-IDs, per dispatcher

	// Outage state, used only by the goroutine that runs SendOnce.
	pause      time.Duration // the current pause; 0 while the server answers
	pauseUntil time.Time
}

func (d *Dispatcher) init() {
	d.once.Do(func() {
		d.nudge = make(chan struct{}, 1)
		if d.BatchSize <= 0 {
			d.BatchSize = 50
		}
		if d.Lease <= 0 {
			d.Lease = 5 * time.Minute
		}
		if d.BackoffBase <= 0 {
			d.BackoffBase = 30 * time.Second
		}
		if d.MaxBackoff <= 0 {
			d.MaxBackoff = time.Hour
		}
		if d.Poll <= 0 {
			d.Poll = time.Second
		}
		if d.OutagePause <= 0 {
			d.OutagePause = time.Second
		}
		if d.MaxOutagePause <= 0 {
			d.MaxOutagePause = 30 * time.Second
		}
		if d.Log == nil {
			d.Log = slog.New(slog.DiscardHandler)
		}
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		d.suffix = hex.EncodeToString(b)
	})
}

// Notify wakes Run at once, e.g. after a round launch queued invitations.
func (d *Dispatcher) Notify() {
	d.init()
	select {
	case d.nudge <- struct{}{}:
	default:
	}
}

// Run sends due messages until ctx ends, then returns after putting back
// anything it had claimed but not sent.
func (d *Dispatcher) Run(ctx context.Context) {
	d.init()
	t := time.NewTicker(d.Poll)
	defer t.Stop()
	for {
		if n, err := d.Store.MarkStaleMessagesUncertain(context.WithoutCancel(ctx)); err != nil {
			d.Log.Warn("mail: stale messages", "err", err)
		} else if n > 0 {
			d.Log.Warn("mail: messages left sending by a stopped dispatcher are now uncertain", "count", n)
		}
		for ctx.Err() == nil {
			n, err := d.SendOnce(ctx)
			if err != nil {
				d.Log.Warn("mail: send", "err", err)
				break
			}
			if n == 0 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.nudge:
		}
	}
}

// SendOnce claims one batch and sends it over one connection. It returns
// how many messages it handled (sent, retried, failed or put back because
// the server could not be reached). While the server is unreachable it
// returns 0 until the current pause is over. Call it from one goroutine.
func (d *Dispatcher) SendOnce(ctx context.Context) (int, error) {
	d.init()
	if time.Now().Before(d.pauseUntil) {
		return 0, nil
	}
	db := context.WithoutCancel(ctx) // record outcomes even while stopping
	batch, err := d.Store.ClaimMessages(db, d.BatchSize, d.Lease)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	client, err := d.dial(ctx)
	if err != nil {
		d.outage(db, batch, "could not connect to the SMTP server: "+err.Error())
		return len(batch), nil
	}
	defer client.Close()
	if d.pause > 0 {
		d.Log.Info("mail: the SMTP server answers again", "after_pause", d.pause)
		d.pause = 0
	}
	var interval time.Duration
	if d.Rate > 0 {
		interval = time.Second / time.Duration(d.Rate)
	}
	// Accepted messages are marked sent in groups: one commit per group
	// instead of one per message. Until its group is committed a message
	// stays "sending" under the lease, so a crash in between makes it
	// "uncertain" (never resent automatically), as before.
	var accepted []int64
	var since time.Time
	flush := func() error {
		err := d.Store.MarkMessagesSent(db, accepted...)
		accepted = accepted[:0]
		return err
	}
	defer func() {
		if err := flush(); err != nil {
			d.Log.Error("mail: mark sent", "err", err)
		}
	}()
	for i, m := range batch {
		if ctx.Err() != nil {
			d.release(db, batch[i:])
			return i, nil
		}
		start := time.Now()
		msg, err := d.message(m)
		if err != nil {
			_ = d.Store.MarkMessageFailed(db, m.ID, "cannot build the message: "+err.Error())
			continue
		}
		if err := client.Send(msg); err != nil {
			if d.handleSendError(db, m, err) {
				// The connection is gone: put the rest back, untried.
				d.outage(db, batch[i+1:], "connection to the SMTP server lost: "+err.Error())
				return len(batch), nil
			}
		} else {
			if len(accepted) == 0 {
				since = time.Now()
			}
			accepted = append(accepted, m.ID)
			if len(accepted) >= markGroup || time.Since(since) >= markDelay {
				if err := flush(); err != nil {
					return i, err
				}
			}
		}
		if wait := interval - time.Since(start); wait > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
		}
	}
	return len(batch), nil
}

// A group of accepted messages is marked sent when it has markGroup
// messages or its first one was accepted markDelay ago.
const (
	markGroup = 25
	markDelay = time.Second
)

// handleSendError records a failed send and reports whether the
// connection is unusable. 4xx replies and connection problems are retried
// later; 5xx replies are permanent failures.
func (d *Dispatcher) handleSendError(db context.Context, m store.OutboxMessage, err error) bool {
	reply := err.Error()
	var se *gomail.SendError
	temp, connLost := true, true // an error that is no SendError: the connection failed
	if errors.As(err, &se) {
		temp = se.IsTemp()
		if code := se.ErrorCode(); code >= 500 && code < 600 {
			temp = false
		} else if code >= 400 && code < 500 {
			temp = true
		}
		connLost = se.Reason == gomail.ErrConnCheck
	}
	if temp {
		next := time.Now().Add(d.backoff(m.Attempts))
		if e := d.Store.MarkMessageRetry(db, m.ID, reply, next); e != nil {
			d.Log.Error("mail: mark retry", "id", m.ID, "err", e)
		}
		d.Log.Info("mail: temporary failure, will retry", "id", m.ID, "attempt", m.Attempts, "next", next, "reply", reply)
		return connLost
	}
	if e := d.Store.MarkMessageFailed(db, m.ID, reply); e != nil {
		d.Log.Error("mail: mark failed", "id", m.ID, "err", e)
	}
	d.Log.Warn("mail: permanent failure", "id", m.ID, "to", m.ToAddress, "reply", reply)
	return false
}

// backoff doubles from BackoffBase per attempt, capped, with ±20 % jitter
// so that many messages failing together do not retry together.
func (d *Dispatcher) backoff(attempts int) time.Duration {
	b := float64(d.BackoffBase) * math.Pow(2, float64(max(attempts-1, 0)))
	b = math.Min(b, float64(d.MaxBackoff))
	return time.Duration(b * (0.8 + 0.4*mrand.Float64()))
}

// outage handles a server that cannot be reached: the messages go back to
// the queue without counting an attempt (the server never saw them, so
// their own backoff would only delay them once it is back), and this
// dispatcher pauses, doubling the pause while the outage lasts.
func (d *Dispatcher) outage(db context.Context, ms []store.OutboxMessage, reply string) {
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	if err := d.Store.ReleaseMessages(db, ids, reply); err != nil {
		d.Log.Error("mail: put back", "count", len(ids), "err", err)
	}
	if d.pause == 0 {
		d.pause = d.OutagePause
	} else {
		d.pause = min(2*d.pause, d.MaxOutagePause)
	}
	d.pauseUntil = time.Now().Add(d.pause)
	d.Log.Warn("mail: the SMTP server cannot be reached; pausing", "pause", d.pause, "reply", reply)
}

// release puts claimed, unsent messages back at once (a graceful stop).
func (d *Dispatcher) release(db context.Context, ms []store.OutboxMessage) {
	for _, m := range ms {
		if err := d.Store.MarkMessageRetry(db, m.ID, "", time.Now()); err != nil {
			d.Log.Error("mail: release", "id", m.ID, "err", err)
		}
	}
}

func (d *Dispatcher) dial(ctx context.Context) (*gomail.Client, error) {
	opts := []gomail.Option{gomail.WithPort(d.SMTP.Port), gomail.WithTimeout(30 * time.Second)}
	switch d.SMTP.TLS {
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case "tls":
		opts = append(opts, gomail.WithSSL())
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if d.SMTP.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(d.SMTP.Username), gomail.WithPassword(d.SMTP.Password))
	}
	c, err := gomail.NewClient(d.SMTP.Host, opts...)
	if err != nil {
		return nil, err
	}
	if err := c.DialWithContext(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// message builds the MIME message of an outbox row: text and HTML
// alternatives, a stable Message-ID, one-click unsubscribe headers.
func (d *Dispatcher) message(m store.OutboxMessage) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(d.From); err != nil {
		return nil, fmt.Errorf("from %q: %w", d.From, err)
	}
	// The name is quoted (or encoded) by net/mail whatever it holds:
	// go-mail's AddToFormat puts it between quotes as it is, so a name
	// with a backslash or a quote made the message impossible to build.
	to, err := mail.ParseAddress(m.ToAddress)
	if err != nil {
		return nil, fmt.Errorf("to %q: %w", m.ToAddress, err)
	}
	msg.AddToMailAddress(&mail.Address{Name: m.ToName, Address: to.Address})
	msg.Subject(m.Subject)
	msg.SetBodyString(gomail.TypeTextPlain, m.TextBody)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTMLBody)
	domain := "localhost"
	if a, err := mail.ParseAddress(d.From); err == nil {
		if _, dom, ok := strings.Cut(a.Address, "@"); ok {
			domain = dom
		}
	}
	msg.SetMessageIDWithValue(fmt.Sprintf("outbox-%d.%s@%s", m.ID, d.suffix, domain))
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	if m.ListUnsubscribe != "" {
		msg.SetGenHeader(gomail.HeaderListUnsubscribe, "<"+m.ListUnsubscribe+">")
		msg.SetGenHeader(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	}
	return msg, nil
}

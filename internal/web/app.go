package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/config"
	"github.com/delphi-platform/delphi/internal/i18n"
	"github.com/delphi-platform/delphi/internal/mail"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// App holds everything the handlers need; it is built once in cmdServe
// (or by a test) and never stored in a package variable.
type App struct {
	cfg          config.Config
	store        *store.Store
	log          *slog.Logger
	pages        pages
	loginLimiter *auth.Limiter // failed logins, per IP and per e-mail
	tokenLimiter *auth.Limiter // unknown link tokens and API tokens, per IP
	echo         *echo.Echo
	mailer       *mail.Dispatcher    // nil when no SMTP server is configured
	i18n         *i18n.Catalog       // the expert pages' text in every language
	feedback     sync.Map            // rendered group feedback (feedbackKey → HTML); feedback is frozen, so never stale
	ratings      *store.RatingWriter // the experts' autosaves, with group commit; closed after the server stops
	visits       visitCache          // experts' visits for the autosave, for 2 s (visit_cache.go)
	roundSizes   sync.Map            // round id → number of statements (fixed at creation)
	live         sync.Map            // real-time tallies per round (round id → liveTallies), for a second (expert_realtime.go)
}

// notifyMail wakes the dispatcher after e-mails were queued.
func (a *App) notifyMail() {
	if a.mailer != nil {
		a.mailer.Notify()
	}
}

// New builds the web application: the coordinators' pages, the experts'
// pages and the JSON API over one store.
func New(cfg config.Config, s *store.Store, log *slog.Logger) (*App, error) {
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	cat, err := i18n.New()
	if err != nil {
		return nil, err
	}
	a := &App{
		i18n:         cat,
		ratings:      store.NewRatingWriter(s),
		cfg:          cfg,
		store:        s,
		log:          log,
		pages:        p,
		loginLimiter: auth.NewLimiter(10, 30*time.Second),       // failed logins
		tokenLimiter: auth.NewLimiter(50, 200*time.Millisecond), // unknown links and API tokens
	}
	if cfg.SMTPURL != "" {
		smtp, err := config.ParseSMTPURL(cfg.SMTPURL)
		if err != nil {
			return nil, err
		}
		a.mailer = &mail.Dispatcher{Store: s, SMTP: smtp, From: cfg.SMTPFrom, Rate: cfg.MailRate, Log: log}
	}
	a.echo = a.routes()
	return a, nil
}

// NewLogger is the platform's logger: text or JSON, with the request id
// of the request being served in every line.
func NewLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(requestIDHandler{slog.NewJSONHandler(w, opts)})
	}
	return slog.New(requestIDHandler{slog.NewTextHandler(w, opts)})
}

// Handler serves every route (routes.go).
func (a *App) Handler() http.Handler { return a.echo }

// Close writes the experts' queued autosaves; call it after the HTTP
// server stopped and before the store closes.
func (a *App) Close() { a.ratings.Close() }

// RunJobs runs the background jobs until ctx ends: expired sessions,
// rounds at their deadline, scheduled reminders, e-mail.
func (a *App) RunJobs(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a.cleanSessions(ctx) }()
	go func() { defer wg.Done(); a.runRoundJobs(ctx, 30*time.Second) }()
	if a.mailer != nil {
		wg.Add(1)
		go func() { defer wg.Done(); a.mailer.Run(ctx) }()
	}
	wg.Wait()
}

// runRoundJobs closes rounds whose deadline passed, queues scheduled
// reminders, and erases panels whose retention period is over. Both are rows in the database first, so nothing is lost
// across restarts, and each is done once even with several instances
// (closing twice fails; a reminder is claimed before it is sent).
func (a *App) runRoundJobs(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		a.roundJobsOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (a *App) roundJobsOnce(ctx context.Context) {
	defer a.eraseExpiredPanels(ctx)
	due, err := a.store.DueRounds(ctx)
	if err != nil && ctx.Err() == nil {
		a.log.Warn("due rounds", "err", err)
	}
	for _, r := range due {
		st, err := a.store.StudyByID(ctx, r.StudyID)
		if err == nil {
			err = a.closeRound(ctx, st, r.ID, 0)
		}
		if err != nil && !errors.Is(err, rounds.ErrRoundNotOpen) {
			a.log.Error("close round at deadline", "round_id", r.ID, "err", err)
		} else if err == nil {
			a.log.Info("closed round at its deadline", "round_id", r.ID)
		}
	}
	a.realtimeSnapshotsOnce(ctx, time.Now()) // issue #8: real-time snapshots, round 0 deadlines
	a.sendDueIdeaReminders(ctx)
	a.closeDueIdeaRounds(ctx)
	reminders, err := a.store.DueReminders(ctx)
	if err != nil && ctx.Err() == nil {
		a.log.Warn("due reminders", "err", err)
	}
	for _, rem := range reminders {
		claimed, err := a.store.MarkReminderDone(ctx, rem.ID)
		if err != nil || !claimed {
			continue
		}
		r, err := a.store.RoundByID(ctx, rem.RoundID)
		if err != nil {
			continue
		}
		st, err := a.store.StudyByID(ctx, r.StudyID)
		if err == nil {
			var n int
			n, err = a.remindRound(ctx, st, r.ID, 0)
			a.log.Info("scheduled reminder", "round_id", r.ID, "queued", n)
		}
		if err != nil {
			a.log.Error("scheduled reminder", "round_id", r.ID, "err", err)
		}
	}
}

// cleanSessions deletes expired coordinator sessions every hour.
func (a *App) cleanSessions(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := a.store.DeleteExpiredSessions(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("clean sessions", "err", err)
		} else if n > 0 {
			a.log.Info("cleaned expired sessions", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

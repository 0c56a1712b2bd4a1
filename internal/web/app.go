package web

import (
	"context"
	"html/template"
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
	"github.com/delphi-platform/delphi/internal/workflow"
)

// App holds everything the handlers need; it is built once in cmdServe
// (or by a test) and never stored in a package variable.
type App struct {
	cfg          config.Config
	store        *store.Store
	flow         *workflow.Service // every action of the pages and the API
	log          *slog.Logger
	pages        pages
	logins       *auth.LoginGuard // password checks: limits, bounded argon2 work (login_check.go)
	tokenLimiter *auth.Limiter    // unknown link tokens and API tokens, per IP
	echo         *echo.Echo
	mailer       *mail.Dispatcher                          // nil when no SMTP server is configured
	i18n         *i18n.Catalog                             // the expert pages' text in every language
	feedback     *boundedCache[feedbackKey, template.HTML] // rendered group feedback (expert_feedback.go)
	ratings      *store.RatingWriter                       // the experts' autosaves, with group commit; closed after the server stops
	visits       visitCache                                // experts' visits for the autosave, for 2 s (visit_cache.go)
	roundLink    linkKind                                  // the rounds' personal links (handlers_expert.go)
	ideaLink     linkKind                                  // round 0's (ideas.go)
	roundSizes   *boundedCache[int64, int]                 // round id → number of statements (fixed at creation)
	live         *boundedCache[int64, liveTallies]         // real-time tallies per round, for a second (expert_realtime.go)
	// Accounts (handlers_recovery.go, handlers_twofactor.go).
	resetLimiter *auth.Limiter  // password-reset requests, per IP and per e-mail
	codeLimiter  *auth.Limiter  // wrong second-factor codes, per account
	accountMail  sync.WaitGroup // account e-mails being sent (mailAccount)
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
		feedback:     newBoundedCache[feedbackKey, template.HTML](100_000),
		roundSizes:   newBoundedCache[int64, int](10_000),
		live:         newBoundedCache[int64, liveTallies](1_000),
		logins:       auth.NewLoginGuard(),
		tokenLimiter: auth.NewLimiter(50, 200*time.Millisecond), // unknown links and API tokens
		roundLink:    roundLinks(s),
		ideaLink:     ideaLinks(s),
		resetLimiter: auth.NewLimiter(5, time.Minute),
		codeLimiter:  auth.NewLimiter(10, time.Minute),
	}
	if cfg.SMTPURL != "" {
		smtp, err := config.ParseSMTPURL(cfg.SMTPURL)
		if err != nil {
			return nil, err
		}
		a.mailer = &mail.Dispatcher{Store: s, SMTP: smtp, From: cfg.SMTPFrom, Rate: cfg.MailRate, Log: log}
	}
	a.flow = workflow.New(s, cfg.BaseURL, log, a.notifyMail)
	a.flow.UseCatalog(cat)
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
func (a *App) Close() {
	a.ratings.Close()
	a.accountMail.Wait()
}

// RunJobs runs the background jobs until ctx ends: expired sessions,
// rounds at their deadline, scheduled reminders, e-mail.
func (a *App) RunJobs(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a.flow.CleanSessions(ctx) }()
	go func() { defer wg.Done(); a.flow.RunJobs(ctx, 30*time.Second) }()
	if a.mailer != nil {
		wg.Add(1)
		go func() { defer wg.Done(); a.mailer.Run(ctx) }()
	}
	wg.Wait()
}

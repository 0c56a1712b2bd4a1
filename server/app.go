package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/config"
	"github.com/delphi-platform/delphi/internal/store"
)

// app holds everything the handlers need; it is built once in cmdServe
// (or by a test) and never stored in a package variable.
type app struct {
	cfg          config.Config
	store        *store.Store
	log          *slog.Logger
	pages        pages
	loginLimiter *auth.Limiter // per IP and per e-mail
	tokenLimiter *auth.Limiter // per IP, for API tokens
	echo         *echo.Echo
}

func newApp(cfg config.Config, s *store.Store, log *slog.Logger) (*app, error) {
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	a := &app{
		cfg:          cfg,
		store:        s,
		log:          log,
		pages:        p,
		loginLimiter: auth.NewLimiter(10, 30*time.Second),
		tokenLimiter: auth.NewLimiter(300, 100*time.Millisecond),
	}
	a.echo = a.routes()
	return a, nil
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// cmdServe starts the web server and its background jobs, and stops them
// gracefully when ctx ends: in-flight requests finish first.
func cmdServe(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, s, err := openCurrentStore(ctx, getenv)
	if err != nil {
		return err
	}
	defer s.Close()
	log := newLogger(cfg, stderr)
	a, err := newApp(cfg, s, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	srv := &http.Server{Handler: a.echo, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}

	jobs, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); a.cleanSessions(jobs) }()

	fmt.Fprintf(stdout, "Delphi is running: open %s/login (listening on %s, database %s)\n", cfg.BaseURL, ln.Addr(), s.Dialect())
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case err = <-serveErr:
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		err = srv.Shutdown(shutdownCtx)
		cancel()
	}
	stopJobs()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// cleanSessions deletes expired coordinator sessions every hour.
func (a *app) cleanSessions(ctx context.Context) {
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

package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// Serve listens on addr and serves the application with its background
// jobs until ctx ends, then stops gracefully: in-flight requests finish
// first, and the queued autosaves are written before it returns.
func (a *App) Serve(ctx context.Context, addr, baseURL string, stdout io.Writer) error {
	defer a.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: a.echo, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}

	jobs, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { a.RunJobs(jobs) })

	fmt.Fprintf(stdout, "Delphi is running: open %s/login (listening on %s, database %s)\n", baseURL, ln.Addr(), a.store.Dialect())
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

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
	srv := newHTTPServer(a.echo)

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

// The HTTP server's timeouts: a client that sends its request slowly (one
// byte a second, to hold connections open) is cut off, while an honest
// upload or a long export still fits.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = time.Minute     // the whole request: a 4 MiB upload at 70 kB/s fits
	writeTimeout      = 5 * time.Minute // from the end of the headers to the last byte of an export
	idleTimeout       = 2 * time.Minute // between requests on a kept-alive connection
)

// newHTTPServer is the server Serve runs (TestSlowRequestsAreCut).
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout,
		WriteTimeout: writeTimeout, IdleTimeout: idleTimeout}
}

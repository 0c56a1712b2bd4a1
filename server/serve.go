package main

import (
	"context"
	"io"

	"github.com/delphi-platform/delphi/internal/web"
)

// cmdServe starts the web server and its background jobs, and stops them
// gracefully when ctx ends: in-flight requests finish first.
func cmdServe(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, s, err := openCurrentStore(ctx, getenv)
	if err != nil {
		return err
	}
	defer s.Close()
	a, err := web.New(cfg, s, web.NewLogger(cfg, stderr))
	if err != nil {
		return err
	}
	return a.Serve(ctx, cfg.Listen, cfg.BaseURL, stdout)
}

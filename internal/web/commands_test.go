package web

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/config"
	"github.com/delphi-platform/delphi/internal/demo"
	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/internal/store"
)

// run does what the delphi commands these tests use do (server/commands.go
// is package main, tested in server/): migrate, demo, user add, token add,
// backup, analyze and serve, each through the same functions.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "analyze" {
		return report.RunAnalyze(ctx, args[1:], stdin, stdout, stderr)
	}
	cfg, err := config.Parse(getenv)
	if err != nil {
		return err
	}
	s, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer s.Close()
	flag := func(name string) string {
		for i, a := range args {
			if a == "--"+name && i+1 < len(args) {
				return args[i+1]
			}
		}
		return ""
	}
	switch strings.Join(args[:min(2, len(args))], " ") {
	case "serve":
		a, err := New(cfg, s, NewLogger(cfg, stderr))
		if err != nil {
			return err
		}
		return a.Serve(ctx, cfg.Listen, cfg.BaseURL, stdout)
	case "migrate":
		_, err = s.Migrate(ctx)
		return err
	case "demo":
		return demo.Load(ctx, s, auth.HashPassword, cfg.BaseURL, stdout)
	case "user add":
		pw, _ := bufio.NewReader(stdin).ReadString('\n')
		hash, err := auth.HashPassword(strings.TrimRight(pw, "\r\n"))
		if err != nil {
			return err
		}
		_, err = s.CreateUser(ctx, flag("email"), flag("name"), hash)
		return err
	case "token add":
		u, err := s.UserByEmail(ctx, flag("email"))
		if err != nil {
			return err
		}
		token, hash := auth.NewToken()
		if _, err := s.CreateAPIToken(ctx, u.ID, hash, "test"); err != nil {
			return err
		}
		_, err = fmt.Fprintln(stdout, token)
		return err
	case "backup --out":
		return s.Backup(ctx, flag("out"))
	}
	return fmt.Errorf("the tests have no command %q", args)
}

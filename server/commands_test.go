package main

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/store/storetest"
)

// TestServeRefusesOldSchema: serve (and the account commands) stop with a
// clear instruction on a database whose schema is behind, rather than fail
// later in confusing ways.
func TestServeRefusesOldSchema(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			url := storetest.URL(t, engine)
			getenv := func(k string) string {
				if k == "DELPHI_DATABASE_URL" {
					return url
				}
				if k == "DELPHI_LISTEN" {
					return "127.0.0.1:0"
				}
				return ""
			}
			for _, args := range [][]string{{"serve"}, {"token", "add", "--email", "x@example.org"}, {"demo"}} {
				err := run(context.Background(), args, getenv, strings.NewReader(""), io.Discard, io.Discard)
				if err == nil || !strings.Contains(err.Error(), "run `delphi migrate` first") {
					t.Errorf("%v on an unmigrated database: %v", args, err)
				}
			}
		})
	}
}

func TestUnknownCommand(t *testing.T) {
	err := run(context.Background(), []string{"frobnicate"}, func(string) string { return "" }, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "unknown command") || !strings.Contains(err.Error(), "usage: delphi") {
		t.Errorf("unknown command: %v", err)
	}
}

// cmdEnv runs delphi commands on a fresh database of one engine.
type cmdEnv struct{ url string }

func newCmdEnv(t *testing.T, engine string) *cmdEnv {
	t.Helper()
	env := &cmdEnv{url: storetest.URL(t, engine)}
	if err := env.run(nil, "migrate"); err != nil {
		t.Fatal(err)
	}
	return env
}

func (env *cmdEnv) getenv(k string) string {
	switch k {
	case "DELPHI_DATABASE_URL":
		return env.url
	case "DELPHI_LISTEN":
		return "127.0.0.1:0"
	}
	return ""
}

func (env *cmdEnv) run(out io.Writer, args ...string) error { return env.runStdin("", out, args...) }

func (env *cmdEnv) runStdin(stdin string, out io.Writer, args ...string) error {
	if out == nil {
		out = io.Discard
	}
	return run(context.Background(), args, env.getenv, strings.NewReader(stdin), out, io.Discard)
}

// TestUserCommands: `delphi user add` makes an account that can log in
// with its password, `delphi user password` resets a forgotten one and
// ends the account's sessions; unknown accounts and weak passwords are
// refused with a clear message.
func TestUserCommands(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			env := newCmdEnv(t, engine)
			var out strings.Builder
			if err := env.runStdin("a long test password\n", &out, "user", "add", "--email", "ana@example.org", "--name", "Ana"); err != nil || !strings.Contains(out.String(), "created coordinator Ana <ana@example.org>") {
				t.Fatalf("user add: %v %q", err, out.String())
			}
			if err := env.runStdin("a long test password\n", nil, "user", "add", "--email", "ana@example.org", "--name", "Ana"); err == nil || !strings.Contains(err.Error(), "already exists") {
				t.Errorf("second user add: %v", err)
			}
			ctx := context.Background()
			s, err := store.Open(ctx, env.url)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			u, err := s.UserByEmail(ctx, "ana@example.org")
			if err != nil {
				t.Fatal(err)
			}
			if err := s.CreateSession(ctx, "session-hash", u.ID, time.Hour); err != nil {
				t.Fatal(err)
			}
			out.Reset()
			if err := env.runStdin("reset by the admin\n", &out, "user", "password", "--email", "ana@example.org"); err != nil || !strings.Contains(out.String(), "new password set for Ana") {
				t.Fatalf("user password: %v %q", err, out.String())
			}
			if u, err = s.UserByEmail(ctx, "ana@example.org"); err != nil || auth.CheckPassword(u.PasswordHash, "reset by the admin") != nil {
				t.Errorf("the reset password does not match: %v", err)
			}
			if _, err := s.UserBySession(ctx, "session-hash"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("the reset left a session: %v", err)
			}
			if err := env.runStdin("reset by the admin\n", nil, "user", "password", "--email", "nobody@example.org"); err == nil || !strings.Contains(err.Error(), "no account for nobody@example.org") {
				t.Errorf("unknown account: %v", err)
			}
			if err := env.runStdin("short\n", nil, "user", "password", "--email", "ana@example.org"); err == nil || !strings.Contains(err.Error(), "at least 10") {
				t.Errorf("short password: %v", err)
			}
		})
	}
}

// TestBackupCommand runs `delphi backup` on the demo database and opens the copy.
func TestBackupCommand(t *testing.T) {
	env := newCmdEnv(t, "sqlite")
	if err := env.run(nil, "demo"); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "copy.db")
	var stdout strings.Builder
	if err := env.run(&stdout, "backup", "--out", out); err != nil || !strings.Contains(stdout.String(), out) {
		t.Fatalf("backup: %v %q", err, stdout.String())
	}
	copy, err := store.Open(context.Background(), "sqlite:"+out)
	if err != nil {
		t.Fatal(err)
	}
	defer copy.Close()
	es, err := copy.ExpertsByStudy(context.Background(), 1)
	if err != nil || len(es) != 57 {
		t.Errorf("the copy has %d experts: %v", len(es), err)
	}
	if err := env.run(nil, "backup"); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("backup without --out: %v", err)
	}
}

package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/config"
	"github.com/delphi-platform/delphi/internal/demo"
	"github.com/delphi-platform/delphi/internal/panelcsv"
	"github.com/delphi-platform/delphi/internal/store"
)

// openStore parses the configuration and opens the database.
func openStore(ctx context.Context, getenv func(string) string) (config.Config, *store.Store, error) {
	cfg, err := config.Parse(getenv)
	if err != nil {
		return cfg, nil, err
	}
	s, err := store.Open(ctx, cfg.DatabaseURL)
	return cfg, s, err
}

// openCurrentStore opens the database and refuses a schema that is behind:
// running on an old schema would fail later in confusing ways.
func openCurrentStore(ctx context.Context, getenv func(string) string) (config.Config, *store.Store, error) {
	cfg, s, err := openStore(ctx, getenv)
	if err != nil {
		return cfg, nil, err
	}
	cur, latest, err := s.SchemaVersion(ctx)
	if err != nil {
		s.Close()
		return cfg, nil, err
	}
	if cur < latest {
		s.Close()
		return cfg, nil, fmt.Errorf("the database schema is at version %d but this program needs %d: run `delphi migrate` first (make run does this for you)", cur, latest)
	}
	return cfg, s, nil
}

func cmdMigrate(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	_, s, err := openStore(ctx, getenv)
	if err != nil {
		return err
	}
	defer s.Close()
	applied, err := s.Migrate(ctx)
	if err != nil {
		return err
	}
	cur, _, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database schema at version %d (%d migration(s) applied now)\n", cur, len(applied))
	return nil
}

func cmdUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	const usage = "usage: delphi user add --email E --name N [--password-stdin]\n       delphi user password --email E [--password-stdin]"
	if len(args) == 0 || (args[0] != "add" && args[0] != "password") {
		return errors.New(usage)
	}
	cmd := "user " + args[0]
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	email := fs.String("email", "", "the coordinator's e-mail address (the login)")
	name := fs.String("name", "", "the coordinator's name")
	fs.Bool("password-stdin", true, "read the password from the first line of stdin (always on)")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	if err := panelcsv.ValidateEmail(*email); err != nil {
		return fmt.Errorf("%s: --email: %w", cmd, err)
	}
	if args[0] == "add" && strings.TrimSpace(*name) == "" {
		return errors.New("user add: --name is required")
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: read password: %w", cmd, err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if err := auth.CheckPasswordStrength(pw); err != nil {
		return fmt.Errorf("%s: %w (give it on stdin, e.g. printf '%%s\\n' \"$PW\" | delphi %s …)", cmd, err, cmd)
	}
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return err
	}
	_, s, err := openCurrentStore(ctx, getenv)
	if err != nil {
		return err
	}
	defer s.Close()
	if args[0] == "password" {
		// For a coordinator who forgot the password: set a new one and end
		// every session of the account.
		u, err := s.UserByEmail(ctx, *email)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("user password: there is no account for %s", *email)
		}
		if err != nil {
			return err
		}
		if err := s.SetUserPassword(ctx, u.ID, hash); err != nil {
			return err
		}
		// The operator vouches for the account: its owner may now accept
		// other studies' invitations (see store.AcceptMembership).
		if err := s.ConfirmUser(ctx, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "new password set for %s <%s>; their sessions are ended\n", u.Name, u.Email)
		return nil
	}
	u, err := s.CreateUser(ctx, *email, *name, hash)
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("user add: an account for %s already exists", *email)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created coordinator %s <%s>\n", u.Name, u.Email)
	return nil
}

func cmdToken(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: delphi token add --email E [--label L]")
	}
	fs := flag.NewFlagSet("token add", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	email := fs.String("email", "", "the coordinator whose token this is")
	label := fs.String("label", "command line", "a note to recognise the token by")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("token add: %w", err)
	}
	_, s, err := openCurrentStore(ctx, getenv)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := s.UserByEmail(ctx, *email)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("token add: no coordinator account for %q", *email)
	}
	if err != nil {
		return err
	}
	token, hash := auth.NewToken()
	if _, err := s.CreateAPIToken(ctx, u.ID, hash, *label); err != nil {
		return err
	}
	// Only the token on stdout, so that scripts can capture it.
	_, err = fmt.Fprintln(stdout, token)
	return err
}

func cmdDemo(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, s, err := openCurrentStore(ctx, getenv)
	if err != nil {
		return err
	}
	defer s.Close()
	return demo.Load(ctx, s, auth.HashPassword, cfg.BaseURL, stdout)
}

// cmdBackup writes a consistent copy of a live SQLite database.
func cmdBackup(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("out", "", "the file to write (must not exist)")
	if err := fs.Parse(args); err != nil || *out == "" {
		return errors.New("usage: delphi backup --out FILE (SQLite; for PostgreSQL use pg_dump)")
	}
	_, s, err := openStore(ctx, getenv)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Backup(ctx, *out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s\n", *out)
	return nil
}

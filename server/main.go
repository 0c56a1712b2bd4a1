// Command delphi runs the Delphi consensus study platform: the web server
// for coordinators and experts, and the commands to administer it.
//
//	delphi [serve]                      start the web server (the default)
//	delphi migrate                      bring the database schema up to date
//	delphi user add --email E --name N  create a coordinator account (password on stdin)
//	delphi user password --email E      set a new password for an account (on stdin)
//	delphi token add --email E          print a new API token for a coordinator
//	delphi demo                         load the demo study (once; idempotent)
//	delphi backup --out FILE            copy a live SQLite database
//	delphi analyze [flags] FILE         consensus statistics for a ratings CSV (long or --wide)
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "delphi:", err)
		os.Exit(1)
	}
}

const usage = `usage: delphi <command> [flags]

commands:
  serve                               start the web server (default)
  migrate                             apply pending database migrations
  user add --email E --name N [--password-stdin]
                                      create a coordinator account; the password is read from stdin
  user password --email E [--password-stdin]
                                      set a new password (from stdin) and end the account's sessions
  token add --email E [--label L]     print a new API token for that coordinator
  demo                                load the demo study (idempotent) and print its login
  backup --out FILE                   write a consistent copy of a live SQLite database
  analyze --scale MIN-MAX [flags] FILE|-
                                      consensus statistics for ratings from any survey tool;
                                      --wide reads one row per expert (LimeSurvey, REDCap,
                                      Qualtrics), --round N FILE once per round (docs/analyze.md)

configuration comes from DELPHI_* environment variables; see README.md.
`

// run is the whole program, with its environment passed in so that tests
// can run any command in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return cmdServe(ctx, getenv, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, getenv, stdout)
	case "user":
		return cmdUser(ctx, args, getenv, stdin, stdout)
	case "token":
		return cmdToken(ctx, args, getenv, stdout)
	case "demo":
		return cmdDemo(ctx, getenv, stdout)
	case "backup":
		return cmdBackup(ctx, args, getenv, stdout)
	case "analyze":
		return cmdAnalyze(ctx, args, stdin, stdout, stderr)
	case "help", "-h", "--help":
		_, err := io.WriteString(stdout, usage)
		return err
	}
	return fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
}

package main

import (
	"context"
	"io"
	"strings"
	"testing"

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

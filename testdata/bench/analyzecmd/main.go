// Command analyzecmd is a stand-alone driver for the analysis benchmark: it
// runs report.RunAnalyze exactly as `delphi analyze` does, so compare.sh
// does not depend on the server package compiling, and with -gen it writes
// the synthetic benchmark study instead.
//
//	go build -o /tmp/delphi-analyze ./testdata/bench/analyzecmd
//	/tmp/delphi-analyze -gen /tmp/ratings.csv         # 1,000 × 500 × 3 study
//	/tmp/delphi-analyze --scale 1-9 /tmp/ratings.csv  # = delphi analyze …
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/internal/report/synth"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 2 && args[0] == "-gen" {
		f, err := os.Create(args[1])
		if err != nil {
			return err
		}
		if err := synth.Write(f, synth.Bench()); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	return report.RunAnalyze(ctx, args, os.Stdin, os.Stdout, os.Stderr)
}

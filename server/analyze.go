package main

import (
	"context"
	"io"

	"github.com/delphi-platform/delphi/internal/report"
)

// cmdAnalyze is `delphi analyze`: the consensus statistics of the platform
// for a ratings CSV from any survey tool, in long form or as the tools
// export it (--wide: one row per expert, one column per statement;
// docs/analyze.md).
func cmdAnalyze(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return report.RunAnalyze(ctx, args, stdin, stdout, stderr)
}

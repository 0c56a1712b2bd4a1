package main

import (
	"context"
	"io"

	"github.com/delphi-platform/delphi/internal/report"
)

// cmdAnalyze is `delphi analyze`: the consensus statistics of the platform
// for a ratings CSV from any survey tool (docs/analyze.md).
func cmdAnalyze(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return report.RunAnalyze(ctx, args, stdin, stdout, stderr)
}

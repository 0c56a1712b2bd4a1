package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/export"
	"github.com/delphi-platform/delphi/internal/results"
	"github.com/delphi-platform/delphi/internal/workflow"
)

// The researcher exports. The same handlers serve the pages (session) and
// the API (bearer token); researchers, coordinators and owners may read.

// resultsOf computes the results of the request's study; before round 1
// closes there are none, which is a conflict, not a server error.
func (a *App) resultsOf(c echo.Context) (*workflow.Dataset, *results.Results, error) {
	d, res, err := a.flow.StudyResults(c.Request().Context(), study(c))
	if errors.Is(err, results.ErrNoClosedRound) {
		return nil, nil, echo.NewHTTPError(http.StatusConflict, "there are no results yet: round 1 has not closed")
	}
	return d, res, err
}

// download returns a writer for a file download; name gets the study id.
// The headers go out with the first byte, so an error before that still
// becomes a proper error response.
func download(c echo.Context, contentType, name string) io.Writer {
	return &lazyDownload{c: c, contentType: contentType, name: fmt.Sprintf("study-%d-%s", study(c).ID, name)}
}

type lazyDownload struct {
	c                 echo.Context
	contentType, name string
	started           bool
}

func (d *lazyDownload) Write(p []byte) (int, error) {
	if !d.started {
		d.started = true
		h := d.c.Response().Header()
		h.Set(echo.HeaderContentType, d.contentType)
		if d.name != "" {
			h.Set(echo.HeaderContentDisposition, `attachment; filename="`+d.name+`"`)
		}
		h.Set("Cache-Control", "no-store")
		d.c.Response().WriteHeader(http.StatusOK)
	}
	return d.c.Response().Write(p)
}

// getResults serves the results in the analyze JSON schema (plus flow,
// attrition, sensitivity and lineage) or the consensus table as CSV.
func (a *App) getResults(c echo.Context) error {
	format := c.QueryParam("format")
	if format != "" && format != "json" && format != "csv" {
		return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("format %q: want json or csv", format))
	}
	if sub := c.QueryParam("subgroup"); sub != "" {
		if format == "csv" {
			return echo.NewHTTPError(http.StatusBadRequest, "format csv: the results by subgroup come as JSON only; leave format out")
		}
		return a.getSplitResults(c, sub)
	}
	d, res, err := a.resultsOf(c)
	if err != nil {
		return err
	}
	if format == "csv" {
		return export.WriteConsensusCSV(download(c, "text/csv; charset=utf-8", "consensus.csv"), res)
	}
	lin, err := a.flow.LineageRows(c.Request().Context(), study(c), d)
	if err != nil {
		return err
	}
	return export.WriteJSON(&lazyDownload{c: c, contentType: echo.MIMEApplicationJSON}, res, lin)
}

func (a *App) exportXLSX(c echo.Context) error {
	d, res, err := a.resultsOf(c)
	if err != nil {
		return err
	}
	open, err := a.flow.OpenAnswerRows(c.Request().Context(), study(c), d)
	if err != nil {
		return err
	}
	pd, err := a.flow.PanelDescription(c.Request().Context(), study(c))
	if err != nil {
		return err
	}
	splits, err := a.allSplits(c, d, res)
	if err != nil {
		return err
	}
	estimates, err := a.estimatesSheet(c.Request().Context(), study(c)) // numeric rounds (results_numeric.go)
	if err != nil {
		return err
	}
	extra := append(panelSheet(pd), subgroupSheet(splits, res.Report.Settings.Quantile, results.OtherQuantile(res.Input.Settings.Quantile).String())...)
	return export.WriteXLSX(download(c, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "results.xlsx"), res, d.Comments, open, append(extra, estimates...)...)
}

func (a *App) exportRawCSV(c echo.Context) error {
	d, _, err := a.resultsOf(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	write := export.WriteRawCSV
	if d.Input.Criteria != nil { // a row per criterion, with its name
		write = export.WriteRawCriteriaCSV
	}
	return write(download(c, "text/csv; charset=utf-8", "raw.csv"), func(yield func(export.RawRow) error) error {
		return a.flow.RawRows(ctx, study(c), d, yield)
	})
}

func (a *App) exportCodebook(c echo.Context) error {
	_, res, err := a.resultsOf(c)
	if err != nil {
		return err
	}
	return export.WriteResultsCodebook(download(c, "text/plain; charset=utf-8", "codebook.txt"), res)
}

func (a *App) exportLineageCSV(c echo.Context) error {
	d, _, err := a.resultsOf(c)
	if err != nil {
		return err
	}
	rows, err := a.flow.LineageRows(c.Request().Context(), study(c), d)
	if err != nil {
		return err
	}
	return export.WriteLineageCSV(download(c, "text/csv; charset=utf-8", "lineage.csv"), rows)
}

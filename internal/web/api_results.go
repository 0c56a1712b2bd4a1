package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/export"
	"github.com/delphi-platform/delphi/internal/results"
	"github.com/delphi-platform/delphi/internal/store"
)

// The researcher exports. The same handlers serve the pages (session) and
// the API (bearer token); researchers, coordinators and owners may read.

// resultsOf computes the results of the request's study; before round 1
// closes there are none, which is a conflict, not a server error.
func (a *App) resultsOf(c echo.Context) (*studyData, *results.Results, error) {
	d, res, err := a.studyResults(c.Request().Context(), study(c))
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
	d, res, err := a.resultsOf(c)
	if err != nil {
		return err
	}
	if format == "csv" {
		return export.WriteConsensusCSV(download(c, "text/csv; charset=utf-8", "consensus.csv"), res)
	}
	lin, err := a.lineageRows(c.Request().Context(), study(c), d)
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
	return export.WriteXLSX(download(c, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "results.xlsx"), res, d.comments)
}

func (a *App) exportRawCSV(c echo.Context) error {
	d, _, err := a.resultsOf(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	return export.WriteRawCSV(download(c, "text/csv; charset=utf-8", "raw.csv"), func(yield func(export.RawRow) error) error {
		return a.rawRows(ctx, d, yield)
	})
}

func (a *App) exportCodebook(c echo.Context) error {
	_, res, err := a.resultsOf(c)
	if err != nil {
		return err
	}
	return export.WriteCodebook(download(c, "text/plain; charset=utf-8", "codebook.txt"), res.Report.Settings)
}

func (a *App) exportLineageCSV(c echo.Context) error {
	d, _, err := a.resultsOf(c)
	if err != nil {
		return err
	}
	rows, err := a.lineageRows(c.Request().Context(), study(c), d)
	if err != nil {
		return err
	}
	return export.WriteLineageCSV(download(c, "text/csv; charset=utf-8", "lineage.csv"), rows)
}

// rawRows yields every submitted answer of the closed rounds, round by
// round in questionnaire order, with the expert's pseudonym.
func (a *App) rawRows(ctx context.Context, d *studyData, yield func(export.RawRow) error) error {
	byID := make(map[int64]store.Expert, len(d.experts))
	for _, e := range d.experts {
		byID[e.ID] = e
	}
	for _, rl := range d.lineage {
		rsByID := map[int64]store.RoundStatement{}
		for _, rs := range rl.statements {
			rsByID[rs.ID] = rs
		}
		err := a.store.ForEachAnswer(ctx, rl.round.ID, true, func(x store.Answer) error {
			answer := answerOf(store.Rating{Rating: x.Rating, Unable: x.Unable})
			if answer == analysis.Missing && x.Comment == "" {
				return nil
			}
			rs, e := rsByID[x.RoundStatementID], byID[x.ExpertID]
			return yield(export.RawRow{Expert: d.pseudonym[x.ExpertID], Group: e.Group, Country: e.Country, Round: rl.round.Number,
				Statement: d.keyOf[rs.ID], Version: d.versions[rs.StatementID].Version, Answer: answer, Comment: x.Comment})
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// lineageRows lists every statement version of every round (also the
// open one), why it changed, which comments prompted it and its decision.
func (a *App) lineageRows(ctx context.Context, st store.Study, d *studyData) ([]export.LineageRow, error) {
	all, err := a.store.RoundsByStudy(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	lin, keyOf, err := a.lineage(ctx, all, all[len(all)-1].Number)
	if err != nil {
		return nil, err
	}
	links := map[int64]store.StatementLink{}
	for _, l := range d.links {
		links[l.StatementID] = l
	}
	// Comments that prompted statements, by invitation and round statement.
	type ref struct{ inv, rs int64 }
	wanted := map[ref]bool{}
	for _, refs := range d.sources {
		for _, r := range refs {
			wanted[ref{r.InvitationID, r.RoundStatementID}] = true
		}
	}
	comments := map[ref]string{}
	if len(wanted) > 0 {
		for _, r := range all {
			withComments, err := a.store.CommentsByRound(ctx, r.ID)
			if err != nil {
				return nil, err
			}
			for _, rr := range withComments {
				if k := (ref{rr.InvitationID, rr.RoundStatementID}); wanted[k] {
					comments[k] = d.pseudonym[rr.ExpertID] + ": " + rr.Comment
				}
			}
		}
	}
	proposals, err := a.store.ProposalLinks(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	fromProposals := map[int64][]string{}
	for _, p := range proposals {
		text := p.ProposalText
		if p.Theme != "" {
			text = p.Theme + ": " + text
		}
		fromProposals[p.StatementID] = append(fromProposals[p.StatementID], text)
	}
	var out []export.LineageRow
	seen := map[int64]bool{}
	for _, rl := range lin {
		decisions, err := a.store.DecisionsByRound(ctx, rl.round.ID)
		if err != nil {
			return nil, err
		}
		for _, rs := range rl.statements {
			row := export.LineageRow{Statement: keyOf[rs.ID], Version: d.versions[rs.StatementID].Version, Round: rl.round.Number,
				Origin: rs.Origin, Text: rs.Text, Decision: decisions[rs.ID].Decision}
			if !seen[rs.StatementID] {
				if l, ok := links[rs.StatementID]; ok {
					row.Change, row.Reason = l.Kind, l.Reason
				}
				for _, r := range d.sources[rs.StatementID] {
					row.PromptedBy = append(row.PromptedBy, comments[ref{r.InvitationID, r.RoundStatementID}])
				}
				row.FromProposals = fromProposals[rs.StatementID]
			}
			seen[rs.StatementID] = true
			out = append(out, row)
		}
	}
	return out, nil
}

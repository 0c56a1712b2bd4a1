package web

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/realtime"
	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/rounds"
)

func (a *App) apiGetRealtime(c echo.Context) error {
	out, _, err := a.flow.RealtimeAnalysis(c.Request().Context(), study(c), time.Now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// apiRealtimeRatings is the raw export: the answers at every moment in the
// long CSV form `delphi analyze` reads, one round per moment (the moments'
// times are in GET …/realtime).
func (a *App) apiRealtimeRatings(c echo.Context) error {
	_, in, err := a.flow.RealtimeAnalysis(c.Request().Context(), study(c), time.Now())
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	c.Response().WriteHeader(http.StatusOK)
	return realtime.WriteCSV(c.Response(), in)
}

func (a *App) apiTakeSnapshot(c echo.Context) error {
	ctx := c.Request().Context()
	r, now, err := a.flow.TakeManualSnapshot(ctx, study(c), user(c).ID)
	if err != nil {
		return err
	}
	ms, err := a.flow.RealtimeMoments(ctx, r, now)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, ms)
}

func (a *App) takeSnapshotAction(c echo.Context) error {
	st := study(c)
	r, _, err := a.flow.TakeManualSnapshot(c.Request().Context(), st, user(c).ID)
	if err != nil {
		return err
	}
	setFlash(c, "Snapshot taken.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/rounds/%d", st.ID, r.ID))
}

// realtimeRow is one moment on the round page of a real-time study.
type realtimeRow struct {
	Moment realtime.Moment
	Round  report.RoundReport
}

// realtimeView is the real-time block of the round page.
type realtimeView struct {
	Revisions rounds.RevisionCounts
	Rows      []realtimeRow
}

func (a *App) realtimeViewOf(ctx context.Context, st store.Study) (*realtimeView, error) {
	rt, _, err := a.flow.RealtimeAnalysis(ctx, st, time.Now())
	if err != nil {
		return nil, err
	}
	v := &realtimeView{Revisions: rt.Revisions}
	for i, m := range rt.Moments {
		v.Rows = append(v.Rows, realtimeRow{Moment: m, Round: rt.Report.Rounds[i]})
	}
	return v, nil
}

// updateStudyMode is the settings page's choice of classic or real-time mode.
func (a *App) updateStudyMode(c echo.Context) error {
	st := study(c)
	mode := c.FormValue("mode")
	if _, err := a.flow.UpdateStudy(c.Request().Context(), st, user(c).ID, workflow.StudyInput{Mode: &mode}); err != nil {
		return err
	}
	setFlash(c, "Study mode saved.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/settings", st.ID))
}

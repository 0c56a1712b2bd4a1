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
	"github.com/delphi-platform/delphi/rounds"
)

// Real-time mode, the coordinator's and researcher's side (issue #8): the
// mode setting, the daily snapshot job, snapshots by hand, and the API of
// package realtime, which analyses the round at every snapshot.

// realtimeSnapshotsOnce takes the daily snapshot of every open real-time
// round: the first run of the jobs after midnight UTC, from the day after
// the round opened.
func (a *App) realtimeSnapshotsOnce(ctx context.Context, now time.Time) {
	rs, err := a.store.OpenRealtimeRounds(ctx)
	if err != nil {
		if ctx.Err() == nil {
			a.log.Warn("open realtime rounds", "err", err)
		}
		return
	}
	for _, r := range rs {
		label := rounds.DailyLabel(now)
		if !r.OpenedAt.Valid || rounds.DailyLabel(r.OpenedAt.Time) == label {
			continue
		}
		ss, err := a.store.SnapshotsByRound(ctx, r.ID)
		if err != nil {
			continue
		}
		taken := false
		for _, s := range ss {
			taken = taken || s.Label == label
		}
		if taken {
			continue
		}
		st, err := a.store.StudyByID(ctx, r.StudyID)
		if err == nil {
			_, err = realtime.TakeSnapshot(ctx, a.store, st, r, store.SnapshotDaily, label, now)
		}
		if err != nil {
			a.log.Error("daily realtime snapshot", "round_id", r.ID, "err", err)
		}
	}
}

func (a *App) apiGetRealtime(c echo.Context) error {
	out, _, err := realtime.Analyze(c.Request().Context(), a.store, study(c), time.Now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// apiRealtimeRatings is the raw export: the answers at every moment in the
// long CSV form `delphi analyze` reads, one round per moment (the moments'
// times are in GET …/realtime).
func (a *App) apiRealtimeRatings(c echo.Context) error {
	_, in, err := realtime.Analyze(c.Request().Context(), a.store, study(c), time.Now())
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	c.Response().WriteHeader(http.StatusOK)
	return realtime.WriteCSV(c.Response(), in)
}

// takeManualSnapshot takes a snapshot by hand, at a moment the researcher
// chooses, and records it in the audit log.
func (a *App) takeManualSnapshot(ctx context.Context, st store.Study, userID int64) (store.Round, time.Time, error) {
	r, err := realtime.Round(ctx, a.store, st)
	if err != nil {
		return r, time.Time{}, err
	}
	if r.Status != string(rounds.Open) {
		return r, time.Time{}, rounds.ErrRoundNotOpen
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	if _, err := realtime.TakeSnapshot(ctx, a.store, st, r, store.SnapshotManual, "manual "+now.Format(time.RFC3339Nano), now); err != nil {
		return r, now, err
	}
	return r, now, a.store.Audit(ctx, st.ID, userID, "realtime snapshot", "", "", now.Format(time.RFC3339), "")
}

func (a *App) apiTakeSnapshot(c echo.Context) error {
	ctx := c.Request().Context()
	r, now, err := a.takeManualSnapshot(ctx, study(c), user(c).ID)
	if err != nil {
		return err
	}
	ms, err := realtime.Moments(ctx, a.store, r, now)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, ms)
}

func (a *App) takeSnapshotAction(c echo.Context) error {
	st := study(c)
	r, _, err := a.takeManualSnapshot(c.Request().Context(), st, user(c).ID)
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
	rt, _, err := realtime.Analyze(ctx, a.store, st, time.Now())
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
	mode, err := rounds.ParseMode(c.FormValue("mode"))
	if err != nil {
		return rounds.FieldErrors{{Field: "mode", Message: err.Error()}}
	}
	if err := a.store.SetStudyMode(c.Request().Context(), st.ID, user(c).ID, mode); err != nil {
		return err
	}
	setFlash(c, "Study mode saved.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/settings", st.ID))
}

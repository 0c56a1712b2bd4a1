package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// Real-time mode, the researcher's side (issue #8): the state of the single
// round at chosen moments is rebuilt from the revision history and
// analysed with package report, the engine of `delphi analyze`, one
// "round" per moment, so stability between moments comes for free and the
// raw export (realtimeCSV) analysed by `delphi analyze` gives the same
// figures.

// realtimeStateError returns the real-time sentinel behind err, or nil.
func realtimeStateError(err error) error {
	for _, e := range []error{rounds.ErrModeLocked, rounds.ErrRealtimeSingle, rounds.ErrNotRealtime} {
		if errors.Is(err, e) {
			return e
		}
	}
	return nil
}

// moment is one time at which a real-time round is analysed.
type moment struct {
	Round   int       `json:"round"` // its number in the report and the raw export
	Kind    string    `json:"kind"`  // daily, close, manual, or now (an open round's current state)
	Label   string    `json:"label"`
	TakenAt time.Time `json:"taken_at"`
}

// realtimeRound returns the single round of a real-time study.
func (a *app) realtimeRound(ctx context.Context, st store.Study) (store.Round, error) {
	if !st.Realtime() {
		return store.Round{}, rounds.ErrNotRealtime
	}
	all, err := a.store.RoundsByStudy(ctx, st.ID)
	if err != nil {
		return store.Round{}, err
	}
	if len(all) == 0 || all[0].Status == string(rounds.Draft) {
		return store.Round{}, fmt.Errorf("%w: the round has not been launched yet", store.ErrNotFound)
	}
	return all[0], nil
}

// realtimeInput is the analysis input of a real-time round at the given
// moments: one report round per moment, each expert's answer as it stood
// then. Experts are "E<id>", statements "S<statement id>", as in the
// classic rounds' report.
func (a *app) realtimeInput(ctx context.Context, st store.Study, r store.Round, at []time.Time) (*report.Ratings, []store.RoundStatement, error) {
	experts, err := a.store.ExpertsByStudy(ctx, st.ID)
	if err != nil {
		return nil, nil, err
	}
	rss, err := a.store.RoundStatements(ctx, r.ID)
	if err != nil {
		return nil, nil, err
	}
	revs, err := a.store.RevisionsByRound(ctx, r.ID)
	if err != nil {
		return nil, nil, err
	}
	dom := make([]rounds.Revision, len(revs))
	for i, v := range revs {
		dom[i] = v.Domain()
	}
	in := &report.Ratings{}
	for _, e := range experts {
		in.Experts = append(in.Experts, report.Expert{ID: "E" + strconv.FormatInt(e.ID, 10), Group: e.Group, Country: e.Country})
		in.HasGroup = in.HasGroup || e.Group != ""
		in.HasCountry = in.HasCountry || e.Country != ""
	}
	for _, rs := range rss {
		in.Statements = append(in.Statements, "S"+strconv.FormatInt(rs.StatementID, 10))
	}
	for i, t := range at {
		answers := rounds.AnswersAt(dom, t)
		round := report.Round{Number: i + 1, Responses: make([][]analysis.Response, len(rss))}
		for s, rs := range rss {
			col := make([]analysis.Response, len(experts))
			for e, ex := range experts {
				col[e] = analysisAnswer(answers[[2]int64{ex.ID, rs.ID}])
			}
			round.Responses[s] = col
		}
		in.Rounds = append(in.Rounds, round)
	}
	return in, rss, nil
}

func analysisAnswer(x rounds.Answer) analysis.Response {
	switch {
	case x.Rating != nil:
		return analysis.Rating(*x.Rating)
	case x.Unable:
		return analysis.Unable
	}
	return analysis.Missing
}

// realtimeMoments lists the moments a real-time round is reported at: its
// snapshots, then (while open) now, or its closing time if the close
// snapshot is missing.
func (a *app) realtimeMoments(ctx context.Context, r store.Round, now time.Time) ([]moment, error) {
	ss, err := a.store.SnapshotsByRound(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	var ms []moment
	closed := false
	for _, s := range ss {
		ms = append(ms, moment{Round: len(ms) + 1, Kind: s.Kind, Label: s.Label, TakenAt: s.TakenAt.UTC()})
		closed = closed || s.Kind == store.SnapshotClose
	}
	switch {
	case r.Status == string(rounds.Open):
		ms = append(ms, moment{Round: len(ms) + 1, Kind: "now", Label: "now", TakenAt: now.UTC()})
	case !closed && r.ClosedAt.Valid:
		ms = append(ms, moment{Round: len(ms) + 1, Kind: store.SnapshotClose, Label: "close", TakenAt: r.ClosedAt.Time.UTC()})
	}
	return ms, nil
}

// takeSnapshot analyses the round as it stands at `at` and stores it; a
// snapshot with the same label is kept, not replaced.
func (a *app) takeSnapshot(ctx context.Context, st store.Study, r store.Round, kind, label string, at time.Time) (bool, error) {
	sc, err := st.Scale()
	if err != nil {
		return false, err
	}
	set, err := sc.AnalysisSettings()
	if err != nil {
		return false, err
	}
	in, _, err := a.realtimeInput(ctx, st, r, []time.Time{at})
	if err != nil {
		return false, err
	}
	rep, err := report.Build(ctx, in, set)
	if err != nil {
		return false, err
	}
	results, err := json.Marshal(rep.Rounds[0])
	if err != nil {
		return false, err
	}
	return a.store.AddSnapshot(ctx, store.Snapshot{RoundID: r.ID, Kind: kind, Label: label, TakenAt: at, Results: string(results)})
}

// realtimeSnapshotsOnce takes the daily snapshot of every open real-time
// round: the first run of the jobs after midnight UTC, from the day after
// the round opened.
func (a *app) realtimeSnapshotsOnce(ctx context.Context, now time.Time) {
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
			_, err = a.takeSnapshot(ctx, st, r, store.SnapshotDaily, label, now)
		}
		if err != nil {
			a.log.Error("daily realtime snapshot", "round_id", r.ID, "err", err)
		}
	}
}

// realtimeJSON is GET /api/v1/studies/{id}/realtime.
type realtimeJSON struct {
	StudyID    int64                   `json:"study_id"`
	Mode       string                  `json:"mode"`
	RoundID    int64                   `json:"round_id"`
	Status     string                  `json:"status"`
	OpenedAt   *time.Time              `json:"opened_at"`
	ClosedAt   *time.Time              `json:"closed_at"`
	MinGroup   int                     `json:"min_group_size"`
	Moments    []moment                `json:"snapshots"`
	Revisions  rounds.RevisionCounts   `json:"revisions"`
	Statements []realtimeStatementJSON `json:"statements"`
	Report     *report.Report          `json:"report"`
}

type realtimeStatementJSON struct {
	RoundStatementID int64                 `json:"round_statement_id"`
	StatementID      int64                 `json:"statement_id"`
	Key              string                `json:"key"` // the statement's id in the report and the raw export
	Text             string                `json:"text"`
	Revisions        rounds.RevisionCounts `json:"revisions"`
}

// realtimeAnalysis computes everything the real-time API and exports show.
func (a *app) realtimeAnalysis(ctx context.Context, st store.Study, now time.Time) (realtimeJSON, *report.Ratings, error) {
	out := realtimeJSON{StudyID: st.ID, Mode: st.Mode, MinGroup: rounds.MinGroupSize}
	r, err := a.realtimeRound(ctx, st)
	if err != nil {
		return out, nil, err
	}
	out.RoundID, out.Status = r.ID, r.Status
	if r.OpenedAt.Valid {
		out.OpenedAt = &r.OpenedAt.Time
	}
	if r.ClosedAt.Valid {
		out.ClosedAt = &r.ClosedAt.Time
	}
	if out.Moments, err = a.realtimeMoments(ctx, r, now); err != nil {
		return out, nil, err
	}
	times := make([]time.Time, len(out.Moments))
	for i, m := range out.Moments {
		times[i] = m.TakenAt
	}
	in, rss, err := a.realtimeInput(ctx, st, r, times)
	if err != nil {
		return out, nil, err
	}
	sc, err := st.Scale()
	if err != nil {
		return out, nil, err
	}
	set, err := sc.AnalysisSettings()
	if err != nil {
		return out, nil, err
	}
	if out.Report, err = report.Build(ctx, in, set); err != nil {
		return out, nil, err
	}
	revs, err := a.store.RevisionsByRound(ctx, r.ID)
	if err != nil {
		return out, nil, err
	}
	all := make([]rounds.Revision, len(revs))
	by := map[int64][]rounds.Revision{}
	for i, v := range revs {
		all[i] = v.Domain()
		by[v.RoundStatementID] = append(by[v.RoundStatementID], all[i])
	}
	out.Revisions = rounds.CountRevisions(all)
	for i, rs := range rss {
		out.Statements = append(out.Statements, realtimeStatementJSON{RoundStatementID: rs.ID, StatementID: rs.StatementID,
			Key: in.Statements[i], Text: rs.Text, Revisions: rounds.CountRevisions(by[rs.ID])})
	}
	return out, in, nil
}

func (a *app) apiGetRealtime(c echo.Context) error {
	out, _, err := a.realtimeAnalysis(c.Request().Context(), study(c), time.Now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// apiRealtimeRatings is the raw export: the answers at every moment in the
// long CSV form `delphi analyze` reads, one round per moment (the moments'
// times are in GET …/realtime).
func (a *app) apiRealtimeRatings(c echo.Context) error {
	_, in, err := a.realtimeAnalysis(c.Request().Context(), study(c), time.Now())
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	c.Response().WriteHeader(http.StatusOK)
	return writeRatingsCSV(c.Response(), in)
}

// writeRatingsCSV writes ratings in the input form of `delphi analyze`: a
// row for every expert, round and statement, empty where there is no answer.
func writeRatingsCSV(w http.ResponseWriter, in *report.Ratings) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"expert", "round", "statement", "rating", "group", "country"}); err != nil {
		return err
	}
	for _, r := range in.Rounds {
		for s, col := range r.Responses {
			for e, x := range col {
				rating := ""
				switch {
				case x == analysis.Unable:
					rating = "unable"
				case x != analysis.Missing:
					rating = strconv.Itoa(int(x))
				}
				ex := in.Experts[e]
				if err := cw.Write([]string{ex.ID, strconv.Itoa(r.Number), in.Statements[s], rating, ex.Group, ex.Country}); err != nil {
					return err
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// takeManualSnapshot takes a snapshot by hand, at a moment the researcher
// chooses, and records it in the audit log.
func (a *app) takeManualSnapshot(ctx context.Context, st store.Study, userID int64) (store.Round, time.Time, error) {
	r, err := a.realtimeRound(ctx, st)
	if err != nil {
		return r, time.Time{}, err
	}
	if r.Status != string(rounds.Open) {
		return r, time.Time{}, rounds.ErrRoundNotOpen
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	if _, err := a.takeSnapshot(ctx, st, r, store.SnapshotManual, "manual "+now.Format(time.RFC3339Nano), now); err != nil {
		return r, now, err
	}
	return r, now, a.store.Audit(ctx, st.ID, userID, "realtime snapshot", "", "", now.Format(time.RFC3339), "")
}

func (a *app) apiTakeSnapshot(c echo.Context) error {
	ctx := c.Request().Context()
	r, now, err := a.takeManualSnapshot(ctx, study(c), user(c).ID)
	if err != nil {
		return err
	}
	ms, err := a.realtimeMoments(ctx, r, now)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, ms)
}

func (a *app) takeSnapshotAction(c echo.Context) error {
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
	Moment moment
	Round  report.RoundReport
}

// realtimeView is the real-time block of the round page.
type realtimeView struct {
	Revisions rounds.RevisionCounts
	Rows      []realtimeRow
}

func (a *app) realtimeViewOf(ctx context.Context, st store.Study) (*realtimeView, error) {
	rt, _, err := a.realtimeAnalysis(ctx, st, time.Now())
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
func (a *app) updateStudyMode(c echo.Context) error {
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

package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/delphi-platform/delphi/internal/realtime"
	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// Real-time mode, the coordinator's and researcher's side (issue #8): the
// daily snapshot job, snapshots by hand, and the analysis of the round at
// every moment (package realtime describes it).

// RealtimeSnapshotsOnce takes the daily snapshot of every open real-time
// round: the first run of the jobs after midnight UTC, from the day after
// the round opened.
func (w *Service) RealtimeSnapshotsOnce(ctx context.Context, now time.Time) {
	rs, err := w.store.OpenRealtimeRounds(ctx)
	if err != nil {
		if ctx.Err() == nil {
			w.log.Warn("open realtime rounds", "err", err)
		}
		return
	}
	for _, r := range rs {
		label := rounds.DailyLabel(now)
		if !r.OpenedAt.Valid || rounds.DailyLabel(r.OpenedAt.Time) == label {
			continue
		}
		ss, err := w.store.SnapshotsByRound(ctx, r.ID)
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
		st, err := w.store.StudyByID(ctx, r.StudyID)
		var sn store.Snapshot
		if err == nil {
			sn, err = w.realtimeSnapshot(ctx, st, r, store.SnapshotDaily, label, now)
		}
		if err == nil {
			_, err = w.store.AddSnapshot(ctx, sn)
		}
		if err != nil {
			w.log.Error("daily realtime snapshot", "round_id", r.ID, "err", err)
		}
	}
}

// TakeManualSnapshot takes a snapshot by hand, at a moment the researcher
// chooses, and records it in the audit log.
func (w *Service) TakeManualSnapshot(ctx context.Context, st store.Study, userID int64) (store.Round, time.Time, error) {
	all, err := w.store.RoundsByStudy(ctx, st.ID)
	if err != nil {
		return store.Round{}, time.Time{}, err
	}
	r, err := realtimeRound(st, all)
	if err != nil {
		return r, time.Time{}, err
	}
	if r.Status != rounds.Open {
		return r, time.Time{}, rounds.ErrRoundNotOpen
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	sn, err := w.realtimeSnapshot(ctx, st, r, store.SnapshotManual, "manual "+now.Format(time.RFC3339Nano), now)
	if err != nil {
		return r, now, err
	}
	if _, err := w.store.AddSnapshot(ctx, sn); err != nil {
		return r, now, err
	}
	return r, now, w.store.Audit(ctx, st.ID, userID, "realtime snapshot", "", "", now.Format(time.RFC3339), "")
}

// realtimeRound returns the single round of a real-time study, of all its
// rounds, once launched.
func realtimeRound(st store.Study, all []store.Round) (store.Round, error) {
	if !st.Realtime() {
		return store.Round{}, rounds.ErrNotRealtime
	}
	if len(all) == 0 || all[0].Status == rounds.Draft {
		return store.Round{}, fmt.Errorf("%w: the round has not been launched yet", store.ErrNotFound)
	}
	return all[0], nil
}

// realtimeSnapshot analyses a real-time round as it stood at `at`, for
// storing (store.AddSnapshot keeps the first snapshot of a label).
func (w *Service) realtimeSnapshot(ctx context.Context, st store.Study, r store.Round, kind, label string, at time.Time) (store.Snapshot, error) {
	sn := store.Snapshot{RoundID: r.ID, Kind: kind, Label: label, TakenAt: at}
	d, err := w.LoadDataset(ctx, st, LoadOptions{At: []time.Time{at}})
	if err != nil {
		return sn, err
	}
	rep, err := report.Build(ctx, d.Input.Ratings, d.Input.Settings)
	if err != nil {
		return sn, err
	}
	b, err := json.Marshal(rep.Rounds[0])
	sn.Results = string(b)
	return sn, err
}

// RealtimeMoments lists the moments a real-time round is reported at.
func (w *Service) RealtimeMoments(ctx context.Context, r store.Round, now time.Time) ([]realtime.Moment, error) {
	ss, err := w.store.SnapshotsByRound(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	return realtime.Moments(r, ss, now), nil
}

// RealtimeAnalysis computes everything the real-time API and exports show,
// at every snapshot and, while the round is open, now; it also returns the
// analysis input, for the raw export (realtime.WriteCSV).
func (w *Service) RealtimeAnalysis(ctx context.Context, st store.Study, now time.Time) (realtime.Analysis, *report.Ratings, error) {
	out := realtime.Analysis{StudyID: st.ID, Mode: st.Mode, MinGroup: rounds.MinGroupSize}
	all, err := w.store.RoundsByStudy(ctx, st.ID)
	if err != nil {
		return out, nil, err
	}
	r, err := realtimeRound(st, all)
	if err != nil {
		return out, nil, err
	}
	out.RoundID, out.Status = r.ID, string(r.Status)
	if r.OpenedAt.Valid {
		out.OpenedAt = &r.OpenedAt.Time
	}
	if r.ClosedAt.Valid {
		out.ClosedAt = &r.ClosedAt.Time
	}
	if out.Moments, err = w.RealtimeMoments(ctx, r, now); err != nil {
		return out, nil, err
	}
	times := make([]time.Time, len(out.Moments))
	for i, m := range out.Moments {
		times[i] = m.TakenAt
	}
	d, err := w.LoadDataset(ctx, st, LoadOptions{At: times})
	if err != nil {
		return out, nil, err
	}
	in := d.Input.Ratings
	if out.Report, err = report.Build(ctx, in, d.Input.Settings); err != nil {
		return out, nil, err
	}
	revs, err := w.store.RevisionsByRound(ctx, r.ID)
	if err != nil {
		return out, nil, err
	}
	byRS := map[int64][]rounds.Revision{}
	dom := make([]rounds.Revision, len(revs))
	for i, v := range revs {
		dom[i] = v.Domain()
		byRS[v.RoundStatementID] = append(byRS[v.RoundStatementID], dom[i])
	}
	out.Revisions = rounds.CountRevisions(dom)
	for _, rs := range d.Lineage[0].statements {
		out.Statements = append(out.Statements, realtime.Statement{RoundStatementID: rs.ID, StatementID: rs.StatementID,
			Key: d.KeyOf[rs.ID], Text: rs.Text, Revisions: rounds.CountRevisions(byRS[rs.ID])})
	}
	out.Methods = out.MethodsText()
	return out, in, nil
}

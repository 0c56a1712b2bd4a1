package workflow

import (
	"context"
	"time"

	"github.com/delphi-platform/delphi/internal/realtime"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// Real-time mode, the coordinator's and researcher's side (issue #8): the
// mode setting, the daily snapshot job, snapshots by hand, and the API of
// package realtime, which analyses the round at every snapshot.

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
		if err == nil {
			_, err = realtime.TakeSnapshot(ctx, w.store, st, r, store.SnapshotDaily, label, now)
		}
		if err != nil {
			w.log.Error("daily realtime snapshot", "round_id", r.ID, "err", err)
		}
	}
}

// TakeManualSnapshot takes a snapshot by hand, at a moment the researcher
// chooses, and records it in the audit log.
func (w *Service) TakeManualSnapshot(ctx context.Context, st store.Study, userID int64) (store.Round, time.Time, error) {
	r, err := realtime.Round(ctx, w.store, st)
	if err != nil {
		return r, time.Time{}, err
	}
	if r.Status != string(rounds.Open) {
		return r, time.Time{}, rounds.ErrRoundNotOpen
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	if _, err := realtime.TakeSnapshot(ctx, w.store, st, r, store.SnapshotManual, "manual "+now.Format(time.RFC3339Nano), now); err != nil {
		return r, now, err
	}
	return r, now, w.store.Audit(ctx, st.ID, userID, "realtime snapshot", "", "", now.Format(time.RFC3339), "")
}

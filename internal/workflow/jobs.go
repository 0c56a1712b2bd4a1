package workflow

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/delphi-platform/delphi/rounds"
)

// RunJobs closes rounds whose deadline passed (and finishes closes that
// were interrupted), queues scheduled reminders, and erases panels whose
// retention period is over. Each is a row in the database first, so
// nothing is lost across restarts, and each is done once even with
// several instances (closing twice fails, results are stored once; a
// reminder is claimed before it is sent).
func (w *Service) RunJobs(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		w.JobsOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (w *Service) JobsOnce(ctx context.Context) {
	defer w.eraseExpiredPanels(ctx)
	due, err := w.store.DueRounds(ctx)
	if err != nil && ctx.Err() == nil {
		w.log.Warn("due rounds", "err", err)
	}
	// Closes interrupted between closing and storing the results (a
	// crash) are finished the same way; a minute's grace leaves alone the
	// closes still computing.
	unfinished, err := w.store.ClosedRoundsWithoutResults(ctx, time.Minute)
	if err != nil && ctx.Err() == nil {
		w.log.Warn("closed rounds without results", "err", err)
	}
	for _, r := range slices.Concat(due, unfinished) {
		st, err := w.store.StudyByID(ctx, r.StudyID)
		if err == nil {
			err = w.CloseRound(ctx, st, r.ID, 0)
		}
		if err != nil && !errors.Is(err, rounds.ErrRoundNotOpen) {
			w.log.Error("close round", "round_id", r.ID, "err", err)
		} else if err == nil {
			w.log.Info("closed round (deadline passed, or its close was interrupted)", "round_id", r.ID)
		}
	}
	w.RealtimeSnapshotsOnce(ctx, time.Now()) // issue #8: real-time snapshots, round 0 deadlines
	w.sendDueIdeaReminders(ctx)
	w.closeDueIdeaRounds(ctx)
	reminders, err := w.store.DueReminders(ctx)
	if err != nil && ctx.Err() == nil {
		w.log.Warn("due reminders", "err", err)
	}
	for _, rem := range reminders {
		claimed, err := w.store.MarkReminderDone(ctx, rem.ID)
		if err != nil || !claimed {
			continue
		}
		r, err := w.store.RoundByID(ctx, rem.RoundID)
		if err != nil {
			continue
		}
		st, err := w.store.StudyByID(ctx, r.StudyID)
		if err == nil {
			var n int
			n, err = w.RemindRound(ctx, st, r.ID, 0, RemindConfirm{Again: true}) // as scheduled
			w.log.Info("scheduled reminder", "round_id", r.ID, "queued", n)
		}
		if err != nil {
			w.log.Error("scheduled reminder", "round_id", r.ID, "err", err)
		}
	}
}

// CleanSessions deletes expired coordinator sessions every hour.
func (w *Service) CleanSessions(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := w.store.DeleteExpiredSessions(ctx); err != nil && ctx.Err() == nil {
			w.log.Warn("clean sessions", "err", err)
		} else if n > 0 {
			w.log.Info("cleaned expired sessions", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// eraseExpiredPanels erases the personal data of panels whose study ended
// longer ago than its retention period; RunJobs calls it.
func (w *Service) eraseExpiredPanels(ctx context.Context) {
	due, err := w.store.ExpiredPanels(ctx)
	if err != nil && ctx.Err() == nil {
		w.log.Warn("expired panels", "err", err)
	}
	for _, p := range due {
		reason := "retention period over: the study ended on " + p.EndedAt.Format("2006-01-02")
		n, err := w.store.ErasePanel(ctx, p.StudyID, 0, reason)
		if err != nil {
			w.log.Error("erase expired panel", "study_id", p.StudyID, "err", err)
			continue
		}
		w.log.Info("erased the personal data of an expired panel", "study_id", p.StudyID, "experts", n)
	}
}

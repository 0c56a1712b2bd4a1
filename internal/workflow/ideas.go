package workflow

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/mail"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// ---- The coordinator's side ----

// IdeaRoundInput is round 0 as the coordinator sets it up, on the round 0
// page or through POST /api/v1/studies/{id}/ideas: the deadline (RFC 3339
// or a datetime-local value in UTC; a week ahead when round 0 is created
// without one), the reminder days before it (nil keeps them) and
// questions to add, with their translations.
type IdeaRoundInput struct {
	Deadline     *string                 `json:"deadline"`
	ReminderDays *string                 `json:"reminder_days"`
	Questions    []store.NewIdeaQuestion `json:"questions"`
}

// check reads the input, reporting every problem by field.
func (in IdeaRoundInput) check(st store.Study, now time.Time) (deadline time.Time, reminderDays *string, fe rounds.FieldErrors) {
	deadline = now.UTC().Add(7 * 24 * time.Hour).Truncate(time.Hour)
	if in.Deadline != nil {
		if d, ok := parseDeadline(*in.Deadline); !ok {
			fe = append(fe, rounds.FieldError{Field: "deadline", Message: "give the deadline as a date and time in UTC, such as 2026-12-04T18:00"})
		} else {
			deadline = d
		}
	}
	if in.ReminderDays != nil {
		days, err := ParseReminderDays(*in.ReminderDays)
		if err != nil {
			fe = append(fe, rounds.FieldError{Field: "reminder_days", Message: err.Error()})
		}
		reminderDays = &days
	}
	for i, q := range in.Questions {
		if utf8.RuneCountInString(strings.TrimSpace(q.Text)) > MaxStatementLength {
			fe = append(fe, rounds.FieldError{Field: fmt.Sprintf("questions[%d].text", i), Message: fmt.Sprintf("longer than %d characters", MaxStatementLength)})
		}
		for _, e := range CheckTranslations(st, q.Translations, MaxStatementLength) {
			fe = append(fe, rounds.FieldError{Field: fmt.Sprintf("questions[%d].%s", i, e.Field), Message: e.Message})
		}
	}
	return deadline, reminderDays, fe
}

// CreateIdeaRound checks the input and creates round 0 with its questions,
// or adds the questions to the draft, and sets its scheduled reminders,
// all in one transaction.
func (w *Service) CreateIdeaRound(ctx context.Context, st store.Study, userID int64, in IdeaRoundInput) (store.IdeaRound, error) {
	deadline, reminderDays, fe := in.check(st, time.Now())
	if len(fe) > 0 {
		return store.IdeaRound{}, fe
	}
	var r store.IdeaRound
	err := w.store.Transact(ctx, func(tx *store.Store) error {
		var err error
		r, err = tx.IdeaRoundByStudy(ctx, st.ID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			if r, err = tx.CreateIdeaRound(ctx, st.ID, userID, deadline, in.Questions); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			if err := tx.AddIdeaQuestions(ctx, r.ID, in.Questions); err != nil {
				return err
			}
			if in.Deadline != nil { // a new deadline for the draft, not ignored
				if err := tx.SetIdeaDeadline(ctx, r.ID, deadline); err != nil {
					return err
				}
				r.Deadline = sql.NullTime{Time: deadline, Valid: true}
			}
		}
		if reminderDays == nil {
			return nil
		}
		r.ReminderDays = *reminderDays
		return tx.SetIdeaReminderDays(ctx, r.ID, *reminderDays)
	})
	return r, err
}

// LaunchIdeaRound invites the active panel to round 0: a personal link
// and an e-mail each, in one transaction.
func (w *Service) LaunchIdeaRound(ctx context.Context, st store.Study, userID int64) (int, error) {
	var n int
	err := w.store.Transact(ctx, func(tx *store.Store) error {
		r, err := tx.IdeaRoundByStudy(ctx, st.ID)
		if err != nil {
			return err
		}
		if r.Status != rounds.Draft {
			return rounds.ErrRoundNotDraft
		}
		qs, err := tx.IdeaQuestions(ctx, r.ID)
		if err != nil {
			return err
		}
		experts, err := tx.IdeaInvitees(ctx, st.ID)
		if err != nil {
			return err
		}
		invites := make([]store.NewInvitation, 0, len(experts))
		for _, e := range experts {
			token, hash := auth.NewToken()
			msg, err := w.ideaMessage(st, r, e, mail.KindIdeaInvitation, token, len(qs))
			if err != nil {
				return err
			}
			invites = append(invites, store.NewInvitation{ExpertID: e.ID, TokenHash: hash, Message: msg})
		}
		n = len(invites)
		return tx.LaunchIdeaRound(ctx, r.ID, userID, invites)
	})
	if err == nil {
		w.notify()
	}
	return n, err
}

// RemindIdeaRound queues a reminder, with a fresh personal link, to every
// expert invited to the open round 0 who has proposed nothing and has not
// declined. Within RemindAgainWithin of round 0's last reminders it asks
// first, as RemindRound does.
func (w *Service) RemindIdeaRound(ctx context.Context, st store.Study, userID int64, confirm RemindConfirm) (int, error) {
	var n int
	err := w.store.Transact(ctx, func(tx *store.Store) error {
		if err := tx.LockStudy(ctx, st.ID); err != nil { // two presses at once: the second sees the first's reminders
			return err
		}
		r, err := tx.IdeaRoundByStudy(ctx, st.ID)
		if err != nil {
			return err
		}
		if r.Status != rounds.Open {
			return rounds.ErrRoundNotOpen
		}
		qs, err := tx.IdeaQuestions(ctx, r.ID)
		if err != nil {
			return err
		}
		invs, err := tx.IdeaReminderRecipients(ctx, r.ID)
		if err != nil {
			return err
		}
		if err := checkRemindAgain(ctx, tx, st.ID, 0, confirm, len(invs)); err != nil {
			return err
		}
		experts, err := expertsByID(ctx, tx, st.ID)
		if err != nil {
			return err
		}
		msgs := make([]store.NewMessage, 0, len(invs))
		for _, inv := range invs {
			e := experts[inv.ExpertID]
			token, hash := auth.NewToken()
			if err := tx.AddIdeaLink(ctx, inv.ID, hash); err != nil {
				return err
			}
			msg, err := w.ideaMessage(st, r, e, mail.KindIdeaReminder, token, len(qs))
			if err != nil {
				return err
			}
			msgs = append(msgs, msg)
		}
		n = len(msgs)
		if err := tx.EnqueueMessages(ctx, msgs); err != nil {
			return err
		}
		return tx.Audit(ctx, st.ID, userID, "remind", "", "", fmt.Sprintf("round 0: %d reminders", n), "")
	})
	if err == nil {
		w.notify()
	}
	return n, err
}

// ideaMessage is round 0's invitation or reminder (mail.KindIdea*), made
// as the rounds' e-mails are: a personal link to /i/, a decline link, and
// List-Unsubscribe.
func (w *Service) ideaMessage(st store.Study, r store.IdeaRound, e store.Expert, kind, token string, questions int) (store.NewMessage, error) {
	return w.expertMessage(st, 0, e, kind, "/i/", token, mail.MessageData{QuestionCount: questions, Deadline: r.Deadline.Time})
}

// sendDueIdeaReminders sends round 0's scheduled reminders whose time has
// come, each once (also with several instances).
func (w *Service) sendDueIdeaReminders(ctx context.Context) {
	due, err := w.store.DueIdeaReminders(ctx)
	if err != nil && ctx.Err() == nil {
		w.log.Warn("due round 0 reminders", "err", err)
	}
	for id, ideaRoundID := range due {
		if claimed, err := w.store.MarkIdeaReminderDone(ctx, id); err != nil || !claimed {
			continue
		}
		r, err := w.store.IdeaRoundByID(ctx, ideaRoundID)
		var n int
		if err == nil {
			var st store.Study
			if st, err = w.store.StudyByID(ctx, r.StudyID); err == nil {
				n, err = w.RemindIdeaRound(ctx, st, 0, RemindConfirm{Again: true}) // as scheduled
			}
		}
		if err != nil {
			w.log.Error("scheduled round 0 reminder", "idea_round_id", ideaRoundID, "err", err)
			continue
		}
		w.log.Info("scheduled round 0 reminder", "idea_round_id", ideaRoundID, "queued", n)
	}
}

// closeDueIdeaRounds closes rounds 0 whose deadline passed (the round
// jobs call it); closing twice fails, so several instances close once.
func (w *Service) closeDueIdeaRounds(ctx context.Context) {
	due, err := w.store.DueIdeaRounds(ctx)
	if err != nil && ctx.Err() == nil {
		w.log.Warn("due idea rounds", "err", err)
	}
	for _, r := range due {
		if err := w.store.CloseIdeaRound(ctx, r.ID, 0); err != nil && !errors.Is(err, rounds.ErrRoundNotOpen) {
			w.log.Error("close round 0 at deadline", "study_id", r.StudyID, "err", err)
		}
	}
}

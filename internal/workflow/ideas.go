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
// or a datetime-local value in the study's time zone; a week ahead when round 0 is created
// without one), the reminder days before it (nil keeps them) and
// questions to add, with their translations.
type IdeaRoundInput struct {
	Deadline     *string                 `json:"deadline"`
	ReminderDays *string                 `json:"reminder_days"`
	Questions    []store.NewIdeaQuestion `json:"questions"`
	// NotifyExperts: see RoundInput; ChangeIdeaDeadline only.
	NotifyExperts *bool `json:"notify_experts"`
}

// check reads the input, reporting every problem by field.
func (in IdeaRoundInput) check(st store.Study, now time.Time) (deadline time.Time, reminderDays *string, fe rounds.FieldErrors) {
	deadline = now.UTC().Add(7 * 24 * time.Hour).Truncate(time.Hour)
	if in.Deadline != nil {
		if d, ok := parseDeadline(*in.Deadline, st.Location()); !ok {
			fe = append(fe, rounds.FieldError{Field: "deadline", Message: deadlineFormatMessage(st.Location())})
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

// ChangeIdeaDeadline sets round 0's deadline and reminder days, those
// given: a draft's as CreateIdeaRound does, an open one's as an open
// round's (changeOpenDeadline): not into the past, the reminders not yet
// sent planned again, audit-logged, and with NotifyExperts the experts
// who have proposed nothing (nor declined) e-mailed the new deadline with
// a fresh link. The round 0 page's deadline form and PATCH
// /api/v1/studies/{id}/ideas call it. It returns round 0 and how many
// experts were e-mailed.
func (w *Service) ChangeIdeaDeadline(ctx context.Context, st store.Study, userID int64, in IdeaRoundInput) (store.IdeaRound, int, error) {
	r, err := w.store.IdeaRoundByStudy(ctx, st.ID)
	if err != nil {
		return r, 0, err
	}
	if len(in.Questions) > 0 {
		return r, 0, rounds.FieldErrors{{Field: "questions", Message: "add questions with POST /api/v1/studies/{id}/ideas, while round 0 is a draft"}}
	}
	if r.Status == rounds.Draft {
		r, err = w.CreateIdeaRound(ctx, st, userID, in)
		return r, 0, err
	}
	if r.Status != rounds.Open {
		return r, 0, ErrRoundClosedNoChange
	}
	now := w.store.Now()
	deadline, reminderDays, fe := in.check(st, now)
	if in.Deadline == nil {
		deadline = r.Deadline.Time
	}
	if fe.For("deadline") == "" && !deadline.After(now) {
		fe = append(fe, rounds.FieldError{Field: "deadline", Message: rounds.ErrDeadlinePassed.Error()})
	}
	if len(fe) > 0 {
		return r, 0, fe
	}
	days := r.ReminderDays
	if reminderDays != nil {
		days = *reminderDays
	}
	moved := !deadline.Equal(r.Deadline.Time)
	var n int
	err = w.store.Transact(ctx, func(tx *store.Store) error {
		if err := tx.ChangeOpenIdeaDeadline(ctx, r.ID, userID, deadline, days); err != nil {
			return err
		}
		if !moved || in.NotifyExperts == nil || !*in.NotifyExperts {
			return nil
		}
		changed, err := tx.IdeaRoundByID(ctx, r.ID)
		if err != nil {
			return err
		}
		if n, err = w.withStore(tx).queueIdeaReminders(ctx, st, changed, mail.KindDeadlineChanged, r.Deadline.Time, nil); err != nil {
			return err
		}
		return tx.Audit(ctx, st.ID, userID, "remind", "", "", fmt.Sprintf("round 0: %d e-mails of the new deadline", n), "")
	})
	if err != nil {
		return r, 0, err
	}
	if n > 0 {
		w.notify()
	}
	r, err = w.store.IdeaRoundByID(ctx, r.ID)
	return r, n, err
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
		m, err := w.mailerFor(ctx, tx, st)
		if err != nil {
			return err
		}
		invites := make([]store.NewInvitation, 0, len(experts))
		for _, e := range experts {
			token, hash := auth.NewToken()
			msg, err := m.ideaMessage(r, e, mail.KindIdeaInvitation, token, len(qs))
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
		check := func(recipients int) error { return checkRemindAgain(ctx, tx, st.ID, 0, confirm, recipients) }
		if n, err = w.withStore(tx).queueIdeaReminders(ctx, st, r, mail.KindIdeaReminder, time.Time{}, check); err != nil {
			return err
		}
		return tx.Audit(ctx, st.ID, userID, "remind", "", "", fmt.Sprintf("round 0: %d reminders", n), "")
	})
	if err == nil {
		w.notify()
	}
	return n, err
}

// queueIdeaReminders queues an e-mail of kind (a reminder, or the news of
// a changed deadline, previously the earlier one) with a fresh personal
// link to every expert invited to the open round 0 r who has proposed
// nothing and has not declined, and returns how many. Run it inside a
// transaction (withStore).
func (w *Service) queueIdeaReminders(ctx context.Context, st store.Study, r store.IdeaRound, kind string, previously time.Time, check func(recipients int) error) (int, error) {
	tx := w.store
	qs, err := tx.IdeaQuestions(ctx, r.ID)
	if err != nil {
		return 0, err
	}
	invs, err := tx.IdeaReminderRecipients(ctx, r.ID)
	if err != nil {
		return 0, err
	}
	if check != nil {
		if err := check(len(invs)); err != nil {
			return 0, err
		}
	}
	experts, err := expertsByID(ctx, tx, st.ID)
	if err != nil {
		return 0, err
	}
	m, err := w.mailerFor(ctx, tx, st)
	if err != nil {
		return 0, err
	}
	msgs := make([]store.NewMessage, 0, len(invs))
	for _, inv := range invs {
		token, hash := auth.NewToken()
		if err := tx.AddIdeaLink(ctx, inv.ID, hash); err != nil {
			return 0, err
		}
		msg, err := m.expertMessage(0, experts[inv.ExpertID], kind, "/i/", token,
			mail.MessageData{QuestionCount: len(qs), Deadline: r.Deadline.Time, PreviousDeadline: previously})
		if err != nil {
			return 0, err
		}
		msgs = append(msgs, msg)
	}
	return len(msgs), tx.EnqueueMessages(ctx, msgs)
}

// ideaMessage is round 0's invitation or reminder (mail.KindIdea*), made
// as the rounds' e-mails are: a personal link to /i/, a decline link, and
// List-Unsubscribe.
func (m mailer) ideaMessage(r store.IdeaRound, e store.Expert, kind, token string, questions int) (store.NewMessage, error) {
	return m.expertMessage(0, e, kind, "/i/", token, mail.MessageData{QuestionCount: questions, Deadline: r.Deadline.Time})
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

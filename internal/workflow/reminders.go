package workflow

import (
	"context"
	"fmt"
	"time"

	"github.com/delphi-platform/delphi/internal/fault"
	"github.com/delphi-platform/delphi/internal/store"
)

// RemindAgainWithin is how long after a reminder another one to the same
// round needs the coordinator's confirmation: a second press of "Remind
// now" would otherwise send every expert who has not answered a second
// e-mail within seconds.
const RemindAgainWithin = 24 * time.Hour

// RemindConfirm is the coordinator's answer to "remind again?".
type RemindConfirm struct {
	// Again confirms a reminder within RemindAgainWithin of the last one.
	Again bool
	// Seen is the last reminder (its outbox message id) the coordinator
	// was shown when confirming: a reminder queued since then, such as the
	// first of two presses of the confirm button, asks again. 0 confirms
	// whatever was sent (the API's {"confirm": true}, the scheduled
	// reminders).
	Seen int64
}

// RecentReminderError refuses a reminder that was not confirmed although
// the round's experts were reminded less than RemindAgainWithin ago.
type RecentReminderError struct {
	Last       store.ReminderBatch // the last reminders queued
	Now        time.Time
	Recipients int // how many experts reminding again would e-mail
}

func (e *RecentReminderError) Error() string {
	return fmt.Sprintf("the experts were last reminded %s ago (%s UTC, %d reminders); remind them again only if you confirm",
		Ago(e.Now.Sub(e.Last.At)), e.Last.At.UTC().Format("2006-01-02 15:04"), e.Last.Count)
}

// FaultKind makes the refusal a conflict (HTTP 409).
func (e *RecentReminderError) FaultKind() fault.Kind { return fault.Conflict }

// Ago writes a duration in words, to the minute: "less than a minute",
// "4 minutes", "3 hours 12 minutes".
func Ago(d time.Duration) string {
	m := int(d / time.Minute)
	switch {
	case m < 1:
		return "less than a minute"
	case m == 1:
		return "1 minute"
	case m < 60:
		return fmt.Sprintf("%d minutes", m)
	case m%60 == 0:
		return fmt.Sprintf("%d hours", m/60)
	}
	return fmt.Sprintf("%d hours %d minutes", m/60, m%60)
}

// checkRemindAgain refuses, inside the reminder's transaction (after
// LockStudy, so that two presses at once are serialised and the second
// sees the first's reminders), a reminder within RemindAgainWithin of
// the last one unless confirmed. With nobody left to remind there is
// nothing to ask.
func checkRemindAgain(ctx context.Context, tx *store.Store, studyID, roundID int64, c RemindConfirm, recipients int) error {
	if recipients == 0 {
		return nil
	}
	last, ok, err := tx.LastReminder(ctx, studyID, roundID)
	if err != nil || !ok {
		return err
	}
	now := tx.Now()
	if now.Sub(last.At) >= RemindAgainWithin {
		return nil
	}
	if c.Again && (c.Seen == 0 || c.Seen >= last.MessageID) {
		return nil
	}
	return &RecentReminderError{Last: last, Now: now, Recipients: recipients}
}

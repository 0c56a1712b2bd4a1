// Package mail composes the platform's e-mails and sends them from the
// database outbox: a Dispatcher claims pending rows, sends them over one
// SMTP connection per batch at a limited rate, retries temporary failures
// with backoff, and never sends a row twice.
package mail

import (
	"time"

	"github.com/delphi-platform/delphi/internal/i18n"
)

// MessageData fills a template's placeholders (Render).
type MessageData struct {
	StudyTitle       string
	ExpertName       string
	RoundNumber      int
	StatementCount   int
	QuestionCount    int // round 0's open questions
	Deadline         time.Time
	PreviousDeadline time.Time      // a changed deadline's earlier value (KindDeadlineChanged)
	Location         *time.Location // the study's time zone; nil: UTC
	Link             string         // the personal link
	DeclineLink      string
	// Contact is {{contact}}: the study's contact address, or its
	// contact line, or a sentence saying to reply (the caller's choice).
	Contact         string
	MinutesEstimate int
	Lang            string // the language the message is written in (dates)
}

// DeadlineText is the deadline as the e-mail states it, in the study's
// time zone with its offset, in the message's language: "Friday 4
// December 2026, 18:00 (Athens, UTC+2)"; "…, 18:00 UTC" in UTC.
func (d MessageData) DeadlineText() string {
	if d.Deadline.IsZero() {
		return "—"
	}
	return i18n.DateTimeIn(d.Deadline, d.Location, d.Lang)
}

// PreviousDeadlineText is a changed deadline's earlier value, as
// DeadlineText writes it; "" when there was none.
func (d MessageData) PreviousDeadlineText() string {
	if d.PreviousDeadline.IsZero() {
		return ""
	}
	return i18n.DateTimeIn(d.PreviousDeadline, d.Location, d.Lang)
}

// DeadlineShort is the deadline for a subject line: "4 December".
func (d MessageData) DeadlineShort() string {
	if d.Deadline.IsZero() {
		return "—"
	}
	loc := d.Location
	if loc == nil {
		loc = time.UTC
	}
	return i18n.ShortDate(d.Deadline.In(loc), d.Lang)
}

// Kinds of e-mail: a round's invitation and reminder, and round 0's
// (idea generation: open questions instead of statements to rate).
const (
	KindInvitation = "invitation"
	KindReminder   = "reminder"
	// KindNewLink gives an invited expert a fresh personal link by hand
	// (SendNewLink); in the outbox it is an invitation.
	KindNewLink        = "new_link"
	KindIdeaInvitation = "idea_invitation"
	KindIdeaReminder   = "idea_reminder"
	// KindDeadlineChanged tells an expert who has not submitted (or, in
	// round 0, proposed) that the deadline moved; in the outbox it is a
	// reminder, with a fresh personal link as reminders have.
	KindDeadlineChanged = "deadline_changed"
)

// Kinds are the kinds of e-mail to experts, each with default texts and
// editable per study.
var Kinds = []string{KindInvitation, KindReminder, KindNewLink, KindIdeaInvitation, KindIdeaReminder, KindDeadlineChanged}

// OutboxTest is the outbox kind of a coordinator's test e-mail: it has no
// expert and no round, and nothing counts it as an invitation or reminder.
const OutboxTest = "test"

// OutboxKind is what the outbox calls an e-mail of a kind: round 0's
// invitation and a new link are invitations there too.
func OutboxKind(kind string) string {
	switch kind {
	case KindIdeaInvitation, KindNewLink:
		return KindInvitation
	case KindIdeaReminder, KindDeadlineChanged:
		return KindReminder
	}
	return kind
}

// IdeaKind reports whether kind is one of round 0's e-mails, whose button
// opens the questions rather than a questionnaire.
func IdeaKind(kind string) bool {
	return kind == KindIdeaInvitation || kind == KindIdeaReminder
}

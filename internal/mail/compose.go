// Package mail composes the platform's e-mails and sends them from the
// database outbox: a Dispatcher claims pending rows, sends them over one
// SMTP connection per batch at a limited rate, retries temporary failures
// with backoff, and never sends a row twice.
package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"slices"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/delphi-platform/delphi/internal/i18n"
	"github.com/delphi-platform/delphi/templates"
)

// MessageData fills the invitation and reminder templates.
type MessageData struct {
	StudyTitle       string
	StudyDescription string
	ExpertName       string
	RoundNumber      int
	StatementCount   int
	QuestionCount    int // round 0's open questions
	Deadline         time.Time
	PreviousDeadline time.Time      // a changed deadline's earlier value (KindDeadlineChanged)
	Location         *time.Location // the study's time zone; nil: UTC
	Link             string         // the personal link
	DeclineLink      string
	ContactName      string
	ContactEmail     string
	MinutesEstimate  int
	Lang             string // set by Compose: the language the message is written in
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

// Languages are those with e-mail templates of their own in email/<lang>/;
// others get English. (The pages speak more languages than these; their
// e-mail texts are the defaults in email/defaults/<lang>/.)
var Languages = []string{"en", "nl", "el", "de", "fr", "es"}

// Kinds of e-mail: a round's invitation and reminder, and round 0's
// (idea generation: open questions instead of statements to rate).
const (
	KindInvitation     = "invitation"
	KindReminder       = "reminder"
	KindIdeaInvitation = "idea_invitation"
	KindIdeaReminder   = "idea_reminder"
	// KindDeadlineChanged tells an expert who has not submitted (or, in
	// round 0, proposed) that the deadline moved; in the outbox it is a
	// reminder, with a fresh personal link as reminders have.
	KindDeadlineChanged = "deadline_changed"
)

// Kinds are the kinds Compose knows.
var Kinds = []string{KindInvitation, KindReminder, KindIdeaInvitation, KindIdeaReminder, KindDeadlineChanged}

// OutboxKind is what the outbox calls an e-mail of a kind: round 0's
// invitation is an invitation there too.
func OutboxKind(kind string) string {
	switch kind {
	case KindIdeaInvitation:
		return KindInvitation
	case KindIdeaReminder, KindDeadlineChanged:
		return KindReminder
	}
	return kind
}

// Compose renders an e-mail of the given kind for one expert: the subject,
// a plain-text part and an HTML part (escaped by html/template), in the
// expert's language: email/<lang>/ for nl, el, de, fr and es, English
// (email/) for any other.
func Compose(kind, lang string, d MessageData) (subject, text, html string, err error) {
	if !slices.Contains(Kinds, kind) {
		return "", "", "", fmt.Errorf("mail: compose: unknown kind %q", kind)
	}
	dir := "email/"
	d.Lang = "en"
	if lang != "" && lang != "en" {
		if _, statErr := templates.FS.Open("email/" + lang + "/" + kind + ".txt"); statErr == nil {
			dir = "email/" + lang + "/"
			d.Lang = lang
		}
	}
	var buf bytes.Buffer
	st, err := texttemplate.ParseFS(templates.FS, dir+"subjects.txt")
	if err != nil {
		return "", "", "", fmt.Errorf("mail: compose: %w", err)
	}
	if err := st.ExecuteTemplate(&buf, kind, d); err != nil {
		return "", "", "", fmt.Errorf("mail: compose subject: %w", err)
	}
	// A subject is one line, whatever a study title contains.
	subject = strings.Join(strings.Fields(buf.String()), " ")
	buf.Reset()
	tt, err := texttemplate.ParseFS(templates.FS, dir+kind+".txt")
	if err != nil {
		return "", "", "", fmt.Errorf("mail: compose: %w", err)
	}
	if err := tt.Execute(&buf, d); err != nil {
		return "", "", "", fmt.Errorf("mail: compose text: %w", err)
	}
	text = buf.String()
	buf.Reset()
	ht, err := htmltemplate.ParseFS(templates.FS, dir+kind+".html")
	if err != nil {
		return "", "", "", fmt.Errorf("mail: compose: %w", err)
	}
	if err := ht.Execute(&buf, d); err != nil {
		return "", "", "", fmt.Errorf("mail: compose html: %w", err)
	}
	return subject, text, buf.String(), nil
}

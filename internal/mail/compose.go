// Package mail composes the platform's e-mails and sends them from the
// database outbox: a Dispatcher claims pending rows, sends them over one
// SMTP connection per batch at a limited rate, retries temporary failures
// with backoff, and never sends a row twice.
package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/delphi-platform/delphi/templates"
)

// MessageData fills the invitation and reminder templates.
type MessageData struct {
	StudyTitle       string
	StudyDescription string
	ExpertName       string
	RoundNumber      int
	StatementCount   int
	Deadline         time.Time
	Link             string // the personal link
	DeclineLink      string
	ContactName      string
	ContactEmail     string
	MinutesEstimate  int
}

// DeadlineText is the deadline as the e-mail states it, in UTC.
func (d MessageData) DeadlineText() string {
	if d.Deadline.IsZero() {
		return "to be announced"
	}
	return d.Deadline.UTC().Format("Monday 2 January 2006, 15:04 UTC")
}

// DeadlineShort is the deadline for a subject line.
func (d MessageData) DeadlineShort() string {
	if d.Deadline.IsZero() {
		return "soon"
	}
	return d.Deadline.UTC().Format("2 January")
}

// Kinds of e-mail.
const (
	KindInvitation = "invitation"
	KindReminder   = "reminder"
)

// Compose renders an e-mail of the given kind for one expert: the subject,
// a plain-text part and an HTML part (escaped by html/template). Languages
// other than English can be added as email/<lang>/ template sets; until
// one exists the English text is used.
func Compose(kind, lang string, d MessageData) (subject, text, html string, err error) {
	if kind != KindInvitation && kind != KindReminder {
		return "", "", "", fmt.Errorf("mail: compose: unknown kind %q", kind)
	}
	dir := "email/"
	if lang != "" && lang != "en" {
		if _, statErr := templates.FS.Open("email/" + lang + "/" + kind + ".txt"); statErr == nil {
			dir = "email/" + lang + "/"
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

package mail

import (
	"fmt"
	"html"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/delphi-platform/delphi/internal/fault"
	"github.com/delphi-platform/delphi/templates"
)

// Template is one e-mail as a coordinator writes it: a subject line and a
// plain-text body, paragraphs separated by blank lines, with named
// placeholders ({{expert_name}}). Both parts of the message, plain text
// and HTML, are made from it (Render), so they cannot drift apart.
type Template struct {
	Subject string
	Body    string
}

// Message is a rendered e-mail.
type Message struct {
	Subject string // one line
	Text    string // the plain-text part
	HTML    string // the HTML part, every value escaped
}

// Words are the few sentences the HTML part adds around the links, in the
// message's language (i18n ids email.button, email.button.ideas,
// email.fallback, email.decline): the caller translates them.
type Words struct {
	Button   string // the label of the personal link's button
	Fallback string // the sentence before the link written out in full
	Decline  string // the label of the decline link
}

// Placeholders are the names a template may use, as {{name}}.
var Placeholders = []string{"expert_name", "link", "deadline", "deadline_short", "previous_deadline", "study_title",
	"decline_link", "contact", "round", "statement_count", "question_count", "minutes"}

// Lengths a coordinator's template may have, in characters.
const (
	MaxSubject = 200
	MaxBody    = 10000
)

// placeholder matches {{name}}, spaces inside the braces allowed.
var placeholder = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)

// paragraphBreak separates paragraphs: a line with nothing but spaces.
var paragraphBreak = regexp.MustCompile(`\n[ \t]*\n\s*`)

// FieldError is a refused template: which field (subject or body) and why,
// so a form can show the sentence next to that field.
type FieldError struct {
	Field   string // "subject" or "body"
	Message string
}

func (e *FieldError) Error() string { return e.Message }

// FaultKind makes a refused template a fault.Invalid.
func (e *FieldError) FaultKind() fault.Kind { return fault.Invalid }

// ValidateTemplate checks a template a coordinator wrote: a one-line
// subject, a body that carries the personal link and the decline link
// (every e-mail to experts must let them stop), only known placeholders,
// and sizes within limits.
func ValidateTemplate(t Template) error {
	subject, body := strings.TrimSpace(t.Subject), strings.TrimSpace(t.Body)
	switch {
	case subject == "":
		return &FieldError{"subject", "The subject is empty: write the e-mail's subject line."}
	case strings.ContainsAny(subject, "\r\n"):
		return &FieldError{"subject", "The subject must be one line."}
	case utf8.RuneCountInString(subject) > MaxSubject:
		return &FieldError{"subject", fmt.Sprintf("The subject is longer than %d characters.", MaxSubject)}
	case body == "":
		return &FieldError{"body", "The e-mail text is empty."}
	case utf8.RuneCountInString(body) > MaxBody:
		return &FieldError{"body", fmt.Sprintf("The e-mail text is longer than %d characters.", MaxBody)}
	}
	for _, f := range []struct{ field, name, text string }{{"subject", "The subject", subject}, {"body", "The e-mail text", body}} {
		for _, m := range placeholder.FindAllStringSubmatch(f.text, -1) {
			if !slices.Contains(Placeholders, m[1]) {
				return &FieldError{f.field, fmt.Sprintf("%s uses the unknown placeholder %s; the placeholders are %s.", f.name, m[0], placeholderList())}
			}
			if f.field == "subject" && (m[1] == "link" || m[1] == "decline_link") {
				return &FieldError{"subject", fmt.Sprintf("The subject cannot contain %s: the links belong in the e-mail text.", m[0])}
			}
		}
	}
	has := func(name string) bool {
		for _, m := range placeholder.FindAllStringSubmatch(body, -1) {
			if m[1] == name {
				return true
			}
		}
		return false
	}
	if !has("link") {
		return &FieldError{"body", "The e-mail text must contain {{link}}, the expert's personal link: without it the expert cannot take part."}
	}
	if !has("decline_link") {
		return &FieldError{"body", "The e-mail text must contain {{decline_link}}: every e-mail to experts must let them stop taking part and stop the e-mails."}
	}
	return nil
}

func placeholderList() string {
	out := make([]string, len(Placeholders))
	for i, p := range Placeholders {
		out[i] = "{{" + p + "}}"
	}
	return strings.Join(out, " ")
}

// ParseTemplate reads the one-source format of the default texts: a first
// line "Subject: …", one blank line, then the body.
func ParseTemplate(src string) (Template, error) {
	src = strings.ReplaceAll(src, "\r\n", "\n")
	first, rest, _ := strings.Cut(src, "\n")
	subject, ok := strings.CutPrefix(first, "Subject:")
	if !ok {
		return Template{}, fmt.Errorf("mail: template does not start with \"Subject:\"")
	}
	return Template{Subject: strings.TrimSpace(subject), Body: strings.TrimSpace(rest) + "\n"}, nil
}

// defaultsDir holds templates/email/defaults/<lang>/<kind>.txt.
const defaultsDir = "email/defaults"

// DefaultLanguages are the languages with default texts.
func DefaultLanguages() []string {
	entries, err := fs.ReadDir(templates.FS, defaultsDir)
	if err != nil {
		return []string{"en"}
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}

// Default is the platform's text of an e-mail kind in lang, and the
// language it is written in: lang, or English when lang has no defaults.
func Default(kind, lang string) (Template, string, error) {
	if !slices.Contains(Kinds, kind) {
		return Template{}, "", fmt.Errorf("mail: unknown kind %q", kind)
	}
	src, err := fs.ReadFile(templates.FS, defaultsDir+"/"+lang+"/"+kind+".txt")
	if err != nil || lang == "" {
		lang = "en"
		if src, err = fs.ReadFile(templates.FS, defaultsDir+"/en/"+kind+".txt"); err != nil {
			return Template{}, "", fmt.Errorf("mail: default %s: %w", kind, err)
		}
	}
	t, err := ParseTemplate(string(src))
	return t, lang, err
}

// values are the placeholders' texts for d.
func (d MessageData) values() map[string]string {
	count := func(n int) string { return strconv.Itoa(n) }
	return map[string]string{
		"expert_name": d.ExpertName, "link": d.Link, "deadline": d.DeadlineText(), "deadline_short": d.DeadlineShort(),
		"previous_deadline": d.PreviousDeadlineText(), "study_title": d.StudyTitle, "decline_link": d.DeclineLink,
		"contact": d.Contact, "round": count(d.RoundNumber), "statement_count": count(d.StatementCount),
		"question_count": count(d.QuestionCount), "minutes": count(d.MinutesEstimate),
	}
}

// unknown names the first placeholder of s that is not a known one.
func unknown(s string) error {
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(Placeholders, m[1]) {
			return fault.New(fault.Invalid, fmt.Sprintf("The e-mail uses the unknown placeholder %s; the placeholders are %s.", m[0], placeholderList()))
		}
	}
	return nil
}

// fill replaces the placeholders of s, each value passed through esc.
func fill(s string, v map[string]string, esc func(name, value string) string) string {
	return placeholder.ReplaceAllStringFunc(s, func(m string) string {
		name := placeholder.FindStringSubmatch(m)[1]
		return esc(name, v[name])
	})
}

// The HTML part's inline styles (mail clients ignore style sheets).
const (
	styleBody   = "margin:0;padding:0;background:#ffffff;"
	styleWrap   = "max-width:36rem;margin:0 auto;padding:16px;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#1d2430;"
	styleButton = "display:inline-block;background:#1f5fa8;color:#ffffff;padding:12px 20px;border-radius:4px;text-decoration:none;font-weight:bold;"
	styleSmall  = "font-size:14px;color:#5b6472;"
)

// Render fills a template with d (d.Lang: the language it is written in,
// for dates and the HTML part's lang) and makes the three parts: the
// subject on one line, the plain text as written, and HTML with one <p>
// per paragraph, <br> per line, every value escaped; a line holding only
// {{link}} becomes a button with the address written out below it, a
// line holding only {{decline_link}} a link labelled words.Decline.
func Render(t Template, d MessageData, words Words) (Message, error) {
	if err := unknown(t.Subject + "\n" + t.Body); err != nil {
		return Message{}, err
	}
	v := d.values()
	plain := func(_, value string) string { return value }
	subject := strings.Join(strings.Fields(fill(t.Subject, v, plain)), " ")
	body := strings.TrimSpace(strings.ReplaceAll(t.Body, "\r\n", "\n"))
	text := fill(body, v, plain) + "\n"

	lang := d.Lang
	if lang == "" {
		lang = "en"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<!doctype html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>%s</title></head>\n",
		html.EscapeString(lang), html.EscapeString(subject))
	fmt.Fprintf(&b, "<body style=\"%s\">\n<div style=\"%s\">\n", styleBody, styleWrap)
	for _, para := range paragraphBreak.Split(body, -1) {
		writeParagraph(&b, para, v, words)
	}
	b.WriteString("</div>\n</body></html>\n")
	return Message{Subject: subject, Text: text, HTML: b.String()}, nil
}

// writeParagraph writes one paragraph of the body as HTML.
func writeParagraph(b *strings.Builder, para string, v map[string]string, words Words) {
	var lines []string
	small := false
	flush := func() {
		if len(lines) == 0 {
			return
		}
		if small {
			fmt.Fprintf(b, "<p style=\"%s\">%s</p>\n", styleSmall, strings.Join(lines, "<br>\n"))
		} else {
			fmt.Fprintf(b, "<p>%s</p>\n", strings.Join(lines, "<br>\n"))
		}
		lines = nil
	}
	for _, line := range strings.Split(para, "\n") {
		only := placeholder.FindStringSubmatch(strings.TrimSpace(line))
		if only != nil && only[0] == strings.TrimSpace(line) {
			switch only[1] {
			case "link":
				flush()
				url := html.EscapeString(v["link"])
				fmt.Fprintf(b, "<p><a href=\"%s\" style=\"%s\">%s</a></p>\n", url, styleButton, html.EscapeString(words.Button))
				fmt.Fprintf(b, "<p style=\"%s\">%s<br>%s</p>\n", styleSmall, html.EscapeString(words.Fallback), url)
				continue
			case "decline_link":
				small = true
				lines = append(lines, fmt.Sprintf("<a href=\"%s\">%s</a>", html.EscapeString(v["decline_link"]), html.EscapeString(words.Decline)))
				continue
			}
		}
		lines = append(lines, fill(html.EscapeString(line), v, inlineHTML))
	}
	flush()
}

// inlineHTML is a placeholder's value inside a line of the HTML part.
// The line around it is escaped before filling, and braces survive
// escaping, so placeholders are found in the escaped line.
func inlineHTML(name, value string) string {
	esc := strings.ReplaceAll(html.EscapeString(strings.ReplaceAll(value, "\r", "")), "\n", "<br>")
	switch name {
	case "link", "decline_link":
		return `<a href="` + esc + `">` + esc + `</a>`
	case "contact":
		if isAddress(value) {
			return `<a href="mailto:` + esc + `">` + esc + `</a>`
		}
	}
	return esc
}

// isAddress reports whether s looks like one e-mail address.
func isAddress(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t\r\n<>\"'")
}

package mail

import (
	"errors"
	"flag"
	stdhtml "html"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // the zones, whatever the machine has

	"github.com/delphi-platform/delphi/internal/fault"
	"github.com/delphi-platform/delphi/internal/i18n"
)

// Run `go test ./internal/mail -update` after changing a default text or
// Render, and read the diff of testdata/.
var update = flag.Bool("update", false, "rewrite the golden files")

func sampleData() MessageData {
	return MessageData{StudyTitle: "Drug use and migrants' access to health services", ExpertName: "Eleni Papadopoulou",
		RoundNumber: 2, StatementCount: 16, Deadline: time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC),
		Link: "https://delphi.example.org/r/TOKEN", DeclineLink: "https://delphi.example.org/r/TOKEN/decline",
		Contact: "coordinator@example.org", MinutesEstimate: 10}
}

// sampleFor is sampleData as each kind is sent: round 0's e-mails carry
// its link (/i/) and count questions, not statements.
func sampleFor(kind string) MessageData {
	d := sampleData()
	if IdeaKind(kind) {
		d.RoundNumber, d.StatementCount, d.QuestionCount, d.MinutesEstimate = 0, 0, 4, 0
		d.Link, d.DeclineLink = "https://delphi.example.org/i/TOKEN", "https://delphi.example.org/i/TOKEN/decline"
	}
	if kind == KindDeadlineChanged { // a study in Athens, moved by a week
		d.Location, _ = time.LoadLocation("Europe/Athens")
		d.PreviousDeadline = d.Deadline.Add(-7 * 24 * time.Hour)
	}
	return d
}

// catalog is built once for all tests (it takes a while).
var catalog = sync.OnceValues(i18n.New)

// wordsFor are the sentences around the links, from the message
// catalogue as the workflow takes them.
func wordsFor(t *testing.T, lang, kind string) Words {
	t.Helper()
	cat, err := catalog()
	if err != nil {
		t.Fatal(err)
	}
	l := cat.For(lang)
	w := Words{Button: l.T("email.button"), Fallback: l.T("email.fallback"), Decline: l.T("email.decline")}
	if IdeaKind(kind) {
		w.Button = l.T("email.button.ideas")
	}
	return w
}

// renderDefault renders the default text of kind in lang.
func renderDefault(t *testing.T, kind, lang string, d MessageData) Message {
	t.Helper()
	tmpl, writtenIn, err := Default(kind, lang)
	if err != nil {
		t.Fatal(err)
	}
	d.Lang = writtenIn
	m, err := Render(tmpl, d, wordsFor(t, writtenIn, kind))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestDefaultsGolden keeps every rendered default e-mail under review, in
// every language that has defaults (each needs its golden files): run
// with -update after changing a text, and read the diff.
func TestDefaultsGolden(t *testing.T) {
	langs := DefaultLanguages()
	if len(langs) == 0 || langs[0] == "" {
		t.Fatal("no default languages")
	}
	for _, lang := range langs {
		for _, kind := range Kinds {
			t.Run(lang+"/"+kind, func(t *testing.T) { goldenCase(t, lang, kind) })
		}
	}
}

func goldenCase(t *testing.T, lang, kind string) {
	d := sampleFor(kind)
	m := renderDefault(t, kind, lang, d)
	got := "Subject: " + m.Subject + "\n\n" + m.Text + "\n----- HTML -----\n" + m.HTML
	path := filepath.Join("testdata", kind+"."+lang+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/mail -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s; run go test ./internal/mail -update and review the diff", kind, path)
	}
	date := map[string]string{"en": "Friday 4 December 2026", "nl": "vrijdag 4 december 2026", "de": "Freitag, 4. Dezember 2026",
		"fr": "vendredi 4 décembre 2026", "es": "viernes, 4 de diciembre de 2026", "el": "Παρασκευή 4 Δεκεμβρίου 2026"}[lang]
	when := date + ", 18:00 UTC"
	if d.Location != nil { // in the study's zone, named with its offset
		when = date + ", 20:00 (UTC+2)" // the place is named in English only
		if lang == "en" {
			when = date + ", 20:00 (Athens, UTC+2)"
		}
	}
	musts := []string{"Eleni Papadopoulou", d.Link, d.DeclineLink, "coordinator@example.org"}
	if date != "" { // a language added later: its dates are checked by i18n
		musts = append(musts, when)
	}
	for _, must := range musts {
		if !strings.Contains(m.Text, must) || !strings.Contains(stdhtml.UnescapeString(m.HTML), must) {
			t.Errorf("%s/%s lacks %q in a part", lang, kind, must)
		}
	}
	// The HTML part has the button, the address written out, and the
	// decline link, as the text has the links.
	if !strings.Contains(m.HTML, `<a href="`+d.Link+`" style="display:inline-block`) || !strings.Contains(m.HTML, `<a href="`+d.DeclineLink+`">`) {
		t.Errorf("%s/%s HTML lacks the button or the decline link:\n%s", lang, kind, m.HTML)
	}
	if !strings.Contains(m.HTML, `lang="`+lang+`"`) {
		t.Errorf("%s/%s HTML does not declare its language", lang, kind)
	}
	if lang != "en" { // a translation must not fall back to English sentences
		for _, english := range []string{"Dear ", "personal link", "Deadline", "Questions?", "reminder", "Open my"} {
			if strings.Contains(m.Text, english) || strings.Contains(m.Subject, english) || strings.Contains(m.HTML, english) {
				t.Errorf("%s/%s still contains English %q", lang, kind, english)
			}
		}
	}
}

// TestGoldenFilesHaveDefaults: no golden file is left for a text that no
// longer exists (a removed kind or language).
func TestGoldenFilesHaveDefaults(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.golden")
	for _, f := range files {
		kind, lang, _ := strings.Cut(strings.TrimSuffix(filepath.Base(f), ".golden"), ".")
		if _, writtenIn, err := Default(kind, lang); err != nil || writtenIn != lang {
			t.Errorf("%s has no default text", f)
		}
	}
}

// TestDefaultFallsBackToEnglish: a language without defaults gets English.
func TestDefaultFallsBackToEnglish(t *testing.T) {
	tmpl, lang, err := Default(KindInvitation, "pt-XX")
	if err != nil || lang != "en" || !strings.HasPrefix(tmpl.Body, "Dear ") {
		t.Errorf("pt-XX: %q %q %v", lang, tmpl.Body, err)
	}
	if _, _, err := Default("newsletter", "en"); err == nil {
		t.Error("unknown kind accepted")
	}
}

// TestDefaultsAreValid: every default passes the checks a coordinator's
// text must pass.
func TestDefaultsAreValid(t *testing.T) {
	for _, lang := range DefaultLanguages() {
		for _, kind := range Kinds {
			tmpl, _, err := Default(kind, lang)
			if err != nil {
				t.Fatal(err)
			}
			if err := ValidateTemplate(tmpl); err != nil {
				t.Errorf("%s/%s: %v", lang, kind, err)
			}
		}
	}
}

func TestRenderFillsPlaceholders(t *testing.T) {
	d := sampleData()
	d.QuestionCount, d.PreviousDeadline, d.Lang = 3, d.Deadline.AddDate(0, 0, -7), "en"
	tmpl := Template{Subject: "{{study_title}} by {{deadline_short}}",
		Body: "Hello {{ expert_name }}: round {{round}}, {{statement_count}} statements, {{question_count}} questions, {{minutes}} min,\n" +
			"until {{deadline}} (was {{previous_deadline}}). Ask {{contact}}.\n\n{{link}}\n\nStop: {{decline_link}}"}
	m, err := Render(tmpl, d, Words{Button: "Go", Fallback: "Copy:", Decline: "Stop"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Drug use and migrants' access to health services by 4 December" {
		t.Errorf("subject: %q", m.Subject)
	}
	want := "Hello Eleni Papadopoulou: round 2, 16 statements, 3 questions, 10 min,\nuntil Friday 4 December 2026, 18:00 UTC (was Friday 27 November 2026, 18:00 UTC). Ask coordinator@example.org.\n\n" +
		"https://delphi.example.org/r/TOKEN\n\nStop: https://delphi.example.org/r/TOKEN/decline\n"
	if m.Text != want {
		t.Errorf("text:\n%s\nwant:\n%s", m.Text, want)
	}
	for _, must := range []string{
		"<p>Hello Eleni Papadopoulou: round 2, 16 statements, 3 questions, 10 min,<br>\nuntil Friday 4 December 2026, 18:00 UTC (was Friday 27 November 2026, 18:00 UTC). Ask <a href=\"mailto:coordinator@example.org\">coordinator@example.org</a>.</p>",
		`<a href="https://delphi.example.org/r/TOKEN" style="` + styleButton + `">Go</a>`,
		"Copy:<br>https://delphi.example.org/r/TOKEN</p>",
		`<p>Stop: <a href="https://delphi.example.org/r/TOKEN/decline">https://delphi.example.org/r/TOKEN/decline</a></p>`,
	} {
		if !strings.Contains(m.HTML, must) {
			t.Errorf("HTML lacks %q:\n%s", must, m.HTML)
		}
	}
	if strings.Contains(m.Text+m.HTML+m.Subject, "{{") {
		t.Error("a placeholder was left unfilled")
	}
}

func TestRenderRefusesUnknownPlaceholder(t *testing.T) {
	_, err := Render(Template{Subject: "Hi", Body: "{{link}} {{decline_link}} {{expert_email}}"}, sampleData(), Words{})
	if fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), "{{expert_email}}") {
		t.Errorf("unknown placeholder: %v", err)
	}
}

func TestValidateTemplate(t *testing.T) {
	ok := Template{Subject: "Round {{round}}", Body: "Dear {{expert_name}},\n\n{{link}}\n\n{{decline_link}}"}
	if err := ValidateTemplate(ok); err != nil {
		t.Fatalf("valid template refused: %v", err)
	}
	for _, tc := range []struct {
		name          string
		t             Template
		field, phrase string
	}{
		{"no link", Template{Subject: "Hi", Body: "Dear {{expert_name}}\n\n{{decline_link}}"}, "body", "{{link}}"},
		{"no decline link", Template{Subject: "Hi", Body: "{{link}}"}, "body", "{{decline_link}}"},
		{"unknown in body", Template{Subject: "Hi", Body: "{{link}} {{decline_link}} {{name}}"}, "body", "unknown placeholder {{name}}"},
		{"unknown in subject", Template{Subject: "Hi {{title}}", Body: ok.Body}, "subject", "unknown placeholder {{title}}"},
		{"link in subject", Template{Subject: "Go {{link}}", Body: ok.Body}, "subject", "{{link}}"},
		{"empty subject", Template{Subject: "  ", Body: ok.Body}, "subject", "subject is empty"},
		{"two-line subject", Template{Subject: "Hi\nBcc: x@example.org", Body: ok.Body}, "subject", "one line"},
		{"long subject", Template{Subject: strings.Repeat("é", MaxSubject+1), Body: ok.Body}, "subject", "longer than"},
		{"empty body", Template{Subject: "Hi", Body: "\n"}, "body", "empty"},
		{"long body", Template{Subject: "Hi", Body: ok.Body + strings.Repeat("x", MaxBody)}, "body", "longer than"},
	} {
		err := ValidateTemplate(tc.t)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field || !strings.Contains(fe.Message, tc.phrase) || fault.KindOf(err) != fault.Invalid {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// TestRenderEscapes: values are plain text in every part, markup in
// a title or name is shown, never obeyed, and the subject stays one line.
func TestRenderEscapes(t *testing.T) {
	d := sampleData()
	d.StudyTitle = "<script>alert(1)</script> & co\r\nBcc: victim@example.org"
	d.ExpertName = `"><img src=x onerror=alert(1)>`
	d.Contact = `"x@example.org"<script>`
	m := renderDefault(t, KindInvitation, "nl", d)
	if strings.Contains(m.HTML, "<script>") || strings.Contains(m.HTML, "<img") || !strings.Contains(m.HTML, "Beste &#34;&gt;&lt;img src=x") {
		t.Errorf("HTML part not escaped:\n%s", m.HTML)
	}
	if !strings.Contains(m.HTML, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co") {
		t.Errorf("HTML part lacks the escaped title:\n%s", m.HTML)
	}
	if !strings.Contains(m.Text, "<script>alert(1)</script> & co") { // plain text is plain
		t.Errorf("text part changed the title:\n%s", m.Text)
	}
	if strings.ContainsAny(m.Subject, "\r\n") || !strings.Contains(m.Subject, "<script>alert(1)</script> & co Bcc:") {
		t.Errorf("subject: %q", m.Subject)
	}
	if !strings.Contains(m.Text, "\n") || !strings.HasPrefix(m.HTML, "<!doctype html>") {
		t.Error("a part is missing")
	}
}

// TestIdeaMailsSayRoundZero: round 0's e-mails are about ideas for open
// questions, not a questionnaire to rate, and count the questions.
func TestIdeaMailsSayRoundZero(t *testing.T) {
	for _, kind := range []string{KindIdeaInvitation, KindIdeaReminder} {
		for _, lang := range []string{"en", "nl", "el", "de", "fr", "es"} {
			d := sampleFor(kind)
			d.QuestionCount = 17 // a number the date and the round do not hold
			m := renderDefault(t, kind, lang, d)
			zero := map[string]string{"en": "ound 0", "nl": "onde 0", "de": "unde 0", "fr": "our 0", "es": "onda 0", "el": "ύρος 0"}[lang]
			if !strings.Contains(m.Subject, zero) || !strings.Contains(m.Text, "17") || !strings.Contains(m.HTML, "17") {
				t.Errorf("%s/%s: %q\n%s", lang, kind, m.Subject, m.Text)
			}
			for _, rating := range []string{"questionnaire", "vragenlijst", "Fragebogen", "cuestionario", "ερωτηματολόγιο"} {
				if strings.Contains(m.HTML, rating) {
					t.Errorf("%s/%s speaks of a questionnaire (%q)", lang, kind, rating)
				}
			}
		}
	}
	for kind, want := range map[string]string{KindIdeaInvitation: KindInvitation, KindIdeaReminder: KindReminder, KindNewLink: KindInvitation,
		KindDeadlineChanged: KindReminder, KindInvitation: KindInvitation, KindReminder: KindReminder} {
		if OutboxKind(kind) != want {
			t.Errorf("outbox kind of %s: %s", kind, OutboxKind(kind))
		}
	}
}

func TestParseTemplate(t *testing.T) {
	tmpl, err := ParseTemplate("Subject: Hello {{expert_name}}\r\n\r\nLine one\r\n{{link}}\r\n")
	if err != nil || tmpl.Subject != "Hello {{expert_name}}" || tmpl.Body != "Line one\n{{link}}\n" {
		t.Errorf("%+v %v", tmpl, err)
	}
	if _, err := ParseTemplate("Hello\n\nbody"); err == nil {
		t.Error("a template without Subject: was accepted")
	}
}

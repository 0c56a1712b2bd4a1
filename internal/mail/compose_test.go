package mail

import (
	"flag"
	stdhtml "html"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones, whatever the machine has
)

var update = flag.Bool("update", false, "rewrite the golden files")

func sampleData() MessageData {
	return MessageData{StudyTitle: "Drug use and migrants' access to health services", ExpertName: "Eleni Papadopoulou",
		RoundNumber: 2, StatementCount: 16, Deadline: time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC),
		Link: "https://delphi.example.org/r/TOKEN", DeclineLink: "https://delphi.example.org/r/TOKEN/decline",
		ContactEmail: "coordinator@example.org", MinutesEstimate: 10}
}

// sampleFor is sampleData as each kind is sent: round 0's e-mails carry
// its link (/i/) and count questions, not statements.
func sampleFor(kind string) MessageData {
	d := sampleData()
	if kind == KindIdeaInvitation || kind == KindIdeaReminder {
		d.RoundNumber, d.StatementCount, d.QuestionCount, d.MinutesEstimate = 0, 0, 4, 0
		d.Link, d.DeclineLink = "https://delphi.example.org/i/TOKEN", "https://delphi.example.org/i/TOKEN/decline"
	}
	if kind == KindDeadlineChanged { // a study in Athens, moved by a week
		d.Location, _ = time.LoadLocation("Europe/Athens")
		d.PreviousDeadline = d.Deadline.Add(-7 * 24 * time.Hour)
	}
	return d
}

// TestComposeGolden keeps the rendered e-mails under review: run with
// -update after changing a template, and read the diff.
func TestComposeGolden(t *testing.T) {
	for _, lang := range Languages {
		for _, kind := range Kinds {
			goldenCase(t, lang, kind)
		}
	}
}

func goldenCase(t *testing.T, lang, kind string) {
	{
		d := sampleFor(kind)
		subject, text, html, err := Compose(kind, lang, d)
		if err != nil {
			t.Fatal(err)
		}
		got := "Subject: " + subject + "\n\n" + text + "\n----- HTML -----\n" + html
		name := kind + ".golden"
		if lang != "en" {
			name = kind + "." + lang + ".golden"
		}
		path := filepath.Join("testdata", name)
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
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if got != string(want) {
			t.Errorf("%s differs from %s; run go test ./internal/mail -update and review the diff", kind, path)
		}
		date := map[string]string{"en": "Friday 4 December 2026", "nl": "vrijdag 4 december 2026", "de": "Freitag, 4. Dezember 2026",
			"fr": "vendredi 4 décembre 2026", "es": "viernes, 4 de diciembre de 2026", "el": "Παρασκευή 4 Δεκεμβρίου 2026"}[lang]
		when := date + ", 18:00 UTC"
		if d.Location != nil { // in the study's zone, named with its offset
			when = date + ", 20:00 (Athens, UTC+2)"
		}
		for _, must := range []string{"Eleni Papadopoulou", when, d.Link, d.DeclineLink, "coordinator@example.org"} {
			if !strings.Contains(text, must) || !strings.Contains(stdhtml.UnescapeString(html), must) { // html/template writes + as &#43;
				t.Errorf("%s/%s lacks %q in a part", lang, kind, must)
			}
		}
		// A translation must not fall back to English sentences.
		if lang != "en" {
			for _, english := range []string{"Dear ", "personal link", "Deadline", "Questions?", "reminder"} {
				if strings.Contains(text, english) || strings.Contains(subject, english) {
					t.Errorf("%s/%s still contains English %q", lang, kind, english)
				}
			}
			if !strings.Contains(html, `lang="`+lang+`"`) {
				t.Errorf("%s/%s HTML does not declare its language", lang, kind)
			}
		}
	}
}

// TestComposeFallsBackToEnglish: a language without templates gets English.
func TestComposeFallsBackToEnglish(t *testing.T) {
	subject, text, _, err := Compose(KindInvitation, "pt", sampleData())
	if err != nil || !strings.HasPrefix(text, "Dear ") || !strings.Contains(subject, "invitation") || !strings.Contains(text, "Friday 4 December") {
		t.Errorf("pt: %q %q %v", subject, text, err)
	}
}

func TestComposeEscapesAndFolds(t *testing.T) {
	d := sampleData()
	d.StudyTitle = "<script>alert(1)</script>\r\nBcc: victim@example.org"
	d.ExpertName = `"><img src=x onerror=alert(1)>`
	subject, _, html, err := Compose(KindInvitation, "nl", d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(html, "<script>") || strings.Contains(html, "<img") {
		t.Errorf("HTML part not escaped:\n%s", html)
	}
	if strings.ContainsAny(subject, "\r\n") {
		t.Errorf("subject spans lines: %q", subject)
	}
	if _, _, _, err := Compose("newsletter", "en", d); err == nil {
		t.Error("unknown kind accepted")
	}
}

// TestIdeaMailsSayRoundZero: round 0's e-mails are about ideas for open
// questions, not a questionnaire to rate, and count the questions.
func TestIdeaMailsSayRoundZero(t *testing.T) {
	for _, kind := range []string{KindIdeaInvitation, KindIdeaReminder} {
		for _, lang := range Languages {
			subject, text, html, err := Compose(kind, lang, sampleFor(kind))
			if err != nil {
				t.Fatal(err)
			}
			zero := map[string]string{"en": "ound 0", "nl": "onde 0", "de": "unde 0", "fr": "our 0", "es": "onda 0", "el": "ύρος 0"}[lang]
			if !strings.Contains(subject, zero) || !strings.Contains(text, "4 ") || !strings.Contains(html, "4 ") {
				t.Errorf("%s/%s: %q\n%s", lang, kind, subject, text)
			}
			for _, rating := range []string{"questionnaire", "vragenlijst", "Fragebogen", "cuestionario", "ερωτηματολόγιο"} {
				if strings.Contains(html, rating) {
					t.Errorf("%s/%s speaks of a questionnaire (%q)", lang, kind, rating)
				}
			}
		}
		if OutboxKind(kind) != map[string]string{KindIdeaInvitation: KindInvitation, KindIdeaReminder: KindReminder}[kind] {
			t.Errorf("outbox kind of %s: %s", kind, OutboxKind(kind))
		}
	}
}

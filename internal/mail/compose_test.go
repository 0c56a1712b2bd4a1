package mail

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func sampleData() MessageData {
	return MessageData{StudyTitle: "Drug use and migrants' access to health services", ExpertName: "Eleni Papadopoulou",
		RoundNumber: 2, StatementCount: 16, Deadline: time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC),
		Link: "https://delphi.example.org/r/TOKEN", DeclineLink: "https://delphi.example.org/r/TOKEN/decline",
		ContactEmail: "coordinator@example.org", MinutesEstimate: 10}
}

// TestComposeGolden keeps the rendered e-mails under review: run with
// -update after changing a template, and read the diff.
func TestComposeGolden(t *testing.T) {
	for _, kind := range []string{KindInvitation, KindReminder} {
		subject, text, html, err := Compose(kind, "en", sampleData())
		if err != nil {
			t.Fatal(err)
		}
		got := "Subject: " + subject + "\n\n" + text + "\n----- HTML -----\n" + html
		path := filepath.Join("testdata", kind+".golden")
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
		for _, must := range []string{"Eleni Papadopoulou", "Friday 4 December 2026, 18:00 UTC", "https://delphi.example.org/r/TOKEN", "/decline", "coordinator@example.org"} {
			if !strings.Contains(text, must) || !strings.Contains(html, must) {
				t.Errorf("%s lacks %q in a part", kind, must)
			}
		}
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

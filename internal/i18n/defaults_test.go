package i18n_test

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/delphi-platform/delphi/templates"
)

// Every language's default e-mail texts, as shipped in the binary, have
// the English ones' shape: all six kinds, a subject line, a blank line, a
// body with the personal and the decline link, and only placeholders the
// English text of the same kind has.
func TestDefaultEmailTexts(t *testing.T) {
	kinds := []string{"invitation", "reminder", "new_link", "idea_invitation", "idea_reminder", "deadline_changed"}
	defaults, err := fs.Sub(templates.FS, "email/defaults")
	if err != nil {
		t.Fatal(err)
	}
	langs, err := fs.ReadDir(defaults, ".")
	if err != nil {
		t.Fatal(err)
	}
	placeholder := regexp.MustCompile(`{{\s*([^{}]*?)\s*}}`)
	placeholders := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, p := range placeholder.FindAllStringSubmatch(s, -1) {
			m[p[1]] = true
		}
		return m
	}
	read := func(lang, kind string) (string, bool) {
		b, err := fs.ReadFile(defaults, lang+"/"+kind+".txt")
		if err != nil {
			return "", false
		}
		return string(b), true
	}
	checked := 0
	for _, dir := range langs {
		if !dir.IsDir() {
			continue
		}
		lang := dir.Name()
		for _, kind := range kinds {
			text, ok := read(lang, kind)
			if !ok {
				t.Errorf("%s: no %s.txt", lang, kind)
				continue
			}
			english, _ := read("en", kind)
			checked++
			lines := strings.Split(text, "\n")
			if len(lines) < 3 || !strings.HasPrefix(lines[0], "Subject: ") || strings.TrimSpace(lines[0]) == "Subject:" || lines[1] != "" {
				t.Errorf("%s/%s: not \"Subject: …\", a blank line, then the body", lang, kind)
				continue
			}
			if strings.Count(text, "{{") != strings.Count(text, "}}") {
				t.Errorf("%s/%s: unbalanced braces", lang, kind)
			}
			body := strings.Join(lines[2:], "\n")
			for _, must := range []string{"{{link}}", "{{decline_link}}"} {
				if !strings.Contains(body, must) {
					t.Errorf("%s/%s: the body lacks %s", lang, kind, must)
				}
			}
			allowed := placeholders(english)
			for p := range placeholders(text) {
				if !allowed[p] {
					t.Errorf("%s/%s: placeholder {{%s}} is not in the English %s", lang, kind, p, kind)
				}
			}
			if lang != "en" && strings.Count(body, "\n\n") != strings.Count(strings.SplitN(english, "\n\n", 2)[1], "\n\n") {
				t.Errorf("%s/%s: %d paragraphs, the English has %d", lang, kind,
					strings.Count(body, "\n\n")+1, strings.Count(strings.SplitN(english, "\n\n", 2)[1], "\n\n")+1)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no default e-mail texts found")
	}
}

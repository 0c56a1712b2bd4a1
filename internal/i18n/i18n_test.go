package i18n

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func catalog(t *testing.T) *Catalog {
	t.Helper()
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Every language has every English message, and a message that has plural
// forms in English has them in every language.
func TestEveryLanguageIsComplete(t *testing.T) {
	read := func(lang string) map[string]json.RawMessage {
		b, err := locales.ReadFile("locales/" + lang + ".json")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]json.RawMessage{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		return m
	}
	en := read("en")
	for _, lang := range Languages[1:] {
		m := read(lang)
		for id, msg := range en {
			got, ok := m[id]
			if !ok {
				t.Errorf("%s: message %q missing", lang, id)
				continue
			}
			if plural := strings.HasPrefix(string(msg), "{"); plural != strings.HasPrefix(string(got), "{") {
				t.Errorf("%s: message %q: plural forms differ from English", lang, id)
			}
		}
		for id := range m {
			if _, ok := en[id]; !ok {
				t.Errorf("%s: message %q is not in English", lang, id)
			}
		}
	}
}

// Every message renders in every language, for counts that select each
// plural form, with no template left unfilled.
func TestEveryMessageRenders(t *testing.T) {
	c := catalog(t)
	b, _ := locales.ReadFile("locales/en.json")
	ids := map[string]any{}
	if err := json.Unmarshal(b, &ids); err != nil {
		t.Fatal(err)
	}
	args := []any{"Round", 2, "Total", 30, "Answered", 3, "Email", "team@example.org", "Date", "4 December", "Label", "Agree",
		"Study", "Study", "Low", "1", "High", "5"}
	for _, lang := range Languages {
		l := c.For(lang)
		for id := range ids {
			for _, n := range []int{0, 1, 2, 5, 21, 1000000} {
				s := l.T(id, append([]any{"Count", n}, args...)...)
				if s == id || strings.Contains(s, "{{") || strings.Contains(s, "<no value>") {
					t.Errorf("%s %s (count %d): %q", lang, id, n, s)
				}
			}
		}
	}
}

// The progress line agrees with the number of statements, not with the
// number rated: "0 of 1 statement rated", "1 of 30 statements rated".
func TestPlurals(t *testing.T) {
	c := catalog(t)
	for _, tc := range []struct {
		lang            string
		answered, total int
		want            string
	}{
		{"en", 0, 1, "0 of 1 statement rated"},
		{"en", 1, 30, "1 of 30 statements rated"},
		{"en", 12, 30, "12 of 30 statements rated"},
		{"nl", 0, 1, "0 van 1 stelling beoordeeld"},
		{"nl", 12, 30, "12 van 30 stellingen beoordeeld"},
		{"de", 1, 30, "1 von 30 Aussagen bewertet"},
		{"de", 1, 1, "1 von 1 Aussage bewertet"},
		{"fr", 0, 1, "0 sur 1 énoncé évalué"},
		{"fr", 2, 30, "2 sur 30 énoncés évalués"},
		{"es", 1, 30, "1 de 30 afirmaciones valoradas"},
		{"es", 0, 1, "0 de 1 afirmación valorada"},
		{"el", 3, 30, "3 από 30 δηλώσεις αξιολογήθηκαν"},
	} {
		if got := c.For(tc.lang).T("progress", "Count", tc.total, "Answered", tc.answered); got != tc.want {
			t.Errorf("%s %d of %d: got %q, want %q", tc.lang, tc.answered, tc.total, got, tc.want)
		}
	}
}

func TestNumbers(t *testing.T) {
	c := catalog(t)
	for _, tc := range []struct {
		lang     string
		x        float64
		num, pct string
	}{
		{"en", 3.5, "3.5", "3.5%"},
		{"nl", 3.5, "3,5", "3,5\u00a0%"},
		{"de", 4, "4", "4\u00a0%"},
		{"fr", 77.78, "77,78", "77,8\u00a0%"},
		{"el", 0.26, "0,26", "0,3\u00a0%"},
	} {
		l := c.For(tc.lang)
		if got := l.Number(tc.x, 2); got != tc.num {
			t.Errorf("%s Number(%v) = %q, want %q", tc.lang, tc.x, got, tc.num)
		}
		if got := l.Percent(tc.x); got != tc.pct {
			t.Errorf("%s Percent(%v) = %q, want %q", tc.lang, tc.x, got, tc.pct)
		}
	}
}

func TestMatchAcceptLanguage(t *testing.T) {
	c := catalog(t)
	for header, want := range map[string]string{
		"":                                    "en",
		"el-GR,el;q=0.9,en;q=0.8":             "el",
		"tr-TR,tr;q=0.9":                      "en",
		"pt-BR,pt;q=0.9":                      "pt",
		"de-AT":                               "de",
		"xx;q=oops":                           "en",
		"fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7": "fr",
	} {
		if got := c.Match(header); got != want {
			t.Errorf("Match(%q) = %q, want %q", header, got, want)
		}
	}
	if got := c.For("tr").Lang; got != "en" {
		t.Errorf("For(tr) = %q, want en", got)
	}
}

// TestEveryMessageIsUsed: the catalogue holds only what the pages say, so
// translators do not translate dead text. Messages are used by id, in
// quotes, in the Go code of the web pages and the workflows, or the templates.
func TestEveryMessageIsUsed(t *testing.T) {
	b, _ := locales.ReadFile("locales/en.json")
	ids := map[string]any{}
	if err := json.Unmarshal(b, &ids); err != nil {
		t.Fatal(err)
	}
	var code strings.Builder
	for _, glob := range []string{"../../server/*.go", "../web/*.go", "../workflow/*.go", "../../templates/pages/*.html", "../../templates/partials/*.html", "../../templates/layout.html"} {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			code.Write(src)
		}
	}
	for id := range ids {
		if !strings.Contains(code.String(), `"`+id+`"`) {
			t.Errorf("message %q is used nowhere", id)
		}
	}
}

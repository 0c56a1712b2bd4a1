package i18n

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
		"Study", "Study", "Low", "1", "High", "5", "Min", "0", "Max", "500", "Rank", 3, "Mean", "2.5", "Median", "2"}
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

// Numbers, percentages and dates in all 24 official EU languages, as the
// Unicode CLDR (48) writes them; the expected strings are ICU's output.
func TestCLDRForms(t *testing.T) {
	friday := time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC)
	monday := time.Date(2027, 3, 1, 7, 5, 0, 0, time.UTC)
	cases := []struct {
		lang, short, long, long2, clock, negative, decimal, percent string
	}{
		{"bg", "4 декември", "петък, 4 декември 2026 г.", "понеделник, 1 март 2027 г.", "7:05", "-0,5", "3,25", "77,8%"},
		{"cs", "4. prosince", "pátek 4. prosince 2026", "pondělí 1. března 2027", "7:05", "-0,5", "3,25", "77,8\u00a0%"},
		{"da", "4. december", "fredag den 4. december 2026", "mandag den 1. marts 2027", "07.05", "-0,5", "3,25", "77,8\u00a0%"},
		{"de", "4. Dezember", "Freitag, 4. Dezember 2026", "Montag, 1. März 2027", "07:05", "-0,5", "3,25", "77,8\u00a0%"},
		{"el", "4 Δεκεμβρίου", "Παρασκευή 4 Δεκεμβρίου 2026", "Δευτέρα 1 Μαρτίου 2027", "07:05", "-0,5", "3,25", "77,8%"},
		{"en", "4 December", "Friday 4 December 2026", "Monday 1 March 2027", "07:05", "-0.5", "3.25", "77.8%"},
		{"es", "4 de diciembre", "viernes, 4 de diciembre de 2026", "lunes, 1 de marzo de 2027", "7:05", "-0,5", "3,25", "77,8\u00a0%"},
		{"et", "4. detsember", "reede, 4. detsember 2026", "esmaspäev, 1. märts 2027", "07:05", "\u22120,5", "3,25", "77,8%"},
		{"fi", "4. joulukuuta", "perjantai 4. joulukuuta 2026", "maanantai 1. maaliskuuta 2027", "7.05", "\u22120,5", "3,25", "77,8\u00a0%"},
		{"fr", "4 décembre", "vendredi 4 décembre 2026", "lundi 1 mars 2027", "07:05", "-0,5", "3,25", "77,8\u00a0%"},
		{"ga", "4 Nollaig", "Dé hAoine 4 Nollaig 2026", "Dé Luain 1 Márta 2027", "07:05", "-0.5", "3.25", "77.8%"},
		{"hr", "4. prosinca", "petak, 4. prosinca 2026.", "ponedjeljak, 1. ožujka 2027.", "07:05", "\u22120,5", "3,25", "77,8\u00a0%"},
		{"hu", "december 4.", "2026. december 4., péntek", "2027. március 1., hétfő", "7:05", "-0,5", "3,25", "77,8%"},
		{"it", "4 dicembre", "venerdì 4 dicembre 2026", "lunedì 1 marzo 2027", "07:05", "-0,5", "3,25", "77,8%"},
		{"lt", "gruodžio 4 d.", "2026 m. gruodžio 4 d., penktadienis", "2027 m. kovo 1 d., pirmadienis", "07:05", "\u22120,5", "3,25", "77,8\u00a0%"},
		{"lv", "4. decembris", "piektdiena, 2026. gada 4. decembris", "pirmdiena, 2027. gada 1. marts", "07:05", "-0,5", "3,25", "77,8%"},
		{"mt", "4 ta’ Diċembru", "Il-Ġimgħa, 4 ta’ Diċembru 2026", "It-Tnejn, 1 ta’ Marzu 2027", "07:05", "-0.5", "3.25", "77.8%"},
		{"nl", "4 december", "vrijdag 4 december 2026", "maandag 1 maart 2027", "07:05", "-0,5", "3,25", "77,8%"},
		{"pl", "4 grudnia", "piątek, 4 grudnia 2026", "poniedziałek, 1 marca 2027", "07:05", "-0,5", "3,25", "77,8%"},
		{"pt", "4 de dezembro", "sexta-feira, 4 de dezembro de 2026", "segunda-feira, 1 de março de 2027", "07:05", "-0,5", "3,25", "77,8%"},
		{"ro", "4 decembrie", "vineri, 4 decembrie 2026", "luni, 1 martie 2027", "07:05", "-0,5", "3,25", "77,8\u00a0%"},
		{"sk", "4. decembra", "piatok 4. decembra 2026", "pondelok 1. marca 2027", "7:05", "-0,5", "3,25", "77,8\u00a0%"},
		{"sl", "4. december", "petek, 4. december 2026", "ponedeljek, 1. marec 2027", "07:05", "\u22120,5", "3,25", "77,8\u00a0%"},
		{"sv", "4 december", "fredag 4 december 2026", "måndag 1 mars 2027", "07:05", "\u22120,5", "3,25", "77,8\u00a0%"},
	}
	if len(cases) != 24 || len(forms) != 24 {
		t.Fatalf("%d cases, %d forms; want the 24 official EU languages", len(cases), len(forms))
	}
	for _, tc := range cases {
		check := func(what, got, want string) {
			if got != want {
				t.Errorf("%s %s: got %q, want %q", tc.lang, what, got, want)
			}
		}
		check("ShortDate", ShortDate(friday, tc.lang), tc.short)
		check("LongDate", LongDate(friday, tc.lang), tc.long)
		check("LongDate", LongDate(monday, tc.lang), tc.long2)
		check("Clock", Clock(monday, tc.lang), tc.clock)
		check("Clock", Clock(friday, tc.lang), strings.NewReplacer("7", "18", "05", "00").Replace(tc.clock[len(tc.clock)-4:]))
		l := &Localizer{Lang: tc.lang}
		check("Number", l.Number(-0.5, 2), tc.negative)
		check("Number", l.Number(3.254, 2), tc.decimal)
		check("Number", l.Number(-0.001, 2), "0")
		check("Percent", l.Percent(77.78), tc.percent)
		check("Percent", l.Percent(100), "100"+tc.percent[4:])
	}
	for _, lang := range Languages {
		if _, ok := forms[lang]; !ok {
			t.Errorf("%s: no dates and numbers", lang)
		}
	}
	if got := LongDate(friday, "xx"); got != "Friday 4 December 2026" {
		t.Errorf("unknown language: %q, want English", got)
	}
}

// A deadline in a study's zone, in languages with their own clocks and
// date orders.
func TestDateTimeIn(t *testing.T) {
	athens, err := time.LoadLocation("Europe/Athens")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 4, 7, 30, 0, 0, time.UTC) // 9:30 in Athens
	for lang, want := range map[string]string{
		"en": "Friday 4 December 2026, 09:30 (Athens, UTC+2)",
		"cs": "pátek 4. prosince 2026, 9:30 (UTC+2)",
		"fi": "perjantai 4. joulukuuta 2026, 9.30 (UTC+2)",
		"da": "fredag den 4. december 2026, 09.30 (UTC+2)",
		"hu": "2026. december 4., péntek, 9:30 (UTC+2)",
		"lt": "2026 m. gruodžio 4 d., penktadienis, 09:30 (UTC+2)",
	} {
		if got := DateTimeIn(at, athens, lang); got != want {
			t.Errorf("%s: got %q, want %q", lang, got, want)
		}
	}
	if got, want := DateTimeIn(at, time.UTC, "bg"), "петък, 4 декември 2026 г., 7:30 UTC"; got != want {
		t.Errorf("bg in UTC: got %q, want %q", got, want)
	}
}

func TestMatchAcceptLanguage(t *testing.T) {
	c := catalog(t)
	for header, want := range map[string]string{
		"":                                    "en",
		"el-GR,el;q=0.9,en;q=0.8":             "el",
		"tr-TR,tr;q=0.9":                      "en",
		"pt-BR,pt;q=0.9":                      "pt",
		"ja-JP,ja;q=0.9":                      "en",
		"de-AT":                               "de",
		"xx;q=oops":                           "en",
		"fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7": "fr",
		"bg-BG,bg;q=0.9,en;q=0.8":             "bg",
		"cs-CZ,cs;q=0.9,sk;q=0.8":             "cs",
		"da-DK":                               "da",
		"et-EE,et;q=0.9,ru;q=0.8":             "et",
		"fi-FI,fi;q=0.9,sv;q=0.8":             "fi",
		"ga-IE,ga;q=0.9,en-IE;q=0.8":          "ga",
		"en-IE,ga;q=0.5":                      "en",
		"hr-HR,hr;q=0.9,en;q=0.5":             "hr",
		"hu":                                  "hu",
		"lt-LT,lt;q=0.9,en;q=0.8":             "lt",
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

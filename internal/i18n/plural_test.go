package i18n

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"text/template"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// cldrPlurals are the cardinal plural categories of the 24 official EU
// languages in CLDR's plurals.xml, each with a count that selects it:
// an integer wherever the category has integers, else a decimal, written
// as go-i18n reads a count given as a string. Categories with decimals only
// are Czech and Slovak "many" (1.5 výroku), Lithuanian "many" (1.5
// teiginio) and Polish "other" (1,5 stwierdzenia). The pages count whole
// things, so those forms are written for completeness but never shown.
var cldrPlurals = map[string]map[string]any{
	"bg": {"one": 1, "other": 5},
	"cs": {"one": 1, "few": 3, "many": "1.5", "other": 5},
	"da": {"one": 1, "other": 5},
	"de": {"one": 1, "other": 5},
	"el": {"one": 1, "other": 5},
	"en": {"one": 1, "other": 5},
	"es": {"one": 1, "many": 1000000, "other": 5},
	"et": {"one": 1, "other": 5},
	"fi": {"one": 1, "other": 5},
	"fr": {"one": 1, "many": 1000000, "other": 5},
	"ga": {"one": 1, "two": 2, "few": 3, "many": 7, "other": 11},
	"hr": {"one": 21, "few": 3, "other": 5},
	"hu": {"one": 1, "other": 5},
	"it": {"one": 1, "many": 1000000, "other": 5},
	"lt": {"one": 21, "few": 3, "many": "1.5", "other": 10},
	"lv": {"zero": 10, "one": 21, "other": 3},
	"mt": {"one": 1, "two": 2, "few": 3, "many": 11, "other": 20},
	"nl": {"one": 1, "other": 5},
	"pl": {"one": 1, "few": 3, "many": 5, "other": "1.5"},
	"pt": {"one": 1, "many": 1000000, "other": 5},
	"ro": {"one": 1, "few": 3, "other": 20},
	"sk": {"one": 1, "few": 3, "many": "1.5", "other": 5},
	"sl": {"one": 1, "two": 2, "few": 3, "other": 5},
	"sv": {"one": 1, "other": 5},
}

// alikeForms are plural forms that are rightly the same text in a
// language, as "categories:message ids" (no ids: every message), each with
// the reason. Any other pair of forms must differ.
var alikeForms = map[string][]string{
	// "many" is for round millions ("un million de …"); counted in digits
	// it reads as "other".
	"fr": {"many=other"},
	"es": {"many=other"},
	"it": {"many=other", "one=many=other:progress,progress.answered"},
	"pt": {"many=other", "one=many=other:progress,progress.answered"},
	// "z" (of) takes the genitive: z 1 / 1,5 výroku, z 3 / 5 výroků;
	// "hodnocení" (rating) is the same after every number.
	"cs": {"one=many:progress,progress.answered", "few=other:progress,progress.answered", "one=few=many=other:fb.n"},
	// "iš" (of) takes the genitive: iš 1 / 1,5 teiginio, iš 3 / 10 teiginių.
	"lt": {"one=many:progress,progress.answered", "few=other:progress,progress.answered"},
	// "od" (of) takes the genitive, which after 2–4 is the singular's: od
	// 1 / 3 tvrdnje, od 5 tvrdnji; "ocjena" (rating) is also the genitive
	// plural: 1 / 5 ocjena, 3 ocjene.
	"hr": {"one=few:progress,progress.answered", "one=other:fb.n"},
	// Hungarian puts the singular after every number, and the verb agrees
	// with it: 1 / 5 állítás még nincs megválaszolva.
	"hu": {"one=other"},
	// Finnish puts the partitive after numbers above one, but not in the
	// elative, where number and noun agree: 1 / 30 väittämästä.
	"fi": {"one=other:progress,progress.answered"},
	// So does Estonian: 1 / 30 väitest.
	"et": {"one=other:progress,progress.answered"},
	// Danish "udsagn" (statement) has the same plural, and verbs do not
	// agree: 1 / 5 udsagn mangler et svar.
	"da": {"one=other:progress,progress.answered,error.incomplete,confirm.missing"},
	// Irish puts the singular after every number; the categories differ
	// only by the mutation the number word causes (2 / 3 dhuine, 7 nduine,
	// 1 / 11 duine), and "ráiteas" (statement) and "rátáil" (rating) begin
	// with r, which no mutation changes.
	"ga": {"one=two=few=many=other:progress,progress.answered,error.incomplete,confirm.missing,fb.n", "one=other:fb.unable", "two=few:fb.unable"},
	// The progress line is a label ("Ocenione stwierdzenia: 3 z 30"), so
	// no noun agrees with the number in Polish, Slovak, Slovenian, Italian,
	// Latvian, Romanian, Portuguese and Maltese.
	// Polish decimals take the genitive singular, as 2–4 do: 1,5 / 3 oceny.
	"pl": {"one=few=many=other:progress,progress.answered", "few=other:fb.n"},
	// Slovak decimals ("many") take the form of 2–4: 1,5 / 3 hodnotenia.
	"sk": {"one=few=many=other:progress,progress.answered", "few=many:fb.n"},
	// Slovenian "trditev" (statement) is also the genitive plural, and
	// after 5 and more the verb is singular: 1 / 5 trditev še nima odgovora.
	"sl": {"one=two=few=other:progress,progress.answered", "one=other:confirm.missing,error.incomplete"},
	"ro": {"one=few=other:progress,progress.answered"},
	// Maltese nouns take the plural after 2–10 (no dual for these words)
	// and the singular after 1 and from 11 on: 3 stqarrijiet, 11 / 20
	// stqarrija.
	"mt": {"one=two=few=many=other:progress,progress.answered", "two=few:confirm.missing,error.incomplete,fb.n,fb.unable",
		"one=many=other:confirm.missing,error.incomplete,fb.n", "many=other:fb.unable"},
	"lv": {"zero=one=other:progress,progress.answered"},
	// Swedish: "(3 saknar fortfarande svar)", no noun to agree.
	"sv": {"one=other:error.incomplete"},
}

func formsAlike(lang, id, a, b string) bool {
	for _, rule := range alikeForms[lang] {
		cats, ids, scoped := strings.Cut(rule, ":")
		if scoped && !strings.Contains(","+ids+",", ","+id+",") {
			continue
		}
		set := "=" + cats + "="
		if strings.Contains(set, "="+a+"=") && strings.Contains(set, "="+b+"=") {
			return true
		}
	}
	return false
}

// pluralCategory returns the category go-i18n picks for a count in a
// language, found by rendering a message whose every form names its
// category.
func pluralCategory(t *testing.T, lang string) func(count any) string {
	t.Helper()
	b := goi18n.NewBundle(language.English)
	if err := b.AddMessages(language.Make(lang), &goi18n.Message{ID: "probe",
		Zero: "zero", One: "one", Two: "two", Few: "few", Many: "many", Other: "other"}); err != nil {
		t.Fatal(err)
	}
	l := goi18n.NewLocalizer(b, lang)
	return func(count any) string {
		s, err := l.Localize(&goi18n.LocalizeConfig{MessageID: "probe", PluralCount: count})
		if err != nil {
			t.Fatalf("%s count %v: %v", lang, count, err)
		}
		return s
	}
}

// The table agrees with go-i18n's rules: each count selects its category,
// and no count from 0 to 1000, a million, or a few decimals selects a
// category the table does not list.
func TestPluralCategoriesAreCLDRs(t *testing.T) {
	probes := []any{1000000, "0.5", "1.5", "2.5", "0.1", "1.1", "2.1", "5.5"}
	for n := 0; n <= 1000; n++ {
		probes = append(probes, n)
	}
	for lang, cats := range cldrPlurals {
		category := pluralCategory(t, lang)
		for cat, count := range cats {
			if got := category(count); got != cat {
				t.Errorf("%s: count %v is %q, want %q", lang, count, got, cat)
			}
		}
		for _, count := range probes {
			if got := category(count); cats[got] == nil {
				t.Errorf("%s: count %v selects %q, which the table lacks", lang, count, got)
			}
		}
	}
	for _, lang := range Languages {
		if cldrPlurals[lang] == nil {
			t.Errorf("%s: plural categories unknown", lang)
		}
	}
}

// Every plural message of every language has exactly the language's
// plural forms, each its own text (unless alikeForms says why not), and a
// count of each category renders that category's form, with the number in
// it and nothing left unfilled.
func TestEveryPluralFormRenders(t *testing.T) {
	c := catalog(t)
	en := map[string]json.RawMessage{}
	b, _ := locales.ReadFile("locales/en.json")
	if err := json.Unmarshal(b, &en); err != nil {
		t.Fatal(err)
	}
	var plurals []string
	for id, raw := range en {
		if strings.HasPrefix(string(raw), "{") {
			plurals = append(plurals, id)
		}
	}
	sort.Strings(plurals)
	if len(plurals) == 0 {
		t.Fatal("no plural messages in English")
	}
	for _, lang := range Languages {
		b, err := locales.ReadFile("locales/" + lang + ".json")
		if err != nil {
			t.Fatal(err)
		}
		all := map[string]json.RawMessage{}
		if err := json.Unmarshal(b, &all); err != nil {
			t.Fatal(err)
		}
		cats := cldrPlurals[lang]
		l := c.For(lang)
		for _, id := range plurals {
			var forms map[string]string
			if err := json.Unmarshal(all[id], &forms); err != nil {
				t.Errorf("%s %s: %v", lang, id, err)
				continue
			}
			for cat := range forms {
				if cats[cat] == nil {
					t.Errorf("%s %s: form %q, which %s does not have", lang, id, cat, lang)
				}
			}
			for cat, count := range cats {
				form := forms[cat]
				if strings.TrimSpace(form) == "" {
					t.Errorf("%s %s: no %q form", lang, id, cat)
					continue
				}
				for other := range cats {
					if other < cat && forms[other] == form && !formsAlike(lang, id, cat, other) {
						t.Errorf("%s %s: forms %q and %q are the same text %q", lang, id, other, cat, form)
					}
				}
				data := map[string]any{"Count": count, "Answered": 2}
				got := l.T(id, "Count", count, "Answered", 2)
				var want strings.Builder
				if err := template.Must(template.New("").Parse(form)).Execute(&want, data); err != nil {
					t.Fatal(err)
				}
				if got != want.String() || strings.Contains(got, "{{") || strings.Contains(got, "<no value>") ||
					!strings.Contains(got, fmt.Sprint(count)) {
					t.Errorf("%s %s count %v (%s): got %q, want the %q form %q with the count in it", lang, id, count, cat, got, cat, want.String())
				}
			}
		}
	}
}

// A few sentences as a reader sees them, where the grammar of counting is
// hardest.
func TestPluralSentences(t *testing.T) {
	c := catalog(t)
	for _, tc := range []struct {
		lang, id string
		count    int
		want     string
	}{
		{"cs", "confirm.missing", 1, "1 výrok zatím nemá odpověď."},
		{"cs", "confirm.missing", 3, "3 výroky zatím nemají odpověď."},
		{"cs", "confirm.missing", 12, "12 výroků zatím nemá odpověď."},
		{"lt", "fb.n", 21, "21 įvertinimas"},
		{"lt", "fb.n", 14, "14 įvertinimų"},
		{"lt", "fb.n", 23, "23 įvertinimai"},
		{"hr", "confirm.missing", 22, "22 tvrdnje još nemaju odgovor."},
		{"hr", "confirm.missing", 12, "12 tvrdnji još nema odgovor."},
		{"ga", "fb.unable", 2, "Ní raibh 2 dhuine in ann é a rátáil"},
		{"ga", "fb.unable", 8, "Ní raibh 8 nduine in ann é a rátáil"},
		{"fi", "fb.n", 1, "1 arvio"},
		{"fi", "fb.n", 4, "4 arviota"},
		{"et", "fb.unable", 3, "3 eksperti ei saanud hinnata"},
		{"bg", "fb.n", 1, "1 оценка"},
		{"da", "fb.unable", 2, "2 eksperter kunne ikke vurdere"},
		{"hu", "confirm.missing", 7, "7 állítás még nincs megválaszolva."},
	} {
		if got := c.For(tc.lang).T(tc.id, "Count", tc.count); got != tc.want {
			t.Errorf("%s %s %d: got %q, want %q", tc.lang, tc.id, tc.count, got, tc.want)
		}
	}
}

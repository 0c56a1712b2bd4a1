// Package i18n holds the interface text of the expert pages in every
// language the platform speaks, and formats numbers and dates the way each
// language writes them. Messages live in locales/<lang>.json (go-i18n's
// format, plurals included); English is the fallback and the reference
// that every other language must cover completely (tested).
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Languages the platform's pages and e-mails are written in: the 24
// official languages of the EU, English first (the fallback), then by code.
var Languages = []string{"en", "bg", "cs", "da", "de", "el", "es", "et", "fi", "fr", "ga", "hr",
	"hu", "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv"}

//go:embed locales/*.json
var locales embed.FS

// Catalog holds every language's messages; one is built at start.
type Catalog struct {
	bundle  *goi18n.Bundle
	matcher language.Matcher
	mu      sync.Mutex
	cache   map[string]map[string]string // lang → id → text, for messages without arguments
}

// New loads the embedded message files.
func New() (*Catalog, error) {
	b := goi18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	tags := make([]language.Tag, 0, len(Languages))
	for _, l := range Languages {
		if _, err := b.LoadMessageFileFS(locales, "locales/"+l+".json"); err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		tags = append(tags, language.Make(l))
	}
	return &Catalog{bundle: b, matcher: language.NewMatcher(tags), cache: map[string]map[string]string{}}, nil
}

// Supported reports whether the pages are written in lang.
func Supported(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// Match picks the best supported language for an Accept-Language header
// (for pages shown before we know who the visitor is); English otherwise.
func (c *Catalog) Match(acceptLanguage string) string {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return "en"
	}
	_, i, conf := c.matcher.Match(tags...)
	if conf == language.No {
		return "en"
	}
	return Languages[i]
}

// For returns the localizer of a language; unsupported languages get English.
func (c *Catalog) For(lang string) *Localizer {
	if !Supported(lang) {
		lang = "en"
	}
	return &Localizer{Lang: lang, cat: c, loc: goi18n.NewLocalizer(c.bundle, lang, "en"), memo: map[string]string{}}
}

// Localizer translates for one language. It is meant for one request (it
// remembers the messages it wrote, so a page that repeats one per
// statement formats it once); it is not safe for concurrent use.
type Localizer struct {
	Lang string
	cat  *Catalog
	loc  *goi18n.Localizer
	memo map[string]string // id and arguments → text
}

// T translates message id. Arguments come as name, value pairs; a "Count"
// argument selects the plural form. A missing message shows its id, so a
// gap is visible rather than blank (and the completeness test fails).
func (l *Localizer) T(id string, args ...any) string {
	if len(args) == 0 {
		if s, ok := l.cached(id); ok {
			return s
		}
		s := l.localize(id)
		l.store(id, s)
		return s
	}
	key := id + "\x00" + fmt.Sprint(args...)
	if s, ok := l.memo[key]; ok {
		return s
	}
	s := l.localize(id, args...)
	l.memo[key] = s
	return s
}

func (l *Localizer) localize(id string, args ...any) string {
	cfg := &goi18n.LocalizeConfig{MessageID: id}
	if len(args) > 0 {
		data := make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			name, _ := args[i].(string)
			data[name] = args[i+1]
			if name == "Count" {
				cfg.PluralCount = args[i+1]
			}
		}
		cfg.TemplateData = data
	}
	s, err := l.loc.Localize(cfg)
	if err != nil && cfg.PluralCount != nil {
		// A message without plural forms, given a count anyway.
		cfg.PluralCount = nil
		s, err = l.loc.Localize(cfg)
	}
	if err != nil {
		return id
	}
	return s
}

func (l *Localizer) cached(id string) (string, bool) {
	l.cat.mu.Lock()
	defer l.cat.mu.Unlock()
	s, ok := l.cat.cache[l.Lang][id]
	return s, ok
}

func (l *Localizer) store(id, s string) {
	l.cat.mu.Lock()
	defer l.cat.mu.Unlock()
	if l.cat.cache[l.Lang] == nil {
		l.cat.cache[l.Lang] = map[string]string{}
	}
	l.cat.cache[l.Lang][id] = s
}

// Number writes x with at most `decimals` decimals, the language's
// decimal separator and minus sign (see forms): 3.5 in English, Irish and
// Maltese, 3,5 in the other languages, −0,5 with U+2212 in Estonian,
// Finnish, Croatian, Lithuanian, Slovenian and Swedish. Trailing zeros are
// dropped (3, not 3,0).
func (l *Localizer) Number(x float64, decimals int) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "—"
	}
	s := strconv.FormatFloat(x, 'f', decimals, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	f := formOf(l.Lang)
	s = strings.Replace(s, ".", f.decimal, 1)
	if strings.HasPrefix(s, "-") {
		s = f.minus + s[1:]
	}
	return s
}

// Percent writes a percentage with at most one decimal, as CLDR's percent
// pattern of the language has it: "75%" in English, "75 %" (no-break
// space) in German or French, "75%" in Dutch or Polish.
func (l *Localizer) Percent(x float64) string {
	return l.Number(x, 1) + formOf(l.Lang).percent
}

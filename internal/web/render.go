package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/panelcsv"
	"github.com/delphi-platform/delphi/internal/results"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
	"github.com/delphi-platform/delphi/templates"
)

// basePage carries what the layout needs; every page struct embeds it.
type basePage struct {
	Title string
	Lang  string
	User  *store.User
	CSRF  string
	Flash string
	Study *store.Study
	Role  string // the user's role in Study
	Tab   string
	// ForExpert marks the pages panel experts see: their language, no
	// account navigation.
	ForExpert bool
	// ExpertPreview is the banner of a coordinator's preview of an expert page
	// (preview.go); nil elsewhere.
	ExpertPreview *previewBanner
}

// CanEdit tells the templates whether to show editing controls.
func (b basePage) CanEdit() bool { return b.Role == store.RoleOwner || b.Role == store.RoleCoordinator }

// formatOpt shows an undefined statistic as "—", never as 0 (SPEC §0.3),
// numbers to at most 3 decimals.
func formatOpt(v any) string {
	switch o := v.(type) {
	case analysis.Opt[float64]:
		if o.Valid {
			return strings.TrimSuffix(strings.TrimRight(strconv.FormatFloat(o.Value, 'f', 3, 64), "0"), ".")
		}
	case analysis.Opt[analysis.Hundredths]:
		if o.Valid {
			return o.Value.String()
		}
	case analysis.Opt[int]:
		if o.Valid {
			return strconv.Itoa(o.Value)
		}
	case analysis.Opt[string]:
		if o.Valid {
			return o.Value
		}
	case *float64: // the panel description's number summaries
		if o != nil {
			return strings.TrimSuffix(strings.TrimRight(strconv.FormatFloat(*o, 'f', 3, 64), "0"), ".")
		}
	}
	return "—"
}

// formatPct shows a percentage to one decimal place; decisions never use
// the shown value (SPEC §0.3).
func formatPct(o analysis.Opt[float64]) string {
	if !o.Valid {
		return "—"
	}
	return strconv.FormatFloat(o.Value, 'f', 1, 64) + " %"
}

// pages holds one parsed template set per page: layout + partials + page.
type pages map[string]*template.Template

var templateFuncs = template.FuncMap{
	"join": strings.Join,
	"add":  func(a, b int) int { return a + b },
	// dict builds a map for passing several values to a sub-template.
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
	// country shows an ISO code with its English name: "Germany (DE)".
	"country":  func(code string) string { return panelcsv.CountryName(code, "en") + " (" + code + ")" },
	"quantile": rounds.DescribeQuantile,
	"int64":    func(i int) int64 { return int64(i) },
	"list":     func(xs ...string) []string { return xs },
	"opt":      formatOpt,
	// inZone shows a moment to coordinators in the study's time zone,
	// named: "14 March 2027, 18:00 (Europe/Athens)".
	"inZone": inZone,
	// paragraphs splits text written with blank lines between paragraphs.
	"paragraphs": func(s string) []string {
		var out []string
		for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	},
	"narrativeFields": func() any { return narrativeFields },
	// pval shows a p-value to 3 decimals, and a tiny one as "< 0.001", never as 0.
	"pval": func(o analysis.Opt[float64]) string {
		if o.Valid && o.Value < 0.001 {
			return "< 0.001"
		}
		return formatOpt(o)
	},
	"narrative": narrativeValue,
	// attritionRows picks the group or country rows of the attrition table.
	"attritionRows": func(r *results.Results, kind string) []results.AttritionRow {
		if kind == "country" {
			return r.Attrition.Countries
		}
		return r.Attrition.Groups
	},
	"pct": formatPct,
	// languageName is a language code in English words: "Dutch (nl)".
	"languageName": languageName,
	"seq": func(from, to int) []int {
		var s []int
		for i := from; i <= to; i++ {
			s = append(s, i)
		}
		return s
	},
}

// parsePages parses every pages/*.html once at start; a broken template
// stops the program at start rather than failing a request later.
func parsePages() (pages, error) {
	names, err := fs.Glob(templates.FS, "pages/*.html")
	if err != nil {
		return nil, err
	}
	p := pages{}
	for _, name := range names {
		t, err := template.New("").Funcs(templateFuncs).ParseFS(templates.FS, "layout.html", "partials/*.html", name)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		p[strings.TrimSuffix(path.Base(name), ".html")] = t
	}
	return p, nil
}

// render executes a page into a buffer first, so a template error becomes
// a clean 500 instead of half a page.
func (a *App) render(c echo.Context, status int, name string, data any) error {
	t, ok := a.pages[name]
	if !ok {
		return fmt.Errorf("render: no page %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// base fills the common page fields from the request.
func (a *App) base(c echo.Context, title string) basePage {
	b := basePage{Title: title, Lang: "en"}
	if pv, ok := c.Get(ctxPreview).(*previewBanner); ok {
		b.ExpertPreview = pv // an expert's page: no account, no study tabs, no coordinator's flash
		return b
	}
	if u, ok := c.Get(ctxUser).(store.User); ok {
		b.User = &u
	}
	b.CSRF, _ = c.Get(ctxCSRF).(string)
	b.Flash = takeFlash(c)
	if st, ok := c.Get(ctxStudy).(store.Study); ok {
		b.Study = &st
		b.Role, _ = c.Get(ctxRole).(string)
	}
	return b
}

const flashCookie = "delphi_flash"

// setFlash leaves a one-line message for the page after a redirect.
func setFlash(c echo.Context, msg string) {
	c.SetCookie(&http.Cookie{Name: flashCookie, Value: encodeFlash(msg), Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

func takeFlash(c echo.Context) string {
	ck, err := c.Cookie(flashCookie)
	if err != nil || ck.Value == "" {
		return ""
	}
	c.SetCookie(&http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1})
	return decodeFlash(ck.Value)
}

// inZone writes t in the study st's time zone, named: "14 March 2027,
// 18:00 (Europe/Athens)" (UTC without a study).
func inZone(t time.Time, st *store.Study) string {
	loc := time.UTC
	if st != nil {
		loc = st.Location()
	}
	return t.In(loc).Format("2 January 2006, 15:04") + " (" + loc.String() + ")"
}

// localInput is t for an <input type=datetime-local> in the study's zone.
func localInput(t time.Time, st store.Study) string {
	return t.In(st.Location()).Format("2006-01-02T15:04")
}

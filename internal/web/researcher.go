package web

import (
	"cmp"
	"database/sql"
	"net/http"
	"regexp"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/store"
)

// What a researcher sees of the experts (docs/security.md, "Researchers
// and pseudonyms"): counts and pseudonyms, never a name, an e-mail
// address, a message or a database id.

// researcher tells whether the user's role in the study is researcher:
// results and exports only, so experts appear to them as pseudonyms and
// counts, never by name, e-mail or message.
func researcher(c echo.Context) bool {
	role, _ := c.Get(ctxRole).(string)
	return role == store.RoleResearcher
}

// panelCountsPage is the panel as a researcher sees it: how many experts,
// by stakeholder group and by country.
type panelCountsPage struct {
	basePage
	Total     int
	ByGroup   []store.Count
	ByCountry []store.Count
	Erased    int
}

func (a *App) showPanelCounts(c echo.Context) error {
	pc, err := a.panelCounts(c)
	if err != nil {
		return err
	}
	p := panelCountsPage{basePage: a.base(c, "Panel"), Total: pc.Experts, ByGroup: pc.ByGroup, ByCountry: pc.ByCountry, Erased: pc.Erased}
	p.Tab = "panel"
	return a.render(c, http.StatusOK, "study_panel_counts", p)
}

// panelCountsJSON is the panel as the API shows it to a researcher.
type panelCountsJSON struct {
	Experts   int           `json:"experts"` // also those whose personal data was erased
	Erased    int           `json:"erased"`
	ByGroup   []store.Count `json:"by_group"`
	ByCountry []store.Count `json:"by_country"`
}

func (a *App) panelCounts(c echo.Context) (panelCountsJSON, error) {
	ctx := c.Request().Context()
	st := study(c)
	byGroup, byCountry, err := a.store.PanelComposition(ctx, st.ID)
	if err != nil {
		return panelCountsJSON{}, err
	}
	es, err := a.store.ExpertsByStudy(ctx, st.ID)
	if err != nil {
		return panelCountsJSON{}, err
	}
	out := panelCountsJSON{Experts: len(es), ByGroup: append([]store.Count{}, byGroup...), ByCountry: append([]store.Count{}, byCountry...)}
	for _, e := range es {
		if e.ErasedAt.Valid {
			out.Erased++
		}
	}
	return out, nil
}

// pseudonymous turns a round's status rows into what a researcher may
// see: pseudonyms in their order (not the names' or the ids'), and no
// name, e-mail address or mail status (whose error may quote the address).
func pseudonymous(es []store.ExpertStatus) {
	for i := range es {
		es[i].Name, es[i].Email, es[i].MailStatus, es[i].MailError = "", "", sql.NullString{}, sql.NullString{}
	}
	slices.SortFunc(es, func(x, y store.ExpertStatus) int { return cmp.Compare(x.PseudonymNumber, y.PseudonymNumber) })
}

// expertRef is how the audit log names an expert: "expert <database id>".
var expertRef = regexp.MustCompile(`^expert (\d+)$`)

// pseudonymousAudit names the experts of audit entries by pseudonym, for
// a researcher: the id would link the pseudonym of the round page and the
// exports to when the expert was added, declined or erased. An expert
// removed from the panel has none.
func (a *App) pseudonymousAudit(c echo.Context, entries []store.AuditEntry) error {
	ctx := c.Request().Context()
	st := study(c)
	if err := a.store.EnsurePseudonyms(ctx, st.ID); err != nil {
		return err
	}
	es, err := a.store.ExpertsByStudy(ctx, st.ID)
	if err != nil {
		return err
	}
	code := make(map[int64]string, len(es))
	for _, e := range es {
		code[e.ID] = "expert " + e.Pseudonym()
	}
	rename := func(v string) string {
		m := expertRef.FindStringSubmatch(v)
		if m == nil {
			return v
		}
		id, _ := strconv.ParseInt(m[1], 10, 64)
		return cmp.Or(code[id], "an expert since removed from the panel")
	}
	for i := range entries {
		entries[i].OldValue, entries[i].NewValue = rename(entries[i].OldValue), rename(entries[i].NewValue)
	}
	return nil
}

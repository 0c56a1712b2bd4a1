package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/workflow"
)

// Translations through the API: statements and topic titles in the
// study's languages other than its main one, as on the Statements page.

type sectionJSON struct {
	ID           int64             `json:"id"`
	Title        string            `json:"title"`
	Position     int               `json:"position"`
	Translations map[string]string `json:"translations,omitempty"`
}

// apiListSections lists the study's topics with their translations.
func (a *App) apiListSections(c echo.Context) error {
	ctx := c.Request().Context()
	st := study(c)
	secs, err := a.store.SectionsByStudy(ctx, st.ID)
	if err != nil {
		return err
	}
	str, err := a.store.SectionTranslationsByStudy(ctx, st.ID)
	if err != nil {
		return err
	}
	out := []sectionJSON{}
	for _, s := range secs {
		out = append(out, sectionJSON{ID: s.ID, Title: s.Title, Position: s.Position, Translations: str[s.ID]})
	}
	return c.JSON(http.StatusOK, out)
}

// apiUpdateSection renames a topic and/or sets its translations
// ({"title": "…", "translations": {"nl": "…"}}; "" removes one), all or
// nothing.
func (a *App) apiUpdateSection(c echo.Context) error {
	ctx := c.Request().Context()
	st := study(c)
	var in struct {
		Title        *string           `json:"title"`
		Translations map[string]string `json:"translations"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	sid := paramID(c, "sid")
	secs, err := a.store.SectionsByStudy(ctx, st.ID)
	if err != nil {
		return err
	}
	title := ""
	for _, s := range secs {
		if s.ID == sid {
			title = s.Title
		}
	}
	if title == "" {
		return store.ErrNotFound
	}
	if in.Title != nil {
		title = strings.TrimSpace(*in.Title)
	}
	if err := a.flow.SaveTopic(ctx, st, sid, title, in.Translations); err != nil {
		return err
	}
	return a.apiListSections(c)
}

// apiSetStatementTranslations sets a statement's translations
// ({"nl": "…", "el": "…"}; "" removes one), all or nothing.
func (a *App) apiSetStatementTranslations(c echo.Context) error {
	ctx := c.Request().Context()
	st := study(c)
	var in map[string]string
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	sid := paramID(c, "sid")
	if _, err := a.flow.SaveStatement(ctx, st, sid, workflow.StatementEdit{Translations: in}); err != nil {
		return err
	}
	out, err := a.statementsJSON(c, st.ID, map[int64]bool{sid: true})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out[0])
}

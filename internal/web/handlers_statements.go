package web

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/rounds"
)

type statementsPage struct {
	basePage
	Sections []sectionView
	Loose    []store.Statement // statements without a section
	Total    int
	Error    string
	Paste    string
	PasteSec string
	// TranslationErrors are the refused cells of an uploaded translation
	// sheet (translations.go).
	TranslationErrors []workflow.TranslationError
}

type sectionView struct {
	store.Section
	Statements   []store.Statement
	Translations []sectionTranslation // one per language other than the main one
}

type sectionTranslation struct{ Lang, Title string }

func (a *App) showStatementsPage(c echo.Context) error {
	return a.renderStatements(c, http.StatusOK, "", "", "")
}

func (a *App) renderStatements(c echo.Context, status int, errMsg, paste, pasteSec string) error {
	return a.renderStatementsWith(c, status, func(p *statementsPage) { p.Error, p.Paste, p.PasteSec = errMsg, paste, pasteSec })
}

// renderStatementsWith renders the Statements page with fill applied.
func (a *App) renderStatementsWith(c echo.Context, status int, fill func(*statementsPage)) error {
	ctx := c.Request().Context()
	st := study(c)
	secs, err := a.store.SectionsByStudy(ctx, st.ID)
	if err != nil {
		return err
	}
	sts, err := a.store.StatementsByStudy(ctx, st.ID)
	if err != nil {
		return err
	}
	str, err := a.store.SectionTranslationsByStudy(ctx, st.ID)
	if err != nil {
		return err
	}
	p := statementsPage{basePage: a.base(c, "Statements"), Total: len(sts)}
	p.Tab = "statements"
	fill(&p)
	idx := map[int64]int{}
	for i, sec := range secs {
		idx[sec.ID] = i
		sv := sectionView{Section: sec}
		for _, lang := range st.LanguageList()[1:] {
			sv.Translations = append(sv.Translations, sectionTranslation{lang, str[sec.ID][lang]})
		}
		p.Sections = append(p.Sections, sv)
	}
	for _, s := range sts {
		if i, ok := idx[s.SectionID.Int64]; ok && s.SectionID.Valid {
			p.Sections[i].Statements = append(p.Sections[i].Statements, s)
		} else {
			p.Loose = append(p.Loose, s)
		}
	}
	return a.render(c, status, "study_statements", p)
}

// parseStatementLines reads the bulk-paste box: one statement per line,
// blank lines skipped. It reports the first line that is too long.
func parseStatementLines(text string) ([]string, error) {
	var out []string
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if len([]rune(line)) > workflow.MaxStatementLength {
			return nil, fmt.Errorf("line %d is longer than %d characters", i+1, workflow.MaxStatementLength)
		}
		out = append(out, line)
	}
	return out, nil
}

func (a *App) addStatements(c echo.Context) error {
	st := study(c)
	paste, section := c.FormValue("statements"), strings.TrimSpace(c.FormValue("section"))
	lines, err := parseStatementLines(paste)
	if err != nil {
		return a.renderStatements(c, http.StatusUnprocessableEntity, err.Error(), paste, section)
	}
	if len(lines) == 0 {
		return a.renderStatements(c, http.StatusUnprocessableEntity, "Write at least one statement (one per line).", paste, section)
	}
	items := make([]store.NewStatement, len(lines))
	for i, l := range lines {
		items[i] = store.NewStatement{Text: l, Section: section}
	}
	if _, err := a.store.AddStatements(c.Request().Context(), st.ID, user(c).ID, items); err != nil {
		return err
	}
	setFlash(c, fmt.Sprintf("%d statement(s) added.", len(items)))
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/statements", st.ID))
}

func (a *App) createSection(c echo.Context) error {
	st := study(c)
	_, err := a.flow.CreateTopic(c.Request().Context(), st, c.FormValue("title"))
	var fe rounds.FieldErrors
	if errors.As(err, &fe) {
		return a.renderStatements(c, http.StatusUnprocessableEntity, fe.For("title"), "", "")
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/statements", st.ID))
}

// renameSection saves a topic's title and its titles in the study's
// other languages (an empty one removes that translation).
func (a *App) renameSection(c echo.Context) error {
	st := study(c)
	title := strings.TrimSpace(c.FormValue("title"))
	trs := map[string]string{}
	for _, lang := range st.LanguageList()[1:] {
		trs[lang] = c.FormValue("tr_" + lang)
	}
	err := a.flow.SaveTopic(c.Request().Context(), st, paramID(c, "sid"), title, trs)
	var fe rounds.FieldErrors
	if errors.As(err, &fe) {
		msg := fe.For("title")
		if msg == "" {
			msg = "The topic's title in " + strings.TrimPrefix(fe[0].Field, "translations.") + " is " + fe[0].Message + "."
		}
		return a.renderStatements(c, http.StatusUnprocessableEntity, msg, "", "")
	}
	if err != nil {
		return err
	}
	setFlash(c, "Topic saved.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/statements", st.ID))
}

func (a *App) deleteSection(c echo.Context) error {
	st := study(c)
	if !confirmed(c) {
		return a.askDeleteSection(c, st)
	}
	if err := a.store.DeleteSection(c.Request().Context(), st.ID, paramID(c, "sid")); err != nil {
		return err
	}
	setFlash(c, "Topic deleted; its statements are kept without a topic.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/statements", st.ID))
}

type statementPage struct {
	basePage
	Statement    store.Statement
	Sections     []store.Section
	Languages    []string // the study's languages other than the main one
	Translations map[string]string
	Error        string
}

func (a *App) showStatementPage(c echo.Context) error {
	ctx := c.Request().Context()
	st := study(c)
	s, err := a.store.StatementByID(ctx, st.ID, paramID(c, "sid"))
	if err != nil {
		return err
	}
	return a.renderStatement(c, http.StatusOK, s, "")
}

func (a *App) renderStatement(c echo.Context, status int, s store.Statement, errMsg string) error {
	ctx := c.Request().Context()
	st := study(c)
	secs, err := a.store.SectionsByStudy(ctx, st.ID)
	if err != nil {
		return err
	}
	tr, err := a.store.TranslationsByStudy(ctx, st.ID)
	if err != nil {
		return err
	}
	p := statementPage{basePage: a.base(c, "Edit statement"), Statement: s, Sections: secs, Languages: st.LanguageList()[1:], Translations: tr[s.ID], Error: errMsg}
	p.Tab = "statements"
	return a.render(c, status, "statement_edit", p)
}

func (a *App) updateStatement(c echo.Context) error {
	ctx := c.Request().Context()
	st := study(c)
	s, err := a.store.StatementByID(ctx, st.ID, paramID(c, "sid"))
	if err != nil {
		return err
	}
	text := c.FormValue("text")
	var section sql.NullInt64
	if id, err := strconv.ParseInt(c.FormValue("section_id"), 10, 64); err == nil && id > 0 {
		section = sql.NullInt64{Int64: id, Valid: true}
	}
	trs := map[string]string{}
	for _, lang := range st.LanguageList()[1:] {
		trs[lang] = c.FormValue("tr_" + lang)
	}
	edited, err := a.flow.SaveStatement(ctx, st, s.ID, workflow.StatementEdit{Text: &text, Section: &section, Translations: trs})
	var fe rounds.FieldErrors
	if errors.As(err, &fe) {
		return a.renderStatement(c, http.StatusUnprocessableEntity, edited, fieldMessages(fe))
	}
	if err != nil {
		return err
	}
	setFlash(c, "Statement saved.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/statements", st.ID))
}

func (a *App) moveStatement(c echo.Context) error {
	st := study(c)
	delta := 1
	if c.FormValue("dir") == "up" {
		delta = -1
	}
	if err := a.store.MoveStatement(c.Request().Context(), st.ID, paramID(c, "sid"), delta); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/statements#s%d", st.ID, paramID(c, "sid")))
}

func (a *App) deleteStatement(c echo.Context) error {
	st := study(c)
	if !confirmed(c) {
		return a.askDeleteStatement(c, st)
	}
	if err := a.store.DeleteStatement(c.Request().Context(), st.ID, user(c).ID, paramID(c, "sid")); err != nil {
		return err
	}
	setFlash(c, "Statement deleted.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/statements", st.ID))
}

// askDeleteSection names the topic and what deleting it does, and asks
// to confirm.
func (a *App) askDeleteSection(c echo.Context, st store.Study) error {
	ctx := c.Request().Context()
	secs, err := a.store.SectionsByStudy(ctx, st.ID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(secs, func(s store.Section) bool { return s.ID == paramID(c, "sid") })
	if i < 0 {
		return store.ErrNotFound
	}
	sts, err := a.store.StatementsByStudy(ctx, st.ID)
	if err != nil {
		return err
	}
	n := 0
	for _, s := range sts {
		if s.SectionID.Int64 == secs[i].ID {
			n++
		}
	}
	back := fmt.Sprintf("/studies/%d/statements", st.ID)
	return a.askConfirmation(c, http.StatusOK, "statements", confirmPage{Heading: fmt.Sprintf("Delete the topic %q?", secs[i].Title),
		Action: fmt.Sprintf("/studies/%d/sections/%d/delete", st.ID, secs[i].ID), Cancel: back, Danger: true, Button: "Delete the topic",
		Effects: []string{
			fmt.Sprintf("The topic %q and its translated titles are deleted. This cannot be undone.", secs[i].Title),
			fmt.Sprintf("Its %d statement(s) are kept, without a topic.", n),
		}})
}

// askDeleteStatement names the statement and what deleting it does, and
// asks to confirm; a statement a round presented is refused at once.
func (a *App) askDeleteStatement(c echo.Context, st store.Study) error {
	ctx := c.Request().Context()
	s, err := a.store.StatementByID(ctx, st.ID, paramID(c, "sid"))
	if err != nil {
		return err
	}
	if used, err := a.store.StatementUsed(ctx, s.ID); err != nil {
		return err
	} else if used {
		return store.ErrStatementInUse
	}
	return a.askConfirmation(c, http.StatusOK, "statements", confirmPage{Heading: "Delete this statement?",
		Action: fmt.Sprintf("/studies/%d/statements/%d/delete", st.ID, s.ID), Cancel: fmt.Sprintf("/studies/%d/statements#s%d", st.ID, s.ID),
		Danger: true, Button: "Delete the statement",
		Effects: []string{
			fmt.Sprintf("%q is deleted with its translations. This cannot be undone (the audit log keeps its text).", s.Text),
		}})
}

// paramID reads a numeric path parameter; a malformed one matches nothing.
func paramID(c echo.Context, name string) int64 {
	id, _ := strconv.ParseInt(c.Param(name), 10, 64)
	return id
}

package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/panelcsv"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/rounds"
)

// The "Texts & languages" page: every text an expert reads besides the
// statements, in each of the study's languages, and the consent items.
// Its forms and /api/v1/studies/{id}/texts and …/consent-items call the
// same workflow functions (workflow/texts.go).

type textsPage struct {
	basePage
	Lang      string // the language being edited
	LangName  string
	Main      string
	MainName  string
	IsMain    bool
	Languages []langLink
	Fields    []textFieldView
	Consent   []consentItemView
	Errors    rounds.FieldErrors
	Fallbacks []workflow.LanguageFallbacks
	// AddWording is the typed wording of a refused new consent item.
	AddWording  string
	AddRequired bool
}

type langLink struct {
	Code, Name, Href string
	Current          bool
}

// textFieldView is one text's field: its value in the language being
// edited, and the main language's beside it for reference.
type textFieldView struct {
	Name      string // the form field and the study text's name
	ID        string // the HTML id (names have dots)
	Label     string
	Value     string
	Main      string // the main language's text, "" on the main language's page
	Multiline bool
	Fallback  bool // no text in this language: experts read the main language's
	Error     string
}

type consentItemView struct {
	ID       int64
	Number   int
	Required bool
	Wording  string // in the language being edited
	Main     string
	Fallback bool
	Error    string
}

// textsLang is the language asked for, or the main language.
func textsLang(c echo.Context, st store.Study) string {
	lang := c.QueryParam("lang")
	if lang == "" {
		lang = c.FormValue("lang")
	}
	if !slices.Contains(st.LanguageList(), lang) {
		return st.MainLanguage()
	}
	return lang
}

func (a *App) showTextsPage(c echo.Context) error {
	st := study(c)
	return a.renderTexts(c, http.StatusOK, textsLang(c, st), nil, nil)
}

// renderTexts shows the page in lang; typed holds the values of a refused
// form (nil: as stored), fe its errors.
func (a *App) renderTexts(c echo.Context, status int, lang string, typed map[string]string, fe rounds.FieldErrors) error {
	ctx := c.Request().Context()
	st := study(c)
	all, err := a.store.StudyTextsByStudy(ctx, st.ID)
	if err != nil {
		return err
	}
	items, err := a.store.ConsentItemsByStudy(ctx, st.ID)
	if err != nil {
		return err
	}
	sc, err := st.Scale()
	if err != nil {
		return err
	}
	main := st.MainLanguage()
	p := textsPage{basePage: a.base(c, "Texts & languages"), Lang: lang, LangName: panelcsv.LanguageName(lang, "en"),
		Main: main, MainName: panelcsv.LanguageName(main, "en"), IsMain: lang == main, Errors: fe}
	p.Tab = "settings"
	for _, l := range st.LanguageList() {
		p.Languages = append(p.Languages, langLink{Code: l, Name: panelcsv.LanguageName(l, "en"), Current: l == lang,
			Href: fmt.Sprintf("/studies/%d/texts?lang=%s", st.ID, url.QueryEscape(l))})
	}
	field := func(name, label string, multiline bool, mainText string) {
		f := textFieldView{Name: name, ID: "t-" + name, Label: label, Value: all.Get(name, lang), Multiline: multiline,
			Error: fe.For("texts." + name)}
		if typed != nil {
			f.Value = typed[name]
		}
		if lang != main {
			f.Main = mainText
			f.Fallback = f.Value == "" && mainText != ""
		}
		p.Fields = append(p.Fields, f)
	}
	if lang != main {
		field("title", "Title", false, st.Title)
		field("description", "Description", true, st.Description)
	}
	field("contact", "Contact line (who runs the study, shown with the contact e-mail)", false, all.Get("contact", main))
	field("info_sheet", "Information sheet (shown before consent)", true, all.Get("info_sheet", main))
	field("thanks", "Thank-you text (shown after submitting)", true, all.Get("thanks", main))
	if lang != main {
		for i, label := range sc.Labels {
			field("scale."+strconv.Itoa(sc.Min+i), fmt.Sprintf("Scale label %d", sc.Min+i), false, label)
		}
		for _, f := range workflow.CriterionTextFields(sc) {
			field(f.Name, f.Label, false, f.Main)
		}
	}
	for _, b := range workflow.BandNames {
		if b == "neutral" && sc.Bands.Neutral.Empty() {
			continue
		}
		field("band."+b, fmt.Sprintf("Name of the %s band (empty: the platform's word)", b), false, all.Get("band."+b, main))
	}
	if lang != main { // the open questions' main text is on their round's page
		questions, err := a.store.RoundQuestionsByStudy(ctx, st.ID)
		if err != nil {
			return err
		}
		for _, q := range questions {
			field(store.QuestionTextName(q.ID), fmt.Sprintf("Open question %d of round %d", q.Position, q.RoundNumber), true, q.Text)
		}
	}
	for i, it := range items {
		name := store.ConsentTextName(it.ID)
		v := consentItemView{ID: it.ID, Number: i + 1, Required: it.Required, Wording: all.Get(name, lang), Error: fe.For("consent." + strconv.FormatInt(it.ID, 10))}
		if lang != main {
			v.Main = all.Get(name, main)
			v.Fallback = v.Wording == ""
		}
		p.Consent = append(p.Consent, v)
	}
	p.AddRequired = true
	if t, ok := c.Get(ctxTypedConsent).([2]string); ok {
		p.AddWording, p.AddRequired = t[0], t[1] == "on"
	}
	if p.Fallbacks, err = a.flow.TextFallbacks(ctx, st); err != nil {
		return err
	}
	return a.render(c, status, "study_texts", p)
}

// textsFormNames are the texts the page's form for lang holds.
func textsFormNames(st store.Study, sc rounds.Scale, questions []store.StudyQuestion, lang string) []string {
	names := []string{"contact", "info_sheet", "thanks"}
	if lang != st.MainLanguage() {
		names = append(names, "title", "description")
		for i := range sc.Labels {
			names = append(names, "scale."+strconv.Itoa(sc.Min+i))
		}
		for _, f := range workflow.CriterionTextFields(sc) {
			names = append(names, f.Name)
		}
		for _, q := range questions {
			names = append(names, store.QuestionTextName(q.ID))
		}
	}
	for _, b := range workflow.BandNames {
		if b != "neutral" || !sc.Bands.Neutral.Empty() {
			names = append(names, "band."+b)
		}
	}
	return names
}

// saveTexts is the page's form: every text of one language at once.
func (a *App) saveTexts(c echo.Context) error {
	st := study(c)
	lang := c.FormValue("lang")
	sc, err := st.Scale()
	if err != nil {
		return err
	}
	questions, err := a.store.RoundQuestionsByStudy(c.Request().Context(), st.ID)
	if err != nil {
		return err
	}
	texts := map[string]string{}
	for _, name := range textsFormNames(st, sc, questions, lang) {
		if _, sent := c.Request().PostForm[name]; sent {
			texts[name] = c.FormValue(name)
		}
	}
	err = a.flow.SaveStudyTexts(c.Request().Context(), st, user(c).ID, lang, texts)
	var fe rounds.FieldErrors
	if errors.As(err, &fe) {
		return a.renderTexts(c, http.StatusUnprocessableEntity, textsLang(c, st), texts, fe)
	}
	if err != nil {
		return err
	}
	setFlash(c, "Texts in "+panelcsv.LanguageName(lang, "en")+" saved.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/texts?lang=%s", st.ID, url.QueryEscape(lang)))
}

// addConsentItemAction adds a consent item from the page; its wording is
// given in the main language.
func (a *App) addConsentItemAction(c echo.Context) error {
	st := study(c)
	required := c.FormValue("required") == "on"
	in := workflow.ConsentItemInput{Required: &required, Wording: map[string]string{st.MainLanguage(): c.FormValue("wording")}}
	_, err := a.flow.AddConsentItem(c.Request().Context(), st, user(c).ID, in)
	var fe rounds.FieldErrors
	if errors.As(err, &fe) {
		for i := range fe {
			fe[i].Field = "consent.new"
		}
		a.typedConsent(c)
		return a.renderTexts(c, http.StatusUnprocessableEntity, st.MainLanguage(), nil, fe)
	}
	if err != nil {
		return err
	}
	setFlash(c, "Consent item added.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/texts#consent", st.ID))
}

// typedConsent keeps a refused new item's wording for the page.
func (a *App) typedConsent(c echo.Context) {
	c.Set(ctxTypedConsent, [2]string{c.FormValue("wording"), c.FormValue("required")})
}

const ctxTypedConsent = "typed_consent"

// updateConsentItemAction saves an item's "required" and its wording in
// the page's language.
func (a *App) updateConsentItemAction(c echo.Context) error {
	st := study(c)
	lang := textsLang(c, st)
	cid := paramID(c, "cid")
	required := c.FormValue("required") == "on"
	in := workflow.ConsentItemInput{Required: &required, Wording: map[string]string{lang: c.FormValue("wording")}}
	err := a.flow.UpdateConsentItem(c.Request().Context(), st, user(c).ID, cid, in)
	var fe rounds.FieldErrors
	if errors.As(err, &fe) {
		for i := range fe {
			fe[i].Field = "consent." + strconv.FormatInt(cid, 10)
		}
		return a.renderTexts(c, http.StatusUnprocessableEntity, lang, nil, fe)
	}
	if err != nil {
		return err
	}
	setFlash(c, "Consent item saved.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/texts?lang=%s#consent", st.ID, url.QueryEscape(lang)))
}

// deleteConsentItemAction deletes an item after asking (confirm.go).
func (a *App) deleteConsentItemAction(c echo.Context) error {
	ctx := c.Request().Context()
	st := study(c)
	cid := paramID(c, "cid")
	if !confirmed(c) {
		all, err := a.store.StudyTextsByStudy(ctx, st.ID)
		if err != nil {
			return err
		}
		wording := all.Get(store.ConsentTextName(cid), st.MainLanguage())
		if wording == "" {
			return workflow.ErrNoConsentItem
		}
		return a.askConfirmation(c, http.StatusOK, "settings", confirmPage{Heading: "Delete this consent item?",
			Action: fmt.Sprintf("/studies/%d/consent-items/%d/delete", st.ID, cid), Cancel: fmt.Sprintf("/studies/%d/texts#consent", st.ID),
			Danger: true, Button: "Delete the consent item",
			Effects: []string{fmt.Sprintf("The item %q and its wording in every language are deleted.", wording),
				"Experts will no longer be asked it. This is possible only before round 1 launches."}})
	}
	if err := a.flow.DeleteConsentItem(ctx, st, cid); err != nil {
		return err
	}
	setFlash(c, "Consent item deleted.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/texts#consent", st.ID))
}

// The API.

type textsJSON struct {
	Main      string                  `json:"main_language"`
	Languages []string                `json:"languages"`
	Texts     store.StudyTexts        `json:"texts"` // name → language → text
	Fallbacks []languageFallbacksJSON `json:"fallbacks"`
	Consent   []consentItemJSON       `json:"consent_items"`
}

type languageFallbacksJSON struct {
	Language    string   `json:"language"`
	Unsupported bool     `json:"unsupported,omitempty"`
	Statements  int      `json:"untranslated_statements"`
	Topics      int      `json:"untranslated_topics"`
	Questions   int      `json:"untranslated_questions"`
	Texts       []string `json:"untranslated_texts"`
}

type consentItemJSON struct {
	ID       int64             `json:"id"`
	Position int               `json:"position"`
	Required bool              `json:"required"`
	Wording  map[string]string `json:"wording"`
}

func (a *App) consentItemsJSON(c echo.Context, st store.Study) ([]consentItemJSON, error) {
	ctx := c.Request().Context()
	all, err := a.store.StudyTextsByStudy(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	items, err := a.store.ConsentItemsByStudy(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	out := []consentItemJSON{}
	for _, it := range items {
		w := all[store.ConsentTextName(it.ID)]
		if w == nil {
			w = map[string]string{}
		}
		out = append(out, consentItemJSON{ID: it.ID, Position: it.Position, Required: it.Required, Wording: w})
	}
	return out, nil
}

// apiGetTexts returns every study text in every language, the consent
// items, and what falls back to the main language per language.
func (a *App) apiGetTexts(c echo.Context) error {
	ctx := c.Request().Context()
	st := study(c)
	all, err := a.store.StudyTextsByStudy(ctx, st.ID)
	if err != nil {
		return err
	}
	fbs, err := a.flow.TextFallbacks(ctx, st)
	if err != nil {
		return err
	}
	out := textsJSON{Main: st.MainLanguage(), Languages: st.LanguageList(), Texts: all, Fallbacks: []languageFallbacksJSON{}}
	for _, f := range fbs {
		j := languageFallbacksJSON{Language: f.Lang, Unsupported: f.Unsupported, Statements: f.Statements, Topics: f.Topics, Questions: f.Questions, Texts: f.Texts}
		if j.Texts == nil {
			j.Texts = []string{}
		}
		out.Fallbacks = append(out.Fallbacks, j)
	}
	if out.Consent, err = a.consentItemsJSON(c, st); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// apiPutTexts sets texts in one language ({"lang": "nl", "texts":
// {"title": "…"}}; "" removes one), all or nothing.
func (a *App) apiPutTexts(c echo.Context) error {
	var in struct {
		Lang  string            `json:"lang"`
		Texts map[string]string `json:"texts"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := a.flow.SaveStudyTexts(c.Request().Context(), study(c), user(c).ID, in.Lang, in.Texts); err != nil {
		return err
	}
	return a.apiGetTexts(c)
}

func (a *App) apiListConsentItems(c echo.Context) error {
	out, err := a.consentItemsJSON(c, study(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (a *App) apiAddConsentItem(c echo.Context) error {
	var in workflow.ConsentItemInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	it, err := a.flow.AddConsentItem(c.Request().Context(), study(c), user(c).ID, in)
	if err != nil {
		return err
	}
	return a.apiConsentItem(c, http.StatusCreated, it.ID)
}

func (a *App) apiUpdateConsentItem(c echo.Context) error {
	var in workflow.ConsentItemInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	cid := paramID(c, "cid")
	if err := a.flow.UpdateConsentItem(c.Request().Context(), study(c), user(c).ID, cid, in); err != nil {
		return err
	}
	return a.apiConsentItem(c, http.StatusOK, cid)
}

func (a *App) apiDeleteConsentItem(c echo.Context) error {
	if err := a.flow.DeleteConsentItem(c.Request().Context(), study(c), paramID(c, "cid")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// apiConsentItem answers with one item.
func (a *App) apiConsentItem(c echo.Context, status int, id int64) error {
	items, err := a.consentItemsJSON(c, study(c))
	if err != nil {
		return err
	}
	for _, it := range items {
		if it.ID == id {
			return c.JSON(status, it)
		}
	}
	return workflow.ErrNoConsentItem
}

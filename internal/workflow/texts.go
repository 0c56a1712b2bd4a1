package workflow

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/delphi-platform/delphi/internal/fault"
	"github.com/delphi-platform/delphi/internal/i18n"
	"github.com/delphi-platform/delphi/internal/mail"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// Study texts (store/texts.go lists their names): what an expert reads
// besides statements and topics, per study language. The "Texts &
// languages" page and PUT /api/v1/studies/{id}/texts save them through
// SaveStudyTexts; the expert pages read them through ExpertTexts.

// BandNames are the bands whose names a study may word itself
// ("band.agree"); without one, the pages use the platform's word.
var BandNames = []string{"disagree", "neutral", "agree"}

// Longest texts, in characters.
const (
	maxShortText = 300   // title, contact line, consent wording's line-free cousins
	maxLabel     = 100   // a scale label or band name
	maxLongText  = 20000 // description, information sheet, thank-you text, e-mail body
	maxConsent   = 2000  // one consent item's wording
)

// textRule is how one study text is checked.
type textRule struct {
	max          int
	lines        bool // line breaks allowed
	notMain      bool // the main language's text lives elsewhere (Settings)
	mainLocation string
}

// textOwners are the parts of a study that have texts of their own,
// named after their ids: consent items, rounds' open questions and the
// background form's fields.
type textOwners struct {
	items     []store.ConsentItem
	questions []store.StudyQuestion
	fields    []store.BackgroundField
}

func (w *Service) textOwners(ctx context.Context, st store.Study) (textOwners, error) {
	var o textOwners
	var err error
	if o.items, err = w.store.ConsentItemsByStudy(ctx, st.ID); err != nil {
		return o, err
	}
	if o.questions, err = w.store.RoundQuestionsByStudy(ctx, st.ID); err != nil {
		return o, err
	}
	o.fields, err = w.store.BackgroundFieldsByStudy(ctx, st.ID)
	return o, err
}

// translatable is everything of a study that experts read in their
// language, as stored, for the languages summary and the translation
// sheet.
type translatable struct {
	statements   []store.Statement
	statementTrs map[int64]map[string]string // statement id → language → text
	sections     []store.Section
	sectionTrs   map[int64]map[string]string // topic id → language → title
	texts        store.StudyTexts
	owners       textOwners
	scale        rounds.Scale
}

func (w *Service) loadTranslatable(ctx context.Context, st store.Study) (translatable, error) {
	var t translatable
	var err error
	if t.statements, err = w.store.StatementsByStudy(ctx, st.ID); err != nil {
		return t, err
	}
	if t.statementTrs, err = w.store.TranslationsByStudy(ctx, st.ID); err != nil {
		return t, err
	}
	if t.sections, err = w.store.SectionsByStudy(ctx, st.ID); err != nil {
		return t, err
	}
	if t.sectionTrs, err = w.store.SectionTranslationsByStudy(ctx, st.ID); err != nil {
		return t, err
	}
	if t.texts, err = w.store.StudyTextsByStudy(ctx, st.ID); err != nil {
		return t, err
	}
	if t.owners, err = w.textOwners(ctx, st); err != nil {
		return t, err
	}
	t.scale, err = st.Scale()
	return t, err
}

// textRule says how a text name is checked, or an error naming what is
// wrong with the name.
func textRuleFor(st store.Study, sc rounds.Scale, o textOwners, name string) (textRule, string) {
	switch name {
	case store.TextTitle:
		return textRule{max: maxShortText, notMain: true, mainLocation: "the study's title in Settings"}, ""
	case store.TextDescription:
		return textRule{max: maxLongText, lines: true, notMain: true, mainLocation: "the study's description in Settings"}, ""
	case store.TextContact:
		return textRule{max: maxShortText}, ""
	case store.TextInfoSheet, store.TextThanks:
		return textRule{max: maxLongText, lines: true}, ""
	}
	switch kind, rest, _ := strings.Cut(name, "."); kind {
	case "scale":
		v, err := strconv.Atoi(rest)
		if err != nil || strconv.Itoa(v) != rest || v < sc.Min || v > sc.Max {
			return textRule{}, fmt.Sprintf("the scale has no point %q: its points are %d to %d", rest, sc.Min, sc.Max)
		}
		return textRule{max: maxLabel, notMain: true, mainLocation: "the scale labels in Settings"}, ""
	case "criterion":
		return criterionTextRule(sc, rest)
	case "band":
		if !slices.Contains(BandNames, rest) {
			return textRule{}, fmt.Sprintf("%q is not a band: the bands are %s", rest, strings.Join(BandNames, ", "))
		}
		if rest == "neutral" && sc.Bands.Neutral.Empty() {
			return textRule{}, "the study's bands have no neutral band"
		}
		return textRule{max: maxLabel}, ""
	case "consent":
		id, err := strconv.ParseInt(rest, 10, 64)
		if err != nil || !slices.ContainsFunc(o.items, func(it store.ConsentItem) bool { return it.ID == id }) {
			return textRule{}, fmt.Sprintf("the study has no consent item %q", rest)
		}
		return textRule{max: maxConsent, lines: true}, ""
	case "question": // an open question of a round: its main text is the round's
		id, err := strconv.ParseInt(rest, 10, 64)
		if err != nil || !slices.ContainsFunc(o.questions, func(q store.StudyQuestion) bool { return q.ID == id }) {
			return textRule{}, fmt.Sprintf("the study has no open question %q", rest)
		}
		return textRule{max: maxRoundQuestion, lines: true, notMain: true, mainLocation: "the question on its round's page"}, ""
	case "background":
		return backgroundTextRule(o.fields, rest)
	case "email":
		k, part, _ := strings.Cut(rest, ".")
		if !slices.Contains(mail.Kinds, k) || (part != "subject" && part != "body") {
			return textRule{}, fmt.Sprintf("%q is not an e-mail template: give email.<kind>.subject or email.<kind>.body with a kind among %s", name, strings.Join(mail.Kinds, ", "))
		}
		if part == "subject" {
			return textRule{max: mail.MaxSubject}, ""
		}
		return textRule{max: mail.MaxBody, lines: true}, ""
	}
	return textRule{}, fmt.Sprintf("%q is not a study text: the texts are title, description, contact, info_sheet, thanks, scale.<point>, criterion.<k>, criterion.<k>.scale.<point>, band.<name>, consent.<item>, question.<id>, background.<field>.label, background.<field>.choice.<n> and email.<kind>.subject/body", name)
}

// textField is the field name an error about a text carries.
func textField(name string) string { return "texts." + name }

// checkStudyLanguage refuses a language the study does not offer.
func checkStudyLanguage(st store.Study, lang string) rounds.FieldErrors {
	if problem := LanguageProblem(st, lang); problem != "" {
		return rounds.FieldErrors{{Field: "lang", Message: problem + "; add it in Settings first"}}
	}
	return nil
}

// LanguageProblem is the sentence refusing lang where the study does not
// offer it, "" where it does: the one wording of that rule for texts,
// translations, e-mails, background fields and the preview.
func LanguageProblem(st store.Study, lang string) string {
	if slices.Contains(st.LanguageList(), lang) {
		return ""
	}
	return fmt.Sprintf("%q is not one of the study's languages (%s)", lang, strings.Join(st.LanguageList(), ", "))
}

// SaveStudyTexts stores texts of a study in one language (name → text;
// "" removes a text), all or nothing: every refused text is a field error
// "texts.<name>" that says why. After round 1 launched a change is still
// allowed (a typo in the information sheet must be fixable), and each one
// is recorded in the audit log with its old and new text.
func (w *Service) SaveStudyTexts(ctx context.Context, st store.Study, userID int64, lang string, texts map[string]string) error {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if fe := checkStudyLanguage(st, lang); fe != nil {
		return fe
	}
	sc, err := st.Scale()
	if err != nil {
		return err
	}
	o, err := w.textOwners(ctx, st)
	if err != nil {
		return err
	}
	fe, rows := checkTexts(st, sc, o, lang, texts)
	if len(fe) > 0 {
		return fe
	}
	return w.store.Transact(ctx, func(tx *store.Store) error {
		return setTexts(ctx, tx, st, userID, rows)
	})
}

// checkTexts checks texts in one language and returns them as rows.
func checkTexts(st store.Study, sc rounds.Scale, o textOwners, lang string, texts map[string]string) (rounds.FieldErrors, []store.StudyText) {
	var fe rounds.FieldErrors
	var rows []store.StudyText
	for _, name := range slices.Sorted(maps.Keys(texts)) {
		text := strings.TrimSpace(strings.ReplaceAll(texts[name], "\r\n", "\n"))
		rule, bad := textRuleFor(st, sc, o, name)
		switch {
		case bad != "":
			fe = append(fe, rounds.FieldError{Field: textField(name), Message: bad})
		case rule.notMain && lang == st.MainLanguage():
			fe = append(fe, rounds.FieldError{Field: textField(name), Message: fmt.Sprintf("%s is the study's main language: change %s", lang, rule.mainLocation)})
		case badText(text, rule.lines) != "":
			fe = append(fe, rounds.FieldError{Field: textField(name), Message: "the text " + badText(text, rule.lines)})
		case utf8.RuneCountInString(text) > rule.max:
			fe = append(fe, rounds.FieldError{Field: textField(name), Message: fmt.Sprintf("the text is longer than %d characters", rule.max)})
		case strings.HasPrefix(name, "email.") && text != "" && emailTextProblem(name, text) != "":
			fe = append(fe, rounds.FieldError{Field: textField(name), Message: emailTextProblem(name, text)})
		default:
			rows = append(rows, store.StudyText{Name: name, Language: lang, Text: text})
		}
	}
	return fe, rows
}

// setTexts writes checked texts; once the study runs, every change is
// audit-logged.
func setTexts(ctx context.Context, tx *store.Store, st store.Study, userID int64, rows []store.StudyText) error {
	if st.Locked() {
		cur, err := tx.StudyTextsByStudy(ctx, st.ID)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if old := cur.Get(r.Name, r.Language); old != r.Text {
				if err := tx.Audit(ctx, st.ID, userID, "study text changed", r.Name+" ("+r.Language+")", old, r.Text, ""); err != nil {
					return err
				}
			}
		}
	}
	return tx.SetStudyTexts(ctx, st.ID, rows)
}

// ConsentItemInput is a consent item as submitted: whether it must be
// ticked, and its wording per language ("" removes one).
type ConsentItemInput struct {
	Required *bool             `json:"required"`
	Wording  map[string]string `json:"wording"`
}

// checkWording checks an item's wording per language.
func checkWording(st store.Study, wording map[string]string) (rounds.FieldErrors, map[string]string) {
	var fe rounds.FieldErrors
	out := map[string]string{}
	for _, lang := range slices.Sorted(maps.Keys(wording)) {
		text := strings.TrimSpace(strings.ReplaceAll(wording[lang], "\r\n", "\n"))
		field := "wording." + lang
		switch {
		case LanguageProblem(st, lang) != "":
			fe = append(fe, rounds.FieldError{Field: field, Message: LanguageProblem(st, lang)})
		case badText(text, true) != "":
			fe = append(fe, rounds.FieldError{Field: field, Message: "the wording " + badText(text, true)})
		case utf8.RuneCountInString(text) > maxConsent:
			fe = append(fe, rounds.FieldError{Field: field, Message: fmt.Sprintf("the wording is longer than %d characters", maxConsent)})
		default:
			out[lang] = text
		}
	}
	return fe, out
}

// AddConsentItem adds a checkbox to the study's consent form, with its
// wording; the main language's wording is required (experts whose
// language has none read it).
func (w *Service) AddConsentItem(ctx context.Context, st store.Study, userID int64, in ConsentItemInput) (store.ConsentItem, error) {
	fe, wording := checkWording(st, in.Wording)
	if wording[st.MainLanguage()] == "" && fe.For("wording."+st.MainLanguage()) == "" {
		fe = append(fe, rounds.FieldError{Field: "wording." + st.MainLanguage(), Message: "give the item's wording in the study's main language (" + st.MainLanguage() + ")"})
	}
	if len(fe) > 0 {
		return store.ConsentItem{}, fe
	}
	required := in.Required == nil || *in.Required
	var it store.ConsentItem
	err := w.store.Transact(ctx, func(tx *store.Store) error {
		var err error
		if it, err = tx.AddConsentItem(ctx, st.ID, required); err != nil {
			return err
		}
		if st.Locked() {
			if err := tx.Audit(ctx, st.ID, userID, "consent item added", store.ConsentTextName(it.ID), "", wording[st.MainLanguage()], ""); err != nil {
				return err
			}
		}
		return setTexts(ctx, tx, st, userID, wordingRows(it.ID, wording))
	})
	return it, err
}

func wordingRows(itemID int64, wording map[string]string) []store.StudyText {
	var rows []store.StudyText
	for _, lang := range slices.Sorted(maps.Keys(wording)) {
		rows = append(rows, store.StudyText{Name: store.ConsentTextName(itemID), Language: lang, Text: wording[lang]})
	}
	return rows
}

// ErrNoConsentItem is an item that is not the study's.
var ErrNoConsentItem = fault.New(fault.NotFound, "the study has no such consent item")

// UpdateConsentItem sets whether an item is required and/or its wording,
// all or nothing. The main language's wording cannot be removed.
func (w *Service) UpdateConsentItem(ctx context.Context, st store.Study, userID, itemID int64, in ConsentItemInput) error {
	if _, err := w.consentItem(ctx, st, itemID); err != nil {
		return err
	}
	fe, wording := checkWording(st, in.Wording)
	if text, given := in.Wording[st.MainLanguage()]; given && strings.TrimSpace(text) == "" {
		fe = append(fe, rounds.FieldError{Field: "wording." + st.MainLanguage(), Message: "the item needs its wording in the study's main language (" + st.MainLanguage() + "); delete the item instead"})
	}
	if len(fe) > 0 {
		return fe
	}
	rows := wordingRows(itemID, wording)
	for lang, text := range in.Wording { // removals
		if strings.TrimSpace(text) == "" && lang != st.MainLanguage() {
			rows = append(rows, store.StudyText{Name: store.ConsentTextName(itemID), Language: lang})
		}
	}
	return w.store.Transact(ctx, func(tx *store.Store) error {
		if in.Required != nil {
			if err := tx.UpdateConsentItem(ctx, st.ID, itemID, *in.Required); err != nil {
				return err
			}
			if st.Locked() {
				if err := tx.Audit(ctx, st.ID, userID, "consent item changed", store.ConsentTextName(itemID), "", fmt.Sprintf("required: %t", *in.Required), ""); err != nil {
					return err
				}
			}
		}
		return setTexts(ctx, tx, st, userID, rows)
	})
}

// ErrConsentItemInUse refuses to delete an item once the study runs.
var ErrConsentItemInUse = fault.New(fault.Conflict, "the consent item cannot be deleted: round 1 has launched, or experts have already answered it, and their answers are part of the study's record")

// DeleteConsentItem removes an item and its wording, only before launch:
// afterwards experts' answers to it are part of the record.
func (w *Service) DeleteConsentItem(ctx context.Context, st store.Study, itemID int64) error {
	if _, err := w.consentItem(ctx, st, itemID); err != nil {
		return err
	}
	answered, err := w.store.ConsentItemAnswered(ctx, itemID)
	if err != nil {
		return err
	}
	if st.Locked() || answered {
		return ErrConsentItemInUse
	}
	return w.store.DeleteConsentItem(ctx, st.ID, itemID)
}

// consentItem finds one of the study's consent items.
func (w *Service) consentItem(ctx context.Context, st store.Study, itemID int64) (store.ConsentItem, error) {
	items, err := w.store.ConsentItemsByStudy(ctx, st.ID)
	if err != nil {
		return store.ConsentItem{}, err
	}
	for _, it := range items {
		if it.ID == itemID {
			return it, nil
		}
	}
	return store.ConsentItem{}, ErrNoConsentItem
}

// Localized is a text in the language asked for, or the main language's
// when it has no translation (Fallback).
type Localized struct {
	Text     string
	Fallback bool
}

// ConsentText is a consent item as an expert reads it.
type ConsentText struct {
	ID       int64
	Required bool
	Localized
}

// Texts are everything an expert page shows of a study, in one language.
type Texts struct {
	// Lang is the language of the page: the expert's when the study offers
	// it and the platform speaks it, else the study's main language (or
	// English, when the platform does not speak that either).
	Lang        string
	Title       Localized
	Description Localized
	Contact     Localized
	InfoSheet   Localized
	Thanks      Localized
	ScaleLabels []Localized       // per scale point, from the lowest
	Bands       map[string]string // band name → the study's word; none: the platform's
	Consent     []ConsentText
	// Criteria are the criteria's names and labels when statements are
	// rated on several (criterion 1's labels are ScaleLabels); none when
	// on one.
	Criteria []CriterionTexts
}

// PageLanguage is the language an expert's pages are written in: theirs
// when the study offers it and the platform speaks it, else the study's
// main language, else English.
func PageLanguage(st store.Study, expertLang string) string {
	if slices.Contains(st.LanguageList(), expertLang) && i18n.Supported(expertLang) {
		return expertLang
	}
	if main := st.MainLanguage(); i18n.Supported(main) {
		return main
	}
	return "en"
}

// ExpertTexts returns the study's texts for an expert whose language is
// expertLang, each with the main language as fallback.
func (w *Service) ExpertTexts(ctx context.Context, st store.Study, expertLang string) (Texts, error) {
	all, err := w.store.StudyTextsByStudy(ctx, st.ID)
	if err != nil {
		return Texts{}, err
	}
	items, err := w.store.ConsentItemsByStudy(ctx, st.ID)
	if err != nil {
		return Texts{}, err
	}
	sc, err := st.Scale()
	if err != nil {
		return Texts{}, err
	}
	return textsIn(st, sc, all, items, PageLanguage(st, expertLang)), nil
}

// textsIn picks every text in lang with the main language as fallback.
func textsIn(st store.Study, sc rounds.Scale, all store.StudyTexts, items []store.ConsentItem, lang string) Texts {
	main := st.MainLanguage()
	in := func(name string) Localized {
		s, fb := all.In(name, lang, main)
		return Localized{s, fb}
	}
	// Title, description and scale labels: the main language's text is
	// the study's own.
	own := func(name, mainText string) Localized {
		if lang == main {
			return Localized{Text: mainText}
		}
		if s := all.Get(name, lang); s != "" {
			return Localized{Text: s}
		}
		return Localized{Text: mainText, Fallback: mainText != ""}
	}
	t := Texts{Lang: lang, Title: own(store.TextTitle, st.Title), Description: own(store.TextDescription, st.Description),
		Contact: in(store.TextContact), InfoSheet: in(store.TextInfoSheet), Thanks: in(store.TextThanks), Bands: map[string]string{}}
	for i, label := range sc.Labels {
		t.ScaleLabels = append(t.ScaleLabels, own("scale."+strconv.Itoa(sc.Min+i), label))
	}
	for _, b := range BandNames {
		if s, _ := all.In("band."+b, lang, main); s != "" {
			t.Bands[b] = s
		}
	}
	t.Criteria = criteriaTexts(sc, t.ScaleLabels, own)
	for _, it := range items {
		t.Consent = append(t.Consent, ConsentText{ID: it.ID, Required: it.Required, Localized: in(store.ConsentTextName(it.ID))})
	}
	return t
}

// LanguageFallbacks says, for one of a study's languages other than the
// main one, what an expert reading it will see in the main language.
type LanguageFallbacks struct {
	Lang string
	// Unsupported: the platform's pages are not written in this language,
	// so its experts read the main language's pages (and texts).
	Unsupported bool
	Statements  int      // statements without a translation
	Topics      int      // topics without a translated title
	Questions   int      // open questions of rounds not yet closed without a translation
	Texts       []string // study texts without a translation, by name
}

// None tells whether nothing falls back.
func (f LanguageFallbacks) None() bool {
	return !f.Unsupported && f.Statements == 0 && f.Topics == 0 && f.Questions == 0 && len(f.Texts) == 0
}

// TextFallbacks reports, per study language other than the main one, what
// falls back to the main language: the "Languages" summary shown before
// launch on the study's overview and the round's page.
func (w *Service) TextFallbacks(ctx context.Context, st store.Study) ([]LanguageFallbacks, error) {
	t, err := w.loadTranslatable(ctx, st)
	if err != nil {
		return nil, err
	}
	// Open questions experts will still read: those of a draft or open
	// round (a closed round's are history).
	all, err := w.store.RoundsByStudy(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	closed := map[int]bool{}
	for _, r := range all {
		closed[r.Number] = r.Status == rounds.Closed
	}
	var out []LanguageFallbacks
	for _, lang := range st.LanguageList()[1:] {
		f := LanguageFallbacks{Lang: lang, Unsupported: !i18n.Supported(lang)}
		for _, q := range t.owners.questions {
			if !closed[q.RoundNumber] && t.texts.Get(store.QuestionTextName(q.ID), lang) == "" {
				f.Questions++
			}
		}
		for _, s := range t.statements {
			if !s.Retired && t.statementTrs[s.ID][lang] == "" {
				f.Statements++
			}
		}
		for _, s := range t.sections {
			if t.sectionTrs[s.ID][lang] == "" {
				f.Topics++
			}
		}
		f.Texts = append(TextsFallingBack(st, t.scale, t.texts, t.owners.items, lang), backgroundFallingBack(st, t.owners.fields, t.texts, lang)...)
		out = append(out, f)
	}
	return out, nil
}

// TextsFallingBack names the study texts that an expert reading lang sees
// in the main language. E-mail templates fall back only where the main
// language has its own: otherwise lang's built-in defaults are used.
func TextsFallingBack(st store.Study, sc rounds.Scale, all store.StudyTexts, items []store.ConsentItem, lang string) []string {
	t := textsIn(st, sc, all, items, lang)
	var names []string
	add := func(name string, l Localized) {
		if l.Fallback {
			names = append(names, name)
		}
	}
	add("title", t.Title)
	add("description", t.Description)
	add("contact", t.Contact)
	add("information sheet", t.InfoSheet)
	add("thank-you text", t.Thanks)
	for i, l := range t.ScaleLabels {
		add(fmt.Sprintf("scale label %d", sc.Min+i), l)
	}
	for k, c := range t.Criteria {
		add(fmt.Sprintf("name of criterion %d", k+1), c.Name)
		if k > 0 {
			for i, l := range c.Labels {
				add(fmt.Sprintf("criterion %d's scale label %d", k+1, sc.More[k-1].Min+i), l)
			}
		}
	}
	main := st.MainLanguage()
	for _, b := range BandNames {
		if all.Get("band."+b, main) != "" && all.Get("band."+b, lang) == "" {
			names = append(names, "band name "+b)
		}
	}
	for i, c := range t.Consent {
		add(fmt.Sprintf("consent item %d", i+1), c.Localized)
	}
	for _, k := range mail.Kinds {
		for _, part := range []string{"subject", "body"} {
			name := "email." + k + "." + part
			if all.Get(name, main) != "" && all.Get(name, lang) == "" {
				names = append(names, "e-mail "+strings.ReplaceAll(k, "_", " ")+" "+part)
			}
		}
	}
	return names
}

// ErrConsentMissing is a consent form sent without a required item ticked.
type ErrConsentMissing struct{ Items []ConsentText }

func (e ErrConsentMissing) Error() string { return "a required consent item is not ticked" }

// FaultKind implements fault.Kinded.
func (ErrConsentMissing) FaultKind() fault.Kind { return fault.Invalid }

// GiveConsent records an expert's consent: the answer to each of the
// study's consent items (ticked holds the ticked ones' ids), then consent
// itself. A required item not ticked refuses the whole form
// (ErrConsentMissing names the items) and records nothing.
func (w *Service) GiveConsent(ctx context.Context, st store.Study, expertID int64, texts Texts, ticked map[int64]bool) error {
	var missing []ConsentText
	answers := make([]store.ExpertConsent, 0, len(texts.Consent))
	for _, c := range texts.Consent {
		if c.Required && !ticked[c.ID] {
			missing = append(missing, c)
		}
		answers = append(answers, store.ExpertConsent{ConsentItemID: c.ID, Agreed: ticked[c.ID]})
	}
	if len(missing) > 0 {
		return ErrConsentMissing{Items: missing}
	}
	return w.store.Transact(ctx, func(tx *store.Store) error {
		if err := tx.RecordConsents(ctx, expertID, answers); err != nil {
			return err
		}
		return tx.ConsentExpert(ctx, expertID)
	})
}

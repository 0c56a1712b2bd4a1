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
	"github.com/delphi-platform/delphi/internal/mail"
	"github.com/delphi-platform/delphi/internal/store"
)

// Bulk translation: every text of a study that experts read, one row per
// text and one column per study language (main language first), to be
// filled in a spreadsheet and uploaded back, all or nothing. The
// Statements page and GET/PUT /api/v1/studies/{id}/translations call
// TranslationSheet and ImportTranslations.
//
// The main language's column is read-only where the text is kept
// elsewhere: statements and topics (edited on the Statements page), the
// title, the description and the scale's labels (Settings). Changing such
// a cell is an error naming where to change it; leaving it empty is no
// change. The band names have no main-language text here: that is the
// platform's own. Every other cell is a text of its own: an empty cell
// removes it (for e-mails, the built-in text is used again).

// Columns of a translation sheet before the language columns.
const (
	ColumnKey     = "key"
	ColumnKind    = "kind"
	ColumnContext = "context"
)

// Kinds of row, the sheet's "kind" column.
const (
	KindStatement = "statement"
	KindTopic     = "topic"
	KindStudyText = "study text"
	KindEmail     = "e-mail"
)

// maxSheetErrors are reported at once; more are summarised.
const maxSheetErrors = 100

// TranslationRow is one text of a study in each of its languages.
type TranslationRow struct {
	Key     string
	Kind    string
	Context string
	Texts   map[string]string // language → text; "" none
	// readOnlyMain: the main language's text is kept elsewhere (where says
	// where it is changed); "" when the main column is a text of its own.
	readOnlyMain string
	max          int
	oneLine      bool
	set          func(tx *store.Store, lang, text string) error
}

// TranslationSheet is every translatable text of a study.
type TranslationSheet struct {
	Languages []string // main first
	Rows      []TranslationRow
}

// Header is the sheet's first row.
func (s TranslationSheet) Header() []string {
	return append([]string{ColumnKey, ColumnKind, ColumnContext}, s.Languages...)
}

// Table is the sheet as rows of cells, the header first.
func (s TranslationSheet) Table() [][]string {
	out := [][]string{s.Header()}
	for _, r := range s.Rows {
		row := []string{r.Key, r.Kind, r.Context}
		for _, l := range s.Languages {
			row = append(row, r.Texts[l])
		}
		out = append(out, row)
	}
	return out
}

// TranslationSheet lists every translatable text of a study with its
// current texts: statements, topics, the study texts (title, description,
// contact, information sheet, thank-you text, scale labels, band names,
// consent items) and the e-mails' subjects and bodies.
func (w *Service) TranslationSheet(ctx context.Context, st store.Study) (TranslationSheet, error) {
	langs := st.LanguageList()
	main := langs[0]
	sh := TranslationSheet{Languages: langs}
	t, err := w.loadTranslatable(ctx, st)
	if err != nil {
		return sh, err
	}
	withMain := func(trs map[string]string, mainText string) map[string]string {
		out := map[string]string{main: mainText}
		for l, text := range trs {
			if l != main {
				out[l] = text
			}
		}
		return out
	}
	titles := map[int64]string{}
	for _, sec := range t.sections {
		titles[sec.ID] = sec.Title
	}
	for _, s := range t.statements {
		ctxt := "Topic: " + titles[s.SectionID.Int64]
		if !s.SectionID.Valid {
			ctxt = "Without a topic"
		}
		if s.Retired {
			ctxt += " (retired: an earlier wording)"
		}
		id := s.ID
		sh.Rows = append(sh.Rows, TranslationRow{Key: "statement." + strconv.FormatInt(id, 10), Kind: KindStatement, Context: ctxt,
			Texts: withMain(t.statementTrs[id], s.Text), readOnlyMain: "edit statements on the Statements page", max: MaxStatementLength,
			set: func(tx *store.Store, lang, text string) error { return tx.SetTranslation(ctx, st.ID, id, lang, text) }})
	}
	for _, sec := range t.sections {
		id := sec.ID
		sh.Rows = append(sh.Rows, TranslationRow{Key: "topic." + strconv.FormatInt(id, 10), Kind: KindTopic,
			Texts: withMain(t.sectionTrs[id], sec.Title), readOnlyMain: "rename topics on the Statements page", max: MaxTopicLength, oneLine: true,
			set: func(tx *store.Store, lang, text string) error {
				return tx.SetSectionTranslation(ctx, st.ID, id, lang, text)
			}})
	}
	// A study text is checked as on the Texts & languages page
	// (textRuleFor); a name the study has no use for (a neutral band on a
	// scale without one) gets no row.
	studyText := func(name, kind, context, mainText string) {
		rule, problem := textRuleFor(st, t.scale, t.owners, name)
		if problem != "" {
			return
		}
		trs, readOnly := t.texts[name], ""
		if rule.notMain {
			trs, readOnly = withMain(trs, mainText), "change "+rule.mainLocation
		}
		sh.Rows = append(sh.Rows, TranslationRow{Key: name, Kind: kind, Context: context, Texts: maps.Clone(trs),
			readOnlyMain: readOnly, max: rule.max, oneLine: !rule.lines,
			set: func(tx *store.Store, lang, text string) error {
				return tx.SetStudyTexts(ctx, st.ID, []store.StudyText{{Name: name, Language: lang, Text: text}})
			}})
	}
	studyText(store.TextTitle, KindStudyText, "The study's title", st.Title)
	studyText(store.TextDescription, KindStudyText, "The study's description", st.Description)
	studyText(store.TextContact, KindStudyText, "Who experts can contact", "")
	studyText(store.TextInfoSheet, KindStudyText, "The information sheet shown before consent", "")
	studyText(store.TextThanks, KindStudyText, "The thank-you text after submitting", "")
	for i, label := range t.scale.Labels {
		v := strconv.Itoa(t.scale.Min + i)
		studyText("scale."+v, KindStudyText, "Label of scale point "+v, label)
	}
	for _, f := range CriterionTextFields(t.scale) {
		studyText(f.Name, KindStudyText, f.Label, f.Main)
	}
	for _, band := range BandNames {
		studyText("band."+band, KindStudyText, "Name of the "+band+" band; empty: the built-in name", "")
	}
	for _, it := range t.owners.items {
		req := "optional"
		if it.Required {
			req = "required"
		}
		studyText("consent."+strconv.FormatInt(it.ID, 10), KindStudyText, "Consent item ("+req+")", "")
	}
	for _, q := range t.owners.questions {
		studyText(store.QuestionTextName(q.ID), KindStudyText, fmt.Sprintf("Open question %d of round %d", q.Position, q.RoundNumber), q.Text)
	}
	for i, f := range t.owners.fields {
		studyText(store.BackgroundLabelName(f.ID), KindStudyText, fmt.Sprintf("Background form, field %d (%s): its label", i+1, f.Kind), "")
		for n, c := range f.ChoiceList() {
			studyText(store.BackgroundChoiceName(f.ID, n+1), KindStudyText, fmt.Sprintf("Background form, field %d: option %d", i+1, n+1), c)
		}
	}
	for _, kind := range mail.Kinds {
		studyText("email."+kind+".subject", KindEmail, "Subject of the "+kind+" e-mail; empty: the built-in text", "")
		studyText("email."+kind+".body", KindEmail, "Body of the "+kind+" e-mail; empty: the built-in text; must hold {{link}} and {{decline_link}}", "")
	}
	return sh, nil
}

// TranslationError is one refused cell: its row (1 is the header) and
// column (the header's name, or a letter where there is none).
type TranslationError struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Message string `json:"message"`
}

func (e TranslationError) Error() string {
	return fmt.Sprintf("row %d, column %s: %s", e.Row, e.Column, e.Message)
}

// TranslationErrors are all the refused cells of an upload, which then
// changed nothing.
type TranslationErrors []TranslationError

func (te TranslationErrors) Error() string {
	msgs := make([]string, len(te))
	for i, e := range te {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// FaultKind makes the errors a 422 with the handlers' error table.
func (te TranslationErrors) FaultKind() fault.Kind { return fault.Invalid }

// TranslationSummary is what an import changed: texts set or removed per
// language.
type TranslationSummary struct {
	Changed map[string]int `json:"changed"`
	Total   int            `json:"total"`
}

// ImportTranslations checks an uploaded sheet (rows[0] is the header:
// key, optionally kind and context, then language columns in any order;
// a language left out is left alone) and stores what changed, all in one
// transaction with one audit entry. Any refused cell changes nothing: the
// errors name each row and column (up to a cap).
func (w *Service) ImportTranslations(ctx context.Context, st store.Study, userID int64, rows [][]string) (TranslationSummary, error) {
	sum := TranslationSummary{Changed: map[string]int{}}
	sh, err := w.TranslationSheet(ctx, st)
	if err != nil {
		return sum, err
	}
	var errs TranslationErrors
	add := func(row int, col, msg string) {
		if len(errs) < maxSheetErrors {
			errs = append(errs, TranslationError{Row: row, Column: col, Message: msg})
		}
	}
	if len(rows) == 0 {
		return sum, TranslationErrors{{Row: 1, Column: "A", Message: "the file is empty: the first row must name the columns (key, kind, context, then the languages)"}}
	}
	langs := st.LanguageList()
	keyCol, langCols := -1, map[int]string{}
	seenCol := map[string]bool{}
	for i, h := range rows[0] {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF"))
		col := h
		if col == "" {
			col = columnLetter(i)
		}
		switch {
		case h == "":
		case seenCol[h]:
			add(1, col, fmt.Sprintf("the column %q appears twice", h))
		case h == ColumnKey:
			keyCol = i
		case h == ColumnKind || h == ColumnContext:
		case slices.Contains(langs, h):
			langCols[i] = h
		default:
			add(1, col, fmt.Sprintf("%q is not one of the study's languages (%s) nor key, kind or context", h, strings.Join(langs, ", ")))
		}
		seenCol[h] = true
	}
	if keyCol < 0 {
		add(1, "A", "the header has no key column")
		return sum, errs
	}
	byKey := map[string]*TranslationRow{}
	for i := range sh.Rows {
		byKey[sh.Rows[i].Key] = &sh.Rows[i]
	}
	type change struct {
		row        *TranslationRow
		lang, text string
	}
	var changes []change
	seenKey := map[string]int{}
	for ri, cells := range rows[1:] {
		n := ri + 2
		cell := func(i int) string {
			if i < len(cells) {
				return cells[i]
			}
			return ""
		}
		key := strings.TrimSpace(cell(keyCol))
		if key == "" {
			if strings.TrimSpace(strings.Join(cells, "")) != "" {
				add(n, ColumnKey, "the key is empty")
			}
			continue
		}
		if first, ok := seenKey[key]; ok {
			add(n, ColumnKey, fmt.Sprintf("the key %q is also on row %d", key, first))
			continue
		}
		seenKey[key] = n
		row, ok := byKey[key]
		if !ok {
			add(n, ColumnKey, fmt.Sprintf("unknown key %q: no such text in this study", key))
			continue
		}
		for _, ci := range slices.Sorted(maps.Keys(langCols)) {
			lang := langCols[ci]
			text := strings.TrimSpace(strings.ReplaceAll(cell(ci), "\r\n", "\n"))
			old := row.Texts[lang]
			if lang == langs[0] && row.readOnlyMain != "" {
				if text != "" && text != strings.TrimSpace(old) {
					add(n, lang, "the main language's text cannot be changed here: "+row.readOnlyMain)
				}
				continue
			}
			if msg := checkSheetText(row, text); msg != "" {
				add(n, lang, msg)
				continue
			}
			if text != strings.TrimSpace(old) {
				changes = append(changes, change{row, lang, text})
			}
		}
	}
	if len(errs) > 0 {
		return sum, errs
	}
	if len(changes) == 0 {
		return sum, nil
	}
	err = w.store.Transact(ctx, func(tx *store.Store) error {
		for _, ch := range changes {
			if err := ch.row.set(tx, ch.lang, ch.text); err != nil {
				return err
			}
			sum.Changed[ch.lang]++
			sum.Total++
		}
		return tx.Audit(ctx, st.ID, userID, "import translations", "translations", "", sum.String(), "")
	})
	return sum, err
}

// String writes the summary: "nl: 3, el: 1".
func (s TranslationSummary) String() string {
	var parts []string
	for _, l := range slices.Sorted(maps.Keys(s.Changed)) {
		parts = append(parts, fmt.Sprintf("%s: %d", l, s.Changed[l]))
	}
	return strings.Join(parts, ", ")
}

// checkSheetText says what is wrong with a text for a row; "" when nothing.
func checkSheetText(row *TranslationRow, text string) string {
	switch {
	case text == "":
		return ""
	case utf8.RuneCountInString(text) > row.max:
		return fmt.Sprintf("longer than %d characters", row.max)
	case row.oneLine && strings.ContainsAny(text, "\n\r"):
		return "must be one line"
	case row.Kind == KindEmail:
		return emailTextProblem(row.Key, text)
	}
	return ""
}

// emailTextProblem checks an e-mail's subject or body as the e-mail editor
// does (mail.ValidateTemplate), the other half standing in as a valid one.
func emailTextProblem(key, text string) string {
	t := mail.Template{Subject: text, Body: "{{link}}\n\n{{decline_link}}"}
	if strings.HasSuffix(key, ".body") {
		t = mail.Template{Subject: "-", Body: text}
	}
	if err := mail.ValidateTemplate(t); err != nil {
		return err.Error()
	}
	return ""
}

// columnLetter is a spreadsheet's name of column i (0: A, 26: AA).
func columnLetter(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}

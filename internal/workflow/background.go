package workflow

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/delphi-platform/delphi/internal/fault"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// The panel background form: fields the coordinators define (years of
// experience, sector, role, region…), answered once by each expert right
// after consent. The "Background form" page and
// /api/v1/studies/{id}/background-fields call the functions below; the
// answers describe the panel in the methods report (PanelDescription).

// Limits of the background form.
const (
	MaxBackgroundLabel  = 300 // a field's label
	MaxBackgroundChoice = 100 // one option of a choice field
	MaxBackgroundText   = 500 // an expert's answer to a text field
	maxBackgroundFields = 30
	maxBackgroundChoice = 30 // options of one choice field
)

// BackgroundKinds are the kinds of field, in the order the pages offer them.
var BackgroundKinds = []string{store.FieldChoice, store.FieldNumber, store.FieldText}

// backgroundTextRule checks the study text names "background.<id>.label"
// and "background.<id>.choice.<n>".
func backgroundTextRule(fields []store.BackgroundField, rest string) (textRule, string) {
	idStr, part, _ := strings.Cut(rest, ".")
	id, err := strconv.ParseInt(idStr, 10, 64)
	i := slices.IndexFunc(fields, func(f store.BackgroundField) bool { return f.ID == id })
	if err != nil || i < 0 {
		return textRule{}, fmt.Sprintf("the study has no background field %q", idStr)
	}
	if part == "label" {
		return textRule{max: MaxBackgroundLabel}, ""
	}
	if nStr, ok := strings.CutPrefix(part, "choice."); ok {
		n, err := strconv.Atoi(nStr)
		choices := fields[i].ChoiceList()
		if err != nil || n < 1 || n > len(choices) {
			return textRule{}, fmt.Sprintf("the background field %d has no option %q: its options are 1 to %d", id, nStr, len(choices))
		}
		return textRule{max: MaxBackgroundChoice, notMain: true, mainLocation: "the field's options on the Background form page"}, ""
	}
	return textRule{}, fmt.Sprintf("%q is not a text of a background field: give background.%d.label or background.%d.choice.<n>", "background."+rest, id, id)
}

// BackgroundFieldInput is a field as submitted. On update, Kind cannot
// change and a nil member keeps what is stored.
type BackgroundFieldInput struct {
	Kind     string            `json:"kind"`
	Required *bool             `json:"required"`
	Min      *float64          `json:"min"`
	Max      *float64          `json:"max"`
	Choices  []string          `json:"choices"` // in the main language
	Label    map[string]string `json:"label"`   // language → label; "" removes a translation
	// ClearRange, on update, removes min and max.
	ClearRange bool `json:"clear_range,omitempty"`
	// Bins are a number field's subgroup ranges: the rising limits
	// between them ([5, 10] makes under 5, 5 to under 10, 10 or more);
	// on update nil keeps them and [] removes them.
	Bins *[]float64 `json:"bins"`
}

// maxBackgroundBins is the most range limits a number field has.
const maxBackgroundBins = 10

// checkBackgroundField checks f (kind, range, options) as it would be
// stored and returns the errors naming the field that is wrong.
func checkBackgroundField(f store.BackgroundField, choices []string) rounds.FieldErrors {
	var fe rounds.FieldErrors
	if !slices.Contains(BackgroundKinds, f.Kind) {
		return rounds.FieldErrors{{Field: "kind", Message: fmt.Sprintf("%q is not a kind of field: give one of %s", f.Kind, strings.Join(BackgroundKinds, ", "))}}
	}
	if f.Kind != store.FieldNumber && (f.Min.Valid || f.Max.Valid) {
		fe = append(fe, rounds.FieldError{Field: "min", Message: "only a number field has a minimum and a maximum"})
	}
	if f.Min.Valid && f.Max.Valid && f.Min.Float64 > f.Max.Float64 {
		fe = append(fe, rounds.FieldError{Field: "max", Message: fmt.Sprintf("the maximum (%s) is below the minimum (%s)", formatNumber(f.Max.Float64), formatNumber(f.Min.Float64))})
	}
	fe = append(fe, checkBins(f)...)
	if f.Kind != store.FieldChoice {
		if len(choices) > 0 {
			fe = append(fe, rounds.FieldError{Field: "choices", Message: "only a choice field has options"})
		}
		return fe
	}
	seen := map[string]int{}
	for i, c := range choices {
		switch {
		case c == "":
			fe = append(fe, rounds.FieldError{Field: "choices", Message: fmt.Sprintf("option %d is empty", i+1)})
		case badText(c, false) != "":
			fe = append(fe, rounds.FieldError{Field: "choices", Message: fmt.Sprintf("option %d %s", i+1, badText(c, false))})
		case utf8.RuneCountInString(c) > MaxBackgroundChoice:
			fe = append(fe, rounds.FieldError{Field: "choices", Message: fmt.Sprintf("option %d is longer than %d characters", i+1, MaxBackgroundChoice)})
		case seen[strings.ToLower(c)] > 0:
			fe = append(fe, rounds.FieldError{Field: "choices", Message: fmt.Sprintf("option %d (%q) repeats option %d", i+1, c, seen[strings.ToLower(c)])})
		default:
			seen[strings.ToLower(c)] = i + 1
		}
	}
	if len(choices) < 2 {
		fe = append(fe, rounds.FieldError{Field: "choices", Message: "a choice field needs at least two options, one per line"})
	}
	if len(choices) > maxBackgroundChoice {
		fe = append(fe, rounds.FieldError{Field: "choices", Message: fmt.Sprintf("a choice field has at most %d options", maxBackgroundChoice)})
	}
	return fe
}

// cleanChoices trims the options and drops empty lines.
func cleanChoices(in []string) []string {
	var out []string
	for _, c := range in {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// checkLabels checks a field's labels per language.
func checkLabels(st store.Study, label map[string]string) (rounds.FieldErrors, map[string]string) {
	var fe rounds.FieldErrors
	out := map[string]string{}
	for _, lang := range slices.Sorted(maps.Keys(label)) {
		text := strings.TrimSpace(label[lang])
		field := "label." + lang
		switch {
		case LanguageProblem(st, lang) != "":
			fe = append(fe, rounds.FieldError{Field: field, Message: LanguageProblem(st, lang)})
		case badText(text, false) != "":
			fe = append(fe, rounds.FieldError{Field: field, Message: "the label " + badText(text, false)})
		case utf8.RuneCountInString(text) > MaxBackgroundLabel:
			fe = append(fe, rounds.FieldError{Field: field, Message: fmt.Sprintf("the label is longer than %d characters", MaxBackgroundLabel)})
		default:
			out[lang] = text
		}
	}
	return fe, out
}

func labelRows(fieldID int64, label map[string]string) []store.StudyText {
	var rows []store.StudyText
	for _, lang := range slices.Sorted(maps.Keys(label)) {
		rows = append(rows, store.StudyText{Name: store.BackgroundLabelName(fieldID), Language: lang, Text: label[lang]})
	}
	return rows
}

func nullFloat(p *float64) sql.NullFloat64 {
	if p == nil {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: *p, Valid: true}
}

// AddBackgroundField adds a field at the end of the background form, with
// its label in the main language (required) and perhaps others.
func (w *Service) AddBackgroundField(ctx context.Context, st store.Study, userID int64, in BackgroundFieldInput) (store.BackgroundField, error) {
	var f store.BackgroundField
	err := w.store.Transact(ctx, func(tx *store.Store) error {
		fields, err := tx.BackgroundFieldsByStudy(ctx, st.ID)
		if err != nil {
			return err
		}
		f, err = addBackgroundField(ctx, tx, st, userID, len(fields), in, "")
		return err
	})
	return f, err
}

// addBackgroundFields adds the fields given when a study is created, all
// or none: a refused one is a field error "background_fields[i].<field>".
func addBackgroundFields(ctx context.Context, tx *store.Store, st store.Study, userID int64, ins []BackgroundFieldInput) error {
	var all rounds.FieldErrors
	for i, in := range ins {
		_, err := addBackgroundField(ctx, tx, st, userID, i, in, fmt.Sprintf("background_fields[%d].", i))
		var fe rounds.FieldErrors
		switch {
		case errors.As(err, &fe):
			all = append(all, fe...)
		case err != nil:
			return err
		}
	}
	if len(all) > 0 {
		return all
	}
	return nil
}

// addBackgroundField checks and adds one field (the form has existing
// fields already); field errors are named prefix + field.
func addBackgroundField(ctx context.Context, tx *store.Store, st store.Study, userID int64, existing int, in BackgroundFieldInput, prefix string) (store.BackgroundField, error) {
	f := store.BackgroundField{StudyID: st.ID, Kind: strings.TrimSpace(in.Kind), Required: in.Required != nil && *in.Required,
		Min: nullFloat(in.Min), Max: nullFloat(in.Max)}
	if in.Bins != nil {
		f.SetBins(*in.Bins)
	}
	choices := cleanChoices(in.Choices)
	f.SetChoices(choices)
	fe := checkBackgroundField(f, choices)
	lfe, label := checkLabels(st, in.Label)
	fe = append(fe, lfe...)
	main := st.MainLanguage()
	if label[main] == "" && fe.For("label."+main) == "" {
		fe = append(fe, rounds.FieldError{Field: "label." + main, Message: "give the field's label in the study's main language (" + main + ")"})
	}
	if existing >= maxBackgroundFields {
		fe = append(fe, rounds.FieldError{Field: "kind", Message: fmt.Sprintf("the background form has at most %d fields", maxBackgroundFields)})
	}
	if len(fe) > 0 {
		for i := range fe {
			fe[i].Field = prefix + fe[i].Field
		}
		return store.BackgroundField{}, fe
	}
	f, err := tx.AddBackgroundField(ctx, f)
	if err != nil {
		return f, err
	}
	if st.Locked() {
		if err := tx.Audit(ctx, st.ID, userID, "background field added", store.BackgroundLabelName(f.ID), "", label[main], ""); err != nil {
			return f, err
		}
	}
	return f, setTexts(ctx, tx, st, userID, labelRows(f.ID, label))
}

// ErrNoBackgroundField is a field that is not the study's.
var ErrNoBackgroundField = fault.New(fault.NotFound, "the study has no such background field")

// backgroundField finds one of the study's fields.
func (w *Service) backgroundField(ctx context.Context, st store.Study, fieldID int64) (store.BackgroundField, error) {
	fields, err := w.store.BackgroundFieldsByStudy(ctx, st.ID)
	if err != nil {
		return store.BackgroundField{}, err
	}
	for _, f := range fields {
		if f.ID == fieldID {
			return f, nil
		}
	}
	return store.BackgroundField{}, ErrNoBackgroundField
}

// UpdateBackgroundField changes a field's required flag, range, options
// and labels, all or nothing. Its kind never changes, and once experts
// answered a choice field its options can be reworded or added to, not
// removed: the answers point at them.
func (w *Service) UpdateBackgroundField(ctx context.Context, st store.Study, userID, fieldID int64, in BackgroundFieldInput) error {
	f, err := w.backgroundField(ctx, st, fieldID)
	if err != nil {
		return err
	}
	var fe rounds.FieldErrors
	if k := strings.TrimSpace(in.Kind); k != "" && k != f.Kind {
		fe = append(fe, rounds.FieldError{Field: "kind", Message: fmt.Sprintf("a field's kind cannot change (this one is a %s field); delete it and add another", f.Kind)})
	}
	old := f
	if in.Required != nil {
		f.Required = *in.Required
	}
	if in.ClearRange {
		f.Min, f.Max = sql.NullFloat64{}, sql.NullFloat64{}
	}
	if in.Min != nil {
		f.Min = nullFloat(in.Min)
	}
	if in.Max != nil {
		f.Max = nullFloat(in.Max)
	}
	if in.Bins != nil {
		f.SetBins(*in.Bins)
	}
	choices := f.ChoiceList()
	if in.Choices != nil {
		choices = cleanChoices(in.Choices)
		f.SetChoices(choices)
	}
	fe = append(fe, checkBackgroundField(f, choices)...)
	if f.Kind == store.FieldChoice && len(choices) < len(old.ChoiceList()) {
		answered, err := w.store.BackgroundFieldAnswered(ctx, f.ID)
		if err != nil {
			return err
		}
		if answered {
			fe = append(fe, rounds.FieldError{Field: "choices", Message: fmt.Sprintf("experts have answered this field, so its %d options can be reworded or added to, not removed", len(old.ChoiceList()))})
		}
	}
	lfe, label := checkLabels(st, in.Label)
	fe = append(fe, lfe...)
	main := st.MainLanguage()
	if text, given := in.Label[main]; given && strings.TrimSpace(text) == "" {
		fe = append(fe, rounds.FieldError{Field: "label." + main, Message: "the field needs its label in the study's main language (" + main + "); delete the field instead"})
	}
	if len(fe) > 0 {
		return fe
	}
	rows := labelRows(f.ID, label)
	for lang, text := range in.Label { // removals
		if strings.TrimSpace(text) == "" && lang != main {
			rows = append(rows, store.StudyText{Name: store.BackgroundLabelName(f.ID), Language: lang})
		}
	}
	return w.store.Transact(ctx, func(tx *store.Store) error {
		if err := tx.UpdateBackgroundField(ctx, f); err != nil {
			return err
		}
		if st.Locked() && f != old {
			if err := tx.Audit(ctx, st.ID, userID, "background field changed", store.BackgroundLabelName(f.ID),
				describeField(old), describeField(f), ""); err != nil {
				return err
			}
		}
		return setTexts(ctx, tx, st, userID, rows)
	})
}

// describeField is a field's settings in words, for the audit log.
func describeField(f store.BackgroundField) string {
	s := fmt.Sprintf("%s, required: %t", f.Kind, f.Required)
	if f.Min.Valid {
		s += ", min " + formatNumber(f.Min.Float64)
	}
	if f.Max.Valid {
		s += ", max " + formatNumber(f.Max.Float64)
	}
	if f.Kind == store.FieldChoice {
		s += ", options " + strings.Join(f.ChoiceList(), " | ")
	}
	if bins := f.BinList(); len(bins) > 0 {
		s += ", subgroups " + strings.Join(BinLabels(bins), " | ")
	}
	return s
}

// ErrBackgroundFieldInUse refuses to delete a field once the study runs.
var ErrBackgroundFieldInUse = fault.New(fault.Conflict, "the background field cannot be deleted: round 1 has launched, or experts have already answered it, and their answers describe the panel")

// DeleteBackgroundField removes a field and its labels, only before
// launch and before any expert answered it.
func (w *Service) DeleteBackgroundField(ctx context.Context, st store.Study, fieldID int64) error {
	if _, err := w.backgroundField(ctx, st, fieldID); err != nil {
		return err
	}
	answered, err := w.store.BackgroundFieldAnswered(ctx, fieldID)
	if err != nil {
		return err
	}
	if st.Locked() || answered {
		return ErrBackgroundFieldInUse
	}
	return w.store.DeleteBackgroundField(ctx, st.ID, fieldID)
}

// formatNumber writes a number without a needless fraction.
func formatNumber(x float64) string {
	return strconv.FormatFloat(x, 'f', -1, 64)
}

// BackgroundItem is a field as an expert reads it.
type BackgroundItem struct {
	store.BackgroundField
	Label   Localized
	Options []Localized // a choice field's options, option n at n-1
}

// BackgroundForm returns the study's background form in lang, each text
// falling back to the main language.
func (w *Service) BackgroundForm(ctx context.Context, st store.Study, lang string) ([]BackgroundItem, error) {
	fields, err := w.store.BackgroundFieldsByStudy(ctx, st.ID)
	if err != nil || len(fields) == 0 {
		return nil, err
	}
	all, err := w.store.StudyTextsByStudy(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	return backgroundItems(st, fields, all, lang), nil
}

func backgroundItems(st store.Study, fields []store.BackgroundField, all store.StudyTexts, lang string) []BackgroundItem {
	main := st.MainLanguage()
	out := make([]BackgroundItem, 0, len(fields))
	for _, f := range fields {
		label, fb := all.In(store.BackgroundLabelName(f.ID), lang, main)
		it := BackgroundItem{BackgroundField: f, Label: Localized{label, fb}}
		for n, c := range f.ChoiceList() {
			if s := all.Get(store.BackgroundChoiceName(f.ID, n+1), lang); s != "" && lang != main {
				it.Options = append(it.Options, Localized{Text: s})
			} else {
				it.Options = append(it.Options, Localized{Text: c, Fallback: lang != main})
			}
		}
		out = append(out, it)
	}
	return out
}

// backgroundFallingBack names the background form's texts that an
// expert reading lang sees in the main language.
func backgroundFallingBack(st store.Study, fields []store.BackgroundField, all store.StudyTexts, lang string) []string {
	var names []string
	for i, it := range backgroundItems(st, fields, all, lang) {
		if it.Label.Fallback {
			names = append(names, fmt.Sprintf("background field %d", i+1))
		}
		for n, o := range it.Options {
			if o.Fallback {
				names = append(names, fmt.Sprintf("background field %d option %d", i+1, n+1))
			}
		}
	}
	return names
}

// BackgroundDue says whether an expert's home page shows the background
// form: Ask when the study has fields the expert has not seen yet (a form
// added after they first came is offered once), Must when a required field
// has no answer (then the form cannot be skipped).
type BackgroundDue struct{ Ask, Must bool }

// BackgroundDueFor checks an expert's answers against the study's form.
func (w *Service) BackgroundDueFor(ctx context.Context, st store.Study, expertID int64) (BackgroundDue, error) {
	fields, err := w.store.BackgroundFieldsByStudy(ctx, st.ID)
	if err != nil || len(fields) == 0 {
		return BackgroundDue{}, err
	}
	answers, err := w.store.BackgroundAnswersByExpert(ctx, expertID)
	if err != nil {
		return BackgroundDue{}, err
	}
	var d BackgroundDue
	for _, f := range fields {
		v, seen := answers[f.ID]
		if !seen {
			d.Ask = true
		}
		if f.Required && v == "" {
			d.Ask, d.Must = true, true
		}
	}
	return d, nil
}

// Problems with an expert's background answer, which the expert page
// words in the expert's language.
const (
	BackgroundMissing   = "missing"
	BackgroundNotNumber = "not_number"
	BackgroundBelow     = "below"
	BackgroundAbove     = "above"
	BackgroundBadChoice = "bad_choice"
	BackgroundTooLong   = "too_long"
)

// BackgroundProblem is one refused answer.
type BackgroundProblem struct {
	Field   BackgroundItem
	Problem string // one of the Background… problems
}

// ErrBackgroundInvalid is a background form with refused answers; nothing
// of it was saved.
type ErrBackgroundInvalid struct{ Problems []BackgroundProblem }

func (e ErrBackgroundInvalid) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = fmt.Sprintf("field %d: %s", p.Field.ID, p.Problem)
	}
	return "background form refused: " + strings.Join(parts, "; ")
}

// FaultKind implements fault.Kinded.
func (ErrBackgroundInvalid) FaultKind() fault.Kind { return fault.Invalid }

// For returns the problem with a field's answer, or "".
func (e ErrBackgroundInvalid) For(fieldID int64) string {
	for _, p := range e.Problems {
		if p.Field.ID == fieldID {
			return p.Problem
		}
	}
	return ""
}

// SaveBackground stores an expert's answers to the background form (field
// id → the typed text or number, or the chosen option's number from 1; a
// field left out or "" is left empty), all or nothing: a required field
// left empty, a number out of range, an option not offered or a text over
// MaxBackgroundText characters refuses the form (ErrBackgroundInvalid) and
// saves nothing. Every field is recorded, empty ones as "", so the form is
// not offered again. Skipping the form is saving the answers already
// given (none at first), which records the unseen fields as empty.
func (w *Service) SaveBackground(ctx context.Context, v store.Visit, answers map[int64]string) error {
	items, err := w.BackgroundForm(ctx, v.Study, PageLanguage(v.Study, v.Expert.Language))
	if err != nil {
		return err
	}
	var bad []BackgroundProblem
	out := make(map[int64]string, len(items))
	for _, it := range items {
		val := strings.TrimSpace(strings.ReplaceAll(answers[it.ID], "\r\n", "\n"))
		problem := ""
		switch {
		case val == "":
			if it.Required {
				problem = BackgroundMissing
			}
		case it.Kind == store.FieldNumber:
			x, err := strconv.ParseFloat(strings.ReplaceAll(val, ",", "."), 64)
			switch {
			case err != nil || math.IsNaN(x) || math.IsInf(x, 0):
				problem = BackgroundNotNumber
			case it.Min.Valid && x < it.Min.Float64:
				problem = BackgroundBelow
			case it.Max.Valid && x > it.Max.Float64:
				problem = BackgroundAbove
			default:
				val = formatNumber(x)
			}
		case it.Kind == store.FieldChoice:
			if n, err := strconv.Atoi(val); err != nil || n < 1 || n > len(it.Options) || strconv.Itoa(n) != val {
				problem = BackgroundBadChoice
			}
		default:
			if badText(val, false) != "" { // a pasted line break or tab is not worth a refusal
				val = strings.Join(strings.Fields(strings.Map(func(r rune) rune {
					if unicode.IsControl(r) {
						return ' '
					}
					return r
				}, val)), " ")
			}
			if utf8.RuneCountInString(val) > MaxBackgroundText {
				problem = BackgroundTooLong
			}
		}
		if problem != "" {
			bad = append(bad, BackgroundProblem{Field: it, Problem: problem})
		}
		out[it.ID] = val
	}
	if len(bad) > 0 {
		return ErrBackgroundInvalid{Problems: bad}
	}
	return w.store.SaveBackgroundAnswers(ctx, v.Expert.ID, out)
}

// PanelDescription describes the panel by its background answers: per
// field, per column (every expert who saw the form, then each round's
// respondents), the counts per option (choice), the distribution (number)
// or only how many answered (text: free text can identify a person, so
// it is never shown). Labels are the main language's.
type PanelDescription struct {
	Columns []PanelColumn      `json:"columns"`
	Fields  []FieldDescription `json:"fields"`
}

// PanelColumn is a set of experts the description counts.
type PanelColumn struct {
	Name    string `json:"name"`            // "All experts", "Round 2 respondents"
	Round   int    `json:"round,omitempty"` // 0: every expert who saw the form
	Experts int    `json:"experts"`
}

// FieldDescription is one field's figures, one per column.
type FieldDescription struct {
	ID       int64          `json:"id"`
	Label    string         `json:"label"`
	Kind     string         `json:"kind"`
	Required bool           `json:"required"`
	Options  []string       `json:"options,omitempty"` // choice
	Columns  []FieldFigures `json:"columns"`
}

// FieldFigures are a field's figures in one column.
type FieldFigures struct {
	Answered int   `json:"answered"`
	NoAnswer int   `json:"no_answer"`
	Counts   []int `json:"counts,omitempty"` // choice: per option
	// Number fields, over the answers; nil without answers.
	Median *float64 `json:"median,omitempty"`
	Min    *float64 `json:"min,omitempty"`
	Max    *float64 `json:"max,omitempty"`
}

// PanelDescription computes the study's panel description. Experts whose
// personal data was erased have no answers left and are not counted.
func (w *Service) PanelDescription(ctx context.Context, st store.Study) (PanelDescription, error) {
	pd := PanelDescription{Columns: []PanelColumn{}, Fields: []FieldDescription{}}
	fields, err := w.store.BackgroundFieldsByStudy(ctx, st.ID)
	if err != nil || len(fields) == 0 {
		return pd, err
	}
	all, err := w.store.StudyTextsByStudy(ctx, st.ID)
	if err != nil {
		return pd, err
	}
	answers, err := w.store.BackgroundAnswersByStudy(ctx, st.ID)
	if err != nil {
		return pd, err
	}
	resp, err := w.store.RoundRespondents(ctx, st.ID)
	if err != nil {
		return pd, err
	}
	byExpert := map[int64]map[int64]string{} // expert → field → value
	for _, a := range answers {
		if byExpert[a.ExpertID] == nil {
			byExpert[a.ExpertID] = map[int64]string{}
		}
		byExpert[a.ExpertID][a.FieldID] = a.Value
	}
	launched, err := w.store.RoundsByStudy(ctx, st.ID)
	if err != nil {
		return pd, err
	}
	byRound := map[int][]int64{}
	for _, r := range resp {
		byRound[r.Round] = append(byRound[r.Round], r.ExpertID)
	}
	// The columns: every expert who saw the form, then each launched
	// round's respondents (whether or not they answered the form), a
	// round nobody has answered yet with 0.
	sets := [][]int64{slices.Sorted(maps.Keys(byExpert))}
	pd.Columns = append(pd.Columns, PanelColumn{Name: "All experts who saw the form", Experts: len(sets[0])})
	for _, r := range launched {
		if r.Status == rounds.Draft {
			continue
		}
		ids := byRound[r.Number]
		sets = append(sets, ids)
		pd.Columns = append(pd.Columns, PanelColumn{Name: fmt.Sprintf("Round %d respondents", r.Number), Round: r.Number, Experts: len(ids)})
	}
	main := st.MainLanguage()
	for _, f := range fields {
		label, _ := all.In(store.BackgroundLabelName(f.ID), main, main)
		d := FieldDescription{ID: f.ID, Label: label, Kind: f.Kind, Required: f.Required}
		if f.Kind == store.FieldChoice {
			d.Options = f.ChoiceList()
		}
		for _, ids := range sets {
			d.Columns = append(d.Columns, fieldFigures(f, d.Options, ids, byExpert))
		}
		pd.Fields = append(pd.Fields, d)
	}
	return pd, nil
}

// fieldFigures counts one field's answers among the experts ids.
func fieldFigures(f store.BackgroundField, options []string, ids []int64, byExpert map[int64]map[int64]string) FieldFigures {
	var fig FieldFigures
	if f.Kind == store.FieldChoice {
		fig.Counts = make([]int, len(options))
	}
	var nums []float64
	for _, id := range ids {
		v := byExpert[id][f.ID]
		if v == "" {
			fig.NoAnswer++
			continue
		}
		switch f.Kind {
		case store.FieldChoice:
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > len(options) {
				fig.NoAnswer++ // an option since removed: cannot happen once answered (UpdateBackgroundField)
				continue
			}
			fig.Counts[n-1]++
		case store.FieldNumber:
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				fig.NoAnswer++
				continue
			}
			nums = append(nums, x)
		}
		fig.Answered++
	}
	if len(nums) > 0 {
		slices.Sort(nums)
		med := nums[len(nums)/2]
		if len(nums)%2 == 0 {
			med = (nums[len(nums)/2-1] + nums[len(nums)/2]) / 2
		}
		lo, hi := nums[0], nums[len(nums)-1]
		fig.Median, fig.Min, fig.Max = &med, &lo, &hi
	}
	return fig
}

// checkBins checks a field's subgroup ranges: a number field's only,
// finite, rising, at most maxBackgroundBins limits.
func checkBins(f store.BackgroundField) rounds.FieldErrors {
	bins := f.BinList()
	if len(bins) == 0 {
		return nil
	}
	if f.Kind != store.FieldNumber {
		return rounds.FieldErrors{{Field: "bins", Message: "only a number field has subgroup ranges"}}
	}
	if len(bins) > maxBackgroundBins {
		return rounds.FieldErrors{{Field: "bins", Message: fmt.Sprintf("give at most %d limits between the subgroups", maxBackgroundBins)}}
	}
	for i, x := range bins {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return rounds.FieldErrors{{Field: "bins", Message: fmt.Sprintf("limit %d is not a number", i+1)}}
		}
		if i > 0 && x <= bins[i-1] {
			return rounds.FieldErrors{{Field: "bins", Message: fmt.Sprintf("the limits must rise: %s does not come after %s", formatNumber(x), formatNumber(bins[i-1]))}}
		}
	}
	return nil
}

// BinLabels name the ranges the limits make: "under 5", "5 to under 10",
// "10 or more".
func BinLabels(limits []float64) []string {
	if len(limits) == 0 {
		return nil
	}
	out := []string{"under " + formatNumber(limits[0])}
	for i := 1; i < len(limits); i++ {
		out = append(out, formatNumber(limits[i-1])+" to under "+formatNumber(limits[i]))
	}
	return append(out, formatNumber(limits[len(limits)-1])+" or more")
}

// binOf is the range (index into BinLabels) a number falls in.
func binOf(limits []float64, x float64) int {
	i := 0
	for i < len(limits) && x >= limits[i] {
		i++
	}
	return i
}

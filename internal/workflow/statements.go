package workflow

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// MaxStatementLength bounds one statement, in any language; longer text is
// an error, not a cut.
const MaxStatementLength = 2000

// MaxTopicLength bounds a topic's title, in any language.
const MaxTopicLength = 200

// StatementEdit changes a statement: its text and topic when given, and
// its translations (language → text; "" removes one).
type StatementEdit struct {
	Text         *string
	Section      *sql.NullInt64
	Translations map[string]string
}

// SaveStatement checks an edit (field errors name the text or the
// translation) and stores all of it in one transaction. The statement's
// edit page and PUT …/statements/{id}/translations call it.
func (w *Service) SaveStatement(ctx context.Context, st store.Study, id int64, edit StatementEdit) (store.Statement, error) {
	s, err := w.store.StatementByID(ctx, st.ID, id)
	if err != nil {
		return s, err
	}
	var fe rounds.FieldErrors
	if edit.Text != nil {
		s.Text = strings.TrimSpace(*edit.Text)
		switch {
		case s.Text == "":
			fe = append(fe, rounds.FieldError{Field: "text", Message: "the statement cannot be empty"})
		case utf8.RuneCountInString(s.Text) > MaxStatementLength:
			fe = append(fe, rounds.FieldError{Field: "text", Message: fmt.Sprintf("the statement is longer than %d characters", MaxStatementLength)})
		}
	}
	if edit.Section != nil {
		s.SectionID = *edit.Section
	}
	fe = append(fe, CheckTranslations(st, edit.Translations, MaxStatementLength)...)
	if len(fe) > 0 {
		return s, fe
	}
	err = w.store.Transact(ctx, func(tx *store.Store) error {
		if edit.Text != nil || edit.Section != nil {
			if err := tx.UpdateStatement(ctx, st.ID, s.ID, s.Text, s.SectionID); err != nil {
				return err
			}
		}
		for _, lang := range slices.Sorted(maps.Keys(edit.Translations)) {
			if err := tx.SetTranslation(ctx, st.ID, s.ID, lang, edit.Translations[lang]); err != nil {
				return err
			}
		}
		return nil
	})
	return s, err
}

// CreateTopic checks a new topic's title and adds the topic at the end.
func (w *Service) CreateTopic(ctx context.Context, st store.Study, title string) (store.Section, error) {
	title, fe := topicTitle(title)
	if len(fe) > 0 {
		return store.Section{}, fe
	}
	return w.store.CreateSection(ctx, st.ID, title)
}

// topicTitle trims a topic's title and says what is wrong with it.
func topicTitle(title string) (string, rounds.FieldErrors) {
	switch title = strings.TrimSpace(title); {
	case title == "":
		return title, rounds.FieldErrors{{Field: "title", Message: "A topic's title cannot be empty."}}
	case utf8.RuneCountInString(title) > MaxTopicLength:
		return title, rounds.FieldErrors{{Field: "title", Message: fmt.Sprintf("A topic's title is at most %d characters.", MaxTopicLength)}}
	}
	return title, nil
}

// SaveTopic checks a topic's new title and its translations ("" removes
// one; field errors name the title or the language) and stores them, all
// in one transaction. The statements page and PATCH …/sections/{id} call it.
func (w *Service) SaveTopic(ctx context.Context, st store.Study, sectionID int64, title string, translations map[string]string) error {
	title, fe := topicTitle(title)
	if fe = append(fe, CheckTranslations(st, translations, MaxTopicLength)...); len(fe) > 0 {
		return fe
	}
	return w.store.Transact(ctx, func(tx *store.Store) error {
		if err := tx.RenameSection(ctx, st.ID, sectionID, title); err != nil {
			return err
		}
		for _, lang := range slices.Sorted(maps.Keys(translations)) {
			if err := tx.SetSectionTranslation(ctx, st.ID, sectionID, lang, translations[lang]); err != nil {
				return err
			}
		}
		return nil
	})
}

// CheckTranslations names each translation that is not in one of the
// study's other languages or is too long.
func CheckTranslations(st store.Study, trs map[string]string, max int) rounds.FieldErrors {
	langs := st.LanguageList()
	var fe rounds.FieldErrors
	for _, lang := range slices.Sorted(maps.Keys(trs)) {
		field := "translations." + lang
		switch {
		case lang == langs[0]:
			fe = append(fe, rounds.FieldError{Field: field, Message: fmt.Sprintf("%s is the study's main language: change the text itself", lang)})
		case LanguageProblem(st, lang) != "":
			fe = append(fe, rounds.FieldError{Field: field, Message: LanguageProblem(st, lang)})
		case utf8.RuneCountInString(strings.TrimSpace(trs[lang])) > max:
			fe = append(fe, rounds.FieldError{Field: field, Message: fmt.Sprintf("longer than %d characters", max)})
		}
	}
	return fe
}

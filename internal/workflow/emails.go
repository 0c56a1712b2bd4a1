package workflow

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/delphi-platform/delphi/internal/fault"
	"github.com/delphi-platform/delphi/internal/mail"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// A study's e-mails to experts are templates (mail.Template): the
// platform's default text of each kind in each language, or the study's
// own, stored as the study texts email.<kind>.subject and
// email.<kind>.body in that language. Coordinators edit them freely until
// the study's first launch; after it every change is audit-logged with
// the old and new text.

// EmailTemplate is the effective template of one kind in one language.
type EmailTemplate struct {
	Kind    string `json:"kind"`
	Lang    string `json:"lang"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
	Default bool   `json:"default"` // the platform's text, not the study's own
}

// ErrUnknownEmailKind refuses an e-mail kind that does not exist.
var ErrUnknownEmailKind = fault.New(fault.NotFound, "there is no such kind of e-mail; the kinds are "+strings.Join(mail.Kinds, ", "))

func emailTextNames(kind string) (subject, body string) {
	return "email." + kind + ".subject", "email." + kind + ".body"
}

// checkEmailTarget checks a kind and a language the study is written in.
func checkEmailTarget(st store.Study, kind, lang string) error {
	if !slices.Contains(mail.Kinds, kind) {
		return ErrUnknownEmailKind
	}
	if problem := LanguageProblem(st, lang); problem != "" {
		return fault.New(fault.Invalid, problem)
	}
	return nil
}

// effectiveEmail is the template of kind in lang: the study's own when it
// has one, otherwise the default; writtenIn is the language it is in
// (English when lang has no default texts and the study none of its own).
func effectiveEmail(texts store.StudyTexts, kind, lang string) (t mail.Template, writtenIn string, isDefault bool, err error) {
	sn, bn := emailTextNames(kind)
	if s, b := texts.Get(sn, lang), texts.Get(bn, lang); s != "" && b != "" {
		return mail.Template{Subject: s, Body: b}, lang, false, nil
	}
	t, writtenIn, err = mail.Default(kind, lang)
	return t, writtenIn, true, err
}

// launched reports whether any round of the study (round 0 included) has
// been opened: from then on e-mail edits are audit-logged.
func launched(ctx context.Context, tx *store.Store, st store.Study) (bool, error) {
	if st.Locked() {
		return true, nil
	}
	rs, err := tx.RoundsByStudy(ctx, st.ID)
	if err != nil {
		return false, err
	}
	for _, r := range rs {
		if r.OpenedAt.Valid {
			return true, nil
		}
	}
	ir, err := tx.IdeaRoundByStudy(ctx, st.ID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return ir.OpenedAt.Valid, err
}

func templateText(t mail.Template) string {
	return "Subject: " + t.Subject + "\n\n" + t.Body
}

// SaveEmailTemplate stores the study's own text of an e-mail kind in one
// of its languages, after checking it (mail.ValidateTemplate: the links
// must be there, placeholders known). After launch the change is
// audit-logged with the old and the new text.
func (w *Service) SaveEmailTemplate(ctx context.Context, st store.Study, userID int64, kind, lang, subject, body string) error {
	if err := checkEmailTarget(st, kind, lang); err != nil {
		return err
	}
	t := mail.Template{Subject: strings.TrimSpace(subject), Body: strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n")) + "\n"}
	if err := mail.ValidateTemplate(t); err != nil {
		var fe *mail.FieldError
		if errors.As(err, &fe) { // the forms' and the API's kind of field error
			return rounds.FieldErrors{{Field: fe.Field, Message: fe.Message}}
		}
		return err
	}
	return w.store.Transact(ctx, func(tx *store.Store) error {
		texts, err := tx.StudyTextsByStudy(ctx, st.ID)
		if err != nil {
			return err
		}
		old, _, _, err := effectiveEmail(texts, kind, lang)
		if err != nil {
			return err
		}
		sn, bn := emailTextNames(kind)
		if err := tx.SetStudyTexts(ctx, st.ID, []store.StudyText{{Name: sn, Language: lang, Text: t.Subject}, {Name: bn, Language: lang, Text: t.Body}}); err != nil {
			return err
		}
		return w.auditEmailChange(ctx, tx, st, userID, "edit e-mail", kind, lang, old, t)
	})
}

// ResetEmailTemplate puts an e-mail kind in one language back to the
// platform's default text (audit-logged after launch).
func (w *Service) ResetEmailTemplate(ctx context.Context, st store.Study, userID int64, kind, lang string) error {
	if err := checkEmailTarget(st, kind, lang); err != nil {
		return err
	}
	return w.store.Transact(ctx, func(tx *store.Store) error {
		texts, err := tx.StudyTextsByStudy(ctx, st.ID)
		if err != nil {
			return err
		}
		old, _, isDefault, err := effectiveEmail(texts, kind, lang)
		if err != nil || isDefault {
			return err // nothing to reset
		}
		sn, bn := emailTextNames(kind)
		if err := tx.SetStudyTexts(ctx, st.ID, []store.StudyText{{Name: sn, Language: lang}, {Name: bn, Language: lang}}); err != nil {
			return err
		}
		def, _, err := mail.Default(kind, lang)
		if err != nil {
			return err
		}
		return w.auditEmailChange(ctx, tx, st, userID, "reset e-mail", kind, lang, old, def)
	})
}

// auditEmailChange logs a change of an e-mail template once the study was
// launched; before that, texts are drafts and change freely.
func (w *Service) auditEmailChange(ctx context.Context, tx *store.Store, st store.Study, userID int64, action, kind, lang string, old, updated mail.Template) error {
	on, err := launched(ctx, tx, st)
	if err != nil || !on || old == updated {
		return err
	}
	return tx.Audit(ctx, st.ID, userID, action, "email."+kind+"."+lang, templateText(old), templateText(updated), "")
}

// EmailTemplatesFor lists the effective template of every kind in every
// language of the study, kinds in mail.Kinds order.
func (w *Service) EmailTemplatesFor(ctx context.Context, st store.Study) ([]EmailTemplate, error) {
	texts, err := w.store.StudyTextsByStudy(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	var out []EmailTemplate
	for _, kind := range mail.Kinds {
		for _, lang := range st.LanguageList() {
			t, _, isDefault, err := effectiveEmail(texts, kind, lang)
			if err != nil {
				return nil, err
			}
			out = append(out, EmailTemplate{Kind: kind, Lang: lang, Subject: t.Subject, Body: t.Body, Default: isDefault})
		}
	}
	return out, nil
}

// mailer composes one study's e-mails to experts, its texts loaded once
// (a launch composes one per expert).
type mailer struct {
	w     *Service
	st    store.Study
	texts store.StudyTexts
	memo  map[string]prepared // by kind/lang
}

// mailerFor loads the study's texts through s (the caller's transaction).
func (w *Service) mailerFor(ctx context.Context, s *store.Store, st store.Study) (mailer, error) {
	texts, err := s.StudyTextsByStudy(ctx, st.ID)
	return mailer{w: w, st: st, texts: texts, memo: map[string]prepared{}}, err
}

// language is the study language an expert's e-mails are written in:
// theirs when the study has it, else the study's main language.
func (m mailer) language(expertLang string) string {
	if slices.Contains(m.st.LanguageList(), expertLang) {
		return expertLang
	}
	return m.st.MainLanguage()
}

// prepared is what every e-mail of one kind in one language shares.
type prepared struct {
	t     mail.Template
	words mail.Words
	// base holds the study's title and contact in that language, the
	// language the text is written in and the study's time zone.
	base mail.MessageData
}

// prepare finds the effective template of kind in lang and what goes
// with it, once per mailer.
func (m mailer) prepare(kind, lang string) (prepared, error) {
	if p, ok := m.memo[kind+"/"+lang]; ok {
		return p, nil
	}
	t, writtenIn, _, err := effectiveEmail(m.texts, kind, lang)
	if err != nil {
		return prepared{}, err
	}
	cat, err := m.w.catalog()
	if err != nil {
		return prepared{}, err
	}
	l := cat.For(writtenIn)
	p := prepared{t: t, base: mail.MessageData{StudyTitle: m.st.Title, Lang: writtenIn, Location: m.st.Location()},
		words: mail.Words{Button: l.T("email.button"), Fallback: l.T("email.fallback"), Decline: l.T("email.decline")}}
	if mail.IdeaKind(kind) {
		p.words.Button = l.T("email.button.ideas")
	}
	// The study's own texts in the expert's language, even when the
	// platform has no default text in it (writtenIn is then English).
	main := m.st.MainLanguage()
	if s, _ := m.texts.In(store.TextTitle, lang, main); s != "" {
		p.base.StudyTitle = s
	}
	switch contact, _ := m.texts.In(store.TextContact, lang, main); {
	case m.st.ContactEmail != "":
		p.base.Contact = m.st.ContactEmail
	case contact != "":
		p.base.Contact = contact
	default:
		p.base.Contact = l.T("email.contact.none")
	}
	m.memo[kind+"/"+lang] = p
	return p, nil
}

// render fills the effective template of kind in lang with d; the study's
// title and contact are set here, in that language.
func (m mailer) render(kind, lang string, d mail.MessageData) (mail.Message, error) {
	p, err := m.prepare(kind, lang)
	if err != nil {
		return mail.Message{}, err
	}
	d.StudyTitle, d.Contact, d.Lang, d.Location = p.base.StudyTitle, p.base.Contact, p.base.Lang, p.base.Location
	return mail.Render(p.t, d, p.words)
}

// expertMessage composes one expert's e-mail of a kind (mail.Kind*), in
// their language (or the study's main one), carrying their personal link
// (linkPrefix + token: /r/ for a round, /i/ for round 0) and its decline
// link, which is also the one-click List-Unsubscribe address. The rounds'
// e-mails and round 0's are all made here; d gives what differs (round,
// counts, deadline).
func (m mailer) expertMessage(roundID int64, e store.Expert, kind, linkPrefix, token string, d mail.MessageData) (store.NewMessage, error) {
	link := m.w.baseURL + linkPrefix + token
	d.ExpertName, d.Link, d.DeclineLink = e.Name, link, link+"/decline"
	msg, err := m.render(kind, m.language(e.Language), d)
	if err != nil {
		return store.NewMessage{}, err
	}
	return store.NewMessage{StudyID: m.st.ID, RoundID: roundID, ExpertID: e.ID, Kind: mail.OutboxKind(kind), ToAddress: e.Email, ToName: e.Name,
		Subject: msg.Subject, TextBody: msg.Text, HTMLBody: msg.HTML, ListUnsubscribe: d.DeclineLink, Secret: token}, nil
}

// sampleExpert is the name a preview greets.
const sampleExpert = "Alex Example"

// sampleData is what a preview or test e-mail of kind is filled with: the
// study's real round number, counts and deadline where it has them,
// likely ones where not; the links lead to the preview of the
// questionnaire, which records nothing.
func (w *Service) sampleData(ctx context.Context, st store.Study, kind, lang string) (mail.MessageData, error) {
	d := mail.MessageData{RoundNumber: 1, StatementCount: 24, QuestionCount: 3}
	if mail.IdeaKind(kind) {
		d.RoundNumber = 0
		ir, err := w.store.IdeaRoundByStudy(ctx, st.ID)
		switch {
		case err == nil:
			d.Deadline = ir.Deadline.Time
			if qs, err := w.store.IdeaQuestions(ctx, ir.ID); err != nil {
				return d, err
			} else if len(qs) > 0 {
				d.QuestionCount = len(qs)
			}
		case !errors.Is(err, store.ErrNotFound):
			return d, err
		}
	} else {
		rs, err := w.store.RoundsByStudy(ctx, st.ID)
		if err != nil {
			return d, err
		}
		if len(rs) > 0 {
			r := rs[len(rs)-1]
			for _, c := range rs { // the newest round
				if c.Number > r.Number {
					r = c
				}
			}
			d.RoundNumber, d.Deadline = r.Number, r.Deadline.Time
			if n, err := w.store.StatementCount(ctx, r.ID); err != nil {
				return d, err
			} else if n > 0 {
				d.StatementCount = n
			}
		}
	}
	if d.Deadline.IsZero() { // two weeks from now, at 18:00 in the study's zone
		now := w.store.Now().In(st.Location()).AddDate(0, 0, 14)
		d.Deadline = time.Date(now.Year(), now.Month(), now.Day(), 18, 0, 0, 0, st.Location())
	}
	if kind == mail.KindDeadlineChanged {
		d.PreviousDeadline = d.Deadline.AddDate(0, 0, -7)
	}
	d.MinutesEstimate = max(5, d.StatementCount/3)
	d.ExpertName = sampleExpert
	d.Link = w.baseURL + "/studies/" + fmt.Sprint(st.ID) + "/preview?lang=" + url.QueryEscape(lang)
	d.DeclineLink = d.Link
	return d, nil
}

// PreviewEmail renders an e-mail kind in one of the study's languages as
// an expert would receive it, with sample data (sampleData).
func (w *Service) PreviewEmail(ctx context.Context, st store.Study, kind, lang string) (mail.Message, error) {
	if err := checkEmailTarget(st, kind, lang); err != nil {
		return mail.Message{}, err
	}
	m, err := w.mailerFor(ctx, w.store, st)
	if err != nil {
		return mail.Message{}, err
	}
	d, err := w.sampleData(ctx, st, kind, lang)
	if err != nil {
		return mail.Message{}, err
	}
	return m.render(kind, lang, d)
}

// SendTestEmail queues the real rendered e-mail of a kind in one language
// to the coordinator's own address, through the outbox like every e-mail
// (so it proves the delivery too). Its links lead to the questionnaire's
// preview, which records nothing; in the outbox it is a "test", with no
// expert and no round, counted nowhere. Audit-logged.
func (w *Service) SendTestEmail(ctx context.Context, st store.Study, user store.User, kind, lang string) error {
	if err := checkEmailTarget(st, kind, lang); err != nil {
		return err
	}
	if user.Email == "" {
		return fault.New(fault.Conflict, "your account has no e-mail address to send the test to")
	}
	m, err := w.mailerFor(ctx, w.store, st)
	if err != nil {
		return err
	}
	d, err := w.sampleData(ctx, st, kind, lang)
	if err != nil {
		return err
	}
	if user.Name != "" { // greet the coordinator, who reads it
		d.ExpertName = user.Name
	}
	msg, err := m.render(kind, lang, d)
	if err != nil {
		return err
	}
	err = w.store.Transact(ctx, func(tx *store.Store) error {
		if err := tx.EnqueueMessages(ctx, []store.NewMessage{{StudyID: st.ID, Kind: mail.OutboxTest, ToAddress: user.Email, ToName: user.Name,
			Subject: msg.Subject, TextBody: msg.Text, HTMLBody: msg.HTML}}); err != nil {
			return err
		}
		return tx.Audit(ctx, st.ID, user.ID, "test e-mail", "email."+kind+"."+lang, "", user.Email, "")
	})
	if err == nil {
		w.notify()
	}
	return err
}

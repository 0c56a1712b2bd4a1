package web

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/fault"
	"github.com/delphi-platform/delphi/internal/i18n"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/rounds"
)

// The expert's side. An expert has no account: the personal link's token
// is exchanged for a cookie holding the same token, and the page moves to
// a clean URL so the token leaves the address bar, history and Referer.

const expertCookie = "delphi_expert"

const ctxInvitation = "invitation"

// expertVisit is what the expert middleware loads for every expert request
// (one query: store.VisitByTokenHash, or store.IdeaVisitByTokenHash for
// round 0).
type expertVisit = store.Visit

// linkKind is one kind of personal link: a round's (/r/<token>, landing
// on /e) or round 0's (/i/<token>, landing on /ideas; ideas.go). Both take
// the same path through the code below: the token is swapped for a
// cookie, unknown tokens are rate-limited, a dead link gets the
// link-problem page, and consent and decline are recorded the same way.
// They differ only in these fields.
type linkKind struct {
	prefix string // of the e-mailed link; its decline page is prefix + token + "/decline"
	cookie string // one per kind, so that one browser can hold both
	home   string // the clean address the link lands on
	lookup func(ctx context.Context, hash string) (expertVisit, error)
	// opened records the first opening of a link; nil for round 0, whose
	// invitations have no per-expert status table to show it in.
	opened func(ctx context.Context, v expertVisit) error
}

// roundLinks are the personal links of the numbered rounds.
func roundLinks(s *store.Store) linkKind {
	return linkKind{prefix: "/r/", cookie: expertCookie, home: "/e", lookup: s.VisitByTokenHash,
		opened: func(ctx context.Context, v expertVisit) error { return s.MarkInvitationOpened(ctx, v.Invitation.ID) }}
}

// isDecline tells whether a path is a decline link of this kind.
func (k linkKind) isDecline(path string) bool {
	return strings.HasPrefix(path, k.prefix) && strings.HasSuffix(path, "/decline")
}

// lookupLink finds the invitation of a link token. Unknown tokens are
// rate-limited per address so tokens cannot be guessed (they carry 256
// bits anyway); valid ones never are, so a whole panel behind one address
// is not slowed down.
func (a *App) lookupLink(c echo.Context, k linkKind, token string) (expertVisit, error) {
	key := "link:" + c.RealIP()
	if a.tokenLimiter.Blocked(key) {
		return expertVisit{}, echo.NewHTTPError(http.StatusTooManyRequests, "too many attempts; wait a minute and try again")
	}
	v, err := k.lookup(c.Request().Context(), auth.HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		a.tokenLimiter.Allow(key) // only unknown links count against the address
	}
	return v, err
}

type linkProblemPage struct {
	basePage
	L       *i18n.Localizer
	Contact string
}

// linkProblem answers an unknown, revoked or expired link with a friendly
// page in the browser's language that reveals nothing about the study but
// its contact address (and that only to someone who held a real link).
func (a *App) linkProblem(c echo.Context, status int, contact string) error {
	l := a.i18n.For(a.i18n.Match(c.Request().Header.Get("Accept-Language")))
	b := a.base(c, l.T("link.title"))
	b.Lang, b.ForExpert = l.Lang, true
	return a.render(c, status, "expert_link_problem", linkProblemPage{basePage: b, L: l, Contact: contact})
}

// linkFailed answers a failed link lookup: the friendly page when the link
// is unknown or revoked, the error otherwise.
func (a *App) linkFailed(c echo.Context, token string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		contact, _ := a.store.LinkContact(c.Request().Context(), auth.HashToken(token))
		return a.linkProblem(c, http.StatusNotFound, contact)
	}
	return err
}

// enterByLink swaps the link's token for a cookie and moves to the clean
// address.
func (a *App) enterByLink(k linkKind) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := c.Param("token")
		v, err := a.lookupLink(c, k, token)
		if err != nil {
			return a.linkFailed(c, token, err)
		}
		if k.opened != nil {
			if err := k.opened(c.Request().Context(), v); err != nil {
				return err
			}
		}
		c.SetCookie(&http.Cookie{Name: k.cookie, Value: token, Path: "/", HttpOnly: true, Secure: a.cfg.SecureCookies,
			SameSite: http.SameSiteLaxMode, MaxAge: 90 * 24 * 3600})
		return c.Redirect(http.StatusSeeOther, k.home)
	}
}

// requireExpert loads the expert's visit from the cookie of a kind of link.
func (a *App) requireExpert(k linkKind) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ck, err := c.Cookie(k.cookie)
			if err != nil || ck.Value == "" {
				return a.linkProblem(c, http.StatusUnauthorized, "")
			}
			v, err := a.lookupLink(c, k, ck.Value)
			if err != nil {
				return a.linkFailed(c, ck.Value, err)
			}
			c.Set(ctxInvitation, v)
			return next(c)
		}
	}
}

// requireConsent keeps answers out until the expert has accepted the
// information sheet (the link's landing page asks first).
func (a *App) requireConsent(k linkKind) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			v := c.Get(ctxInvitation).(expertVisit)
			if !v.Expert.ConsentedAt.Valid {
				return echo.NewHTTPError(http.StatusForbidden, "please accept the information sheet at "+k.home+" first")
			}
			if v.Expert.Status == "declined" { // until they choose to take part after all, on k.home
				return echo.NewHTTPError(http.StatusForbidden, "you declined to take part; open "+k.home+" to take part after all")
			}
			return next(c)
		}
	}
}

// visitPage is what every expert page carries: the layout fields, the
// expert's language and the visit.
type visitPage struct {
	basePage
	L     *i18n.Localizer
	Visit expertVisit
	Error string
	// Texts are the study's texts in the page's language, each falling
	// back to the main language (workflow.ExpertTexts).
	Texts workflow.Texts
}

// expertLocalizer is the interface text of an expert's pages: in their
// language when the study offers it and the platform speaks it, else in
// the study's main language (workflow.PageLanguage), so that <html lang>
// is always the language the page is written in.
func (a *App) expertLocalizer(v expertVisit) *i18n.Localizer {
	return a.i18n.For(workflow.PageLanguage(v.Study, v.Expert.Language))
}

// visitBase fills the common fields of an expert page, in the page's
// language (expertLocalizer), with the study's texts in it.
func (a *App) visitBase(c echo.Context, v expertVisit, errMsg string) (visitPage, error) {
	texts, err := a.flow.ExpertTexts(c.Request().Context(), v.Study, v.Expert.Language)
	if err != nil {
		return visitPage{}, err
	}
	l := a.i18n.For(texts.Lang)
	b := a.base(c, texts.Title.Text)
	b.Lang, b.ForExpert = l.Lang, true
	return visitPage{basePage: b, L: l, Visit: v, Error: errMsg, Texts: texts}, nil
}

type consentPage struct {
	visitPage
	Contact string
	Base    string // where the forms post: the link's home, /e or /ideas
	// Ticked are the consent items ticked in a refused form, kept ticked.
	Ticked map[int64]bool
	// Missing are the required items the refused form left unticked.
	Missing map[int64]bool
}

// ratingPage is the round's questionnaire: statements by topic, each with
// the expert's current answer and, from round 2 on, the group feedback.
type ratingPage struct {
	visitPage
	Points       []scalePoint
	AllowUnable  bool
	Topics       []ratingTopic
	Answered     int
	Total        int
	Open         bool
	Progress     string
	CommentLabel string
	Deadline     string
	SubmittedOn  string
	Realtime     bool // real-time mode: live figures, no submission (expert_realtime.go)
	// Responded: the expert submitted (classic) or answered (real-time
	// mode, which has no submission); a closed round thanks only them.
	Responded bool
	// Questions are the round's open questions with the expert's answers;
	// PanelAnswers, the previous round's answers chosen to be shown.
	Questions    []openQuestionItem
	PanelAnswers []panelQuestion
	Ranking      *rankingHead // a ranking round (expert_ranking.go)
}

// openQuestionItem is an open question as the expert reads it.
type openQuestionItem struct {
	ID     int64
	Text   string // in the expert's language, or the main one (Lang)
	Lang   string // set when the text falls back to the main language
	Answer string
	Shown  bool // the answer may be shown, anonymised, in the next round
}

// panelQuestion is an open question of the previous round whose answers
// are shown to the panel: the answers alone, nobody's name nor pseudonym.
type panelQuestion struct {
	Text    string
	Lang    string
	Answers []string
}

// fillOpenQuestions puts the round's open questions (in lang where
// translated) with the expert's answers on the page, and the answers of
// the previous round's panel to the questions shown to it, anonymised as
// comments in the feedback are: the text only, of the experts who
// submitted.
func (a *App) fillOpenQuestions(ctx context.Context, v expertVisit, lang string, answers map[int64]string, p *ratingPage) error {
	qs, err := a.store.RoundQuestions(ctx, v.Round.ID)
	if err != nil {
		return err
	}
	var prev *store.Round
	if v.Round.Number > 1 {
		all, err := a.store.RoundsByStudy(ctx, v.Study.ID)
		if err != nil {
			return err
		}
		for i := range all {
			if all[i].Number == v.Round.Number-1 {
				prev = &all[i]
			}
		}
	}
	var prevQs []store.RoundQuestion
	if prev != nil {
		if prevQs, err = a.store.RoundQuestions(ctx, prev.ID); err != nil {
			return err
		}
		prevQs = slices.DeleteFunc(prevQs, func(q store.RoundQuestion) bool { return !q.ShowToPanel })
	}
	if len(qs) == 0 && len(prevQs) == 0 {
		return nil
	}
	texts, err := a.store.StudyTextsByStudy(ctx, v.Study.ID)
	if err != nil {
		return err
	}
	main := v.Study.MainLanguage()
	wording := func(q store.RoundQuestion) (string, string) {
		if s := texts.Get(store.QuestionTextName(q.ID), lang); s != "" && lang != main {
			return s, ""
		}
		if lang != main {
			return q.Text, main
		}
		return q.Text, ""
	}
	for _, q := range qs {
		it := openQuestionItem{ID: q.ID, Answer: answers[q.ID], Shown: q.ShowToPanel}
		it.Text, it.Lang = wording(q)
		p.Questions = append(p.Questions, it)
	}
	if len(prevQs) == 0 {
		return nil
	}
	given, err := a.store.OpenAnswersByRound(ctx, prev.ID, true)
	if err != nil {
		return err
	}
	at := map[int64]int{}
	for _, q := range prevQs {
		pq := panelQuestion{}
		pq.Text, pq.Lang = wording(q)
		at[q.ID] = len(p.PanelAnswers)
		p.PanelAnswers = append(p.PanelAnswers, pq)
	}
	for _, x := range given {
		if i, ok := at[x.QuestionID]; ok {
			p.PanelAnswers[i].Answers = append(p.PanelAnswers[i].Answers, x.Text)
		}
	}
	return nil
}

type ratingTopic struct {
	Title      string // in the expert's language
	Fallback   bool   // Title is the main language's: no translation
	key        string // as the round keeps it
	Statements []ratingItem
}

type ratingItem struct {
	ID       int64
	Scale    template.HTML // the radios, written by scaleHTML
	Text     string
	Fallback bool   // Text is the main language's: no translation yet
	Value    string // "", a scale point, or "unable"
	Comment  string
	Answer   string // the answer in words, for the thank-you page
	Feedback *feedbackView
	New      bool          // first presented in this round (round 2 on)
	Live     template.HTML // real-time mode: the panel's current figures
	// Criteria: one group of radios each when the statement is rated on
	// several (expert_criteria.go); nil otherwise, and Scale is used.
	Criteria []criterionItem
	// A numeric round's number field and feedback (expert_numeric.go).
	Numeric         *numericItem
	NumericFeedback *numericFeedbackItem
	Rank            *rankItem // a ranking round's rank box (expert_ranking.go)
	rs              store.RoundStatement
}

type scalePoint struct {
	Value int
	Str   string
	Label string
}

func (a *App) showExpertRoundPage(c echo.Context) error {
	v := c.Get(ctxInvitation).(expertVisit)
	if !v.Expert.ConsentedAt.Valid || v.Expert.Status == "declined" {
		return a.renderConsent(c, a.roundLink, v, http.StatusOK, "", nil)
	}
	if ok, err := a.backgroundFirst(c, a.roundLink, v); !ok {
		return err
	}
	p, err := a.ratingPage(c, v, "")
	if err != nil {
		return err
	}
	if !p.Open {
		return a.render(c, http.StatusOK, "expert_thanks", p)
	}
	return a.render(c, http.StatusOK, "expert_round", p)
}

// renderConsent shows the information sheet, the first page of either
// kind of link until the expert agrees. An expert who declined sees that
// instead, with the choice to take part after all.
func (a *App) renderConsent(c echo.Context, k linkKind, v expertVisit, status int, errMsg string, refused *workflow.ErrConsentMissing) error {
	vp, err := a.visitBase(c, v, errMsg)
	if err != nil {
		return err
	}
	if v.Expert.Status == "declined" {
		p := declinePage{visitPage: vp, Declined: true, Rejoin: k.home + "/rejoin"}
		p.Title = p.L.T("decline.title")
		return a.render(c, status, "expert_decline", p)
	}
	p := consentPage{visitPage: vp, Contact: v.Study.ContactEmail, Base: k.home, Ticked: map[int64]bool{}, Missing: map[int64]bool{}}
	if refused != nil {
		for _, it := range p.Texts.Consent {
			p.Ticked[it.ID] = c.FormValue(consentField(it.ID)) == "yes"
		}
		for _, it := range refused.Items {
			p.Missing[it.ID] = true
		}
	}
	p.Title = p.L.T("intro.title")
	return a.render(c, status, "expert_consent", p)
}

// consentField is the form field of a consent item's checkbox.
func consentField(itemID int64) string { return "consent" + strconv.FormatInt(itemID, 10) }

// consentExpert records the expert's consent from the information page.
func (a *App) consentExpert(k linkKind) echo.HandlerFunc {
	return func(c echo.Context) error {
		v := c.Get(ctxInvitation).(expertVisit)
		if v.Expert.Status == "declined" { // consent is no way back in: rejoining is asked for explicitly
			return a.renderConsent(c, k, v, http.StatusConflict, "", nil)
		}
		ctx := c.Request().Context()
		texts, err := a.flow.ExpertTexts(ctx, v.Study, v.Expert.Language)
		if err != nil {
			return err
		}
		l := a.i18n.For(texts.Lang)
		if len(texts.Consent) == 0 && c.FormValue("agree") != "yes" { // the single "I agree"
			return a.renderConsent(c, k, v, http.StatusUnprocessableEntity, l.T("intro.need"), nil)
		}
		ticked := map[int64]bool{}
		for _, it := range texts.Consent {
			ticked[it.ID] = c.FormValue(consentField(it.ID)) == "yes"
		}
		err = a.flow.GiveConsent(ctx, v.Study, v.Expert.ID, texts, ticked)
		var missing workflow.ErrConsentMissing
		if errors.As(err, &missing) {
			names := make([]string, len(missing.Items))
			for i, it := range missing.Items {
				names[i] = "«" + it.Text + "»"
			}
			return a.renderConsent(c, k, v, http.StatusUnprocessableEntity,
				l.T("consent.missing", "Label", strings.Join(names, ", ")), &missing)
		}
		if err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, k.home)
	}
}

// rejoinExpert is "I want to take part after all", offered only to an
// expert who declined: the expert is active again (recorded in the audit
// log) and goes on to the information sheet or their answers.
func (a *App) rejoinExpert(k linkKind) echo.HandlerFunc {
	return func(c echo.Context) error {
		v := c.Get(ctxInvitation).(expertVisit)
		if err := a.store.RejoinExpert(c.Request().Context(), v.Expert.ID); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, k.home)
	}
}

// declineAsExpert is "I do not want to take part" on the information page.
func (a *App) declineAsExpert(c echo.Context) error {
	v := c.Get(ctxInvitation).(expertVisit)
	if err := a.store.DeclineExpert(c.Request().Context(), v.Expert.ID); err != nil {
		return err
	}
	return a.renderDecline(c, v, "", true)
}

// ratingPage loads everything the questionnaire shows.
func (a *App) ratingPage(c echo.Context, v expertVisit, errMsg string) (ratingPage, error) {
	ctx := c.Request().Context()
	rss, err := a.store.RoundStatements(ctx, v.Round.ID)
	if err != nil {
		return ratingPage{}, err
	}
	ratings, err := a.store.RatingsByInvitation(ctx, v.Invitation.ID)
	if err != nil {
		return ratingPage{}, err
	}
	answers, err := a.store.QuestionAnswersByInvitation(ctx, v.Invitation.ID)
	if err != nil {
		return ratingPage{}, err
	}
	return a.questionnaire(c, v, questionnaireInput{statements: rss, ratings: ratings, openAnswers: answers}, errMsg)
}

// questionnaireInput is what a questionnaire shows besides the visit: the
// round's statements and the expert's answers to them. The preview
// (preview.go) brings its own, and a sample earlier answer for the
// feedback (previous; nil: the expert's own, looked up).
type questionnaireInput struct {
	statements []store.RoundStatement
	ratings    map[int64]store.Rating
	previous   map[int64]store.Rating
	// openAnswers are the expert's answers to the open questions, by question id.
	openAnswers map[int64]string
}

// questionnaire builds the rating page (and the thank-you page) of a
// visit: the one rendering that experts and the preview share.
func (a *App) questionnaire(c echo.Context, v expertVisit, in questionnaireInput, errMsg string) (ratingPage, error) {
	ctx := c.Request().Context()
	vp, err := a.visitBase(c, v, errMsg)
	if err != nil {
		return ratingPage{}, err
	}
	p := ratingPage{visitPage: vp, Open: v.Round.Domain().AcceptsRatings(time.Now()) == nil}
	l := p.L
	sc, err := v.Study.Scale()
	if err != nil {
		return p, err
	}
	for i := range sc.Labels { // in the page's language, the feedback's bars too
		if i < len(p.Texts.ScaleLabels) {
			sc.Labels[i] = p.Texts.ScaleLabels[i].Text
		}
	}
	p.AllowUnable = sc.AllowUnable
	labels := map[string]string{"unable": l.T("unable"), "": l.T("thanks.noanswer")}
	for i, lb := range sc.Labels {
		pt := scalePoint{Value: sc.Min + i, Str: strconv.Itoa(sc.Min + i), Label: lb}
		p.Points = append(p.Points, pt)
		labels[pt.Str] = pointText(pt.Str, lb)
	}
	rss, ratings := in.statements, in.ratings
	tr, err := a.translator(ctx, v)
	if err != nil {
		return p, err
	}
	fb, err := a.feedbackBuilder(ctx, v, l, sc, tr.by != nil)
	if err != nil {
		return p, err
	}
	if in.previous != nil {
		fb.previous = in.previous
	}
	fb.agreeName = p.Texts.Bands["agree"]
	fb.textsKey = fb.agreeName + "\x00" + strings.Join(sc.Labels, "\x00")
	unable := ""
	if sc.AllowUnable {
		unable = l.T("unable")
	}
	criteria := pageCriteria(v, p.Texts, sc, l, unable)
	if criteria != nil {
		fb.criteria = criteria
		fb.textsKey += criteriaKey(criteria)
	}
	radios := newScaleHTML(p.Points, unable)
	var live *liveSource
	if p.Realtime = v.Study.Realtime(); p.Realtime {
		if live, err = a.liveSource(ctx, v, l, sc, true, 0); err != nil {
			return p, err
		}
	}
	num := a.numericPage(c, v, l, sc.AllowUnable, p.Open) // nil unless a numeric round
	for _, rs := range rss {
		r := ratings[rs.ID]
		text, fallback := tr.text(rs.StatementID, rs.Text)
		it := ratingItem{ID: rs.ID, Text: text, Fallback: fallback, Value: answerValue(r), Comment: r.Comment,
			New: v.Round.Number > 1 && !rs.PreviousID.Valid, rs: rs}
		it.Answer = labels[it.Value]
		ranking := v.Round.Kind == rounds.KindRanking // rank boxes instead (fillRanking)
		if criteria != nil {
			it.Criteria, it.Answer = criteriaItems(criteria, rs.ID, r, p.Open)
		} else if p.Open && !ranking {
			it.Scale = radios.render(rs.ID, it.Value)
		}
		if !ranking {
			if it.Feedback, err = fb.view(rs, tr); err != nil {
				return p, err
			}
		}
		if num != nil {
			num.fill(&it, rs, r, fb.previous)
		}
		if live != nil {
			if it.Live, err = live.html(rs.ID); err != nil {
				return p, err
			}
		}
		if answeredOn(r, len(criteria)) {
			p.Answered++
		}
		if n := len(p.Topics); n == 0 || p.Topics[n-1].key != rs.SectionTitle {
			title, fallback := tr.topic(rs.SectionTitle)
			p.Topics = append(p.Topics, ratingTopic{Title: title, Fallback: fallback, key: rs.SectionTitle})
		}
		last := &p.Topics[len(p.Topics)-1]
		last.Statements = append(last.Statements, it)
	}
	if err := a.fillOpenQuestions(ctx, v, tr.lang, in.openAnswers, &p); err != nil {
		return p, err
	}
	if v.Round.Kind == rounds.KindRanking {
		if err := a.fillRanking(ctx, c, v, &p, ratings, in.previous); err != nil {
			return p, err
		}
	}
	p.Total = len(rss)
	p.CommentLabel = l.T("comment")
	p.Progress = progressLine(l, v.Round.Kind, p.Total, p.Answered)
	if v.Round.Deadline.Valid {
		p.Deadline = l.T("deadline", "Date", i18n.DateTimeIn(v.Round.Deadline.Time, v.Study.Location(), l.Lang))
	}
	p.Responded = v.Invitation.SubmittedAt.Valid || (p.Realtime && p.Answered > 0)
	if v.Invitation.SubmittedAt.Valid {
		p.SubmittedOn = l.T("submitted.on", "Date", i18n.LongDate(v.Invitation.SubmittedAt.Time.UTC(), l.Lang))
	}
	return p, nil
}

// answerValue is a stored answer as the form writes it.
func answerValue(r store.Rating) string {
	switch {
	case r.Rating.Valid:
		return strconv.FormatInt(r.Rating.Int64, 10)
	case r.Unable:
		return "unable"
	}
	return ""
}

// translator gives statements and topic titles in the expert's language
// where the coordinator entered a translation, else in the study's main
// language, saying so: the page marks such a text (lang attribute and a
// note), so that an expert is not left wondering why it is in English.
type translator struct {
	lang   string
	main   bool // lang is the study's main language: nothing falls back
	by     map[int64]map[string]string
	topics map[string]string // a topic's title → its title in lang
}

func (a *App) translator(ctx context.Context, v expertVisit) (translator, error) {
	t := translator{lang: workflow.PageLanguage(v.Study, v.Expert.Language)}
	if main := strings.SplitN(v.Study.Languages, ",", 2)[0]; strings.TrimSpace(main) == t.lang {
		t.main = true
		return t, nil // the expert reads the main language: nothing to look up
	}
	var err error
	if t.by, err = a.store.TranslationsByStudy(ctx, v.Study.ID); err != nil {
		return t, err
	}
	secs, err := a.store.SectionsByStudy(ctx, v.Study.ID)
	if err != nil {
		return t, err
	}
	str, err := a.store.SectionTranslationsByStudy(ctx, v.Study.ID)
	if err != nil {
		return t, err
	}
	// Rounds keep the title a topic had when they were made; a topic
	// renamed since keeps its old title there, untranslated.
	t.topics = map[string]string{}
	for _, sec := range secs {
		if tr, ok := str[sec.ID][t.lang]; ok {
			t.topics[sec.Title] = tr
		}
	}
	return t, nil
}

// topic returns a topic's title in the expert's language, and whether it
// fell back to the main language's.
func (t translator) topic(title string) (string, bool) {
	if tr, ok := t.topics[title]; ok {
		return tr, false
	}
	return title, !t.main && title != ""
}

// text returns a statement in the expert's language, and whether it fell
// back to the main language's.
func (t translator) text(statementID int64, original string) (string, bool) {
	if s, ok := t.by[statementID][t.lang]; ok {
		return s, false
	}
	return original, !t.main
}

func (a *App) renderRatingPage(c echo.Context, status int, errMsg string) error {
	v := c.Get(ctxInvitation).(expertVisit)
	p, err := a.ratingPage(c, v, errMsg)
	if err != nil {
		return err
	}
	return a.render(c, status, "expert_round", p)
}

// errCommentTooLong is a comment over maxComment characters.
var errCommentTooLong = fault.New(fault.Invalid, "the comment is too long")

const maxComment = 4000

// errOpenAnswerTooLong is an answer to an open question over maxComment characters.
var errOpenAnswerTooLong = fault.New(fault.Invalid, "the answer to an open question is too long")

// readOpenAnswer reads and checks an answer to an open question, cleaned
// as a comment is.
func readOpenAnswer(text string) (string, error) {
	text = strings.TrimSpace(strings.ToValidUTF8(strings.ReplaceAll(text, "\x00", ""), "\uFFFD"))
	if utf8.RuneCountInString(text) > maxComment {
		return text, errOpenAnswerTooLong
	}
	return text, nil
}

// readAnswer reads and checks one statement's answer from form values.
func readAnswer(rsID int64, rating, comment string, sc rounds.Scale) (workflow.Answer, error) {
	// Bytes no keyboard types (NUL, broken UTF-8) would be stored by
	// SQLite but refused by PostgreSQL: the same comment is kept on both.
	comment = strings.ToValidUTF8(strings.ReplaceAll(comment, "\x00", ""), "\uFFFD")
	x := workflow.Answer{RoundStatementID: rsID, Comment: strings.TrimSpace(comment)}
	if utf8.RuneCountInString(x.Comment) > maxComment {
		return x, errCommentTooLong
	}
	var err error
	x.Rating, x.Unable, err = parseAnswer(rating, sc)
	return x, err
}

// answerError is the message, in the expert's language, for a refused
// answer; 0 for errors that are not the expert's (handleError's). The
// status comes from the one table (errors.go).
func answerError(l *i18n.Localizer, err error) (int, string) {
	var key string
	switch {
	case errors.Is(err, errCommentTooLong):
		key = "error.comment"
	case errors.Is(err, errOpenAnswerTooLong):
		key = "error.openanswer"
	case errors.Is(err, errNotOnScale):
		key = "error.scale"
	case errors.Is(err, rounds.ErrRoundClosed), errors.Is(err, rounds.ErrRoundNotOpen):
		key = "error.closed"
	case errors.As(err, new(workflow.CriterionAnswerError)):
		var ce workflow.CriterionAnswerError
		errors.As(err, &ce)
		status, _ := statusOf(err)
		if ce.Name == "" { // a criterion the round does not ask: only a forged request sends one
			return status, l.T("error.scale")
		}
		return status, l.T("error.criterion", "Label", ce.Name)
	default:
		return 0, ""
	}
	status, _ := statusOf(err)
	return status, l.T(key)
}

// saveExpertRatings saves the whole form at once: the page without
// JavaScript. Only what was changed on this page is written: each field
// carries the value the page was shown with (or<id>, oc<id>), so a page
// left open on one device cannot wipe answers given meanwhile on another.
// Every answer is checked first and all are saved in one transaction, so
// a bad value saves nothing, never half of the form.
func (a *App) saveExpertRatings(c echo.Context) error {
	v := c.Get(ctxInvitation).(expertVisit)
	l := a.expertLocalizer(v)
	if status, msg, err := a.saveForm(c, v, l); status != 0 {
		return a.renderRatingPage(c, status, msg)
	} else if err != nil {
		return err
	}
	setFlash(c, l.T("saved.all"))
	return c.Redirect(http.StatusSeeOther, "/e#progress")
}

// saveForm saves what the rating form holds (saveExpertRatings); a status
// and message when the expert's input was refused.
func (a *App) saveForm(c echo.Context, v expertVisit, l *i18n.Localizer) (int, string, error) {
	ctx := c.Request().Context()
	sc, err := v.Study.Scale()
	if err != nil {
		return 0, "", err
	}
	rss, err := a.store.RoundStatements(ctx, v.Round.ID)
	if err != nil {
		return 0, "", err
	}
	var changes []workflow.AnswerChange
	switch v.Round.Kind {
	case rounds.KindNumeric: // estimates (expert_numeric.go)
		if changes, err = saveNumericForm(c, v, sc, rss); err != nil {
			if status, msg := answerError(l, err); status != 0 {
				return status, msg, err
			}
			return http.StatusUnprocessableEntity, l.T("num.err.saved"), err
		}
		rss = nil
	case rounds.KindRanking: // rank boxes (expert_ranking.go)
		var status int
		var msg string
		if changes, status, msg, err = a.rankingChanges(c, l, v, rss); status != 0 || err != nil {
			return status, msg, err
		}
		rss = nil
	}
	for _, rs := range rss {
		key := strconv.FormatInt(rs.ID, 10)
		rating, comment := c.FormValue("r"+key), c.FormValue("c"+key)
		x, err := readAnswer(rs.ID, rating, comment, sc)
		if err == nil {
			err = readCriteria(&x, func(k string) string { return c.FormValue("r" + key + "_" + k) })
		}
		if err != nil {
			status, msg := answerError(l, err)
			return status, msg, err
		}
		ch := workflow.AnswerChange{Answer: x, Rated: rating != "" && rating != c.FormValue("or"+key),
			Commented: strings.TrimSpace(comment) != strings.TrimSpace(c.FormValue("oc"+key))}
		changed := func(k string) bool {
			r := c.FormValue("r" + key + "_" + k)
			return r != "" && r != c.FormValue("or"+key+"_"+k)
		}
		ch.Rated2, ch.Rated3 = changed("2"), changed("3")
		if ch.Rated || ch.Commented || ch.Rated2 || ch.Rated3 {
			changes = append(changes, ch)
		}
	}
	qs, err := a.store.RoundQuestions(ctx, v.Round.ID)
	if err != nil {
		return 0, "", err
	}
	var questions []workflow.QuestionAnswer
	for _, q := range qs { // as comments: only those the page changed (oqa<id>: as shown)
		key := strconv.FormatInt(q.ID, 10)
		text, err := readOpenAnswer(c.FormValue("qa" + key))
		if err != nil {
			status, msg := answerError(l, err)
			return status, msg, err
		}
		if text != strings.TrimSpace(c.FormValue("oqa"+key)) {
			questions = append(questions, workflow.QuestionAnswer{QuestionID: q.ID, Text: text})
		}
	}
	if len(changes) == 0 && len(questions) == 0 {
		return 0, "", nil
	}
	err = a.flow.SaveAnswerChanges(ctx, v, changes, questions...)
	a.forgetLive(v.Round.ID) // real-time mode: the next figures count this save
	status, msg := answerError(l, err)
	return status, msg, err
}

// savedAnswer is the autosave endpoint's reply.
type savedAnswer struct {
	Saved    bool          `json:"saved"`
	Answered int           `json:"answered"`
	Total    int           `json:"total"`
	Progress string        `json:"progress"`
	Message  string        `json:"message,omitempty"`
	Live     template.HTML `json:"live,omitempty"` // real-time mode: the statement's figures now
}

// saveExpertAnswer saves one statement's answer: the page's autosave,
// called on every change. It answers only after the write committed, so
// "saved" on the page means saved.
func (a *App) saveExpertAnswer(c echo.Context) error {
	ctx := c.Request().Context()
	v := c.Get(ctxInvitation).(expertVisit)
	l := a.expertLocalizer(v)
	sc, err := v.Study.Scale()
	if err != nil {
		return err
	}
	if q := c.FormValue("q"); q != "" { // an open question's answer
		return a.saveOpenAnswer(c, v, l, q)
	}
	rsID, err := strconv.ParseInt(c.FormValue("s"), 10, 64)
	if err != nil {
		return c.JSON(http.StatusBadRequest, savedAnswer{Message: "s: not a statement id"})
	}
	answered := -1 // counted by the writer, or below
	var x workflow.Answer
	switch v.Round.Kind {
	case rounds.KindNumeric: // an estimate (expert_numeric.go)
		x, err = readNumericAnswer(v, sc, rsID, numericFields{c.FormValue("r"), c.FormValue("u"), c.FormValue("k")}, c.FormValue("c"))
	case rounds.KindRanking: // a rank, 1..n (1..k)
		total, terr := a.statementCount(ctx, v.Round.ID)
		if terr != nil {
			return terr
		}
		max := rankMax(v.Round, total)
		if x, err = readRank(rsID, c.FormValue("r"), c.FormValue("c"), max); errors.Is(err, errRankNotAllowed) {
			return c.JSON(http.StatusUnprocessableEntity, savedAnswer{Message: l.T("rank.err.range", "Max", max)})
		}
	default:
		x, err = readAnswer(rsID, c.FormValue("r"), c.FormValue("c"), sc)
		if err == nil {
			err = readCriteria(&x, func(k string) string { return c.FormValue("r" + k) })
		}
		if err == nil {
			err = workflow.CheckCriteria(v, x)
		}
	}
	if err == nil {
		if v.Study.Realtime() {
			err = a.flow.SaveAnswer(ctx, v, x) // keeps the expert's revision history
		} else {
			answered, err = a.ratings.Save(ctx, v.Invitation.ID, x.RoundStatementID, x.Rating, x.Unable, x.Comment, x.Extra)
		}
		a.forgetLive(v.Round.ID) // real-time mode: the figures below count this save
	}
	if np := a.numericPage(c, v, l, sc.AllowUnable, true); np != nil {
		if msg, _ := np.message(err); msg != "" {
			return c.JSON(http.StatusUnprocessableEntity, savedAnswer{Message: msg})
		}
	}
	if status, msg := answerError(l, err); status != 0 {
		return c.JSON(status, savedAnswer{Message: msg})
	}
	if errors.Is(err, store.ErrNotFound) {
		return c.JSON(http.StatusNotFound, savedAnswer{Message: "s: no such statement in this round"})
	}
	if err != nil {
		return err
	}
	total, err := a.statementCount(ctx, v.Round.ID)
	if err != nil {
		return err
	}
	if answered < 0 { // saved outside the writer (real-time mode)
		if answered, err = a.store.AnsweredCount(ctx, v.Invitation.ID); err != nil {
			return err
		}
	}
	out := savedAnswer{Saved: true, Answered: answered, Total: total,
		Progress: progressLine(l, v.Round.Kind, total, answered), Message: l.T("answer.saved")}
	if v.Study.Realtime() {
		ls, err := a.liveSource(ctx, v, l, sc, true, x.RoundStatementID)
		if err != nil {
			return err
		}
		if out.Live, err = ls.html(x.RoundStatementID); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, out)
}

// saveOpenAnswer saves one answer to an open question (form field q: its
// id, t: the text): the autosave of the question's box.
func (a *App) saveOpenAnswer(c echo.Context, v expertVisit, l *i18n.Localizer, q string) error {
	ctx := c.Request().Context()
	qID, err := strconv.ParseInt(q, 10, 64)
	if err != nil {
		return c.JSON(http.StatusBadRequest, savedAnswer{Message: "q: not a question id"})
	}
	text, err := readOpenAnswer(c.FormValue("t"))
	if err == nil {
		err = a.flow.SaveQuestionAnswer(ctx, v, workflow.QuestionAnswer{QuestionID: qID, Text: text})
	}
	if status, msg := answerError(l, err); status != 0 {
		return c.JSON(status, savedAnswer{Message: msg})
	}
	if errors.Is(err, store.ErrNotFound) {
		return c.JSON(http.StatusNotFound, savedAnswer{Message: "q: no such question in this round"})
	}
	if err != nil {
		return err
	}
	total, err := a.statementCount(ctx, v.Round.ID)
	if err != nil {
		return err
	}
	answered, err := a.store.AnsweredCount(ctx, v.Invitation.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, savedAnswer{Saved: true, Answered: answered, Total: total,
		Progress: progressLine(l, v.Round.Kind, total, answered), Message: l.T("answer.saved")})
}

// submitExpertRound is "Submit my answers", a button of the rating form:
// what the form holds is saved first, with the same checks as Save (a
// browser without JavaScript has saved nothing yet), then the answers
// are submitted. With statements unanswered the expert is asked first.
func (a *App) submitExpertRound(c echo.Context) error {
	ctx := c.Request().Context()
	v := c.Get(ctxInvitation).(expertVisit)
	l := a.expertLocalizer(v)
	if status, msg, err := a.saveForm(c, v, l); status != 0 {
		return a.renderRatingPage(c, status, msg)
	} else if err != nil {
		return err
	}
	err := a.flow.SubmitAnswers(ctx, v, time.Now(), c.FormValue("confirm") == "unanswered")
	var refused workflow.RankingRefused
	if errors.As(err, &refused) { // a ranking round: each problem next to its statement
		return a.rankingRefusedPage(c, l, refused)
	}
	var incomplete workflow.IncompleteError
	if errors.As(err, &incomplete) {
		return a.renderRatingPage(c, http.StatusUnprocessableEntity, l.T("error.incomplete", "Count", incomplete.Missing))
	}
	var unanswered workflow.UnansweredError
	if errors.As(err, &unanswered) {
		vp, err := a.visitBase(c, v, "")
		if err != nil {
			return err
		}
		p := submitConfirmPage{visitPage: vp, Missing: l.T("confirm.missing", "Count", unanswered.Missing)}
		p.Title = l.T("confirm.title")
		return a.render(c, http.StatusOK, "expert_confirm", p)
	}
	if status, msg := answerError(l, err); status != 0 {
		return a.renderRatingPage(c, status, msg)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/e/thanks")
}

// submitConfirmPage asks whether to submit with statements unanswered.
type submitConfirmPage struct {
	visitPage
	Missing string // "2 statements have no answer yet."
}

// showThanksPage confirms the submission and lists the expert's answers.
func (a *App) showThanksPage(c echo.Context) error {
	v := c.Get(ctxInvitation).(expertVisit)
	p, err := a.ratingPage(c, v, "")
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "expert_thanks", p)
}

// errNotOnScale is a form value that is neither a scale point nor, where
// offered, "unable".
var errNotOnScale = fault.New(fault.Invalid, "the answer is not a point of the scale")

// parseAnswer reads one form value: "" (no answer), a scale point, or
// "unable" when the study offers it. Anything else is refused, never
// clipped to the scale.
func parseAnswer(val string, sc rounds.Scale) (rating *int, unable bool, err error) {
	switch {
	case val == "":
		return nil, false, nil
	case val == "unable":
		if !sc.AllowUnable {
			return nil, false, errNotOnScale
		}
		return nil, true, nil
	}
	x, err := strconv.Atoi(val)
	if err != nil || x < sc.Min || x > sc.Max || strconv.Itoa(x) != val {
		return nil, false, errNotOnScale
	}
	return &x, false, nil
}

type declinePage struct {
	visitPage
	Action   string // where the confirmation posts: the decline link itself
	Declined bool
	Rejoin   string // where "take part after all" posts; "" where it is not offered
}

func (a *App) renderDecline(c echo.Context, v expertVisit, action string, declined bool) error {
	vp, err := a.visitBase(c, v, "")
	if err != nil {
		return err
	}
	p := declinePage{visitPage: vp, Action: action, Declined: declined || v.Expert.Status == "declined"}
	p.Title = p.L.T("decline.title")
	return a.render(c, http.StatusOK, "expert_decline", p)
}

// showDeclinePage is the decline link of an e-mail: it asks to confirm.
func (a *App) showDeclinePage(k linkKind) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := c.Param("token")
		v, err := a.lookupLink(c, k, token)
		if err != nil {
			return a.linkFailed(c, token, err)
		}
		return a.renderDecline(c, v, k.prefix+token+"/decline", false)
	}
}

// declineByLink records that the expert wants no more e-mails. It is also
// the target of one-click List-Unsubscribe, which posts without a CSRF
// token; the personal token in the URL is the proof.
func (a *App) declineByLink(k linkKind) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := c.Param("token")
		v, err := a.lookupLink(c, k, token)
		if err != nil {
			return a.linkFailed(c, token, err)
		}
		if err := a.store.DeclineExpert(c.Request().Context(), v.Expert.ID); err != nil {
			return err
		}
		return a.renderDecline(c, v, "", true)
	}
}

// statementCount is how many statements a round presents; it is fixed
// when the round is created, so it is read once per round.
func (a *App) statementCount(ctx context.Context, roundID int64) (int, error) {
	if n, ok := a.roundSizes.get(roundID); ok {
		return n, nil
	}
	n, err := a.store.StatementCount(ctx, roundID)
	if err == nil {
		a.roundSizes.put(roundID, n)
	}
	return n, err
}

// progressLine is the expert's "N of M statements …" line: statements are
// ranked or estimated in a ranking or numeric round, not rated, so those
// rounds count them as answered.
func progressLine(l *i18n.Localizer, kind rounds.Kind, total, answered int) string {
	if kind == rounds.KindRanking || kind == rounds.KindNumeric {
		return l.T("progress.answered", "Count", total, "Answered", answered)
	}
	return l.T("progress", "Count", total, "Answered", answered)
}

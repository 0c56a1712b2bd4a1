package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/fault"
	"github.com/delphi-platform/delphi/internal/mail"
	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// The round workflow: the handlers and the API both call these, so the
// pages and the JSON API follow exactly the same rules.

// CreateNextRound creates the study's next round as a draft, pre-filled by
// the carry-over rules: the statements decided "carry" (or their rewordings,
// merges and splits) and the statements written since, each carried one
// with the group feedback of the previous round frozen into it. The
// options not given take their defaults (DefaultRoundOptions); invalid
// ones are refused with rounds.FieldErrors before anything is done.
func (w *Service) CreateNextRound(ctx context.Context, st store.Study, userID int64, in RoundInput) (store.Round, error) {
	all, err := w.store.RoundsByStudy(ctx, st.ID)
	if err != nil {
		return store.Round{}, err
	}
	now := w.store.Now()
	def := DefaultRoundOptions(len(all)+1, now)
	if len(all) > 0 { // the previous round's reminder days and kind, rather than the defaults, unless given
		def.ReminderDays, def.Kind = all[len(all)-1].ReminderDays, all[len(all)-1].Kind
		def.Numeric = numericOf(all[len(all)-1]) // a numeric round's options too
	}
	opt, fe := in.Apply(def, now, st.Location())
	if len(fe) > 0 {
		return store.Round{}, fe
	}
	if st.Realtime() && len(all) > 0 { // real-time mode: one round, open until the study closes
		return store.Round{}, rounds.ErrRealtimeSingle
	}
	if st.Realtime() && opt.Kind != rounds.KindRating {
		return store.Round{}, rounds.FieldErrors{{Field: "kind", Message: "a real-time study has one rating round"}}
	}
	var prev []rounds.PrevStatement
	var prevRS map[int64]store.RoundStatement
	var last *store.Round
	if len(all) > 0 {
		last = &all[len(all)-1]
		if last.Status != rounds.Closed {
			return store.Round{}, rounds.ErrPreviousNotClosed
		}
		// Its proposals come with its results (CloseRound).
		if _, err := w.store.RoundResultsByID(ctx, last.ID); errors.Is(err, store.ErrNotFound) {
			return store.Round{}, ErrResultsPending
		} else if err != nil {
			return store.Round{}, err
		}
		rss, err := w.store.RoundStatements(ctx, last.ID)
		if err != nil {
			return store.Round{}, err
		}
		decisions, err := w.store.DecisionsByRound(ctx, last.ID)
		if err != nil {
			return store.Round{}, err
		}
		prevRS = map[int64]store.RoundStatement{}
		for _, rs := range rss {
			prevRS[rs.ID] = rs
			prev = append(prev, rounds.PrevStatement{RoundStatementID: rs.ID, StatementID: rs.StatementID, Decision: rounds.Proposal(decisions[rs.ID].Decision)})
		}
	}
	links, err := w.store.StatementLinks(ctx, st.ID)
	if err != nil {
		return store.Round{}, err
	}
	var successors []rounds.Successor
	index := map[int64]int{}
	for _, l := range links {
		i, ok := index[l.StatementID]
		if !ok {
			i = len(successors)
			index[l.StatementID] = i
			successors = append(successors, rounds.Successor{StatementID: l.StatementID, Kind: rounds.Origin(l.Kind)})
		}
		successors[i].Parents = append(successors[i].Parents, l.ParentID)
	}
	fresh, err := w.store.FreshStatements(ctx, st.ID)
	if err != nil {
		return store.Round{}, err
	}
	freshIDs := make([]int64, len(fresh))
	for i, s := range fresh {
		freshIDs[i] = s.ID
	}
	planned := rounds.PlanNext(prev, successors, freshIDs)

	var fb *feedbackSource
	var rankFB *rankingFeedbackSource // a ranking round after a ranking round (ranking.go)
	if last != nil {
		switch {
		case last.Kind == rounds.KindRanking && opt.Kind == rounds.KindRanking:
			if rankFB, err = w.newRankingFeedbackSource(ctx, st, *last); err != nil {
				return store.Round{}, err
			}
		case last.Kind == rounds.KindRanking, opt.Kind == rounds.KindRanking: // ranks are no ratings, nor ratings ranks: no feedback
		default:
			if fb, err = w.newFeedbackSource(ctx, st, *last, opt.ShowGroups); err != nil {
				return store.Round{}, err
			}
		}
		if last.Kind == rounds.KindNumeric { // the panel's estimates instead (numeric.go)
			if fb.numeric, err = w.newNumericFeedback(ctx, st, *last, fb.settings.Quantile); err != nil {
				return store.Round{}, err
			}
		}
	}
	nr := store.NewRound{Scope: opt.Scope, Deadline: opt.Deadline, ReminderDays: opt.ReminderDays, ShowGroups: opt.ShowGroups, Questions: opt.Questions, Kind: opt.Kind, KindSettings: opt.kindSettings()}
	// The study's statements and topics, read once (not per statement).
	statements, err := w.store.StatementsByStudy(ctx, st.ID)
	if err != nil {
		return store.Round{}, err
	}
	byID := make(map[int64]store.Statement, len(statements))
	for _, s := range statements {
		byID[s.ID] = s
	}
	sections, err := w.store.SectionsByStudy(ctx, st.ID)
	if err != nil {
		return store.Round{}, err
	}
	titles := make(map[int64]string, len(sections))
	for _, sec := range sections {
		titles[sec.ID] = sec.Title
	}
	if opt.Statements != nil { // chosen by the coordinator instead
		current := map[int64]bool{}
		for _, s := range statements {
			current[s.ID] = !s.Retired
		}
		var fe rounds.FieldErrors
		if planned, fe = rounds.ChooseStatements(opt.Statements, prev, current); len(fe) > 0 {
			return store.Round{}, fe
		}
	}
	for _, p := range planned {
		s, ok := byID[p.StatementID]
		if !ok {
			return store.Round{}, fmt.Errorf("workflow: next round: statement %d is not the study's", p.StatementID)
		}
		rs := store.NewRoundStatement{StatementID: s.ID, SectionTitle: titles[s.SectionID.Int64], Text: s.Text, Origin: p.Origin, PreviousID: p.Previous}
		if p.Previous != 0 && fb != nil {
			previousText := ""
			if old := prevRS[p.Previous]; old.Text != s.Text {
				previousText = old.Text
			}
			if rs.Feedback, err = fb.feedback(p.Previous, previousText); err != nil {
				return store.Round{}, err
			}
		}
		if p.Previous != 0 && rankFB != nil {
			if rs.Feedback, err = rankFB.feedback(p.Previous); err != nil {
				return store.Round{}, err
			}
		}
		nr.Statements = append(nr.Statements, rs)
	}
	if ranking, fe := checkRankingRound(opt, len(nr.Statements)); len(fe) > 0 {
		return store.Round{}, fe
	} else if opt.Kind == rounds.KindRanking {
		nr.KindSettings = ranking
	}
	return w.store.CreateRound(ctx, st.ID, userID, nr)
}

// UpdateRound changes a round's options, those given (the others are
// kept), checked as CreateNextRound checks them; the round's settings
// form and PATCH /api/v1/rounds/{id} both call it. It returns the round
// and how many experts were e-mailed.
//
// A draft may change every option (updateDraft). An open round may move
// its deadline, later or earlier but not into the past, and change its
// reminder days (changeOpenDeadline); whom it invited and what it shows
// are fixed since it launched. A closed round changes no more.
func (w *Service) UpdateRound(ctx context.Context, st store.Study, roundID, userID int64, in RoundInput) (store.Round, int, error) {
	r, err := w.store.RoundByID(ctx, roundID)
	if err != nil {
		return r, 0, err
	}
	if r.StudyID != st.ID {
		return r, 0, store.ErrNotFound
	}
	switch r.Status {
	case rounds.Draft:
		r, err = w.updateDraft(ctx, st, roundID, in)
		return r, 0, err
	case rounds.Open:
		return w.changeOpenDeadline(ctx, st, r, userID, in)
	}
	return r, 0, ErrRoundClosedNoChange
}

// ErrRoundClosedNoChange refuses a change to a closed round's options.
var ErrRoundClosedNoChange = fault.New(fault.Conflict, "the round is closed; its deadline and settings can no longer change")

// updateDraft changes a draft round's options.
//
// The feedback is frozen into a round's statements when the draft is
// created, so the draft shows (GET /api/v1/rounds/{id}) what experts will
// see. It follows the "show groups" option: when the option changes, the
// figures per stakeholder group are added to or removed from every
// statement's frozen feedback (regroupFeedback), in the same transaction
// as the option, so the two are never out of step.
func (w *Service) updateDraft(ctx context.Context, st store.Study, roundID int64, in RoundInput) (store.Round, error) {
	var r store.Round
	err := w.store.Transact(ctx, func(tx *store.Store) error {
		if err := tx.LockStudy(ctx, st.ID); err != nil {
			return err
		}
		var err error
		if r, err = tx.RoundByID(ctx, roundID); err != nil {
			return err
		}
		if r.StudyID != st.ID {
			return store.ErrNotFound
		}
		if r.Status != rounds.Draft {
			return rounds.ErrRoundNotDraft
		}
		opt, fe := in.Apply(RoundOptionsOf(r), tx.Now(), st.Location())
		fe = append(fe, fixedAtCreation(in, r)...)
		if len(fe) > 0 {
			return fe
		}
		ch := store.DraftChange{Scope: opt.Scope, Deadline: opt.Deadline, ReminderDays: opt.ReminderDays, ShowGroups: opt.ShowGroups}
		if r.Kind == rounds.KindNumeric { // its options may change while a draft
			ch.KindSettings = new(opt.kindSettings())
		}
		if opt.ShowGroups != r.ShowGroups {
			if ch.Feedback, err = w.withStore(tx).regroupFeedback(ctx, st, r, opt.ShowGroups); err != nil {
				return err
			}
		}
		if err := tx.UpdateDraftRound(ctx, r.ID, ch); err != nil {
			return err
		}
		if opt.QuestionsSet {
			if err := tx.SetRoundQuestions(ctx, r.ID, opt.Questions); err != nil {
				return err
			}
		}
		r, err = tx.RoundByID(ctx, r.ID)
		return err
	})
	return r, err
}

// changeOpenDeadline moves an open round's deadline and sets its reminder
// days, in one transaction: the reminders not yet sent are planned again
// from the new deadline (store.ChangeOpenDeadline), the change is
// audit-logged, and, when asked (NotifyExperts) and the deadline moved,
// each invited expert who has not submitted or declined is e-mailed the
// new deadline with a fresh personal link, as a reminder is. Usually the
// deadline moves later because few have answered; it may also move
// earlier, but not into the past.
func (w *Service) changeOpenDeadline(ctx context.Context, st store.Study, r store.Round, userID int64, in RoundInput) (store.Round, int, error) {
	cur := RoundOptionsOf(r)
	opt, fe := in.Apply(cur, w.store.Now(), st.Location())
	if opt.Scope != cur.Scope {
		fe = append(fe, rounds.FieldError{Field: "invite_scope", Message: "whom the round invites is fixed since it launched"})
	}
	if opt.ShowGroups != cur.ShowGroups {
		fe = append(fe, rounds.FieldError{Field: "show_groups", Message: "the feedback per stakeholder group is fixed since the round launched"})
	}
	if in.Questions != nil { // experts may have answered them
		fe = append(fe, rounds.FieldError{Field: "questions", Message: "the open questions are fixed since the round launched"})
	}
	if in.Deadline == nil && fe.For("deadline") == "" && !opt.Deadline.After(w.store.Now()) { // none, or passed
		fe = append(fe, rounds.FieldError{Field: "deadline", Message: "give the round a deadline in the future"})
	}
	if len(fe) > 0 {
		return r, 0, fe
	}
	moved := !opt.Deadline.Equal(r.Deadline.Time)
	var n int
	err := w.store.Transact(ctx, func(tx *store.Store) error {
		if err := tx.ChangeOpenDeadline(ctx, r.ID, userID, opt.Deadline, opt.ReminderDays); err != nil {
			return err
		}
		if !moved || in.NotifyExperts == nil || !*in.NotifyExperts {
			return nil
		}
		changed, err := tx.RoundByID(ctx, r.ID)
		if err != nil {
			return err
		}
		if n, err = w.withStore(tx).queueReminders(ctx, st, changed, mail.KindDeadlineChanged, r.Deadline.Time, nil); err != nil {
			return err
		}
		return tx.Audit(ctx, st.ID, userID, "remind", "", "", fmt.Sprintf("round %d: %d e-mails of the new deadline", r.Number, n), "")
	})
	if err != nil {
		return r, 0, err
	}
	if n > 0 {
		w.notify()
	}
	r, err = w.store.RoundByID(ctx, r.ID)
	return r, n, err
}

// regroupFeedback adds the figures per stakeholder group to the frozen
// feedback of a draft round's statements (groups true), or removes them,
// by round statement id. The figures per group are computed from the
// previous round's submitted answers as CreateNextRound computes them;
// everything else stays as frozen when the draft was created, notably the
// comments, from which an erasure since may have removed a name that the
// answers of others still hold.
func (w *Service) regroupFeedback(ctx context.Context, st store.Study, draft store.Round, groups bool) (map[int64]string, error) {
	all, err := w.store.RoundsByStudy(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	var prev *store.Round
	for i := range all {
		if all[i].Number == draft.Number-1 {
			prev = &all[i]
		}
	}
	if prev == nil || draft.Kind == rounds.KindRanking || prev.Kind == rounds.KindRanking { // round 1, or a ranking's feedback: no groups
		return nil, nil
	}
	rss, err := w.store.RoundStatements(ctx, draft.ID)
	if err != nil {
		return nil, err
	}
	fb, err := w.newFeedbackSource(ctx, st, *prev, groups)
	if err != nil {
		return nil, err
	}
	out := map[int64]string{}
	for _, rs := range rss {
		if !rs.PreviousID.Valid || rs.Feedback == "" {
			continue
		}
		if out[rs.ID], err = fb.regrouped(rs.PreviousID.Int64, rs.Feedback); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// withStore is the workflows over tx, to run inside its transaction.
func (w *Service) withStore(tx *store.Store) *Service {
	c := *w
	c.store = tx
	return &c
}

// feedbackSource computes the frozen feedback of a closed round's statements.
type feedbackSource struct {
	round    int
	settings analysis.Settings
	byRS     map[int64]*feedbackInput
	groups   bool
	criteria []criterionSource // criteria 2 and 3, when the round rated them
	numeric  *numericFeedback  // the closed round was a numeric one (numeric.go)
}

// criterionSource is criterion 2 or 3 for the feedback: its name and
// analysis settings.
type criterionSource struct {
	name     string
	settings analysis.Settings
}

// feedbackInput is one statement's submitted answers: the response and
// stakeholder group of each, and the comments chosen to be shown.
type feedbackInput struct {
	responses []analysis.Response
	groups    []string
	comments  []string
	more      [2][]analysis.Response // on criteria 2 and 3, in the order of responses
}

func (w *Service) newFeedbackSource(ctx context.Context, st store.Study, r store.Round, groups bool) (*feedbackSource, error) {
	set, err := st.AnalysisSettings()
	if err != nil {
		return nil, err
	}
	experts, err := w.store.ExpertsByStudy(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	groupOf := make(map[int64]string, len(experts))
	for _, e := range experts {
		groupOf[e.ID] = e.Group
	}
	fs := &feedbackSource{round: r.Number, settings: set, byRS: map[int64]*feedbackInput{}, groups: groups}
	sc, err := st.Scale()
	if err != nil {
		return nil, err
	}
	if RatesCriteria(sc, r) {
		for k := 1; k < len(sc.Criteria()); k++ {
			cs, err := sc.CriterionSettings(k)
			if err != nil {
				return nil, err
			}
			fs.criteria = append(fs.criteria, criterionSource{name: sc.More[k-1].Name, settings: cs})
		}
	}
	// The answers the results count (forEachCounted), ordered: the
	// comments in a stable order.
	err = w.forEachCounted(ctx, st, r.ID, true, func(x store.Answer) error {
		in := fs.byRS[x.RoundStatementID]
		if in == nil {
			in = &feedbackInput{}
			fs.byRS[x.RoundStatementID] = in
		}
		in.responses = append(in.responses, ResponseOf(store.Rating{Rating: x.Rating, Unable: x.Unable}))
		in.groups = append(in.groups, groupOf[x.ExpertID])
		in.more[0] = append(in.more[0], ResponseOf(store.Rating{Rating: x.Rating2, Unable: x.Unable2}))
		in.more[1] = append(in.more[1], ResponseOf(store.Rating{Rating: x.Rating3, Unable: x.Unable3}))
		if x.CommentShown && x.Comment != "" {
			in.comments = append(in.comments, x.Comment)
		}
		return nil
	})
	return fs, err
}

func (fs *feedbackSource) feedback(rsID int64, previousText string) (string, error) {
	if fs.numeric != nil {
		return fs.numeric.feedback(rsID, previousText)
	}
	f, err := fs.build(rsID, previousText)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(f)
	return string(b), err
}

func (fs *feedbackSource) build(rsID int64, previousText string) (rounds.Feedback, error) {
	in := fs.byRS[rsID]
	if in == nil {
		in = &feedbackInput{}
	}
	groups := in.groups
	if !fs.groups {
		groups = nil
	}
	f, err := rounds.BuildFeedback(fs.round, in.responses, groups, fs.settings, in.comments, previousText)
	if err != nil {
		return f, err
	}
	for i, c := range fs.criteria {
		cf, err := rounds.BuildFeedback(fs.round, in.more[i], groups, c.settings, nil, "")
		if err != nil {
			return f, err
		}
		f.Criteria = append(f.Criteria, rounds.CriterionFeedback{Name: c.name, Feedback: cf})
	}
	return f, nil
}

// regrouped is a statement's frozen feedback (JSON) with the figures per
// stakeholder group of the closed round's statement rsID computed again,
// or left out, as fs says; the rest stays as it was frozen.
func (fs *feedbackSource) regrouped(rsID int64, frozen string) (string, error) {
	if rounds.IsNumericFeedback(frozen) { // estimates have no figures per group
		return frozen, nil
	}
	var f rounds.Feedback
	if err := json.Unmarshal([]byte(frozen), &f); err != nil {
		return "", fmt.Errorf("workflow: frozen feedback: %w", err)
	}
	fresh, err := fs.build(rsID, "")
	if err != nil {
		return "", err
	}
	f.Groups = fresh.Groups
	for i := range f.Criteria {
		if i < len(fresh.Criteria) {
			f.Criteria[i].Groups = fresh.Criteria[i].Groups
		}
	}
	b, err := json.Marshal(f)
	return string(b), err
}

// roundLineage is one round's statements with their lineage keys.
type roundLineage struct {
	round      store.Round
	statements []store.RoundStatement
	keys       map[string]int64 // lineage key → round statement id
}

// lineage loads the statements of rounds 1..upTo of a study (all, in
// order) and keys them by lineage; keyOf maps every round statement id to
// its key.
func (w *Service) lineage(ctx context.Context, all []store.Round, upTo int) ([]roundLineage, map[int64]string, error) {
	keyOf := map[int64]string{}
	var out []roundLineage
	for _, r := range all {
		if r.Number > upTo {
			break
		}
		rss, err := w.store.RoundStatements(ctx, r.ID)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, roundLineage{r, rss, lineageKeys(rss, keyOf)})
	}
	if len(out) == 0 {
		return nil, nil, fmt.Errorf("lineage: no round up to %d", upTo)
	}
	return out, keyOf, nil
}

// expertsByID is the study's panel by expert id: one query where a
// workflow needs the experts of many invitations.
func expertsByID(ctx context.Context, s *store.Store, studyID int64) (map[int64]store.Expert, error) {
	es, err := s.ExpertsByStudy(ctx, studyID)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]store.Expert, len(es))
	for _, e := range es {
		byID[e.ID] = e
	}
	return byID, nil
}

// RoundKeys maps the lineage keys of round number n's statements (the
// keys of its results snapshot) to its round statement ids; all are the
// study's rounds, in order.
func (w *Service) RoundKeys(ctx context.Context, all []store.Round, n int) (map[string]int64, error) {
	lin, _, err := w.lineage(ctx, all, n)
	if err != nil {
		return nil, err
	}
	return lin[len(lin)-1].keys, nil
}

// lineageKeys keys a round's statements by lineage: a statement that
// continues one of an earlier round (carried, reworded, merged) takes that
// one's key, so its ratings are compared across rounds; others (and the
// second part of a split) are keyed "S<statement id>". keyOf collects the
// keys of every round statement seen so far; the result maps this round's
// keys to its round statement ids.
func lineageKeys(rss []store.RoundStatement, keyOf map[int64]string) map[string]int64 {
	roundKeys := map[string]int64{}
	for _, rs := range rss {
		key := "S" + strconv.FormatInt(rs.StatementID, 10)
		if k, ok := keyOf[rs.PreviousID.Int64]; ok && rs.PreviousID.Valid {
			if _, taken := roundKeys[k]; !taken {
				key = k
			}
		}
		keyOf[rs.ID] = key
		roundKeys[key] = rs.ID
	}
	return roundKeys
}

// ResponseOf converts a stored answer for the analysis package.
func ResponseOf(r store.Rating) analysis.Response {
	switch {
	case r.Rating.Valid:
		return analysis.Rating(int(r.Rating.Int64))
	case r.Unable:
		return analysis.Unable
	}
	return analysis.Missing
}

// LaunchRound opens a draft round: in one transaction it invites the
// experts (a personal link each) and queues one e-mail per expert.
func (w *Service) LaunchRound(ctx context.Context, st store.Study, roundID, userID int64) (int, error) {
	var n int
	err := w.store.Transact(ctx, func(tx *store.Store) error {
		r, err := tx.RoundByID(ctx, roundID)
		if err != nil {
			return err
		}
		if r.Status != rounds.Draft {
			return rounds.ErrRoundNotDraft
		}
		experts, err := tx.Invitees(ctx, r)
		if err != nil {
			return err
		}
		rss, err := tx.RoundStatements(ctx, r.ID)
		if err != nil {
			return err
		}
		m, err := w.mailerFor(ctx, tx, st)
		if err != nil {
			return err
		}
		invites := make([]store.NewInvitation, 0, len(experts))
		for _, e := range experts {
			token, hash := auth.NewToken()
			msg, err := m.composeMessage(r, e, mail.KindInvitation, token, len(rss))
			if err != nil {
				return err
			}
			invites = append(invites, store.NewInvitation{ExpertID: e.ID, TokenHash: hash, Message: msg})
		}
		n = len(invites)
		return tx.LaunchRound(ctx, r.ID, userID, invites)
	})
	if err == nil {
		w.notify()
	}
	return n, err
}

// composeMessage renders an invitation or reminder for one expert.
func (m mailer) composeMessage(r store.Round, e store.Expert, kind, token string, statements int) (store.NewMessage, error) {
	return m.roundMessage(r, e, kind, token, statements, time.Time{})
}

// roundMessage renders a round's e-mail of kind for one expert; previously
// is a changed deadline's earlier value (mail.KindDeadlineChanged).
func (m mailer) roundMessage(r store.Round, e store.Expert, kind, token string, statements int, previously time.Time) (store.NewMessage, error) {
	return m.expertMessage(r.ID, e, kind, "/r/", token, mail.MessageData{RoundNumber: r.Number, StatementCount: statements,
		Deadline: r.Deadline.Time, PreviousDeadline: previously, MinutesEstimate: max(5, statements/3)})
}

// newLinkMessage gives an invitation one more personal link (the earlier
// ones keep working) and composes the e-mail of the given kind carrying it.
func (w *Service) newLinkMessage(ctx context.Context, tx *store.Store, st store.Study, r store.Round, invitationID int64, e store.Expert, kind string, statements int) (store.NewMessage, error) {
	m, err := w.mailerFor(ctx, tx, st)
	if err != nil {
		return store.NewMessage{}, err
	}
	token, hash := auth.NewToken()
	if err := tx.AddInvitationLink(ctx, invitationID, hash); err != nil {
		return store.NewMessage{}, err
	}
	return m.composeMessage(r, e, kind, token, statements)
}

// ErrNoNewLink refuses a new link for an invitation that cannot use one.
var ErrNoNewLink = fault.New(fault.Conflict, "no new link: the expert's link was revoked, or the expert declined or was erased")

// SendNewLink e-mails one invited expert of an open round the invitation
// again with a fresh personal link (the earlier ones keep working), to
// their current address: for an expert who lost or never found the
// e-mail. Audit-logged.
func (w *Service) SendNewLink(ctx context.Context, st store.Study, roundID, invitationID, userID int64) (store.Expert, error) {
	var e store.Expert
	err := w.store.Transact(ctx, func(tx *store.Store) error {
		r, err := tx.RoundByID(ctx, roundID)
		if err != nil {
			return err
		}
		if r.Status != rounds.Open {
			return rounds.ErrRoundNotOpen
		}
		inv, err := tx.InvitationByID(ctx, invitationID)
		if err != nil {
			return err
		}
		if inv.RoundID != r.ID {
			return store.ErrNotFound
		}
		if e, err = tx.ExpertByID(ctx, st.ID, inv.ExpertID); err != nil {
			return err
		}
		if inv.RevokedAt.Valid || e.Status != "active" {
			return ErrNoNewLink
		}
		statements, err := tx.StatementCount(ctx, r.ID)
		if err != nil {
			return err
		}
		msg, err := w.newLinkMessage(ctx, tx, st, r, inv.ID, e, mail.KindNewLink, statements)
		if err != nil {
			return err
		}
		if err := tx.EnqueueMessages(ctx, []store.NewMessage{msg}); err != nil {
			return err
		}
		return tx.Audit(ctx, st.ID, userID, "send new link", "", "", fmt.Sprintf("round %d, invitation %d", r.Number, inv.ID), "")
	})
	if err == nil {
		w.notify()
	}
	return e, err
}

// RevokeLinks stops every personal link of one invitation to a round
// (an invitation sent to a wrong or shared address), audit-logged.
func (w *Service) RevokeLinks(ctx context.Context, st store.Study, r store.Round, invitationID, userID int64) error {
	return w.store.Transact(ctx, func(tx *store.Store) error {
		if err := tx.RevokeInvitation(ctx, r.ID, invitationID); err != nil {
			return err
		}
		return tx.Audit(ctx, st.ID, userID, "revoke link", "", "", fmt.Sprintf("round %d, invitation %d", r.Number, invitationID), "")
	})
}

// RemindRound queues a reminder, with a fresh personal link, to every
// invited expert of an open round who has not submitted or declined.
// Within RemindAgainWithin of the round's last reminders it asks first
// (RecentReminderError) unless confirm says to remind again.
func (w *Service) RemindRound(ctx context.Context, st store.Study, roundID, userID int64, confirm RemindConfirm) (int, error) {
	var n int
	err := w.store.Transact(ctx, func(tx *store.Store) error {
		if err := tx.LockStudy(ctx, st.ID); err != nil { // two presses at once: the second sees the first's reminders
			return err
		}
		r, err := tx.RoundByID(ctx, roundID)
		if err != nil {
			return err
		}
		if r.StudyID != st.ID {
			return store.ErrNotFound
		}
		if r.Status != rounds.Open {
			return rounds.ErrRoundNotOpen
		}
		check := func(recipients int) error { return checkRemindAgain(ctx, tx, st.ID, r.ID, confirm, recipients) }
		if n, err = w.withStore(tx).queueReminders(ctx, st, r, mail.KindReminder, time.Time{}, check); err != nil {
			return err
		}
		return tx.Audit(ctx, st.ID, userID, "remind", "", "", fmt.Sprintf("round %d: %d reminders", r.Number, n), "")
	})
	if err == nil {
		w.notify()
	}
	return n, err
}

// queueReminders queues an e-mail of kind (a reminder, or the news of a
// changed deadline, previously the earlier one) with a fresh personal
// link to every invited expert of the open round r who has not submitted
// or declined (in a real-time round: who has statements left), and
// returns how many. Run it inside a transaction (withStore).
func (w *Service) queueReminders(ctx context.Context, st store.Study, r store.Round, kind string, previously time.Time, check func(recipients int) error) (int, error) {
	tx := w.store
	invs, err := tx.ReminderRecipients(ctx, r.ID)
	if err != nil {
		return 0, err
	}
	rss, err := tx.RoundStatements(ctx, r.ID)
	if err != nil {
		return 0, err
	}
	experts, err := expertsByID(ctx, tx, st.ID)
	if err != nil {
		return 0, err
	}
	var answered map[int64]int
	if st.Realtime() { // nobody submits a real-time round: remind those with statements left
		ids := make([]int64, len(invs))
		for i, inv := range invs {
			ids[i] = inv.ID
		}
		if answered, err = tx.AnsweredCounts(ctx, ids); err != nil {
			return 0, err
		}
	}
	if st.Realtime() { // only those with statements left
		left := invs[:0:0]
		for _, inv := range invs {
			if answered[inv.ID] < len(rss) {
				left = append(left, inv)
			}
		}
		invs = left
	}
	if check != nil {
		if err := check(len(invs)); err != nil {
			return 0, err
		}
	}
	m, err := w.mailerFor(ctx, tx, st)
	if err != nil {
		return 0, err
	}
	msgs := make([]store.NewMessage, 0, len(invs))
	links := make([]store.InvitationLink, 0, len(invs))
	for _, inv := range invs {
		token, hash := auth.NewToken()
		msg, err := m.roundMessage(r, experts[inv.ExpertID], kind, token, len(rss), previously)
		if err != nil {
			return 0, err
		}
		msgs, links = append(msgs, msg), append(links, store.InvitationLink{InvitationID: inv.ID, TokenHash: hash})
	}
	if err := tx.AddInvitationLinks(ctx, links); err != nil {
		return 0, err
	}
	return len(msgs), tx.EnqueueMessages(ctx, msgs)
}

// ErrResultsPending refuses what needs a closed round's results while
// they are still being computed (see CloseRound).
var ErrResultsPending = fault.New(fault.Conflict, "the results of the previous round are still being computed; try again in a minute")

// CloseRound closes an open round, then computes its results with the
// study's locked settings from exactly the answers acknowledged before
// the close, and stores them with the rule's proposals as a snapshot that
// later edits cannot change; a real-time round also gets its closing
// snapshot.
//
// The close comes first (store.CloseRound): once it commits no save or
// submission is accepted, and every one acknowledged before is committed
// (store.SaveRating tells how each engine keeps them in order), so the
// answers read next are final. They are read and analysed outside any
// transaction: in a large study that takes about a second, which must not
// hold SQLite's one write lock nor a PostgreSQL connection in a
// transaction. The results are then stored in a transaction of their own,
// once (store.SaveRoundResults). A crash in between leaves a closed round
// without results; calling CloseRound again on it finishes the close,
// which the jobs do (JobsOnce) and the round's page and API too.
func (w *Service) CloseRound(ctx context.Context, st store.Study, roundID, userID int64) error {
	r, err := w.store.CloseRound(ctx, roundID, userID)
	if errors.Is(err, rounds.ErrRoundNotOpen) {
		r, err = w.unfinishedClose(ctx, roundID)
	}
	if err != nil {
		return err
	}
	if st, err = w.store.StudyByID(ctx, st.ID); err != nil { // the settings as they are now
		return err
	}
	if r.Kind == rounds.KindRanking {
		return w.closeRanking(ctx, st, r)
	}
	d, err := w.LoadDataset(ctx, st, LoadOptions{})
	if err != nil {
		return err
	}
	if last := d.Rounds[len(d.Rounds)-1]; last.ID != r.ID { // rounds close in turn
		return fmt.Errorf("close round %d: round %d is closed after it", r.Number, last.Number)
	}
	rep, err := report.Build(ctx, d.Input.Ratings, d.Input.Settings)
	if err != nil {
		return err
	}
	last, keys := rep.Rounds[len(rep.Rounds)-1], d.Lineage[len(d.Lineage)-1].keys
	proposals := map[int64]rounds.Proposal{}
	for _, s := range last.Statements {
		proposals[keys[s.Statement]] = rounds.Propose(s.Decision.String(), r.Number, st.MaxRounds)
	}
	settings, err := json.Marshal(rep.Settings)
	if err != nil {
		return err
	}
	results, err := json.Marshal(last)
	if err != nil {
		return err
	}
	switch {
	case r.Kind == rounds.KindNumeric: // the estimates' results, and "carry" proposals (numeric.go)
		if results, err = w.withNumericResults(ctx, st, r, results, proposals); err != nil {
			return err
		}
	case d.Input.Criteria != nil: // several criteria: the combination proposes
		if settings, results, err = closeCriteria(ctx, d.Input, rep, keys, r.Number, st.MaxRounds, proposals); err != nil {
			return err
		}
	}
	var closing store.Snapshot // the closing snapshot of a real-time round (realtime.go)
	if st.Realtime() {
		if closing, err = w.realtimeSnapshot(ctx, st, r, store.SnapshotClose, "close", r.ClosedAt.Time); err != nil {
			return err
		}
	}
	return w.store.Transact(ctx, func(tx *store.Store) error {
		stored, err := tx.SaveRoundResults(ctx, r.ID, string(settings), string(results), proposals)
		if err != nil || !stored || !st.Realtime() {
			return err
		}
		_, err = tx.AddSnapshot(ctx, closing)
		return err
	})
}

// unfinishedClose returns a round that is closed but has no results yet
// (its close was interrupted), for CloseRound to finish; any other round
// that is not open is rounds.ErrRoundNotOpen.
func (w *Service) unfinishedClose(ctx context.Context, roundID int64) (store.Round, error) {
	r, err := w.store.RoundByID(ctx, roundID)
	if err != nil {
		return r, err
	}
	if r.Status != rounds.Closed {
		return r, rounds.ErrRoundNotOpen
	}
	_, err = w.store.RoundResultsByID(ctx, roundID)
	switch {
	case err == nil:
		return r, rounds.ErrRoundNotOpen
	case errors.Is(err, store.ErrNotFound):
		return r, nil
	}
	return r, err
}

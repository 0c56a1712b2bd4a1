package workflow

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/export"
	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/internal/results"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// Dataset is what LoadDataset reads of a study: pseudonymous experts,
// statements keyed by lineage, every round's answers as analysis input,
// and (LoadOptions.Details) what the results pages and exports show
// besides: who was invited and responded, the comments, the statements'
// versions and lineage.
type Dataset struct {
	Input *results.Input
	// Pseudonym maps an expert's database id to their stored pseudonym
	// (store.Expert.Pseudonym: E417), drawn at random when they joined;
	// ids never leave the server.
	Pseudonym map[int64]string
	Rounds    []store.Round // the rounds read, in order
	Lineage   []roundLineage
	KeyOf     map[int64]string // round statement id → lineage key
	Versions  map[int64]store.Statement
	Links     []store.StatementLink
	Sources   map[int64][]store.CommentRef
	// Comments are the counted answers' comments, by round, statement
	// and expert.
	Comments []export.Comment
	// Experts are the panel in pseudonym order.
	Experts []store.Expert
}

// LoadOptions choose what LoadDataset reads besides the answers.
type LoadOptions struct {
	// Details adds what the results pages and exports show besides the
	// figures: who was invited to and responded in each round
	// (RoundInfo.Invited, Respondents), the comments, the statements'
	// versions, links and sources, and a real-time study's facts
	// (results.Input.RealTime), and the decisions recorded after each
	// close. The close needs none of it.
	Details bool
	// At rebuilds the answers of a real-time study's one round, open or
	// closed, as they stood at these moments from its revision history:
	// one report round per moment, numbered 1, 2, … (RealtimeAnalysis);
	// results.Input.Rounds then stays empty. Without it the closed
	// rounds' answers are read as they are stored.
	At []time.Time
}

// LoadDataset is the one place where stored answers become analysis
// input: the snapshot taken at a round's close (CloseRound), the results
// pages and exports (StudyResults) and the moments of a real-time round
// (RealtimeAnalysis) all read them here, so they cannot disagree. Experts
// are pseudonymous (E417, …), statements keyed by lineage ("S<id>" of
// their first version), so a carried or reworded statement is compared
// with its earlier rounds. A classic round counts the answers of the
// experts who submitted it; a real-time round, where nobody submits, every
// answer given. Without At it fails with results.ErrNoClosedRound before
// round 1 closes.
func (w *Service) LoadDataset(ctx context.Context, st store.Study, opt LoadOptions) (*Dataset, error) {
	set, err := st.AnalysisSettings()
	if err != nil {
		return nil, err
	}
	scale, err := st.Scale()
	if err != nil {
		return nil, err
	}
	all, err := w.store.RoundsByStudy(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	var read []store.Round
	if opt.At != nil {
		r, err := realtimeRound(st, all)
		if err != nil {
			return nil, err
		}
		read = []store.Round{r}
	} else {
		for _, r := range all {
			if r.Status == rounds.Closed {
				read = append(read, r)
			}
		}
		if len(read) == 0 {
			return nil, results.ErrNoClosedRound
		}
	}
	if err := w.store.EnsurePseudonyms(ctx, st.ID); err != nil {
		return nil, err
	}
	experts, err := w.store.ExpertsByStudy(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	// In pseudonym order: every export lists experts in this order, which
	// must not be the order they joined in.
	slices.SortFunc(experts, func(a, b store.Expert) int { return cmp.Compare(a.PseudonymNumber, b.PseudonymNumber) })
	d := &Dataset{Pseudonym: map[int64]string{}, Rounds: read, Experts: experts}
	in := &results.Input{Settings: set, Ratings: &report.Ratings{}, Finished: opt.At == nil && read[len(read)-1].Number >= st.MaxRounds}
	if st.SettingsLockedAt.Valid {
		in.LockedAt = st.SettingsLockedAt.Time
	}
	expertIdx := map[int64]int{}
	for i, e := range experts {
		expertIdx[e.ID] = i
		d.Pseudonym[e.ID] = e.Pseudonym()
		in.Ratings.Experts = append(in.Ratings.Experts, report.Expert{ID: e.Pseudonym(), Group: e.Group, Country: e.Country})
		in.Ratings.HasGroup = in.Ratings.HasGroup || e.Group != ""
		in.Ratings.HasCountry = in.Ratings.HasCountry || e.Country != ""
	}
	if d.Lineage, d.KeyOf, err = w.lineage(ctx, all, read[len(read)-1].Number); err != nil {
		return nil, err
	}
	if opt.Details {
		if err := w.loadDetails(ctx, st, d); err != nil {
			return nil, err
		}
		if st.Realtime() && opt.At == nil {
			if in.RealTime, err = w.realTimeFacts(ctx, st); err != nil {
				return nil, err
			}
		}
	}
	stmtIdx := map[string]int{}
	for _, rl := range d.Lineage {
		for _, rs := range rl.statements {
			key := d.KeyOf[rs.ID]
			if i, ok := stmtIdx[key]; ok {
				in.Statements[i].Text, in.Statements[i].Section = rs.Text, rs.SectionTitle
				continue
			}
			stmtIdx[key] = len(in.Ratings.Statements)
			in.Ratings.Statements = append(in.Ratings.Statements, key)
			in.Statements = append(in.Statements, results.StatementInfo{Key: key, Section: rs.SectionTitle, Text: rs.Text})
		}
	}
	// One report round per round read (per moment with At), each
	// statement's column holding every expert's answer, Missing until read.
	type columns = map[int64][]analysis.Response // round statement id → column
	addRound := func(rt *report.Ratings, number int, rss []store.RoundStatement) columns {
		round := report.Round{Number: number, Responses: make([][]analysis.Response, len(in.Ratings.Statements))}
		byRS := make(columns, len(rss))
		for _, rs := range rss {
			col := make([]analysis.Response, len(experts))
			for i := range col {
				col[i] = analysis.Missing
			}
			round.Responses[stmtIdx[d.KeyOf[rs.ID]]] = col
			byRS[rs.ID] = col
		}
		rt.Rounds = append(rt.Rounds, round)
		return byRS
	}
	if opt.At != nil {
		rss := d.Lineage[0].statements
		revs, err := w.store.RevisionsByRound(ctx, read[0].ID)
		if err != nil {
			return nil, err
		}
		dom := make([]rounds.Revision, len(revs))
		for i, v := range revs {
			dom[i] = v.Domain()
		}
		for i, t := range opt.At {
			cols := addRound(in.Ratings, i+1, rss)
			for k, x := range rounds.AnswersAt(dom, t) { // k: expert, round statement
				if col, ok := cols[k[1]]; ok {
					col[expertIdx[k[0]]] = responseOfAnswer(x)
				}
			}
		}
		d.Input = in
		return d, nil
	}
	// Criteria 2 and 3 of a study rated on several: their own ratings, with
	// columns beside criterion 1's (more[ri][k−1]).
	if in.Criteria, err = studyCriteria(scale); err != nil {
		return nil, err
	}
	moreRatings(in.Criteria, in.Ratings)
	cols := make([]columns, len(d.Lineage))
	more := make([][]columns, len(d.Lineage))
	for ri, rl := range d.Lineage {
		r := rl.round
		cols[ri] = addRound(in.Ratings, r.Number, rl.statements)
		if in.Criteria != nil {
			for _, rt := range in.Criteria.More {
				more[ri] = append(more[ri], addRound(rt, r.Number, rl.statements))
			}
		}
		info := results.RoundInfo{Number: r.Number, OpenedAt: r.OpenedAt.Time, ClosedAt: r.ClosedAt.Time,
			Origins: map[string]string{}, StatementVersion: map[string]int{}, Texts: map[string]string{}}
		for _, rs := range rl.statements {
			key := d.KeyOf[rs.ID]
			info.Origins[key] = rs.Origin
			info.StatementVersion[key] = d.Versions[rs.StatementID].Version
			info.Texts[key] = rs.Text
		}
		in.Rounds = append(in.Rounds, info)
	}
	// The rounds are read at once, each filling only its own columns:
	// reading is most of the time in a large study (millions of answers),
	// and both engines serve readers in parallel. Inside a transaction
	// (the demo's) its one connection reads them in turn.
	comments := make([][]export.Comment, len(d.Lineage))
	errs := make([]error, len(d.Lineage))
	var wg sync.WaitGroup
	run := wg.Go
	if w.store.InTransaction() {
		run = func(f func()) { f() }
	}
	for ri, rl := range d.Lineage {
		run(func() {
			r := rl.round
			keep := func(x store.Answer) error {
				if r.Kind != rounds.KindRanking { // a rank is no rating: a ranking round has results of its own (ranking.go)
					e := expertIdx[x.ExpertID]
					cols[ri][x.RoundStatementID][e] = ResponseOf(store.Rating{Rating: x.Rating, Unable: x.Unable})
					for k, c := range more[ri] {
						c[x.RoundStatementID][e] = criterionResponse(x, k+1)
					}
				}
				if opt.Details && x.Comment != "" {
					comments[ri] = append(comments[ri], export.Comment{Round: r.Number, Statement: d.KeyOf[x.RoundStatementID], Expert: d.Pseudonym[x.ExpertID], Text: x.Comment})
				}
				return nil
			}
			errs[ri] = w.forEachCounted(ctx, st, r.ID, false, keep)
			if errs[ri] == nil && opt.Details {
				errs[ri] = w.loadParticipation(ctx, st, r, expertIdx, &in.Rounds[ri], in.Ratings.Rounds[ri])
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if opt.Details {
		d.Comments = slices.Concat(comments...)
		slices.SortStableFunc(d.Comments, func(x, y export.Comment) int {
			return cmp.Or(cmp.Compare(x.Round, y.Round), cmp.Compare(stmtIdx[x.Statement], stmtIdx[y.Statement]), cmp.Compare(x.Expert, y.Expert))
		})
		// The decisions recorded after each close: what the results report
		// (results.Compute); the close and the real-time moments report the
		// rule's own.
		if err := w.recordDecisions(ctx, d.Lineage, in); err != nil {
			return nil, err
		}
		if in.Rankings, err = w.loadRankings(ctx, d.Lineage); err != nil {
			return nil, err
		}
		if in.Estimates, err = w.loadEstimates(ctx, d.Lineage); err != nil {
			return nil, err
		}
	}
	d.Input = in
	return d, nil
}

// loadDetails reads the statements' versions, links and sources.
func (w *Service) loadDetails(ctx context.Context, st store.Study, d *Dataset) error {
	statements, err := w.store.StatementsByStudy(ctx, st.ID)
	if err != nil {
		return err
	}
	d.Versions = map[int64]store.Statement{}
	for _, s := range statements {
		d.Versions[s.ID] = s
	}
	if d.Links, err = w.store.StatementLinks(ctx, st.ID); err != nil {
		return err
	}
	d.Sources, err = w.store.StatementSources(ctx, st.ID)
	return err
}

// loadParticipation fills who was invited to a round and who responded:
// those who submitted it, or in a real-time round (nobody submits) those
// with an answer.
func (w *Service) loadParticipation(ctx context.Context, st store.Study, r store.Round, expertIdx map[int64]int, info *results.RoundInfo, round report.Round) error {
	statuses, err := w.store.RoundStatuses(ctx, r.ID)
	if err != nil {
		return err
	}
	answered := map[int]bool{}
	if st.Realtime() {
		for _, col := range round.Responses {
			for e, x := range col {
				answered[e] = answered[e] || x != analysis.Missing
			}
		}
	}
	for _, es := range statuses {
		e := expertIdx[es.ExpertID]
		info.Invited = append(info.Invited, e)
		if es.SubmittedAt.Valid || answered[e] {
			info.Respondents = append(info.Respondents, e)
		}
	}
	return nil
}

// forEachCounted calls fn with every answer of a round that its results
// count: those of the experts who submitted it, or in a real-time round,
// where nobody submits, every answer given. With ordered, answers come by
// round statement and expert.
func (w *Service) forEachCounted(ctx context.Context, st store.Study, roundID int64, ordered bool, fn func(store.Answer) error) error {
	if st.Realtime() {
		return w.store.ForEachCurrentAnswer(ctx, roundID, ordered, fn)
	}
	return w.store.ForEachAnswer(ctx, roundID, ordered, fn)
}

// responseOfAnswer converts an answer rebuilt from the revision history.
func responseOfAnswer(x rounds.Answer) analysis.Response {
	switch {
	case x.Rating != nil:
		return analysis.Rating(*x.Rating)
	case x.Unable:
		return analysis.Unable
	}
	return analysis.Missing
}

// StudyResults computes the results of a study's closed rounds, once
// until something they depend on changes (resultsCache): every results
// page and export of the study shares them, and must not change them.
func (w *Service) StudyResults(ctx context.Context, st store.Study) (*Dataset, *results.Results, error) {
	compute := func(ctx context.Context) (*Dataset, *results.Results, error) {
		st, err := w.store.StudyByID(ctx, st.ID) // read after the version: as new as it
		if err != nil {
			return nil, nil, err
		}
		d, err := w.LoadDataset(ctx, st, LoadOptions{Details: true})
		if err != nil {
			return nil, nil, err
		}
		res, err := results.Compute(ctx, d.Input)
		if err != nil {
			return nil, nil, err
		}
		return d, res, nil
	}
	if w.store.InTransaction() { // what is not committed is not kept
		return compute(ctx)
	}
	version, err := w.store.ResultsVersion(ctx, st.ID)
	if err != nil {
		return nil, nil, err
	}
	return w.results.get(ctx, st.ID, version, compute)
}

// realTimeFacts describes a real-time study for the exports and the
// methods report: its stored snapshots and the experts' revisions.
func (w *Service) realTimeFacts(ctx context.Context, st store.Study) (*results.RealTime, error) {
	rt, _, err := w.RealtimeAnalysis(ctx, st, time.Now())
	if err != nil {
		return nil, err
	}
	f := &results.RealTime{Answered: rt.Revisions.Answered, Revised: rt.Revisions.Revised,
		RevisedAfterGroup: rt.Revisions.RevisedAfterGroup, Methods: rt.MethodsText()}
	for _, m := range rt.Moments {
		if m.Kind != "now" {
			f.Snapshots = append(f.Snapshots, m.Kind+" "+m.TakenAt.UTC().Format("2006-01-02 15:04 UTC"))
		}
	}
	return f, nil
}

// RawRows yields every answer the results count (forEachCounted) of the
// closed rounds, round by round in questionnaire order, with the expert's
// pseudonym.
func (w *Service) RawRows(ctx context.Context, st store.Study, d *Dataset, yield func(export.RawRow) error) error {
	byID := make(map[int64]store.Expert, len(d.Experts))
	for _, e := range d.Experts {
		byID[e.ID] = e
	}
	for _, rl := range d.Lineage {
		rsByID := map[int64]store.RoundStatement{}
		for _, rs := range rl.statements {
			rsByID[rs.ID] = rs
		}
		err := w.forEachCounted(ctx, st, rl.round.ID, true, func(x store.Answer) error {
			answer := ResponseOf(store.Rating{Rating: x.Rating, Unable: x.Unable})
			numeric := rl.round.Kind == rounds.KindNumeric // an estimate (numeric.go)
			rs, e := rsByID[x.RoundStatementID], byID[x.ExpertID]
			row := export.RawRow{Expert: d.Pseudonym[x.ExpertID], Group: e.Group, Country: e.Country, Round: rl.round.Number,
				Statement: d.KeyOf[rs.ID], Version: d.Versions[rs.StatementID].Version, Answer: answer, Comment: x.Comment}
			switch rl.round.Kind {
			case rounds.KindRanking: // the rank, in the rating column
				row.Kind = export.KindRanking
			case rounds.KindNumeric:
				row.Kind, row.Estimate = export.KindNumeric, estimateOf(x.Extra)
			default:
				if c := d.Input.Criteria; c != nil { // a row per criterion
					return criteriaRawRows(c, x, row, yield)
				}
			}
			if answer == analysis.Missing && x.Comment == "" && (!numeric || !x.Estimate.Valid) {
				return nil
			}
			return yield(row)
		})
		if err != nil {
			return err
		}
		// Then the round's answers to its open questions (kind "open").
		err = w.forEachOpenAnswer(ctx, st, d, rl.round, func(q store.RoundQuestion, x store.OpenAnswer) error {
			e := byID[x.ExpertID]
			return yield(export.RawRow{Expert: d.Pseudonym[x.ExpertID], Group: e.Group, Country: e.Country, Round: rl.round.Number,
				Statement: export.QuestionKey(q.Position), Comment: x.Text, Open: true})
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// OpenAnswerRows lists the answers to the open questions of the rounds
// the results read (the closed ones), as the raw export does: of the
// experts whose answers the results count, by round, question and
// pseudonym.
func (w *Service) OpenAnswerRows(ctx context.Context, st store.Study, d *Dataset) ([]export.OpenAnswer, error) {
	var out []export.OpenAnswer
	for _, rl := range d.Lineage {
		err := w.forEachOpenAnswer(ctx, st, d, rl.round, func(q store.RoundQuestion, x store.OpenAnswer) error {
			out = append(out, export.OpenAnswer{Round: rl.round.Number, Question: export.QuestionKey(q.Position), Wording: q.Text,
				Expert: d.Pseudonym[x.ExpertID], Text: x.Text})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// forEachOpenAnswer calls fn with each answer to the open questions of
// round r that the results would count: of the experts who submitted it
// (in a real-time study, where nobody submits, of everyone), by question
// and pseudonym.
func (w *Service) forEachOpenAnswer(ctx context.Context, st store.Study, d *Dataset, r store.Round, fn func(store.RoundQuestion, store.OpenAnswer) error) error {
	qs, err := w.store.RoundQuestions(ctx, r.ID)
	if err != nil || len(qs) == 0 {
		return err
	}
	byID := make(map[int64]store.RoundQuestion, len(qs))
	for _, q := range qs {
		byID[q.ID] = q
	}
	answers, err := w.store.OpenAnswersByRound(ctx, r.ID, !st.Realtime())
	if err != nil {
		return err
	}
	for _, x := range answers {
		if _, known := d.Pseudonym[x.ExpertID]; !known { // not of the panel the results read
			continue
		}
		if err := fn(byID[x.QuestionID], x); err != nil {
			return err
		}
	}
	return nil
}

// LineageRows lists every statement version of every round (also the
// open one), why it changed, which comments prompted it and its decision.
func (w *Service) LineageRows(ctx context.Context, st store.Study, d *Dataset) ([]export.LineageRow, error) {
	all, err := w.store.RoundsByStudy(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	lin, keyOf, err := w.lineage(ctx, all, all[len(all)-1].Number)
	if err != nil {
		return nil, err
	}
	links := map[int64]store.StatementLink{}
	for _, l := range d.Links {
		links[l.StatementID] = l
	}
	// Comments that prompted statements, by invitation and round statement.
	type ref struct{ inv, rs int64 }
	wanted := map[ref]bool{}
	for _, refs := range d.Sources {
		for _, r := range refs {
			wanted[ref{r.InvitationID, r.RoundStatementID}] = true
		}
	}
	comments := map[ref]string{}
	if len(wanted) > 0 {
		for _, r := range all {
			withComments, err := w.store.CommentsByRound(ctx, r.ID)
			if err != nil {
				return nil, err
			}
			for _, rr := range withComments {
				if k := (ref{rr.InvitationID, rr.RoundStatementID}); wanted[k] {
					comments[k] = d.Pseudonym[rr.ExpertID] + ": " + rr.Comment
				}
			}
		}
	}
	proposals, err := w.store.ProposalLinks(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	fromProposals := map[int64][]string{}
	for _, p := range proposals {
		text := p.ProposalText
		if p.Theme != "" {
			text = p.Theme + ": " + text
		}
		fromProposals[p.StatementID] = append(fromProposals[p.StatementID], text)
	}
	var out []export.LineageRow
	seen := map[int64]bool{}
	for _, rl := range lin {
		decisions, err := w.store.DecisionsByRound(ctx, rl.round.ID)
		if err != nil {
			return nil, err
		}
		for _, rs := range rl.statements {
			row := export.LineageRow{Statement: keyOf[rs.ID], Version: d.Versions[rs.StatementID].Version, Round: rl.round.Number,
				Origin: rs.Origin, Text: rs.Text, Decision: decisions[rs.ID].Decision, Proposal: decisions[rs.ID].Proposed, DecisionReason: decisions[rs.ID].Reason}
			if !seen[rs.StatementID] {
				if l, ok := links[rs.StatementID]; ok {
					row.Change, row.Reason = l.Kind, l.Reason
				}
				for _, r := range d.Sources[rs.StatementID] {
					row.PromptedBy = append(row.PromptedBy, comments[ref{r.InvitationID, r.RoundStatementID}])
				}
				row.FromProposals = fromProposals[rs.StatementID]
			}
			seen[rs.StatementID] = true
			out = append(out, row)
		}
	}
	return out, nil
}

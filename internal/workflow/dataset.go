package workflow

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/export"
	"github.com/delphi-platform/delphi/internal/realtime"
	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/internal/results"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// Dataset is a study's closed rounds as the results package and the
// exports need them: pseudonymous experts, statements keyed by lineage,
// and the raw answers with their comments for the raw-data export.
type Dataset struct {
	Input *results.Input
	// Pseudonym maps an expert's database id to E001, E002, … in the
	// order experts joined the panel; ids never leave the server.
	Pseudonym map[int64]string
	Rounds    []store.Round
	Lineage   []roundLineage
	KeyOf     map[int64]string // round statement id → lineage key
	Versions  map[int64]store.Statement
	Links     []store.StatementLink
	Sources   map[int64][]store.CommentRef
	// Comments are the submitted answers' comments, by round, statement
	// and expert.
	Comments []export.Comment
	// Experts are the panel in pseudonym order.
	Experts []store.Expert
}

// pseudonym is the anonymous expert ID of the exports, stable per study.
func pseudonym(i int) string { return fmt.Sprintf("E%03d", i+1) }

// LoadDataset reads the closed rounds of a study. It fails with
// results.ErrNoClosedRound before round 1 closes.
func (w *Service) LoadDataset(ctx context.Context, st store.Study) (*Dataset, error) {
	set, err := st.AnalysisSettings()
	if err != nil {
		return nil, err
	}
	all, err := w.store.RoundsByStudy(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	var closed []store.Round
	for _, r := range all {
		if r.Status == string(rounds.Closed) {
			closed = append(closed, r)
		}
	}
	if len(closed) == 0 {
		return nil, results.ErrNoClosedRound
	}
	experts, err := w.store.ExpertsByStudy(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	d := &Dataset{Pseudonym: map[int64]string{}, Rounds: closed, Experts: experts}
	in := &results.Input{Settings: set, Ratings: &report.Ratings{}, Finished: closed[len(closed)-1].Number >= st.MaxRounds}
	if st.SettingsLockedAt.Valid {
		in.LockedAt = st.SettingsLockedAt.Time
	}
	if st.Realtime() {
		if in.RealTime, err = w.realTimeFacts(ctx, st); err != nil {
			return nil, err
		}
	}
	expertIdx := map[int64]int{}
	for i, e := range experts {
		expertIdx[e.ID] = i
		d.Pseudonym[e.ID] = pseudonym(i)
		in.Ratings.Experts = append(in.Ratings.Experts, report.Expert{ID: pseudonym(i), Group: e.Group, Country: e.Country})
		in.Ratings.HasGroup = in.Ratings.HasGroup || e.Group != ""
		in.Ratings.HasCountry = in.Ratings.HasCountry || e.Country != ""
	}
	if d.Lineage, d.KeyOf, err = w.lineage(ctx, all, closed[len(closed)-1].Number); err != nil {
		return nil, err
	}
	statements, err := w.store.StatementsByStudy(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	d.Versions = map[int64]store.Statement{}
	for _, s := range statements {
		d.Versions[s.ID] = s
	}
	if d.Links, err = w.store.StatementLinks(ctx, st.ID); err != nil {
		return nil, err
	}
	if d.Sources, err = w.store.StatementSources(ctx, st.ID); err != nil {
		return nil, err
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
	// The rounds' answers are read concurrently (SQLite and PostgreSQL
	// both serve readers in parallel): a large study has millions.
	cols := make([]map[int64][]analysis.Response, len(d.Lineage)) // per round: round statement id → column
	for _, rl := range d.Lineage {
		r, rss := rl.round, rl.statements
		round := report.Round{Number: r.Number, Responses: make([][]analysis.Response, len(in.Ratings.Statements))}
		info := results.RoundInfo{Number: r.Number, OpenedAt: r.OpenedAt.Time, ClosedAt: r.ClosedAt.Time,
			Origins: map[string]string{}, StatementVersion: map[string]int{}, Texts: map[string]string{}}
		byRS := make(map[int64][]analysis.Response, len(rss))
		for _, rs := range rss {
			key := d.KeyOf[rs.ID]
			col := make([]analysis.Response, len(experts))
			for i := range col {
				col[i] = analysis.Missing
			}
			round.Responses[stmtIdx[key]] = col
			byRS[rs.ID] = col
			info.Origins[key] = rs.Origin
			info.StatementVersion[key] = d.Versions[rs.StatementID].Version
			info.Texts[key] = rs.Text
		}
		cols[len(in.Rounds)] = byRS
		in.Ratings.Rounds = append(in.Ratings.Rounds, round)
		in.Rounds = append(in.Rounds, info)
	}
	comments := make([][]export.Comment, len(d.Lineage))
	errs := make([]error, len(d.Lineage))
	var wg sync.WaitGroup
	for ri, rl := range d.Lineage {
		wg.Go(func() {
			r, info := rl.round, &in.Rounds[ri]
			errs[ri] = w.store.ForEachAnswer(ctx, r.ID, false, func(x store.Answer) error {
				col := cols[ri][x.RoundStatementID]
				col[expertIdx[x.ExpertID]] = ResponseOf(store.Rating{Rating: x.Rating, Unable: x.Unable})
				if x.Comment != "" {
					comments[ri] = append(comments[ri], export.Comment{Round: r.Number, Statement: d.KeyOf[x.RoundStatementID], Expert: d.Pseudonym[x.ExpertID], Text: x.Comment})
				}
				return nil
			})
			if errs[ri] != nil {
				return
			}
			statuses, err := w.store.RoundStatuses(ctx, r.ID)
			if err != nil {
				errs[ri] = err
				return
			}
			for _, es := range statuses {
				info.Invited = append(info.Invited, expertIdx[es.ExpertID])
				if es.SubmittedAt.Valid {
					info.Respondents = append(info.Respondents, expertIdx[es.ExpertID])
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	d.Comments = slices.Concat(comments...)
	slices.SortStableFunc(d.Comments, func(x, y export.Comment) int {
		return cmp.Or(cmp.Compare(x.Round, y.Round), cmp.Compare(stmtIdx[x.Statement], stmtIdx[y.Statement]), cmp.Compare(x.Expert, y.Expert))
	})
	if err := w.recordDecisions(ctx, d.Lineage, in); err != nil {
		return nil, err
	}
	d.Input = in
	return d, nil
}

// StudyResults computes the results of a study's closed rounds.
func (w *Service) StudyResults(ctx context.Context, st store.Study) (*Dataset, *results.Results, error) {
	d, err := w.LoadDataset(ctx, st)
	if err != nil {
		return nil, nil, err
	}
	res, err := results.Compute(ctx, d.Input)
	if err != nil {
		return nil, nil, err
	}
	return d, res, nil
}

// realTimeFacts describes a real-time study for the exports and the
// methods report: its stored snapshots and the experts' revisions.
func (w *Service) realTimeFacts(ctx context.Context, st store.Study) (*results.RealTime, error) {
	rt, _, err := realtime.Analyze(ctx, w.store, st, time.Now())
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

// RawRows yields every submitted answer of the closed rounds, round by
// round in questionnaire order, with the expert's pseudonym.
func (w *Service) RawRows(ctx context.Context, d *Dataset, yield func(export.RawRow) error) error {
	byID := make(map[int64]store.Expert, len(d.Experts))
	for _, e := range d.Experts {
		byID[e.ID] = e
	}
	for _, rl := range d.Lineage {
		rsByID := map[int64]store.RoundStatement{}
		for _, rs := range rl.statements {
			rsByID[rs.ID] = rs
		}
		err := w.store.ForEachAnswer(ctx, rl.round.ID, true, func(x store.Answer) error {
			answer := ResponseOf(store.Rating{Rating: x.Rating, Unable: x.Unable})
			if answer == analysis.Missing && x.Comment == "" {
				return nil
			}
			rs, e := rsByID[x.RoundStatementID], byID[x.ExpertID]
			return yield(export.RawRow{Expert: d.Pseudonym[x.ExpertID], Group: e.Group, Country: e.Country, Round: rl.round.Number,
				Statement: d.KeyOf[rs.ID], Version: d.Versions[rs.StatementID].Version, Answer: answer, Comment: x.Comment})
		})
		if err != nil {
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

package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/delphi-platform/delphi/internal/realtime"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/export"
	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/internal/results"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// studyData is a study's closed rounds as the results package and the
// exports need them: pseudonymous experts, statements keyed by lineage,
// and the raw answers with their comments for the raw-data export.
type studyData struct {
	input *results.Input
	// pseudonym maps an expert's database id to E001, E002, … in the
	// order experts joined the panel; ids never leave the server.
	pseudonym map[int64]string
	rounds    []store.Round
	lineage   []roundLineage
	keyOf     map[int64]string // round statement id → lineage key
	versions  map[int64]store.Statement
	links     []store.StatementLink
	sources   map[int64][]store.CommentRef
	// comments are the submitted answers' comments, by round, statement
	// and expert.
	comments []export.Comment
	// experts are the panel in pseudonym order.
	experts []store.Expert
}

// pseudonym is the anonymous expert ID of the exports, stable per study.
func pseudonym(i int) string { return fmt.Sprintf("E%03d", i+1) }

// loadStudyData reads the closed rounds of a study. It fails with
// results.ErrNoClosedRound before round 1 closes.
func (a *App) loadStudyData(ctx context.Context, st store.Study) (*studyData, error) {
	set, err := st.AnalysisSettings()
	if err != nil {
		return nil, err
	}
	all, err := a.store.RoundsByStudy(ctx, st.ID)
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
	experts, err := a.store.ExpertsByStudy(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	d := &studyData{pseudonym: map[int64]string{}, rounds: closed, experts: experts}
	in := &results.Input{Settings: set, Ratings: &report.Ratings{}, Finished: closed[len(closed)-1].Number >= st.MaxRounds}
	if st.SettingsLockedAt.Valid {
		in.LockedAt = st.SettingsLockedAt.Time
	}
	if st.Realtime() {
		if in.RealTime, err = a.realTimeFacts(ctx, st); err != nil {
			return nil, err
		}
	}
	expertIdx := map[int64]int{}
	for i, e := range experts {
		expertIdx[e.ID] = i
		d.pseudonym[e.ID] = pseudonym(i)
		in.Ratings.Experts = append(in.Ratings.Experts, report.Expert{ID: pseudonym(i), Group: e.Group, Country: e.Country})
		in.Ratings.HasGroup = in.Ratings.HasGroup || e.Group != ""
		in.Ratings.HasCountry = in.Ratings.HasCountry || e.Country != ""
	}
	if d.lineage, d.keyOf, err = a.lineage(ctx, all, closed[len(closed)-1].Number); err != nil {
		return nil, err
	}
	statements, err := a.store.StatementsByStudy(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	d.versions = map[int64]store.Statement{}
	for _, s := range statements {
		d.versions[s.ID] = s
	}
	if d.links, err = a.store.StatementLinks(ctx, st.ID); err != nil {
		return nil, err
	}
	if d.sources, err = a.store.StatementSources(ctx, st.ID); err != nil {
		return nil, err
	}
	stmtIdx := map[string]int{}
	for _, rl := range d.lineage {
		for _, rs := range rl.statements {
			key := d.keyOf[rs.ID]
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
	cols := make([]map[int64][]analysis.Response, len(d.lineage)) // per round: round statement id → column
	for _, rl := range d.lineage {
		r, rss := rl.round, rl.statements
		round := report.Round{Number: r.Number, Responses: make([][]analysis.Response, len(in.Ratings.Statements))}
		info := results.RoundInfo{Number: r.Number, OpenedAt: r.OpenedAt.Time, ClosedAt: r.ClosedAt.Time,
			Origins: map[string]string{}, StatementVersion: map[string]int{}, Texts: map[string]string{}}
		byRS := make(map[int64][]analysis.Response, len(rss))
		for _, rs := range rss {
			key := d.keyOf[rs.ID]
			col := make([]analysis.Response, len(experts))
			for i := range col {
				col[i] = analysis.Missing
			}
			round.Responses[stmtIdx[key]] = col
			byRS[rs.ID] = col
			info.Origins[key] = rs.Origin
			info.StatementVersion[key] = d.versions[rs.StatementID].Version
			info.Texts[key] = rs.Text
		}
		cols[len(in.Rounds)] = byRS
		in.Ratings.Rounds = append(in.Ratings.Rounds, round)
		in.Rounds = append(in.Rounds, info)
	}
	comments := make([][]export.Comment, len(d.lineage))
	errs := make([]error, len(d.lineage))
	var wg sync.WaitGroup
	for ri, rl := range d.lineage {
		wg.Go(func() {
			r, info := rl.round, &in.Rounds[ri]
			errs[ri] = a.store.ForEachAnswer(ctx, r.ID, false, func(x store.Answer) error {
				col := cols[ri][x.RoundStatementID]
				col[expertIdx[x.ExpertID]] = answerOf(store.Rating{Rating: x.Rating, Unable: x.Unable})
				if x.Comment != "" {
					comments[ri] = append(comments[ri], export.Comment{Round: r.Number, Statement: d.keyOf[x.RoundStatementID], Expert: d.pseudonym[x.ExpertID], Text: x.Comment})
				}
				return nil
			})
			if errs[ri] != nil {
				return
			}
			statuses, err := a.store.RoundStatuses(ctx, r.ID)
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
	d.comments = slices.Concat(comments...)
	slices.SortStableFunc(d.comments, func(x, y export.Comment) int {
		return cmp.Or(cmp.Compare(x.Round, y.Round), cmp.Compare(stmtIdx[x.Statement], stmtIdx[y.Statement]), cmp.Compare(x.Expert, y.Expert))
	})
	d.input = in
	return d, nil
}

// studyResults computes the results of a study's closed rounds.
func (a *App) studyResults(ctx context.Context, st store.Study) (*studyData, *results.Results, error) {
	d, err := a.loadStudyData(ctx, st)
	if err != nil {
		return nil, nil, err
	}
	res, err := results.Compute(ctx, d.input)
	if err != nil {
		return nil, nil, err
	}
	return d, res, nil
}

// realTimeFacts describes a real-time study for the exports and the
// methods report: its stored snapshots and the experts' revisions.
func (a *App) realTimeFacts(ctx context.Context, st store.Study) (*results.RealTime, error) {
	rt, _, err := realtime.Analyze(ctx, a.store, st, time.Now())
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

// Package realtime analyses the single round of a real-time study (issue
// #8): the answers at chosen moments are rebuilt from the revision history
// and analysed with package report, the engine of `delphi analyze`, one
// report round per moment, so stability between moments comes for free
// and the raw export (WriteCSV) analysed by `delphi analyze` gives the
// same figures. The server's API and the researcher exports both use it.
package realtime

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// Moment is one time at which a real-time round is analysed.
type Moment struct {
	Round   int       `json:"round"` // its number in the report and the raw export
	Kind    string    `json:"kind"`  // daily, close, manual, or now (an open round's current state)
	Label   string    `json:"label"`
	TakenAt time.Time `json:"taken_at"`
}

// Round returns the single round of a real-time study.
func Round(ctx context.Context, s *store.Store, st store.Study) (store.Round, error) {
	if !st.Realtime() {
		return store.Round{}, rounds.ErrNotRealtime
	}
	all, err := s.RoundsByStudy(ctx, st.ID)
	if err != nil {
		return store.Round{}, err
	}
	if len(all) == 0 || all[0].Status == string(rounds.Draft) {
		return store.Round{}, fmt.Errorf("%w: the round has not been launched yet", store.ErrNotFound)
	}
	return all[0], nil
}

// Input is the analysis input of a real-time round at the given
// moments: one report round per moment, each expert's answer as it stood
// then. Experts are "E<id>", statements "S<statement id>", as in the
// classic rounds' report.
func Input(ctx context.Context, s *store.Store, st store.Study, r store.Round, at []time.Time) (*report.Ratings, []store.RoundStatement, error) {
	experts, err := s.ExpertsByStudy(ctx, st.ID)
	if err != nil {
		return nil, nil, err
	}
	rss, err := s.RoundStatements(ctx, r.ID)
	if err != nil {
		return nil, nil, err
	}
	revs, err := s.RevisionsByRound(ctx, r.ID)
	if err != nil {
		return nil, nil, err
	}
	dom := make([]rounds.Revision, len(revs))
	for i, v := range revs {
		dom[i] = v.Domain()
	}
	in := &report.Ratings{}
	for _, e := range experts {
		in.Experts = append(in.Experts, report.Expert{ID: "E" + strconv.FormatInt(e.ID, 10), Group: e.Group, Country: e.Country})
		in.HasGroup = in.HasGroup || e.Group != ""
		in.HasCountry = in.HasCountry || e.Country != ""
	}
	for _, rs := range rss {
		in.Statements = append(in.Statements, "S"+strconv.FormatInt(rs.StatementID, 10))
	}
	for i, t := range at {
		answers := rounds.AnswersAt(dom, t)
		round := report.Round{Number: i + 1, Responses: make([][]analysis.Response, len(rss))}
		for s, rs := range rss {
			col := make([]analysis.Response, len(experts))
			for e, ex := range experts {
				col[e] = analysisAnswer(answers[[2]int64{ex.ID, rs.ID}])
			}
			round.Responses[s] = col
		}
		in.Rounds = append(in.Rounds, round)
	}
	return in, rss, nil
}

func analysisAnswer(x rounds.Answer) analysis.Response {
	switch {
	case x.Rating != nil:
		return analysis.Rating(*x.Rating)
	case x.Unable:
		return analysis.Unable
	}
	return analysis.Missing
}

// Moments lists the moments a real-time round is reported at: its
// snapshots, then (while open) now, or its closing time if the close
// snapshot is missing.
func Moments(ctx context.Context, s *store.Store, r store.Round, now time.Time) ([]Moment, error) {
	ss, err := s.SnapshotsByRound(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	var ms []Moment
	closed := false
	for _, s := range ss {
		ms = append(ms, Moment{Round: len(ms) + 1, Kind: s.Kind, Label: s.Label, TakenAt: s.TakenAt.UTC()})
		closed = closed || s.Kind == store.SnapshotClose
	}
	switch {
	case r.Status == string(rounds.Open):
		ms = append(ms, Moment{Round: len(ms) + 1, Kind: "now", Label: "now", TakenAt: now.UTC()})
	case !closed && r.ClosedAt.Valid:
		ms = append(ms, Moment{Round: len(ms) + 1, Kind: store.SnapshotClose, Label: "close", TakenAt: r.ClosedAt.Time.UTC()})
	}
	return ms, nil
}

// TakeSnapshot analyses the round as it stands at `at` and stores it; a
// snapshot with the same label is kept, not replaced.
func TakeSnapshot(ctx context.Context, s *store.Store, st store.Study, r store.Round, kind, label string, at time.Time) (bool, error) {
	sc, err := st.Scale()
	if err != nil {
		return false, err
	}
	set, err := sc.AnalysisSettings()
	if err != nil {
		return false, err
	}
	in, _, err := Input(ctx, s, st, r, []time.Time{at})
	if err != nil {
		return false, err
	}
	rep, err := report.Build(ctx, in, set)
	if err != nil {
		return false, err
	}
	results, err := json.Marshal(rep.Rounds[0])
	if err != nil {
		return false, err
	}
	return s.AddSnapshot(ctx, store.Snapshot{RoundID: r.ID, Kind: kind, Label: label, TakenAt: at, Results: string(results)})
}

// Analysis is what GET /api/v1/studies/{id}/realtime answers and the
// exports show.
type Analysis struct {
	StudyID    int64                 `json:"study_id"`
	Mode       string                `json:"mode"`
	RoundID    int64                 `json:"round_id"`
	Status     string                `json:"status"`
	OpenedAt   *time.Time            `json:"opened_at"`
	ClosedAt   *time.Time            `json:"closed_at"`
	MinGroup   int                   `json:"min_group_size"`
	Moments    []Moment              `json:"snapshots"`
	Revisions  rounds.RevisionCounts `json:"revisions"`
	Statements []Statement           `json:"statements"`
	Report     *report.Report        `json:"report"`
	// Methods is the paragraph a methods report prints (Methods()).
	Methods string `json:"methods"`
}

// Statement is one statement with its revision counts.
type Statement struct {
	RoundStatementID int64                 `json:"round_statement_id"`
	StatementID      int64                 `json:"statement_id"`
	Key              string                `json:"key"` // the statement's id in the report and the raw export
	Text             string                `json:"text"`
	Revisions        rounds.RevisionCounts `json:"revisions"`
}

// Analyze computes everything the real-time API and exports show, at
// every snapshot and, while the round is open, now; it also returns the
// analysis input, for the raw export.
func Analyze(ctx context.Context, s *store.Store, st store.Study, now time.Time) (Analysis, *report.Ratings, error) {
	out := Analysis{StudyID: st.ID, Mode: st.Mode, MinGroup: rounds.MinGroupSize}
	r, err := Round(ctx, s, st)
	if err != nil {
		return out, nil, err
	}
	out.RoundID, out.Status = r.ID, r.Status
	if r.OpenedAt.Valid {
		out.OpenedAt = &r.OpenedAt.Time
	}
	if r.ClosedAt.Valid {
		out.ClosedAt = &r.ClosedAt.Time
	}
	if out.Moments, err = Moments(ctx, s, r, now); err != nil {
		return out, nil, err
	}
	times := make([]time.Time, len(out.Moments))
	for i, m := range out.Moments {
		times[i] = m.TakenAt
	}
	in, rss, err := Input(ctx, s, st, r, times)
	if err != nil {
		return out, nil, err
	}
	sc, err := st.Scale()
	if err != nil {
		return out, nil, err
	}
	set, err := sc.AnalysisSettings()
	if err != nil {
		return out, nil, err
	}
	if out.Report, err = report.Build(ctx, in, set); err != nil {
		return out, nil, err
	}
	revs, err := s.RevisionsByRound(ctx, r.ID)
	if err != nil {
		return out, nil, err
	}
	all := make([]rounds.Revision, len(revs))
	by := map[int64][]rounds.Revision{}
	for i, v := range revs {
		all[i] = v.Domain()
		by[v.RoundStatementID] = append(by[v.RoundStatementID], all[i])
	}
	out.Revisions = rounds.CountRevisions(all)
	for i, rs := range rss {
		out.Statements = append(out.Statements, Statement{RoundStatementID: rs.ID, StatementID: rs.StatementID,
			Key: in.Statements[i], Text: rs.Text, Revisions: rounds.CountRevisions(by[rs.ID])})
	}
	out.Methods = out.MethodsText()
	return out, in, nil
}

// WriteCSV writes ratings in the input form of `delphi analyze`: a
// row for every expert, round and statement, empty where there is no answer.
func WriteCSV(w io.Writer, in *report.Ratings) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"expert", "round", "statement", "rating", "group", "country"}); err != nil {
		return err
	}
	for _, r := range in.Rounds {
		for s, col := range r.Responses {
			for e, x := range col {
				rating := ""
				switch {
				case x == analysis.Unable:
					rating = "unable"
				case x != analysis.Missing:
					rating = strconv.Itoa(int(x))
				}
				ex := in.Experts[e]
				if err := cw.Write([]string{ex.ID, strconv.Itoa(r.Number), in.Statements[s], rating, ex.Group, ex.Country}); err != nil {
					return err
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// MethodsText describes the real-time design for a methods report: the
// mode, when the round was open, the threshold for showing figures, the
// snapshots, and how many experts revised after seeing the group.
func (a Analysis) MethodsText() string {
	var b strings.Builder
	b.WriteString("Real-time Delphi: a single round")
	if a.OpenedAt != nil {
		b.WriteString(", open from " + a.OpenedAt.UTC().Format("2006-01-02 15:04 UTC"))
		if a.ClosedAt != nil {
			b.WriteString(" to " + a.ClosedAt.UTC().Format("2006-01-02 15:04 UTC"))
		}
	}
	fmt.Fprintf(&b, ". After rating a statement, experts saw the panel's current distribution, median, interquartile range and percentage agreement for it, once at least %d other experts had rated it, and could revise their ratings at any time until the round closed.", a.MinGroup)
	var stored []string
	for _, m := range a.Moments {
		if m.Kind != "now" {
			stored = append(stored, m.Kind+" "+m.TakenAt.UTC().Format("2006-01-02 15:04 UTC"))
		}
	}
	if len(stored) > 0 {
		fmt.Fprintf(&b, " The results were analysed at %s (%s).", count(len(stored), "moment"), strings.Join(stored, "; "))
	}
	c := a.Revisions
	fmt.Fprintf(&b, " Of %s who rated, %d changed at least one rating (%s), %d of them after seeing the panel's figures for that statement (%s).",
		count(c.Answered, "expert"), c.Revised, count(c.Changes, "change"), c.RevisedAfterGroup, count(c.ChangesAfterGroup, "change"))
	return b.String()
}

// count writes "1 change", "2 changes".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

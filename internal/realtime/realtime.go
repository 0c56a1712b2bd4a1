// Package realtime describes the analysis of the single round of a
// real-time study (issue #8): the moments it is analysed at (its stored
// snapshots, and now while it is open), the Analysis the API answers and
// the exports show, the methods paragraph, and the raw export in the form
// `delphi analyze` reads. The answers at each moment are rebuilt from the
// revision history by the one loader of stored answers
// (workflow.LoadDataset) and analysed with package report, the engine of
// `delphi analyze`, one report round per moment, so stability between
// moments comes for free and the raw export analysed by `delphi analyze`
// gives the same figures (workflow.RealtimeAnalysis).
package realtime

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/export"
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

// Moments lists the moments a real-time round is reported at: its
// snapshots (in time order), then (while open) now, or its closing time
// if the close snapshot is missing.
func Moments(r store.Round, ss []store.Snapshot, now time.Time) []Moment {
	var ms []Moment
	closed := false
	for _, s := range ss {
		ms = append(ms, Moment{Round: len(ms) + 1, Kind: s.Kind, Label: s.Label, TakenAt: s.TakenAt.UTC()})
		closed = closed || s.Kind == store.SnapshotClose
	}
	switch {
	case r.Status == rounds.Open:
		ms = append(ms, Moment{Round: len(ms) + 1, Kind: "now", Label: "now", TakenAt: now.UTC()})
	case !closed && r.ClosedAt.Valid:
		ms = append(ms, Moment{Round: len(ms) + 1, Kind: store.SnapshotClose, Label: "close", TakenAt: r.ClosedAt.Time.UTC()})
	}
	return ms
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

// WriteCSV writes ratings in the input form of `delphi analyze`: a
// row for every expert (in the order of in.Experts: by pseudonym), round
// and statement, empty where there is no answer.
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
				// Text cells neutralised as in every other CSV export: a group
				// named "=HYPERLINK(…)" must not run in a spreadsheet.
				if err := cw.Write([]string{export.Neutralise(ex.ID), strconv.Itoa(r.Number), export.Neutralise(in.Statements[s]), rating,
					export.Neutralise(ex.Group), export.Neutralise(ex.Country)}); err != nil {
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

// Package results assembles what a researcher reads about a study's closed
// rounds: the round report of package report under both quartile
// definitions, the participant and statement flow, attrition by group and
// country, an attrition-bias check, and every statement's decision under
// every supported consensus rule (sensitivity). It works on plain inputs
// (report.Ratings plus the invitation log, statement lineage and the
// decisions recorded after each round), so pages and exports compute
// nothing of their own and always agree.
package results

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/delphi-platform/delphi/internal/fault"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/report"
)

// Input is one study's closed rounds.
type Input struct {
	Settings analysis.Settings
	// Ratings hold the submitted answers. Experts carry pseudonyms (E001),
	// statements the lineage key of their first version.
	Ratings *report.Ratings
	// Rounds describe Ratings.Rounds, in the same order.
	Rounds []RoundInfo
	// Statements describe Ratings.Statements, in the same order.
	Statements []StatementInfo
	// Finished tells whether the last round is the study's final round.
	Finished bool
	// LockedAt is when the consensus definition was locked (round 1's launch).
	LockedAt time.Time
	// RealTime is set for a real-time study (one long round, live figures,
	// revisions); nil for classic rounds.
	RealTime *RealTime
	// Rankings are the closed ranking rounds' results (ranking.go), in
	// round order; their rounds have no ratings.
	Rankings []Ranking
	// Estimates are the closed numeric rounds' stored results, in round
	// order.
	Estimates []NumericResults
	// Criteria are set when statements are rated on several criteria.
	Criteria *Criteria
}

// RealTime describes a real-time study for the settings sheet and the
// methods report: when its figures were frozen and how many experts
// revised after seeing the group's figures.
type RealTime struct {
	Snapshots         []string // "daily 2027-03-01 00:00 UTC", "close …"
	Answered          int      // experts who rated
	Revised           int      // of them, experts who changed at least one rating
	RevisedAfterGroup int      // of them, experts who changed one after seeing its figures
	Methods           string   // the methods paragraph of the design
}

// RoundInfo is what the invitation log and the round record say.
type RoundInfo struct {
	Number           int
	OpenedAt         time.Time
	ClosedAt         time.Time
	Invited          []int // expert indices (Ratings.Experts) invited
	Respondents      []int // expert indices who submitted
	Origins          map[string]string
	StatementVersion map[string]int    // lineage key → version presented
	Texts            map[string]string // lineage key → text presented
	// Decisions are the study's record of the round (lineage key →
	// decision): what the results report instead of the rule's decisions.
	Decisions map[string]RecordedDecision
}

// StatementInfo names one statement lineage.
type StatementInfo struct {
	Key     string // lineage key, as in Ratings.Statements
	Section string
	Text    string // the latest text
}

// Results are everything computed for the results pages and exports.
type Results struct {
	Input *Input
	// Report follows the study's quartile definition, and its decisions
	// are the recorded ones (Input.Rounds[].Decisions), with the primary
	// rule's own as each statement's Proposal; Other has the other
	// definition (its quartiles fill the second set of columns, its
	// decisions are the rule's).
	Report, Other *report.Report
	Flow          []analysis.FlowRound
	StatementFlow []StatementFlow
	Attrition     Attrition
	Sensitivity   Sensitivity
	Bias          Bias
	// Criteria is each criterion's report and the combined decisions
	// (the shape of `delphi analyze` for a file with a criterion column)
	// when statements are rated on several criteria; nil otherwise. The
	// recorded decisions (Report's) then follow the combined ones.
	Criteria *report.ExtendedReport
	// MoreSensitivity is the sensitivity of criteria 2 (and 3) to their
	// rule, for a study rated on several criteria.
	MoreSensitivity []Sensitivity
}

// StatementFlow is what happened to statements in one round.
type StatementFlow struct {
	Round     int `json:"round"`
	Presented int `json:"presented"`
	New       int `json:"new"`
	Carried   int `json:"carried"`
	Reworded  int `json:"reworded"`
	Added     int `json:"added"`
	In        int `json:"in"`
	Out       int `json:"out"`
	None      int `json:"no_consensus"`
}

// ErrNoClosedRound is returned when a study has no closed round yet.
var ErrNoClosedRound = fault.New(fault.Conflict, "the study has no closed round yet")

// Compute builds the results.
func Compute(ctx context.Context, in *Input) (*Results, error) {
	if in.Ratings == nil || len(in.Ratings.Rounds) == 0 {
		return nil, ErrNoClosedRound
	}
	if len(in.Rounds) != len(in.Ratings.Rounds) {
		return nil, fmt.Errorf("results: %d round descriptions for %d rounds", len(in.Rounds), len(in.Ratings.Rounds))
	}
	rep, err := report.Build(ctx, in.Ratings, in.Settings)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	other := in.Settings
	other.Quantile = OtherQuantile(in.Settings.Quantile)
	otherRep, err := report.Build(ctx, in.Ratings, other)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	res := &Results{Input: in, Report: rep, Other: otherRep}
	if err := res.criteria(ctx); err != nil { // before applyDecisions changes Report
		return nil, err
	}
	res.applyDecisions()
	res.flow()
	res.settledFlow()
	res.attrition()
	if res.Sensitivity, err = sensitivity(in); err != nil {
		return nil, err
	}
	if res.Bias, err = bias(in, rep); err != nil {
		return nil, err
	}
	return res, nil
}

// OtherQuantile is the quartile definition the study did not choose.
func OtherQuantile(q analysis.QuantileType) analysis.QuantileType {
	if q == analysis.Type6 {
		return analysis.Type7
	}
	return analysis.Type6
}

func (r *Results) flow() {
	in := r.Input
	fi := make([]analysis.FlowInput, len(in.Rounds))
	for i, ri := range in.Rounds {
		rr := &r.Report.Rounds[i]
		ids := make([]string, len(ri.Respondents))
		for j, e := range ri.Respondents {
			ids[j] = in.Ratings.Experts[e].ID
		}
		ds := make([]analysis.Decision, len(rr.Statements))
		sf := StatementFlow{Round: ri.Number, Presented: len(rr.Statements)}
		for j, st := range rr.Statements {
			ds[j] = st.Decision
			switch st.Decision {
			case analysis.DecisionIn:
				sf.In++
			case analysis.DecisionOut:
				sf.Out++
			default:
				sf.None++
			}
			switch ri.Origins[st.Statement] {
			case "carried":
				sf.Carried++
			case "reworded", "merged", "split":
				sf.Reworded++
			case "added":
				sf.Added++
			default:
				sf.New++
			}
		}
		fi[i] = analysis.FlowInput{Round: ri.Number, Invited: len(ri.Invited), Respondents: ids, Decisions: ds, NUnable: rr.NUnable, NSkipped: rr.NSkipped}
		r.StatementFlow = append(r.StatementFlow, sf)
	}
	r.Flow = analysis.Flow(fi, in.Finished)
}

// Attrition is invited / responded per round, overall, per group and per
// country, and the completers of every round.
type Attrition struct {
	Groups, Countries []AttritionRow
	// Completers responded in every round.
	Completers int
	// Panel is the number of experts.
	Panel int
}

// AttritionRow is one group's (or country's) counts per round.
type AttritionRow struct {
	Name      string `json:"name"`
	Invited   []int  `json:"invited"`
	Responded []int  `json:"responded"`
}

// Rate is 100·responded/invited of round i, undefined when none were invited.
func (a AttritionRow) Rate(i int) analysis.Opt[float64] {
	if a.Invited[i] == 0 {
		return analysis.Opt[float64]{}
	}
	return analysis.Some(100 * float64(a.Responded[i]) / float64(a.Invited[i]))
}

func (r *Results) attrition() {
	in := r.Input
	ex := in.Ratings.Experts
	rows := func(label func(report.Expert) string) []AttritionRow {
		idx := map[string]int{}
		var out []AttritionRow
		for _, e := range ex {
			l := label(e)
			if _, ok := idx[l]; !ok {
				idx[l] = len(out)
				out = append(out, AttritionRow{Name: l, Invited: make([]int, len(in.Rounds)), Responded: make([]int, len(in.Rounds))})
			}
		}
		for i, ri := range in.Rounds {
			for _, e := range ri.Invited {
				out[idx[label(ex[e])]].Invited[i]++
			}
			for _, e := range ri.Respondents {
				out[idx[label(ex[e])]].Responded[i]++
			}
		}
		slices.SortFunc(out, func(a, b AttritionRow) int {
			if a.Name < b.Name {
				return -1
			}
			if a.Name > b.Name {
				return 1
			}
			return 0
		})
		return out
	}
	r.Attrition.Groups = rows(func(e report.Expert) string { return e.Group })
	r.Attrition.Countries = rows(func(e report.Expert) string { return e.Country })
	r.Attrition.Panel = len(ex)
	count := make([]int, len(ex))
	for _, ri := range in.Rounds {
		for _, e := range ri.Respondents {
			count[e]++
		}
	}
	for _, c := range count {
		if c == len(in.Rounds) {
			r.Attrition.Completers++
		}
	}
}

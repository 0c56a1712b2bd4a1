package export

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/internal/results"
)

// Document is the JSON export: the schema of `delphi analyze --format json`
// (settings, rounds) plus the participant and statement flow, attrition,
// the sensitivity table and the statement lineage.
type Document struct {
	*report.Report
	Flow          []FlowJSON              `json:"flow"`
	StatementFlow []results.StatementFlow `json:"statement_flow"`
	Attrition     AttritionJSON           `json:"attrition"`
	Sensitivity   SensitivityJSON         `json:"sensitivity"`
	Lineage       []LineageRow            `json:"lineage"`
	// Rankings are the closed ranking rounds' results ([] when none).
	Rankings []results.Ranking `json:"rankings"`
	// Estimates are the closed numeric rounds' results ([] when none), as
	// a numeric round's results store them (results.NumericResults).
	Estimates []results.NumericResults `json:"estimates"`
	// Criteria, for a study rated on several criteria, is each
	// criterion's figures and decision and the combined decision per
	// round, as `delphi analyze --format json` writes a file with a
	// criterion column; absent otherwise.
	Criteria *report.ExtendedReport `json:"criteria,omitempty"`
}

// FlowJSON is one round of SPEC §7.1 with its field names.
type FlowJSON struct {
	Round                     int                   `json:"round"`
	Invited                   int                   `json:"invited"`
	Responded                 int                   `json:"responded"`
	ResponseRatePct           analysis.Opt[float64] `json:"response_rate_pct"`
	RetentionVsRound1Pct      analysis.Opt[float64] `json:"retention_vs_round1_pct"`
	DroppedSincePreviousRound analysis.Opt[int]     `json:"dropped_since_previous_round"`
	StatementsPresented       int                   `json:"statements_presented"`
	ConsensusIn               int                   `json:"consensus_in"`
	ConsensusOut              int                   `json:"consensus_out"`
	NoConsensus               int                   `json:"no_consensus"`
	CarriedForward            int                   `json:"carried_forward"`
	UnresolvedAfterFinalRound analysis.Opt[int]     `json:"unresolved_after_final_round"`
	NRatingsUnable            int                   `json:"n_ratings_unable"`
	NItemsSkipped             int                   `json:"n_items_skipped_by_respondents"`
}

// AttritionJSON is attrition by group and country.
type AttritionJSON struct {
	Panel      int                    `json:"panel"`
	Completers int                    `json:"completers_all_rounds"`
	Groups     []results.AttritionRow `json:"groups"`
	Countries  []results.AttritionRow `json:"countries"`
}

// SensitivityJSON is each statement's decision under every rule.
type SensitivityJSON struct {
	Rules   []string               `json:"rules"`
	Primary string                 `json:"primary"`
	Rounds  []SensitivityRoundJSON `json:"rounds"`
	// Criteria are criteria 2 (and 3) of a study rated on several, each
	// under every rule (the fields above are criterion 1's).
	Criteria []CriterionSensitivityJSON `json:"criteria,omitempty"`
}

// CriterionSensitivityJSON is one more criterion's sensitivity.
type CriterionSensitivityJSON struct {
	Criterion string                 `json:"criterion"`
	Rules     []string               `json:"rules"`
	Primary   string                 `json:"primary"`
	Rounds    []SensitivityRoundJSON `json:"rounds"`
}

// SensitivityRoundJSON is one round of the sensitivity table.
type SensitivityRoundJSON struct {
	Round      int                            `json:"round"`
	Changing   int                            `json:"statements_changing_with_rule"`
	Statements map[string][]analysis.Decision `json:"statements"`
}

// NewDocument assembles the JSON export.
func NewDocument(res *results.Results, lineage []LineageRow) Document {
	d := Document{Report: res.Report, StatementFlow: res.StatementFlow, Lineage: lineage, Rankings: append([]results.Ranking{}, res.Input.Rankings...),
		Estimates: append([]results.NumericResults{}, res.Input.Estimates...), Criteria: res.Criteria,
		Attrition: AttritionJSON{Panel: res.Attrition.Panel, Completers: res.Attrition.Completers, Groups: res.Attrition.Groups, Countries: res.Attrition.Countries}}
	for _, f := range res.Flow {
		d.Flow = append(d.Flow, FlowJSON{Round: f.Round, Invited: f.Invited, Responded: f.Responded, ResponseRatePct: f.ResponseRatePct,
			RetentionVsRound1Pct: f.RetentionVsRound1Pct, DroppedSincePreviousRound: f.DroppedSincePreviousRound,
			StatementsPresented: f.StatementsPresented, ConsensusIn: f.ConsensusIn, ConsensusOut: f.ConsensusOut, NoConsensus: f.NoConsensus,
			CarriedForward: f.CarriedForward, UnresolvedAfterFinalRound: f.UnresolvedAfterFinalRound, NRatingsUnable: f.NRatingsUnable, NItemsSkipped: f.NItemsSkipped})
	}
	d.Sensitivity.Rules, d.Sensitivity.Primary, d.Sensitivity.Rounds = sensitivityJSON(res.Sensitivity)
	for k, s := range res.MoreSensitivity {
		c := CriterionSensitivityJSON{Criterion: res.Criteria.Criteria[k+1].Criterion}
		c.Rules, c.Primary, c.Rounds = sensitivityJSON(s)
		d.Sensitivity.Criteria = append(d.Sensitivity.Criteria, c)
	}
	return d
}

// sensitivityJSON is one criterion's sensitivity: the rules, the primary
// one and each round's decisions by statement.
func sensitivityJSON(s results.Sensitivity) (rules []string, primary string, rounds []SensitivityRoundJSON) {
	for _, r := range s.Rules {
		rules = append(rules, r.Name)
		if r.Primary {
			primary = r.Name
		}
	}
	for _, sr := range s.Rounds {
		j := SensitivityRoundJSON{Round: sr.Round, Changing: sr.Changing, Statements: map[string][]analysis.Decision{}}
		for _, row := range sr.Statements {
			j.Statements[row.Statement] = row.Decisions
		}
		rounds = append(rounds, j)
	}
	return rules, primary, rounds
}

// WriteJSON writes the JSON export.
func WriteJSON(w io.Writer, res *results.Results, lineage []LineageRow) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(NewDocument(res, lineage)); err != nil {
		return fmt.Errorf("export: json: %w", err)
	}
	return nil
}

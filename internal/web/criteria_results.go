package web

import (
	"encoding/json"
	"fmt"

	"github.com/delphi-platform/delphi/internal/export"
	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/internal/results"
)

// A study whose statements are rated on several criteria (issue 17)
// shows, on the results page and on a closed round's page, each
// criterion's figures and decision beside the combined decision.

// criteriaView is one round's per-criterion table of the results page.
type criteriaView struct {
	Names       []string // the criteria, criterion 1 first
	Rules       []string // each criterion's rule, described
	Combine     string   // all or any
	CombineDesc string
	Rows        []criteriaViewRow
}

// criteriaViewRow is a statement: each criterion's figures (in Names
// order; nil where it was not rated), the combined decision and the one
// recorded after the round.
type criteriaViewRow struct {
	Statement, Text string
	Criteria        []*report.StatementReport
	Combined        string
	Decision        string
}

// criteriaViewOf is round index ri of a study's criteria; nil for a
// study with one criterion.
func criteriaViewOf(res *results.Results, ri int) *criteriaView {
	ext := res.Criteria
	if ext == nil || ri >= len(ext.Rounds) {
		return nil
	}
	v := &criteriaView{Combine: ext.Combine, CombineDesc: export.CombineDescription(ext.Combine)}
	for _, c := range ext.Criteria {
		v.Names = append(v.Names, c.Criterion)
		v.Rules = append(v.Rules, c.Settings.RuleDescription)
	}
	recorded := map[string]string{}
	for _, st := range res.Report.Rounds[ri].Statements {
		recorded[st.Statement] = st.Decision.String()
	}
	texts := res.Input.Rounds[ri].Texts
	for _, cs := range ext.Rounds[ri].Statements {
		row := criteriaViewRow{Statement: cs.Statement, Text: texts[cs.Statement], Combined: cs.CombinedDecision, Decision: recorded[cs.Statement]}
		for _, name := range v.Names {
			if st, ok := cs.Criteria.Get(name); ok {
				row.Criteria = append(row.Criteria, &st)
			} else {
				row.Criteria = append(row.Criteria, nil)
			}
		}
		v.Rows = append(v.Rows, row)
	}
	return v
}

// roundCriteria reads a closed round's stored results of a study rated on
// several criteria (report.CriteriaRoundReport, as CloseRound stores
// them) and gives each row of the round page its criteria's figures and
// the combined decision, and the page criterion 1's Kendall's W. keys
// map lineage keys to the round's statements.
func roundCriteria(p *roundPage, stored string, keys map[string]int64) error {
	var rr report.CriteriaRoundReport
	if err := json.Unmarshal([]byte(stored), &rr); err != nil {
		return fmt.Errorf("round %d results: %w", p.Round.ID, err)
	}
	for _, kv := range rr.Criteria {
		p.CriteriaNames = append(p.CriteriaNames, kv.Key)
	}
	if len(rr.Criteria) > 0 {
		k := rr.Criteria[0].Value.KendallW
		p.Kendall = &k
	}
	byRS := map[int64]report.CriteriaStatementReport{}
	for _, s := range rr.Statements {
		byRS[keys[s.Statement]] = s
	}
	for i := range p.Results {
		row := &p.Results[i]
		cs := byRS[row.RS.ID]
		row.Combined = cs.CombinedDecision
		for _, name := range p.CriteriaNames {
			if st, ok := cs.Criteria.Get(name); ok {
				row.Criteria = append(row.Criteria, &st)
				continue
			}
			row.Criteria = append(row.Criteria, nil)
		}
	}
	return nil
}

// criterionSensitivity is the sensitivity page's section on criterion
// Number (2 or 3) of a study rated on several criteria.
type criterionSensitivity struct {
	Number      int
	Name, First string // this criterion's name, criterion 1's
	S           results.Sensitivity
	Texts       []map[string]string // by round index
}

// moreSensitivity are the sections on criteria 2 (and 3); nil for a study
// with one criterion.
func moreSensitivity(res *results.Results) []criterionSensitivity {
	if res.Criteria == nil {
		return nil
	}
	var texts []map[string]string
	for _, r := range res.Input.Rounds {
		texts = append(texts, r.Texts)
	}
	var out []criterionSensitivity
	for k, s := range res.MoreSensitivity {
		out = append(out, criterionSensitivity{Number: k + 2, Name: res.Criteria.Criteria[k+1].Criterion, First: res.Criteria.Criteria[0].Criterion, S: s, Texts: texts})
	}
	return out
}

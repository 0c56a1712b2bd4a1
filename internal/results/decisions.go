package results

import (
	"fmt"
	"strings"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/rounds"
)

// RecordedDecision is the study's record of a statement after a closed
// round: the rule's proposal stored when the round closed, and the
// coordinator's decision (the proposal unless overridden) with its reason.
type RecordedDecision struct {
	Proposed rounds.Proposal
	Decision rounds.Proposal
	Reason   string
}

// Overridden tells whether the coordinator departed from the proposal.
func (d RecordedDecision) Overridden() bool { return d.Decision != d.Proposed }

// reportDecision says a recorded decision in the report's vocabulary (in,
// out, none, insufficient). "carry" and "unresolved" both mean no
// consensus, "none"; when the rule found no valid rating at all its
// "insufficient" says so more precisely and is kept.
func reportDecision(recorded rounds.Proposal, rule analysis.Decision) analysis.Decision {
	switch recorded {
	case rounds.ProposeIn:
		return analysis.DecisionIn
	case rounds.ProposeOut:
		return analysis.DecisionOut
	}
	if rule == analysis.DecisionInsufficient {
		return analysis.DecisionInsufficient
	}
	return analysis.DecisionNone
}

// RuleDecision is the primary rule's own decision for a statement, also
// where a recorded decision replaced it.
func RuleDecision(st *report.StatementReport) analysis.Decision {
	if st.Proposal != nil {
		return *st.Proposal
	}
	return st.Decision
}

// applyDecisions makes the report say what the study's record says: each
// statement's Decision becomes its recorded decision, with the rule's own
// in Proposal and the coordinator's reason beside it, and the rounds'
// decision counts follow. A statement without a record keeps the rule's.
func (r *Results) applyDecisions() {
	for i := range r.Report.Rounds {
		rr := &r.Report.Rounds[i]
		records := r.Input.Rounds[i].Decisions
		for j := range rr.Statements {
			st := &rr.Statements[j]
			rule := st.Decision
			if c, ok := r.CombinedDecision(i, st.Statement); ok { // several criteria: the combination proposes
				rule = c
			}
			st.Proposal = &rule
			if rec, ok := records[st.Statement]; ok {
				st.Decision = reportDecision(rec.Decision, rule)
				st.DecisionReason = rec.Reason
			}
		}
		rr.CountDecisions()
	}
}

// settledFlow corrects the flow by the record: what was carried into the
// next round is what the coordinator decided to carry (not every statement
// without consensus: one may be closed as unresolved, and one without any
// valid rating is carried too), and after the final round every statement
// decided neither in nor out is unresolved. A statement without a record
// counts as the rule decides.
func (r *Results) settledFlow() {
	for i, ri := range r.Input.Rounds {
		carried, unresolved := 0, 0
		for _, st := range r.Report.Rounds[i].Statements {
			switch d, ok := ri.Decisions[st.Statement]; {
			case ok && d.Decision == rounds.ProposeCarry, !ok && st.Decision.CarriedForward():
				carried++
			case ok && d.Decision == rounds.ProposeUnresolved:
				unresolved++
			}
		}
		if fr := &r.Flow[i]; fr.UnresolvedAfterFinalRound.Valid {
			fr.UnresolvedAfterFinalRound = analysis.Some(carried + unresolved) // nothing follows the final round
		} else {
			fr.CarriedForward = carried
		}
	}
}

// Override is a recorded decision that departs from the rule's proposal.
type Override struct {
	Round     int
	Statement string
	RecordedDecision
}

// Overrides lists the decisions that depart from the rule's proposal, round
// by round in questionnaire order.
func (r *Results) Overrides() []Override {
	var out []Override
	for i, rr := range r.Report.Rounds {
		for _, st := range rr.Statements {
			if d, ok := r.Input.Rounds[i].Decisions[st.Statement]; ok && d.Overridden() {
				out = append(out, Override{Round: rr.Round, Statement: st.Statement, RecordedDecision: d})
			}
		}
	}
	return out
}

// overridesText is the methods sentence on the overridden proposals, "" when
// the coordinators followed the rule throughout.
func overridesText(os []Override) string {
	if len(os) == 0 {
		return ""
	}
	parts := make([]string, len(os))
	for i, o := range os {
		parts[i] = fmt.Sprintf("round %d, %s: %s (proposed: %s", o.Round, o.Statement, o.Decision, o.Proposed)
		if o.Reason != "" {
			parts[i] += "; “" + o.Reason + "”"
		}
		parts[i] += ")"
	}
	noun := "statements"
	if len(os) == 1 {
		noun = "statement"
	}
	return fmt.Sprintf("The coordinators departed from the rule's proposal for %d %s, and the counts above follow their decisions: %s.", len(os), noun, strings.Join(parts, "; "))
}

package rounds

import "fmt"

// Proposal is what the consensus rule suggests for a statement after a
// round; the coordinator confirms or overrides it with a reason.
type Proposal string

const (
	ProposeIn         Proposal = "in"         // consensus to include
	ProposeOut        Proposal = "out"        // consensus to exclude
	ProposeCarry      Proposal = "carry"      // no consensus: rate again next round
	ProposeUnresolved Proposal = "unresolved" // no consensus and no rounds left
)

// ParseProposal checks a decision value from a form or the API.
func ParseProposal(s string) (Proposal, error) {
	switch p := Proposal(s); p {
	case ProposeIn, ProposeOut, ProposeCarry, ProposeUnresolved:
		return p, nil
	}
	return "", fmt.Errorf("%q is not a decision: use in, out, carry or unresolved", s)
}

// Propose turns a statement's decision under the study's primary rule
// ("in", "out", "none" or "insufficient", as the analysis package names
// them) into a proposal. Without consensus a statement is carried into the
// next round, unless this was the last planned round.
func Propose(decision string, round, maxRounds int) Proposal {
	switch decision {
	case "in":
		return ProposeIn
	case "out":
		return ProposeOut
	}
	if round >= maxRounds {
		return ProposeUnresolved
	}
	return ProposeCarry
}

// Settled tells whether a decision takes the statement out of later rounds.
func (p Proposal) Settled() bool { return p != ProposeCarry }

// Origin says how a statement came into a round; it feeds the statement
// flow (presented / carried / reworded / added) of the reports.
type Origin string

const (
	OriginNew      Origin = "new"      // written before round 1
	OriginCarried  Origin = "carried"  // unchanged from the previous round
	OriginReworded Origin = "reworded" // a new version of a carried statement
	OriginMerged   Origin = "merged"   // replaces several statements
	OriginSplit    Origin = "split"    // one of the parts of a statement
	OriginAdded    Origin = "added"    // new in a later round, e.g. from comments
)

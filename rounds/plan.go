package rounds

// PrevStatement is a statement of the closed previous round with the
// coordinator's decision for it.
type PrevStatement struct {
	RoundStatementID int64
	StatementID      int64
	Decision         Proposal
}

// Successor is a statement written after a round to replace one or more of
// its statements: a rewording, a merge of several, or a part of a split.
type Successor struct {
	StatementID int64
	Parents     []int64 // statement ids it replaces
	Kind        Origin  // OriginReworded, OriginMerged or OriginSplit
}

// Planned is a statement the next round will present.
type Planned struct {
	StatementID int64
	Origin      Origin
	// Previous is the round statement this one continues (0: none); the
	// expert's earlier rating and the group's feedback come from it.
	Previous int64
}

// PlanNext lists the statements of the next round, in order: every
// statement of the previous round decided "carry", replaced by its
// successors where it was reworded, merged or split, then the fresh
// statements (written since, in the order given). Settled statements (in,
// out, unresolved) are not presented again. For round 1, prev is empty and
// every fresh statement is new.
func PlanNext(prev []PrevStatement, successors []Successor, fresh []int64) []Planned {
	byParent := map[int64][]Successor{}
	for _, s := range successors {
		for _, p := range s.Parents {
			byParent[p] = append(byParent[p], s)
		}
	}
	var out []Planned
	placed := map[int64]bool{}
	for _, p := range prev {
		if p.Decision != ProposeCarry {
			continue
		}
		succ := byParent[p.StatementID]
		if len(succ) == 0 {
			out = append(out, Planned{StatementID: p.StatementID, Origin: OriginCarried, Previous: p.RoundStatementID})
			continue
		}
		for _, s := range succ {
			if placed[s.StatementID] {
				continue // a merge is placed at its first parent
			}
			placed[s.StatementID] = true
			out = append(out, Planned{StatementID: s.StatementID, Origin: s.Kind, Previous: p.RoundStatementID})
		}
	}
	origin := OriginAdded
	if len(prev) == 0 {
		origin = OriginNew
	}
	for _, id := range fresh {
		if !placed[id] {
			out = append(out, Planned{StatementID: id, Origin: origin})
		}
	}
	return out
}

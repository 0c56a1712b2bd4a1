package rounds

import "fmt"

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

// ChooseStatements plans a round of the statements a coordinator chose,
// in the order given, instead of PlanNext's (a ranking round ranks a few
// of the statements rated before). current tells, for each of the
// study's statements, whether it is current (false: replaced by a newer
// version). A statement of the previous round continues it, with its
// feedback and the expert's earlier answer; any other is new (round 1)
// or added.
func ChooseStatements(ids []int64, prev []PrevStatement, current map[int64]bool) ([]Planned, FieldErrors) {
	var fe FieldErrors
	if len(ids) == 0 {
		return nil, FieldErrors{{"statements", "choose at least one statement for the round"}}
	}
	inPrev := make(map[int64]int64, len(prev))
	for _, p := range prev {
		inPrev[p.StatementID] = p.RoundStatementID
	}
	seen := map[int64]bool{}
	out := make([]Planned, 0, len(ids))
	for _, id := range ids {
		cur, ok := current[id]
		switch {
		case !ok:
			fe = append(fe, FieldError{"statements", fmt.Sprintf("statement %d is not one of the study's", id)})
			continue
		case !cur:
			fe = append(fe, FieldError{"statements", fmt.Sprintf("statement %d was replaced by a newer version; choose that one", id)})
			continue
		case seen[id]:
			fe = append(fe, FieldError{"statements", fmt.Sprintf("statement %d is chosen twice", id)})
			continue
		}
		seen[id] = true
		p := Planned{StatementID: id, Origin: OriginNew}
		if len(prev) > 0 {
			p.Origin = OriginAdded // presented after round 1, not continuing the last round
		}
		if rs, ok := inPrev[id]; ok {
			p.Origin, p.Previous = OriginCarried, rs
		}
		out = append(out, p)
	}
	return out, fe
}

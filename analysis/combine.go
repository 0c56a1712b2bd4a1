package analysis

// Combination rules for statements rated on several criteria (say
// importance and feasibility), each with its own consensus decision.
const (
	// CombineAll ("both in"): a statement is in only when every criterion's
	// decision is in, and out as soon as one criterion's decision is out.
	CombineAll = "all"
	// CombineAny ("either in"): a statement is in as soon as one criterion's
	// decision is in, and out only when every criterion's decision is out.
	CombineAny = "any"
)

// CombineDecisions combines the decisions of one statement's criteria in one
// round ("in", "out", "none", "insufficient", as Decision.String writes
// them) under rule CombineAll or CombineAny:
//
//	all: "in" when every decision is in; else "out" when any is out; else
//	     "insufficient" when any is insufficient; else "none".
//	any: "in" when any decision is in; else "out" when every decision is
//	     out; else "insufficient" when any is insufficient; else "none".
//
// So under all an out criterion settles the statement even while another
// criterion has no ratings, and under any an in criterion does (the
// decision cannot change whatever the missing criterion would give); a
// criterion without ratings otherwise leaves the statement insufficient
// rather than "none", since consensus was not measured. The two rules are
// mirror images: any is all with in and out swapped. No decisions give
// "insufficient"; an unknown rule or decision gives "".
func CombineDecisions(rule string, decisions []string) string {
	settle, other := "out", "in" // all: one out settles; in needs every criterion
	switch rule {
	case CombineAll:
	case CombineAny:
		settle, other = "in", "out"
	default:
		return ""
	}
	if len(decisions) == 0 {
		return "insufficient"
	}
	every, insufficient, settled := true, false, false
	for _, d := range decisions {
		switch d {
		case settle:
			settled = true
		case other:
		case "none":
		case "insufficient":
			insufficient = true
		default:
			return ""
		}
		every = every && d == other
	}
	switch {
	case settled:
		return settle
	case every:
		return other
	case insufficient:
		return "insufficient"
	}
	return "none"
}

package analysis

// FlowInput is what the platform knows about one round for the flow figures
// of SPEC §7.1 (the CREDES/ACCORD flowchart).
type FlowInput struct {
	Round int
	// Invited comes from the invitation log, not from the respondents; 0
	// means unknown and leaves the response rate undefined.
	Invited int
	// Respondents are the IDs of the experts who submitted the round,
	// whatever their item completeness.
	Respondents []string
	// Decisions are the primary rule's decisions, one per statement
	// presented in the round.
	Decisions []Decision
	// NUnable counts UNABLE answers; NSkipped counts items left unanswered
	// by respondents.
	NUnable, NSkipped int
}

// FlowRound holds the flow figures of one round.
type FlowRound struct {
	Round, Invited, Responded int
	ResponseRatePct           Opt[float64] // 100·responded/invited
	RetentionVsRound1Pct      Opt[float64] // 100·responded/responded in the first round
	// DroppedSincePreviousRound counts the previous round's respondents who
	// did not respond in this round; undefined for the first round.
	DroppedSincePreviousRound Opt[int]
	StatementsPresented       int
	ConsensusIn, ConsensusOut int
	NoConsensus               int // decision "none"
	Insufficient              int // no valid rating: no decision
	// CarriedForward counts statements passed to the next round (decision
	// none); 0 after the final round.
	CarriedForward int
	// UnresolvedAfterFinalRound counts statements still without consensus
	// after the final round; undefined for other rounds.
	UnresolvedAfterFinalRound Opt[int]
	NRatingsUnable            int
	NItemsSkipped             int
}

// Flow computes the flow figures of every round, in the order given. When
// finished is true the last round is the study's final round: nothing is
// carried forward from it, and its undecided statements are unresolved.
func Flow(rounds []FlowInput, finished bool) []FlowRound {
	out := make([]FlowRound, len(rounds))
	var prev map[string]bool
	for i, in := range rounds {
		fr := FlowRound{
			Round:               in.Round,
			Invited:             in.Invited,
			Responded:           len(in.Respondents),
			StatementsPresented: len(in.Decisions),
			NRatingsUnable:      in.NUnable,
			NItemsSkipped:       in.NSkipped,
		}
		if in.Invited > 0 {
			fr.ResponseRatePct = Some(100 * float64(fr.Responded) / float64(in.Invited))
		}
		if first := len(rounds[0].Respondents); first > 0 {
			fr.RetentionVsRound1Pct = Some(100 * float64(fr.Responded) / float64(first))
		}
		cur := make(map[string]bool, len(in.Respondents))
		for _, id := range in.Respondents {
			cur[id] = true
		}
		if prev != nil {
			dropped := 0
			for id := range prev {
				if !cur[id] {
					dropped++
				}
			}
			fr.DroppedSincePreviousRound = Some(dropped)
		}
		prev = cur
		for _, d := range in.Decisions {
			switch d {
			case DecisionIn:
				fr.ConsensusIn++
			case DecisionOut:
				fr.ConsensusOut++
			case DecisionNone:
				fr.NoConsensus++
			default:
				fr.Insufficient++
			}
		}
		if finished && i == len(rounds)-1 {
			fr.UnresolvedAfterFinalRound = Some(fr.NoConsensus)
		} else {
			fr.CarriedForward = fr.NoConsensus
		}
		out[i] = fr
	}
	return out
}

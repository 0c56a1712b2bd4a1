package rounds

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/delphi-platform/delphi/internal/fault"
)

// Round 0 (idea generation, issue #8): before round 1 the coordinator asks
// open questions, per topic; experts answer with proposals, several per
// question, editable until the round closes. The coordinator tags them
// with themes, merges duplicates and writes draft statements from them,
// each linked to the proposals it came from.

// MaxProposal is the longest proposal or question, in characters (as a statement).
const MaxProposal = 2000

// Errors of round 0. The HTTP layer maps them to 409 or 422.
var (
	ErrIdeasAfterRound1 = fault.New(fault.Conflict, "round 0 must come before round 1, which has already been launched")
	ErrIdeasExist       = fault.New(fault.Conflict, "the study already has a round 0")
	ErrNoQuestions      = fault.New(fault.Invalid, "round 0 needs at least one question")
	ErrMergeSelf        = fault.New(fault.Invalid, "a proposal cannot be merged into itself")
	ErrMergeMerged      = fault.New(fault.Conflict, "that proposal was itself merged into another; merge into the one it was merged into")
	ErrNoProposals      = fault.New(fault.Invalid, "choose at least one proposal")
)

// CheckText checks a question's or a proposal's text and returns it trimmed.
func CheckText(what, text string) (string, error) {
	t := strings.TrimSpace(text)
	switch {
	case t == "":
		return "", fmt.Errorf("%s: the text is empty", what)
	case utf8.RuneCountInString(t) > MaxProposal:
		return "", fmt.Errorf("%s: the text is longer than %d characters", what, MaxProposal)
	}
	return t, nil
}

// CheckMerge checks merging the duplicates into a proposal: into must not
// be a duplicate itself nor merged elsewhere; mergedInto gives each
// proposal's current target (0: none).
func CheckMerge(into int64, dups []int64, mergedInto map[int64]int64) error {
	if len(dups) == 0 {
		return ErrNoProposals
	}
	if mergedInto[into] != 0 {
		return ErrMergeMerged
	}
	for _, d := range dups {
		if d == into {
			return ErrMergeSelf
		}
	}
	return nil
}

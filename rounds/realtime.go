package rounds

import (
	"fmt"
	"time"

	"github.com/delphi-platform/delphi/internal/fault"
)

// Mode is how a study collects ratings, chosen before launch and locked
// with the consensus definition when round 1 launches.
type Mode string

const (
	// ModeClassic: numbered rounds; the group's figures of a closed round
	// are shown in the next.
	ModeClassic Mode = "classic"
	// ModeRealtime: one long-open round; after rating a statement an expert
	// sees the group's current figures and may revise until the study closes.
	ModeRealtime Mode = "realtime"
)

// Errors of the real-time mode. The HTTP layer maps them to 409 or 422.
var (
	ErrModeLocked     = fault.New(fault.Conflict, "the study's mode cannot change once round 1 has launched")
	ErrRealtimeSingle = fault.New(fault.Conflict, "a real-time study has a single round, open until the study closes")
	ErrNotRealtime    = fault.New(fault.Conflict, "the study is not in real-time mode")
)

// ParseMode reads a mode setting.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case ModeClassic, ModeRealtime:
		return m, nil
	}
	return "", fmt.Errorf("%q is not a mode; use classic or realtime", s)
}

// Answer is one stored answer state: a rating, "unable", or none.
type Answer struct {
	Rating *int
	Unable bool
}

// Same tells whether two answers are equal.
func (a Answer) Same(b Answer) bool {
	if a.Unable != b.Unable || (a.Rating == nil) != (b.Rating == nil) {
		return false
	}
	return a.Rating == nil || *a.Rating == *b.Rating
}

// Given tells whether the answer is a rating or "unable".
func (a Answer) Given() bool { return a.Rating != nil || a.Unable }

// ShowsGroup tells whether an expert is shown the group's current figures
// for a statement: only after answering it, and only once at least
// MinGroupSize others have rated it (a valid rating), so that no single
// rating can be inferred from the figures.
func ShowsGroup(answered bool, othersRated int) bool {
	return answered && othersRated >= MinGroupSize
}

// Revision is one change of an expert's answer in a real-time round.
type Revision struct {
	Expert    int64
	Statement int64
	Answer    Answer
	SawGroup  bool // the group's figures were on the expert's page when they changed it
	At        time.Time
}

// RevisionCounts says how the panel used the chance to revise.
type RevisionCounts struct {
	// Answered: experts with at least one answer.
	Answered int `json:"experts_answered"`
	// Revised: experts who changed an answer at least once after first giving it.
	Revised int `json:"experts_revised"`
	// RevisedAfterGroup: experts who changed an answer after the group's
	// figures had been shown to them for that statement.
	RevisedAfterGroup int `json:"experts_revised_after_group"`
	// Changes counts answer changes after the first answer (all experts).
	Changes int `json:"changes"`
	// ChangesAfterGroup counts the changes made after seeing the group.
	ChangesAfterGroup int `json:"changes_after_group"`
}

// CountRevisions summarises revisions given in time order. The first
// answer of an expert to a statement is not a change; clearing an answer
// is.
func CountRevisions(revs []Revision) RevisionCounts {
	type key struct{ e, s int64 }
	seen := map[key]bool{}
	answered, revised, after := map[int64]bool{}, map[int64]bool{}, map[int64]bool{}
	var c RevisionCounts
	for _, r := range revs {
		k := key{r.Expert, r.Statement}
		if r.Answer.Given() {
			answered[r.Expert] = true
		}
		if !seen[k] {
			seen[k] = true
			continue
		}
		c.Changes++
		revised[r.Expert] = true
		if r.SawGroup {
			c.ChangesAfterGroup++
			after[r.Expert] = true
		}
	}
	c.Answered, c.Revised, c.RevisedAfterGroup = len(answered), len(revised), len(after)
	return c
}

// AnswersAt rebuilds every expert's answer to every statement as it stood
// at time t from revisions in time order: the last revision at or before t.
func AnswersAt(revs []Revision, t time.Time) map[[2]int64]Answer {
	out := map[[2]int64]Answer{}
	for _, r := range revs {
		if r.At.After(t) {
			break
		}
		out[[2]int64{r.Expert, r.Statement}] = r.Answer
	}
	return out
}

// DailyLabel names the daily snapshot of a day (UTC), so that each day has
// one however many instances take it.
func DailyLabel(t time.Time) string { return "daily " + t.UTC().Format("2006-01-02") }

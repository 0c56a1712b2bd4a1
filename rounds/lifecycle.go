package rounds

import (
	"fmt"
	"time"

	"github.com/delphi-platform/delphi/internal/fault"
)

// Status is where a round is in its life: draft → open → closed.
type Status string

const (
	Draft  Status = "draft"  // being prepared; experts see nothing
	Open   Status = "open"   // experts rate until the deadline or until closed by hand
	Closed Status = "closed" // results computed and frozen
)

// Sentinel errors of the round lifecycle. The HTTP layer maps them to 409.
var (
	ErrRoundNotDraft     = fault.New(fault.Conflict, "the round has already been launched")
	ErrRoundNotOpen      = fault.New(fault.Conflict, "the round is not open")
	ErrRoundClosed       = fault.New(fault.Conflict, "the round is closed")
	ErrAnotherRoundOpen  = fault.New(fault.Conflict, "another round of this study is still open; close it first")
	ErrPreviousNotClosed = fault.New(fault.Conflict, "the previous round has not been closed yet")
	ErrNoStatements      = fault.New(fault.Conflict, "the round has no statements to rate")
	ErrNoInvitees        = fault.New(fault.Conflict, "nobody would be invited: the panel is empty, or nobody responded to the previous round")
	ErrDeadlinePassed    = fault.New(fault.Conflict, "the deadline must be in the future")
	ErrMaxRounds         = fault.New(fault.Conflict, "the study has reached its planned maximum number of rounds")
)

// InviteScope says who is invited to a round.
type InviteScope string

const (
	InvitePanel       InviteScope = "panel"       // the whole active panel (always so in round 1)
	InviteRespondents InviteScope = "respondents" // those who submitted the previous round (the default later)
)

// Round is the lifecycle state of one round.
type Round struct {
	Number   int
	Status   Status
	Deadline time.Time // zero: none yet
	OpenedAt time.Time
	ClosedAt time.Time
}

// Launch opens a draft round. It needs statements, invitees and a future
// deadline; openElsewhere tells whether another round of the study is open.
func (r *Round) Launch(now time.Time, statements, invitees int, openElsewhere bool) error {
	switch {
	case r.Status != Draft:
		return ErrRoundNotDraft
	case openElsewhere:
		return ErrAnotherRoundOpen
	case statements == 0:
		return ErrNoStatements
	case invitees == 0:
		return ErrNoInvitees
	case !r.Deadline.After(now):
		return ErrDeadlinePassed
	}
	r.Status, r.OpenedAt = Open, now
	return nil
}

// Close closes an open round, by hand or because its deadline passed.
func (r *Round) Close(now time.Time) error {
	if r.Status != Open {
		return ErrRoundNotOpen
	}
	r.Status, r.ClosedAt = Closed, now
	return nil
}

// Due tells whether an open round's deadline has passed, so the
// background job should close it.
func (r Round) Due(now time.Time) bool {
	return r.Status == Open && !r.Deadline.IsZero() && !now.Before(r.Deadline)
}

// AcceptsRatings tells whether experts may still save ratings.
func (r Round) AcceptsRatings(now time.Time) error {
	switch {
	case r.Status == Draft:
		return ErrRoundNotOpen
	case r.Status == Closed || r.Due(now):
		return ErrRoundClosed
	}
	return nil
}

// CanCreateNext checks that a study may start round number next: the
// previous round must be closed and the planned maximum not exceeded.
func CanCreateNext(previous *Round, maxRounds int) error {
	next := 1
	if previous != nil {
		if previous.Status != Closed {
			return ErrPreviousNotClosed
		}
		next = previous.Number + 1
	}
	if next > maxRounds {
		return fmt.Errorf("%w (%d)", ErrMaxRounds, maxRounds)
	}
	return nil
}

// DefaultScope is who a round invites unless the coordinator chooses.
func DefaultScope(number int) InviteScope {
	if number == 1 {
		return InvitePanel
	}
	return InviteRespondents
}

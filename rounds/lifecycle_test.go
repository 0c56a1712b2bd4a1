package rounds

import (
	"errors"
	"testing"
	"time"
)

func TestRoundLifecycle(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	r := Round{Number: 1, Status: Draft, Deadline: now.Add(14 * 24 * time.Hour)}
	if err := r.AcceptsRatings(now); !errors.Is(err, ErrRoundNotOpen) {
		t.Errorf("draft accepts ratings: %v", err)
	}
	for _, tt := range []struct {
		name              string
		statements, invit int
		openElsewhere     bool
		deadline          time.Time
		want              error
	}{
		{"no statements", 0, 5, false, r.Deadline, ErrNoStatements},
		{"no invitees", 3, 0, false, r.Deadline, ErrNoInvitees},
		{"another open", 3, 5, true, r.Deadline, ErrAnotherRoundOpen},
		{"deadline passed", 3, 5, false, now, ErrDeadlinePassed},
	} {
		x := r
		x.Deadline = tt.deadline
		if err := x.Launch(now, tt.statements, tt.invit, tt.openElsewhere); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v; want %v", tt.name, err, tt.want)
		}
	}
	if err := r.Launch(now, 3, 5, false); err != nil || r.Status != Open || !r.OpenedAt.Equal(now) {
		t.Fatalf("launch: %v %+v", err, r)
	}
	if err := r.Launch(now, 3, 5, false); !errors.Is(err, ErrRoundNotDraft) {
		t.Errorf("second launch: %v", err)
	}
	if err := r.AcceptsRatings(now); err != nil {
		t.Errorf("open round refuses ratings: %v", err)
	}
	if r.Due(now) || !r.Due(r.Deadline) {
		t.Error("Due wrong")
	}
	if err := r.AcceptsRatings(r.Deadline); !errors.Is(err, ErrRoundClosed) {
		t.Errorf("after deadline: %v", err)
	}
	if err := r.Close(now); err != nil || r.Status != Closed {
		t.Fatal(err)
	}
	if err := r.Close(now); !errors.Is(err, ErrRoundNotOpen) {
		t.Errorf("second close: %v", err)
	}
	if err := r.AcceptsRatings(now); !errors.Is(err, ErrRoundClosed) {
		t.Errorf("closed accepts: %v", err)
	}
}

func TestCanCreateNext(t *testing.T) {
	if err := CanCreateNext(nil, 3); err != nil {
		t.Error(err)
	}
	if err := CanCreateNext(&Round{Number: 1, Status: Open}, 3); !errors.Is(err, ErrPreviousNotClosed) {
		t.Error(err)
	}
	if err := CanCreateNext(&Round{Number: 2, Status: Closed}, 3); err != nil {
		t.Error(err)
	}
	if err := CanCreateNext(&Round{Number: 3, Status: Closed}, 3); !errors.Is(err, ErrMaxRounds) {
		t.Error(err)
	}
	if DefaultScope(1) != InvitePanel || DefaultScope(2) != InviteRespondents {
		t.Error("default scopes")
	}
}

func TestPropose(t *testing.T) {
	for _, tt := range []struct {
		decision         string
		round, maxRounds int
		want             Proposal
	}{
		{"in", 1, 3, ProposeIn}, {"out", 3, 3, ProposeOut}, {"none", 1, 3, ProposeCarry},
		{"none", 3, 3, ProposeUnresolved}, {"insufficient", 2, 3, ProposeCarry}, {"insufficient", 3, 3, ProposeUnresolved},
	} {
		if got := Propose(tt.decision, tt.round, tt.maxRounds); got != tt.want {
			t.Errorf("Propose(%s, %d/%d) = %s; want %s", tt.decision, tt.round, tt.maxRounds, got, tt.want)
		}
	}
	if _, err := ParseProposal("maybe"); err == nil {
		t.Error("bad proposal accepted")
	}
}

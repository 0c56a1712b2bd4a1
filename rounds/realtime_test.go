package rounds

import (
	"testing"
	"time"
)

func TestParseMode(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Mode
		ok   bool
	}{{"classic", ModeClassic, true}, {"realtime", ModeRealtime, true}, {"Realtime", "", false}, {"", "", false}, {"live", "", false}} {
		got, err := ParseMode(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseMode(%q) = %q, %v", tc.in, got, err)
		}
	}
}

func TestShowsGroup(t *testing.T) {
	for _, tc := range []struct {
		answered bool
		others   int
		want     bool
	}{{false, 10, false}, {true, 0, false}, {true, MinGroupSize - 1, false}, {true, MinGroupSize, true}} {
		if got := ShowsGroup(tc.answered, tc.others); got != tc.want {
			t.Errorf("ShowsGroup(%v, %d) = %v", tc.answered, tc.others, got)
		}
	}
}

func TestCountRevisions(t *testing.T) {
	r := func(x int) Answer { return Answer{Rating: &x} }
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	revs := []Revision{
		{Expert: 1, Statement: 1, Answer: r(2), At: t0},
		{Expert: 2, Statement: 1, Answer: r(4), At: t0.Add(time.Minute)},
		{Expert: 1, Statement: 2, Answer: Answer{Unable: true}, At: t0.Add(2 * time.Minute)},
		{Expert: 1, Statement: 1, Answer: r(3), At: t0.Add(3 * time.Minute)},                 // before seeing the group
		{Expert: 2, Statement: 1, Answer: r(5), SawGroup: true, At: t0.Add(4 * time.Minute)}, // after
		{Expert: 2, Statement: 1, Answer: Answer{}, SawGroup: true, At: t0.Add(5 * time.Minute)},
		{Expert: 3, Statement: 1, Answer: Answer{}, At: t0.Add(6 * time.Minute)}, // an empty first save: no answer
	}
	got := CountRevisions(revs)
	want := RevisionCounts{Answered: 2, Revised: 2, RevisedAfterGroup: 1, Changes: 3, ChangesAfterGroup: 2}
	if got != want {
		t.Errorf("CountRevisions = %+v; want %+v", got, want)
	}
	at := AnswersAt(revs, t0.Add(3*time.Minute+30*time.Second))
	if a := at[[2]int64{1, 1}]; a.Rating == nil || *a.Rating != 3 {
		t.Errorf("expert 1 at 10:03:30: %+v", a)
	}
	if a := at[[2]int64{2, 1}]; a.Rating == nil || *a.Rating != 4 {
		t.Errorf("expert 2 at 10:03:30: %+v", a)
	}
	if _, ok := at[[2]int64{3, 1}]; ok {
		t.Error("expert 3 had no revision by 10:03:30")
	}
	if !r(3).Same(r(3)) || r(3).Same(r(4)) || r(3).Same(Answer{Unable: true}) || !(Answer{}).Same(Answer{}) {
		t.Error("Answer.Same")
	}
	if DailyLabel(t0) != "daily 2026-12-01" {
		t.Error(DailyLabel(t0))
	}
}

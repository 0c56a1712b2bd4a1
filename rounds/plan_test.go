package rounds

import (
	"reflect"
	"testing"
)

func TestPlanNext(t *testing.T) {
	// Round 1: everything fresh is new.
	got := PlanNext(nil, nil, []int64{1, 2, 3})
	want := []Planned{{1, OriginNew, 0}, {2, OriginNew, 0}, {3, OriginNew, 0}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round 1: %v", got)
	}
	// Round 2: 1 in (dropped), 2 carried as is, 3 reworded as 30, 4 and 5
	// merged into 45, 6 split into 61 and 62, 7 out; 8 added from comments.
	prev := []PrevStatement{{101, 1, ProposeIn}, {102, 2, ProposeCarry}, {103, 3, ProposeCarry},
		{104, 4, ProposeCarry}, {105, 5, ProposeCarry}, {106, 6, ProposeCarry}, {107, 7, ProposeOut}}
	succ := []Successor{{30, []int64{3}, OriginReworded}, {45, []int64{4, 5}, OriginMerged},
		{61, []int64{6}, OriginSplit}, {62, []int64{6}, OriginSplit}}
	got = PlanNext(prev, succ, []int64{8})
	want = []Planned{{2, OriginCarried, 102}, {30, OriginReworded, 103}, {45, OriginMerged, 104},
		{61, OriginSplit, 106}, {62, OriginSplit, 106}, {8, OriginAdded, 0}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round 2:\n got %v\nwant %v", got, want)
	}
	// A reworded statement whose parent reached consensus is not presented.
	got = PlanNext([]PrevStatement{{101, 1, ProposeIn}}, []Successor{{10, []int64{1}, OriginReworded}}, nil)
	if len(got) != 0 {
		t.Errorf("settled statement presented: %v", got)
	}
}

func TestChooseStatements(t *testing.T) {
	prev := []PrevStatement{{RoundStatementID: 11, StatementID: 1, Decision: ProposeIn}, {RoundStatementID: 12, StatementID: 2, Decision: ProposeCarry}}
	current := map[int64]bool{1: true, 2: true, 3: true, 4: false}
	got, fe := ChooseStatements([]int64{3, 1}, prev, current)
	if len(fe) > 0 {
		t.Fatal(fe)
	}
	want := []Planned{{StatementID: 3, Origin: OriginAdded}, {StatementID: 1, Origin: OriginCarried, Previous: 11}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	for _, c := range []struct {
		ids  []int64
		want string
	}{
		{nil, "choose at least one statement for the round"},
		{[]int64{9}, "statement 9 is not one of the study's"},
		{[]int64{4}, "statement 4 was replaced by a newer version; choose that one"},
		{[]int64{1, 1}, "statement 1 is chosen twice"},
	} {
		if _, fe := ChooseStatements(c.ids, prev, current); fe.For("statements") != c.want {
			t.Errorf("%v: %v, want %q", c.ids, fe, c.want)
		}
	}
}

package workflow

import (
	"database/sql"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

func ptr[T any](v T) *T { return &v }

// Criteria given to StudyInput.Apply: a new criterion takes its range's
// defaults, a new range brings new labels and bands, and each bad field
// is reported under its own name.
func TestApplyCriteria(t *testing.T) {
	info := DefaultStudyInfo()
	info.Title = "T"
	in := StudyInput{CriterionName: ptr("Importance"), Criteria: &[]CriterionInput{{Name: "Feasibility", ScaleMin: ptr(1), ScaleMax: ptr(5)}}}
	_, sc, fe := in.Apply(info, rounds.DefaultScale(1, 9))
	if len(fe) > 0 {
		t.Fatalf("good criteria refused: %v", fe)
	}
	if c := sc.More[0]; c.Name != "Feasibility" || c.Max != 5 || len(c.Labels) != 5 || c.Bands.String() != rounds.DefaultScale(1, 5).Bands.String() || sc.Combine != rounds.CombineAll {
		t.Errorf("criterion 2: %+v, combine %q", c, sc.Combine)
	}
	for _, c := range []struct {
		in    StudyInput
		field string
	}{
		{StudyInput{CriterionName: ptr("A"), Criteria: &[]CriterionInput{{Name: " "}}}, "criteria.2.name"},
		{StudyInput{CriterionName: ptr("A"), Criteria: &[]CriterionInput{{Name: "B"}, {Name: "b"}}}, "criteria.3.name"},
		{StudyInput{CriterionName: ptr("A"), Criteria: &[]CriterionInput{{Name: "B", Bands: ptr("1-3,4-6")}}}, "criteria.2.bands"},
		{StudyInput{CriterionName: ptr("A"), Criteria: &[]CriterionInput{{Name: "B", ConsensusRule: ptr("percent:20")}}}, "criteria.2.rule"},
		{StudyInput{CriterionName: ptr("A"), Criteria: &[]CriterionInput{{Name: "B", ScaleMin: ptr(3), ScaleMax: ptr(2)}}}, "criteria.2.scale"},
		{StudyInput{CriterionName: ptr("A"), Criteria: &[]CriterionInput{{Name: "B", ScaleLabels: []string{"x"}}}}, "criteria.2.labels"},
		{StudyInput{Criteria: &[]CriterionInput{{Name: "B"}}}, "criterion_name"},
		{StudyInput{CriterionName: ptr("A"), Criteria: &[]CriterionInput{{Name: "B"}}, Combine: ptr("most")}, "combine"},
	} {
		if _, _, fe := c.in.Apply(info, rounds.DefaultScale(1, 9)); fe.For(c.field) == "" {
			t.Errorf("%+v: no error for %s; got %v", c.in, c.field, fe)
		}
	}
}

// A real-time study rates on one criterion, and after round 1 the number
// of criteria and their scales stay.
func TestCriteriaProblems(t *testing.T) {
	cur := rounds.DefaultScale(1, 9)
	cur.Name = "A"
	cur.More = []rounds.Criterion{{Name: "B", Min: 1, Max: 9, Labels: cur.Labels, Bands: cur.Bands, Rule: cur.Rule}}
	if fe := criteriaProblems(nil, string(rounds.ModeRealtime), cur, cur); fe.For("criteria") == "" {
		t.Errorf("real-time with two criteria: %v", fe)
	}
	locked := &store.Study{SettingsLockedAt: sql.NullTime{Time: time.Now(), Valid: true}}
	one := cur
	one.More = nil
	if fe := criteriaProblems(locked, "classic", cur, one); fe.For("criteria") == "" {
		t.Errorf("locked, a criterion removed: %v", fe)
	}
	wider := cur
	wider.More = []rounds.Criterion{cur.More[0]}
	wider.More[0].Max = 7
	if fe := criteriaProblems(locked, "classic", cur, wider); fe.For("criteria.2.scale") == "" {
		t.Errorf("locked, criterion 2's scale changed: %v", fe)
	}
	renamed := cur
	renamed.More = []rounds.Criterion{cur.More[0]}
	renamed.More[0].Name = "C"
	if fe := criteriaProblems(locked, "classic", cur, renamed); len(fe) > 0 {
		t.Errorf("locked, a criterion renamed: %v", fe)
	}
}

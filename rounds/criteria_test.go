package rounds

import "testing"

func TestCriteriaRoundTripAndChecks(t *testing.T) {
	sc := DefaultScale(1, 9)
	sc.Rule = Rule{Kind: RuleCOMET}
	sc.Name = "Importance"
	feas := DefaultScale(1, 9)
	sc.More = []Criterion{{Name: "Feasibility", Min: 1, Max: 9, Labels: feas.Labels, Bands: feas.Bands, Rule: Rule{Kind: RulePercent, Threshold: 70}}}
	if fe := sc.Validate(); len(fe) > 0 {
		t.Fatal(fe)
	}
	back, err := DecodeCriteria(EncodeCriteria(sc.More))
	if err != nil || len(back) != 1 || back[0].Rule.String() != "percent:70" || back[0].Bands.String() != "1-3,4-6,7-9" || back[0].Name != "Feasibility" {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	if set, err := sc.CriterionSettings(1); err != nil || set.Rule.String() != "percent:70" {
		t.Errorf("criterion 2's settings: %+v, %v", set, err)
	}

	bad := sc
	bad.More = []Criterion{{Name: "importance", Min: 1, Max: 5, Labels: []string{"a"}, Bands: DefaultBands(1, 5), Rule: Rule{Kind: RuleCOMET}}}
	bad.Combine = "both"
	fe := bad.Validate()
	for field, want := range map[string]string{
		"criteria.2.name":   `criteria 1 and 2 are both named "importance"`,
		"criteria.2.labels": "give one label for each of the 5 scale points (got 1)",
		"criteria.2.rule":   "the comet rule is defined for the 1–9 scale",
		"combine":           "choose all (a statement is in when every criterion is) or any (when one is)",
	} {
		if got := fe.For(field); got != want {
			t.Errorf("%s: %q, want %q", field, got, want)
		}
	}
	unnamed := sc
	unnamed.Name = ""
	if got := unnamed.Validate().For("criterion_name"); got == "" {
		t.Error("an unnamed criterion 1 beside a second criterion was accepted")
	}
}

package rounds

import (
	"testing"

	"github.com/delphi-platform/delphi/analysis"
)

func TestAnalysisSettings(t *testing.T) {
	for _, sc := range []Scale{DefaultScale(1, 9), DefaultScale(1, 5), DefaultScale(1, 4), DefaultScale(0, 10)} {
		if _, err := sc.AnalysisSettings(); err != nil {
			t.Errorf("%d-%d: %v", sc.Min, sc.Max, err)
		}
	}
	sc := DefaultScale(1, 9)
	sc.Rule, sc.Quantile = Rule{Kind: RuleIQR, Threshold: 1.5}, QuantileType7
	set, err := sc.AnalysisSettings()
	if err != nil || set.Quantile != analysis.Type7 || set.Rule.String() != "iqr:1.5" {
		t.Errorf("settings %+v, %v", set, err)
	}
}

// TestBuildFeedback checks the figures against a hand count: ratings
// 1,2,2,3,4,4,4,5 on 1–5 (n=8), one unable; agree band 4–5 holds 4 (50 %);
// median (3+4)/2 = 3.5; type 6 quartiles: Q1 at h=2.25 → 2, Q3 at h=6.75 → 4.
func TestBuildFeedback(t *testing.T) {
	set, _ := DefaultScale(1, 5).AnalysisSettings()
	resp := analysis.Ratings(1, 2, 2, 3, 4, 4, 4, 5)
	resp = append(resp, analysis.Unable)
	groups := []string{"A", "A", "A", "B", "B", "A", "B", "C", "C"}
	fb, err := BuildFeedback(1, resp, groups, set, []string{"clear"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if fb.N != 8 || fb.Unable != 1 || *fb.Median != 3.5 || *fb.Q1 != 2 || *fb.Q3 != 4 || *fb.IQR != 2 || *fb.PctAgree != 50 {
		t.Errorf("feedback %+v (median %v q1 %v q3 %v pct %v)", fb, *fb.Median, *fb.Q1, *fb.Q3, *fb.PctAgree)
	}
	if want := []int{1, 2, 1, 3, 1}; len(fb.Counts) != 5 || fb.Counts[0] != want[0] || fb.Counts[3] != want[3] {
		t.Errorf("counts %v; want %v", fb.Counts, want)
	}
	// Group A has 4 valid ratings and B 3: both shown. C has 1 valid
	// rating and an unable: hidden.
	if len(fb.Groups) != 2 || fb.Groups[0].Name != "A" || fb.Groups[0].N != 4 || fb.Groups[1].Name != "B" || fb.Groups[1].N != 3 {
		t.Errorf("groups %+v", fb.Groups)
	}
}

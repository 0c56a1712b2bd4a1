package rounds

import (
	"fmt"
	"sort"

	"github.com/delphi-platform/delphi/analysis"
)

// MinGroupSize is the fewest ratings a stakeholder group needs before its
// figures are shown to experts; smaller groups are hidden so that nobody's
// rating can be inferred.
const MinGroupSize = 3

// Feedback is what experts see, in the next round, about a statement of a
// closed round: the group's distribution and summary, per stakeholder
// group when the study shows it, and the comments the coordinator chose.
// It is computed once, when the next round is created, and stored with it.
type Feedback struct {
	Round    int                   `json:"round"` // the round summarised
	Min      int                   `json:"min"`   // the scale
	Max      int                   `json:"max"`
	N        int                   `json:"n"`      // valid ratings
	Counts   []int                 `json:"counts"` // per scale point, Min first
	Unable   int                   `json:"unable"`
	Median   *float64              `json:"median"`
	Q1       *float64              `json:"q1"`
	Q3       *float64              `json:"q3"`
	IQR      *float64              `json:"iqr"`
	PctAgree *float64              `json:"pct_agree"`
	Groups   []GroupFeedback       `json:"groups,omitempty"`
	Comments []string              `json:"comments,omitempty"`
	Previous string                `json:"previous_text,omitempty"` // the wording rated before, when reworded
	Quantile analysis.QuantileType `json:"-"`
	// Criteria are the figures of criteria 2 and 3 when statements are
	// rated on several (issue 17); the fields above are criterion 1's.
	// Feedback stored before there were criteria has none.
	Criteria []CriterionFeedback `json:"criteria,omitempty"`
}

// CriterionFeedback is the group's figures on criterion 2 or 3: its name
// and the same figures as criterion 1's (no comments: those are the
// statement's, once).
type CriterionFeedback struct {
	Name string `json:"name"`
	Feedback
}

// GroupFeedback summarises one stakeholder group.
type GroupFeedback struct {
	Name     string   `json:"name"`
	N        int      `json:"n"`
	Median   *float64 `json:"median"`
	PctAgree *float64 `json:"pct_agree"`
}

// AnalysisSettings converts the study's locked settings for the analysis package.
func (s Scale) AnalysisSettings() (analysis.Settings, error) {
	bands, err := analysis.ParseBands(s.Bands.String())
	if err != nil {
		return analysis.Settings{}, fmt.Errorf("rounds: bands: %w", err)
	}
	rule, err := analysis.ParseRule(s.Rule.String())
	if err != nil {
		return analysis.Settings{}, fmt.Errorf("rounds: rule: %w", err)
	}
	q, err := analysis.ParseQuantileType(s.Quantile)
	if err != nil {
		return analysis.Settings{}, fmt.Errorf("rounds: %w", err)
	}
	set := analysis.Settings{Scale: analysis.Scale{Min: s.Min, Max: s.Max}, Bands: bands, Quantile: q, Rule: rule}
	return set, set.Validate()
}

// BuildFeedback summarises one statement's responses of a closed round;
// groups[i] is the stakeholder group of responses[i] (nil: no per-group
// figures). Groups with fewer than MinGroupSize valid ratings are left out.
func BuildFeedback(round int, responses []analysis.Response, groups []string, set analysis.Settings, comments []string, previous string) (Feedback, error) {
	a, err := analysis.NewAnalyzer(set)
	if err != nil {
		return Feedback{}, err
	}
	res, err := a.Statement(responses)
	if err != nil {
		return Feedback{}, err
	}
	q := res.Quantiles(set.Quantile)
	fb := Feedback{Round: round, Min: set.Scale.Min, Max: set.Scale.Max, N: res.N, Counts: res.Freq, Unable: res.NUnable,
		Median: hundredths(res.Median), Q1: hundredths(q.Q1), Q3: hundredths(q.Q3), IQR: hundredths(q.IQR),
		PctAgree: opt(res.BandPct(analysis.BandAgree)), Comments: comments, Previous: previous, Quantile: set.Quantile}
	if groups == nil {
		return fb, nil
	}
	byGroup := map[string][]analysis.Response{}
	for i, r := range responses {
		if groups[i] != "" {
			byGroup[groups[i]] = append(byGroup[groups[i]], r)
		}
	}
	names := make([]string, 0, len(byGroup))
	for g := range byGroup {
		names = append(names, g)
	}
	sort.Strings(names)
	for _, g := range names {
		gr, err := a.Statement(byGroup[g])
		if err != nil {
			return Feedback{}, err
		}
		if gr.N < MinGroupSize {
			continue
		}
		fb.Groups = append(fb.Groups, GroupFeedback{Name: g, N: gr.N, Median: hundredths(gr.Median), PctAgree: opt(gr.BandPct(analysis.BandAgree))})
	}
	return fb, nil
}

func hundredths(o analysis.Opt[analysis.Hundredths]) *float64 {
	if !o.Valid {
		return nil
	}
	f := o.Value.Float()
	return &f
}

func opt(o analysis.Opt[float64]) *float64 {
	if !o.Valid {
		return nil
	}
	return &o.Value
}

package rounds

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/delphi-platform/delphi/analysis"
)

// A statement may be rated on more than one criterion (issue 17):
// importance and feasibility in a policy Delphi, appropriateness and
// feasibility under RAND/UCLA. Criterion 1 is the study's Scale itself;
// Scale.More holds criteria 2 and 3, each with its own scale, labels,
// bands and consensus rule. The unable option, the quartile definition
// and what happens after the last round are the study's, for every
// criterion. Scale.Combine says when a statement is in.

// MaxCriteria is the most criteria a study rates statements on.
const MaxCriteria = 3

// maxCriterionName bounds a criterion's name (characters): a column
// header and a legend, not a sentence.
const maxCriterionName = 60

// Combination rules, as stored and given to the API.
const (
	CombineAll = analysis.CombineAll // in only when every criterion is in
	CombineAny = analysis.CombineAny // in when any criterion is in
)

// Criterion is one criterion a statement is rated on.
type Criterion struct {
	Name   string   `json:"name"`
	Min    int      `json:"min"`
	Max    int      `json:"max"`
	Labels []string `json:"labels"`
	Bands  Bands    `json:"-"`
	Rule   Rule     `json:"-"`
}

// storedCriterion is a Criterion as the studies.criteria column holds it.
type storedCriterion struct {
	Name   string   `json:"name"`
	Min    int      `json:"min"`
	Max    int      `json:"max"`
	Labels []string `json:"labels"`
	Bands  string   `json:"bands"`
	Rule   string   `json:"rule"`
}

// Criteria returns every criterion of the study, criterion 1 first.
func (s Scale) Criteria() []Criterion {
	out := []Criterion{{Name: s.Name, Min: s.Min, Max: s.Max, Labels: s.Labels, Bands: s.Bands, Rule: s.Rule}}
	return append(out, s.More...)
}

// Several tells whether statements are rated on more than one criterion.
func (s Scale) Several() bool { return len(s.More) > 0 }

// CriterionSettings converts criterion k (0 is criterion 1) for the
// analysis package, with the study's quartile definition.
func (s Scale) CriterionSettings(k int) (analysis.Settings, error) {
	c := s.Criteria()[k]
	one := s
	one.Min, one.Max, one.Labels, one.Bands, one.Rule = c.Min, c.Max, c.Labels, c.Bands, c.Rule
	return one.AnalysisSettings()
}

// CriterionOf returns a criterion's scale as a one-criterion Scale, for
// code that shows or checks one scale at a time.
func (s Scale) CriterionOf(k int) Scale {
	c := s.Criteria()[k]
	one := s
	one.Name, one.Min, one.Max, one.Labels, one.Bands, one.Rule, one.More = c.Name, c.Min, c.Max, c.Labels, c.Bands, c.Rule, nil
	return one
}

// EncodeCriteria writes criteria 2 and 3 for the studies.criteria column
// ("" for none).
func EncodeCriteria(more []Criterion) string {
	if len(more) == 0 {
		return ""
	}
	out := make([]storedCriterion, len(more))
	for i, c := range more {
		out[i] = storedCriterion{Name: c.Name, Min: c.Min, Max: c.Max, Labels: c.Labels, Bands: c.Bands.String(), Rule: c.Rule.String()}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// DecodeCriteria reads the studies.criteria column.
func DecodeCriteria(s string) ([]Criterion, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var in []storedCriterion
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, fmt.Errorf("rounds: criteria: %w", err)
	}
	out := make([]Criterion, len(in))
	for i, c := range in {
		out[i] = Criterion{Name: c.Name, Min: c.Min, Max: c.Max, Labels: c.Labels}
		var err error
		if out[i].Bands, err = ParseBands(c.Bands, c.Min, c.Max); err != nil {
			return nil, fmt.Errorf("rounds: criterion %d bands: %w", i+2, err)
		}
		if out[i].Rule, err = ParseRule(c.Rule, c.Min, c.Max); err != nil {
			return nil, fmt.Errorf("rounds: criterion %d rule: %w", i+2, err)
		}
	}
	return out, nil
}

// validateCriteria reports the problems of the criteria beyond the first,
// by field: criteria (their number, names), criteria.N.scale,
// criteria.N.labels, criteria.N.bands, criteria.N.rule (N from 2), and
// combine.
func (s Scale) validateCriteria() FieldErrors {
	var fe FieldErrors
	if len(s.More) == 0 {
		return nil
	}
	if len(s.More) > MaxCriteria-1 {
		fe = append(fe, FieldError{"criteria", fmt.Sprintf("statements are rated on at most %d criteria, not %d", MaxCriteria, len(s.More)+1)})
	}
	if s.Combine != CombineAll && s.Combine != CombineAny {
		fe = append(fe, FieldError{"combine", "choose all (a statement is in when every criterion is) or any (when one is)"})
	}
	seen := map[string]int{}
	for k, c := range s.Criteria() {
		name := strings.TrimSpace(c.Name)
		switch n := utf8.RuneCountInString(name); {
		case n == 0:
			fe = append(fe, FieldError{criterionField(k, "name"), fmt.Sprintf("criterion %d has no name: with several criteria each needs one, such as Importance or Feasibility", k+1)})
		case n > maxCriterionName:
			fe = append(fe, FieldError{criterionField(k, "name"), fmt.Sprintf("the name of criterion %d is %d characters long; at most %d", k+1, n, maxCriterionName)})
		case strings.ContainsAny(name, "\r\n"):
			fe = append(fe, FieldError{criterionField(k, "name"), fmt.Sprintf("the name of criterion %d must be one line", k+1)})
		default:
			if j, dup := seen[strings.ToLower(name)]; dup {
				fe = append(fe, FieldError{criterionField(k, "name"), fmt.Sprintf("criteria %d and %d are both named %q", j+1, k+1, name)})
			}
			seen[strings.ToLower(name)] = k
		}
		if k == 0 {
			continue // the study's own scale, checked by Validate
		}
		one := s.CriterionOf(k)
		for _, e := range one.Validate() {
			switch e.Field {
			case "scale", "labels", "bands", "rule":
				fe = append(fe, FieldError{criterionField(k, e.Field), e.Message})
			}
		}
	}
	return fe
}

// criterionField names a criterion's field for FieldErrors: criterion 1's
// settings keep their plain names (scale, labels…) except its name,
// criterion_name; the others are criteria.N.field.
func criterionField(k int, field string) string {
	if k == 0 {
		if field == "name" {
			return "criterion_name"
		}
		return field
	}
	return fmt.Sprintf("criteria.%d.%s", k+1, field)
}

package workflow

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/delphi-platform/delphi/rounds"
)

// The criteria's words are study texts per language (issue 17), as the
// scale labels are: the main language's are the settings themselves, the
// others are translations, named
//
//	criterion.<k>                 the name of criterion k (1 to 3)
//	criterion.<k>.scale.<point>   a scale label of criterion k (2 or 3)
//
// Experts read them in their language, else in the main one.

// CriterionTexts are one criterion's words in a language.
type CriterionTexts struct {
	Name   Localized
	Labels []Localized // per scale point, from the lowest
}

// CriterionTextName names the translation of criterion k's name.
func CriterionTextName(k int) string { return "criterion." + strconv.Itoa(k) }

// CriterionLabelName names the translation of a scale label of criterion k.
func CriterionLabelName(k, point int) string {
	return fmt.Sprintf("criterion.%d.scale.%d", k, point)
}

// criterionTextRule checks the rest of a "criterion." text name.
func criterionTextRule(sc rounds.Scale, rest string) (textRule, string) {
	cs := sc.Criteria()
	num, label, hasLabel := strings.Cut(rest, ".")
	k, err := strconv.Atoi(num)
	if err != nil || strconv.Itoa(k) != num || k < 1 || k > len(cs) || !sc.Several() {
		return textRule{}, fmt.Sprintf("the study has no criterion %q: statements are rated on %d", num, len(cs))
	}
	if !hasLabel {
		return textRule{max: maxCriterionText, notMain: true, mainLocation: "the criteria in Settings"}, ""
	}
	c := cs[k-1]
	point, ok := strings.CutPrefix(label, "scale.")
	v, err := strconv.Atoi(point)
	if k == 1 || !ok || err != nil || strconv.Itoa(v) != point || v < c.Min || v > c.Max {
		if k == 1 {
			return textRule{}, "criterion 1's scale labels are the scale's: translate them as scale.<point>"
		}
		return textRule{}, fmt.Sprintf("criterion %d has no scale point %q: its points are %d to %d", k, label, c.Min, c.Max)
	}
	return textRule{max: maxLabel, notMain: true, mainLocation: "the criteria in Settings"}, ""
}

// maxCriterionText bounds a criterion's translated name as its own is.
const maxCriterionText = 60

// criteriaTexts picks the criteria's words (own: a text whose main
// language's wording is the setting); nil when there is one criterion.
func criteriaTexts(sc rounds.Scale, scaleLabels []Localized, own func(name, mainText string) Localized) []CriterionTexts {
	if !sc.Several() {
		return nil
	}
	var out []CriterionTexts
	for k, c := range sc.Criteria() {
		ct := CriterionTexts{Name: own(CriterionTextName(k+1), c.Name)}
		if k == 0 {
			ct.Labels = scaleLabels
		} else {
			for i, l := range c.Labels {
				ct.Labels = append(ct.Labels, own(CriterionLabelName(k+1, c.Min+i), l))
			}
		}
		out = append(out, ct)
	}
	return out
}

// CriterionTextFields lists the criteria's translatable texts with a
// description and their main-language wording, for the texts page and
// the translation sheet; none when there is one criterion.
func CriterionTextFields(sc rounds.Scale) []CriterionTextField {
	if !sc.Several() {
		return nil
	}
	var out []CriterionTextField
	for k, c := range sc.Criteria() {
		out = append(out, CriterionTextField{Name: CriterionTextName(k + 1), Label: fmt.Sprintf("Name of criterion %d", k+1), Main: c.Name})
		if k == 0 {
			continue
		}
		for i, l := range c.Labels {
			out = append(out, CriterionTextField{Name: CriterionLabelName(k+1, c.Min+i),
				Label: fmt.Sprintf("Criterion %d (%s), label of scale point %d", k+1, c.Name, c.Min+i), Main: l})
		}
	}
	return out
}

// CriterionTextField is one translatable text of the criteria.
type CriterionTextField struct {
	Name, Label, Main string
}

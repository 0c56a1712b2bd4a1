package workflow

import (
	"fmt"
	"strings"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// CriterionInput is criterion 2 or 3 as the settings form and the API
// give it (issue 17): its name, its scale, labels, bands and consensus
// rule, in the same forms as the study's own scale_min, scale_max,
// scale_labels, bands and consensus_rule. A nil field keeps the
// criterion's current value (or, for a new criterion, the default of its
// range); a new range brings its default labels, bands and rule.
type CriterionInput struct {
	Name          string   `json:"name"`
	ScaleMin      *int     `json:"scale_min"`
	ScaleMax      *int     `json:"scale_max"`
	ScaleLabels   []string `json:"scale_labels"`
	Bands         *string  `json:"bands"`
	ConsensusRule *string  `json:"consensus_rule"`
}

// touchesCriteria tells whether the input changes the criteria.
func (in StudyInput) touchesCriteria() bool {
	return in.CriterionName != nil || in.Criteria != nil || in.Combine != nil
}

// applyCriteria merges the criteria of the input over sc, each problem a
// field error named as rounds names them (criterion_name,
// criteria.N.scale…). The criteria's names and the combination rule are
// checked by sc.Validate afterwards.
func (in StudyInput) applyCriteria(sc rounds.Scale) (rounds.Scale, rounds.FieldErrors) {
	var fe rounds.FieldErrors
	if in.CriterionName != nil {
		sc.Name = strings.TrimSpace(*in.CriterionName)
	}
	if in.Combine != nil {
		sc.Combine = strings.TrimSpace(*in.Combine)
	}
	if in.Criteria == nil {
		return sc, nil
	}
	if n := len(*in.Criteria); n > rounds.MaxCriteria-1 {
		return sc, rounds.FieldErrors{{Field: "criteria", Message: fmt.Sprintf("statements are rated on at most %d criteria; %d were given", rounds.MaxCriteria, n+1)}}
	}
	more := make([]rounds.Criterion, 0, len(*in.Criteria))
	for i, ci := range *in.Criteria {
		k := i + 2
		field := func(f string) string { return fmt.Sprintf("criteria.%d.%s", k, f) }
		def := rounds.DefaultScale(1, 9)
		c := rounds.Criterion{Min: def.Min, Max: def.Max, Labels: def.Labels, Bands: def.Bands, Rule: def.Rule}
		if i < len(sc.More) {
			c = sc.More[i]
		}
		c.Name = strings.TrimSpace(ci.Name)
		min, max := c.Min, c.Max
		if ci.ScaleMin != nil {
			min = *ci.ScaleMin
		}
		if ci.ScaleMax != nil {
			max = *ci.ScaleMax
		}
		if err := rounds.CheckScale(min, max); err != nil {
			fe = append(fe, rounds.FieldError{Field: field("scale"), Message: fmt.Sprintf("criterion %d: %s", k, err)})
			more = append(more, c)
			continue
		}
		if min != c.Min || max != c.Max {
			d := rounds.DefaultScale(min, max)
			c.Min, c.Max, c.Labels, c.Bands = min, max, d.Labels, d.Bands
			if c.Rule.Kind != rounds.RulePercent && c.Rule.Kind != rounds.RuleIQR && (min != 1 || max != 9) {
				c.Rule = rounds.DefaultRule // COMET and RAND need 1–9
			}
			if c.Rule.Kind == rounds.RuleIQR {
				c.Rule.Threshold = rounds.DefaultIQRLimit(min, max)
			}
		}
		if ci.ScaleLabels != nil {
			c.Labels = make([]string, len(ci.ScaleLabels))
			for j, l := range ci.ScaleLabels {
				c.Labels[j] = strings.TrimSpace(l)
			}
		}
		if ci.Bands != nil {
			if b, err := rounds.ParseBands(*ci.Bands, c.Min, c.Max); err != nil {
				fe = append(fe, rounds.FieldError{Field: field("bands"), Message: fmt.Sprintf("criterion %d: %s", k, err)})
			} else {
				c.Bands = b
			}
		}
		if ci.ConsensusRule != nil {
			if r, err := rounds.ParseRule(*ci.ConsensusRule, c.Min, c.Max); err != nil {
				fe = append(fe, rounds.FieldError{Field: field("rule"), Message: fmt.Sprintf("criterion %d: %s", k, err)})
			} else {
				c.Rule = r
			}
		}
		more = append(more, c)
	}
	sc.More = more
	return sc, fe
}

// criteriaProblems are the rules on criteria that depend on the study,
// not on the settings alone: a real-time study rates on one criterion
// (its live figures are one distribution), and once round 1 launched
// experts have rated on the criteria as they were, so their number and
// ranges stay; names, labels, bands and rules may change as a protocol
// amendment.
func criteriaProblems(st *store.Study, mode string, cur, next rounds.Scale) rounds.FieldErrors {
	var fe rounds.FieldErrors
	if mode == string(rounds.ModeRealtime) && next.Several() {
		fe = append(fe, rounds.FieldError{Field: "criteria", Message: "a real-time study rates statements on one criterion: its live figures are one distribution; remove criteria 2 and 3 or choose the classic mode"})
	}
	if st == nil || !st.Locked() {
		return fe
	}
	if len(next.More) != len(cur.More) {
		fe = append(fe, rounds.FieldError{Field: "criteria", Message: fmt.Sprintf("the number of criteria cannot change once round 1 has launched: experts rate on %d", len(cur.More)+1)})
		return fe
	}
	if cur.Several() && (next.Min != cur.Min || next.Max != cur.Max) {
		fe = append(fe, rounds.FieldError{Field: "scale", Message: fmt.Sprintf("the scale of criterion 1 cannot change once round 1 has launched: experts rated every criterion on its scale, criterion 1 on %d–%d", cur.Min, cur.Max)})
	}
	for i := range next.More {
		if next.More[i].Min != cur.More[i].Min || next.More[i].Max != cur.More[i].Max {
			fe = append(fe, rounds.FieldError{Field: fmt.Sprintf("criteria.%d.scale", i+2), Message: fmt.Sprintf("the scale of criterion %d cannot change once round 1 has launched: experts rated on %d–%d", i+2, cur.More[i].Min, cur.More[i].Max)})
		}
	}
	return fe
}

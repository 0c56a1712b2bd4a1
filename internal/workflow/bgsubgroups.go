package workflow

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/fault"
	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/internal/results"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// Results split by an answer to the background form: each single-choice
// field, and each number field with ranges the coordinator chose, is a
// subgroup option beside stakeholder group and country. The
// results page (?view=field-<id>), the API (?subgroup=<id>) and the
// workbook's "Background subgroups" sheet all call BackgroundSubgroups.

// NotAnswered names the subgroup of the experts who left a field empty,
// saw no form, or whose answers were erased.
const NotAnswered = "Not answered"

// SubgroupField is a background field the results can be split by.
type SubgroupField struct {
	ID    int64  `json:"id"`
	Label string `json:"label"` // in the study's main language
}

// SubgroupFields lists the study's single-choice background fields and
// its number fields with subgroup ranges, in the form's order.
func (w *Service) SubgroupFields(ctx context.Context, st store.Study) ([]SubgroupField, error) {
	items, err := w.BackgroundForm(ctx, st, st.MainLanguage())
	var out []SubgroupField
	for _, f := range items {
		if f.Kind == store.FieldChoice || f.Kind == store.FieldNumber && len(f.BinList()) > 0 {
			out = append(out, SubgroupField{ID: f.ID, Label: f.Label.Text})
		}
	}
	return out, err
}

// SubgroupSplit is every closed round's results per answer to one field.
type SubgroupSplit struct {
	Field SubgroupField `json:"field"`
	// Groups are a choice field's options in the form's order, or a
	// number field's ranges (BinLabels), then NotAnswered.
	Groups []string `json:"groups"`
	// MinGroupSize: a group with fewer valid ratings of a statement is
	// hidden for that statement.
	MinGroupSize int          `json:"min_group_size"`
	Rounds       []SplitRound `json:"rounds"`
}

// SplitRound is one closed round.
type SplitRound struct {
	Round      int              `json:"round"`
	Statements []SplitStatement `json:"statements"`
}

// SplitStatement is one statement's figures per group.
type SplitStatement struct {
	Statement string       `json:"statement"`
	Text      string       `json:"text"`
	Groups    []SplitGroup `json:"groups"`
	// KruskalWallis compares the groups; nil when a group is hidden, since
	// its counts would show through the test's n.
	KruskalWallis *report.KWReport `json:"kruskal_wallis"`
}

// SplitGroup is one group's figures under the study's quartile definition
// (GroupReport) and the other one (Other…). A hidden group has its name
// only: too few ratings to show without pointing at the experts.
type SplitGroup struct {
	Name   string `json:"name"`
	Hidden bool   `json:"hidden"`
	*report.GroupReport
	Other *SplitQuartiles `json:"other_quartiles,omitempty"`
}

// SplitQuartiles are a group's quartiles under the other definition.
type SplitQuartiles struct {
	Q1  analysis.Opt[analysis.Hundredths] `json:"q1"`
	Q3  analysis.Opt[analysis.Hundredths] `json:"q3"`
	IQR analysis.Opt[analysis.Hundredths] `json:"iqr"`
}

// ErrNotSubgroupField is a field the results cannot be split by.
type ErrNotSubgroupField struct{ Field string }

func (e ErrNotSubgroupField) Error() string {
	return fmt.Sprintf("subgroup %q: not a choice field of the study's background form, nor a number field with subgroup ranges; give the id of one (GET …/background-fields)", e.Field)
}

// FaultKind implements fault.Kinded.
func (ErrNotSubgroupField) FaultKind() fault.Kind { return fault.Invalid }

// BackgroundSubgroups splits the results (d and res, from StudyResults)
// by the answers to the choice field fieldID: the closed rounds are
// analysed again with each expert labelled by their answer, exactly as
// the stakeholder groups are (report.Build), so the figures agree with
// them. Groups with fewer than rounds.MinGroupSize valid ratings of a
// statement are hidden for every reader, coordinators included, and so
// is the smallest group shown while the hidden ones together hold fewer:
// else the whole panel's figures minus the shown groups' would give them.
func (w *Service) BackgroundSubgroups(ctx context.Context, st store.Study, d *Dataset, res *results.Results, fieldID int64) (*SubgroupSplit, error) {
	fields, err := w.SubgroupFields(ctx, st)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(fields, func(f SubgroupField) bool { return f.ID == fieldID })
	if i < 0 {
		return nil, ErrNotSubgroupField{Field: strconv.FormatInt(fieldID, 10)}
	}
	all, err := w.store.BackgroundFieldsByStudy(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	f := all[slices.IndexFunc(all, func(f store.BackgroundField) bool { return f.ID == fieldID })]
	answers, err := w.store.BackgroundAnswersByStudy(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	// The groups: a choice field's options, or a number field's ranges.
	options, bins := f.ChoiceList(), f.BinList()
	if f.Kind == store.FieldNumber {
		options = BinLabels(bins)
	}
	chose := map[int64]string{}
	for _, a := range answers {
		if a.FieldID != fieldID {
			continue
		}
		if f.Kind == store.FieldNumber {
			if x, err := strconv.ParseFloat(a.Value, 64); err == nil && a.Value != "" {
				chose[a.ExpertID] = options[binOf(bins, x)]
			}
		} else if n, err := strconv.Atoi(a.Value); err == nil && n >= 1 && n <= len(options) {
			chose[a.ExpertID] = options[n-1]
		}
	}
	// The same ratings, each expert's group being their answer.
	in := *res.Input.Ratings
	in.Experts = make([]report.Expert, len(res.Input.Ratings.Experts))
	for j, e := range res.Input.Ratings.Experts {
		label := NotAnswered
		if j < len(d.Experts) {
			if c, ok := chose[d.Experts[j].ID]; ok {
				label = c
			}
		}
		in.Experts[j] = report.Expert{ID: e.ID, Group: label}
	}
	in.HasGroup, in.HasCountry = true, false
	rep, err := report.Build(ctx, &in, res.Input.Settings)
	if err != nil {
		return nil, err
	}
	other := res.Input.Settings
	other.Quantile = results.OtherQuantile(other.Quantile)
	otherRep, err := report.Build(ctx, &in, other)
	if err != nil {
		return nil, err
	}

	split := &SubgroupSplit{Field: fields[i], Groups: append(slices.Clone(options), NotAnswered), MinGroupSize: rounds.MinGroupSize}
	for ri := range rep.Rounds {
		sr := SplitRound{Round: rep.Rounds[ri].Round, Statements: []SplitStatement{}}
		texts := res.Input.Rounds[ri].Texts
		for si := range rep.Rounds[ri].Statements {
			s, o := &rep.Rounds[ri].Statements[si], &otherRep.Rounds[ri].Statements[si]
			ss := SplitStatement{Statement: s.Statement, Text: texts[s.Statement], Groups: []SplitGroup{}}
			gs := make([]*report.GroupReport, len(split.Groups))
			hide := make([]bool, len(split.Groups))
			hiddenN, hidden := 0, false
			for k, name := range split.Groups {
				if gs[k] = findGroup(s, name); gs[k] == nil { // nobody in the group: an option nobody chose
					gs[k] = &report.GroupReport{Name: name}
				}
				if gs[k].N < rounds.MinGroupSize {
					hide[k] = true
					hiddenN += gs[k].N
					hidden = hidden || gs[k].N > 0 || gs[k].NUnable > 0
				}
			}
			// The whole panel minus the groups shown is the hidden groups
			// together: while those hold fewer than MinGroupSize ratings,
			// the smallest group shown is hidden too.
			for hiddenN > 0 && hiddenN < rounds.MinGroupSize {
				k := -1
				for j, g := range gs {
					if !hide[j] && (k < 0 || g.N < gs[k].N) {
						k = j
					}
				}
				if k < 0 {
					break
				}
				hide[k], hiddenN = true, hiddenN+gs[k].N
			}
			for k, name := range split.Groups {
				sg := SplitGroup{Name: name, Hidden: hide[k]}
				if !hide[k] {
					og := findGroup(o, name)
					sg.GroupReport = gs[k]
					sg.Other = &SplitQuartiles{Q1: og.Q1, Q3: og.Q3, IQR: og.IQR}
				}
				ss.Groups = append(ss.Groups, sg)
			}
			if !hidden && s.Subgroups != nil && s.Subgroups.Group != nil {
				kw := s.Subgroups.Group.KruskalWallis
				ss.KruskalWallis = &kw
			}
			sr.Statements = append(sr.Statements, ss)
		}
		split.Rounds = append(split.Rounds, sr)
	}
	return split, nil
}

// findGroup returns a statement's group by name, or nil.
func findGroup(s *report.StatementReport, name string) *report.GroupReport {
	if s.Subgroups == nil || s.Subgroups.Group == nil {
		return nil
	}
	for i := range s.Subgroups.Group.Groups {
		if s.Subgroups.Group.Groups[i].Name == name {
			return &s.Subgroups.Group.Groups[i]
		}
	}
	return nil
}

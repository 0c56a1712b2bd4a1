package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/export"
	"github.com/delphi-platform/delphi/internal/results"
	"github.com/delphi-platform/delphi/internal/workflow"
)

// Results split by the background form's choice fields: the results
// page's view "field-<id>", the API's ?subgroup=<id> and the workbook's
// "Background subgroups" sheet, all from workflow.BackgroundSubgroups.

// fieldViewPrefix starts a results page view naming a background field.
const fieldViewPrefix = "field-"

// fieldViews are the results page's subgroup choices for the fields.
func fieldViews(fields []workflow.SubgroupField) []struct{ key, label string } {
	var out []struct{ key, label string }
	for _, f := range fields {
		out = append(out, struct{ key, label string }{fieldViewPrefix + strconv.FormatInt(f.ID, 10), "Per answer to “" + f.Label + "”"})
	}
	return out
}

// backgroundSplit reads a view "field-<id>" of the results page.
func (a *App) backgroundSplit(c echo.Context, d *workflow.Dataset, res *results.Results, view string, fields []workflow.SubgroupField) (*workflow.SubgroupSplit, error) {
	idStr, ok := strings.CutPrefix(view, fieldViewPrefix)
	id, err := strconv.ParseInt(idStr, 10, 64)
	if !ok || err != nil {
		want := "all, group or country"
		if len(fields) > 0 {
			want = "all, group, country or field-<id> of a choice field of the background form (or a number field with subgroup ranges)"
		}
		return nil, echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("view %q: want %s", view, want))
	}
	return a.flow.BackgroundSubgroups(c.Request().Context(), study(c), d, res, id)
}

// splitRows are one round's rows of the consensus table per group.
func splitRows(split *workflow.SubgroupSplit, ri int) []resultRow {
	var rows []resultRow
	for _, st := range split.Rounds[ri].Statements {
		for _, g := range st.Groups {
			r := resultRow{Statement: st.Statement, Text: st.Text, Subgroup: g.Name, Hidden: g.Hidden}
			if x := g.GroupReport; x != nil {
				r.N, r.NUnable, r.NMissing = x.N, x.NUnable, x.NMissing
				r.Median, r.Q1, r.Q3, r.IQR = x.Median, x.Q1, x.Q3, x.IQR
				r.Q1Other, r.Q3Other, r.IQROther = g.Other.Q1, g.Other.Q3, g.Other.IQR
				r.Mean, r.SD, r.PctDisagree, r.PctNeutral, r.PctAgree = x.Mean, x.SD, x.PctDisagree, x.PctNeutral, x.PctAgree
				r.Decision = x.Decision.String()
			}
			rows = append(rows, r)
		}
	}
	return rows
}

// getSplitResults serves GET …/results?subgroup=<field id>: every closed
// round's figures per answer to that field, small groups hidden.
func (a *App) getSplitResults(c echo.Context, subgroup string) error {
	id, err := strconv.ParseInt(subgroup, 10, 64)
	if err != nil {
		return workflow.ErrNotSubgroupField{Field: subgroup}
	}
	d, res, err := a.resultsOf(c)
	if err != nil {
		return err
	}
	split, err := a.flow.BackgroundSubgroups(c.Request().Context(), study(c), d, res, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, split)
}

// subgroupSheet is the workbook's "Background subgroups" sheet: every
// round's consensus figures per answer to each choice field of the
// background form, a hidden group's figures left empty. Nil without
// such fields.
func subgroupSheet(splits []*workflow.SubgroupSplit, quantile, other string) []export.Sheet {
	if len(splits) == 0 {
		return nil
	}
	sh := export.Sheet{Name: "Background subgroups", Header: []string{"round", "statement", "text", "field", "subgroup", "shown",
		"n", "n_unable", "n_missing", "median", "q1_" + quantile, "q3_" + quantile, "iqr_" + quantile, "q1_" + other, "q3_" + other, "iqr_" + other,
		"mean", "sd", "pct_disagree", "pct_neutral", "pct_agree", "decision"}}
	for _, sp := range splits {
		for _, rd := range sp.Rounds {
			for _, st := range rd.Statements {
				for _, g := range st.Groups {
					row := []any{rd.Round, st.Statement, st.Text, sp.Field.Label, g.Name}
					if x := g.GroupReport; x != nil {
						row = append(row, "yes", x.N, x.NUnable, x.NMissing, cellH(x.Median), cellH(x.Q1), cellH(x.Q3), cellH(x.IQR),
							cellH(g.Other.Q1), cellH(g.Other.Q3), cellH(g.Other.IQR), cellF(x.Mean), cellF(x.SD),
							cellF(x.PctDisagree), cellF(x.PctNeutral), cellF(x.PctAgree), x.Decision.String())
					} else {
						row = append(row, fmt.Sprintf("no: fewer than %d ratings in this group or in the groups hidden with it", sp.MinGroupSize))
					}
					// Full width: the sheet writer reuses its row, so a short one would keep the cells of the row before.
					sh.Rows = append(sh.Rows, append(row, make([]any, len(sh.Header)-len(row))...))
				}
			}
		}
	}
	return []export.Sheet{sh}
}

// cellF and cellH are a statistic's cell, empty when undefined.
func cellF(o analysis.Opt[float64]) any {
	if !o.Valid {
		return nil
	}
	return o.Value
}

func cellH(o analysis.Opt[analysis.Hundredths]) any {
	if !o.Valid {
		return nil
	}
	return o.Value.Float()
}

// allSplits splits the results by every choice field, for the workbook.
func (a *App) allSplits(c echo.Context, d *workflow.Dataset, res *results.Results) ([]*workflow.SubgroupSplit, error) {
	ctx := c.Request().Context()
	fields, err := a.flow.SubgroupFields(ctx, study(c))
	if err != nil {
		return nil, err
	}
	var out []*workflow.SubgroupSplit
	for _, f := range fields {
		sp, err := a.flow.BackgroundSubgroups(ctx, study(c), d, res, f.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, sp)
	}
	return out, nil
}

package web

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/figures"
	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/internal/results"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/rounds"
)

// The results pages for coordinators and researchers: the consensus table
// per round (sortable, per group and per country), Kendall's W and
// stability; the sensitivity of decisions to the rule; attrition; figures.
// Experts appear nowhere by name: tables count them, exports use pseudonyms (E417).

// resultsBase is what every results page shows: the sub-navigation and the
// rounds that have results.
type resultsBase struct {
	basePage
	Res    *results.Results
	Sub    string // results, sensitivity, attrition, figures, methods
	Rounds []int  // closed round numbers
}

// loadResultsPage computes the results for a page; before round 1 closes
// it renders the page with a note instead.
func (a *App) loadResultsPage(c echo.Context, title, sub string) (resultsBase, *workflow.Dataset, bool, error) {
	b := resultsBase{basePage: a.base(c, title), Sub: sub}
	b.Tab = "results"
	d, res, err := a.flow.StudyResults(c.Request().Context(), study(c))
	if err == results.ErrNoClosedRound {
		return b, nil, false, nil
	}
	if err != nil {
		return b, nil, false, err
	}
	b.Res = res
	for _, r := range res.Report.Rounds {
		b.Rounds = append(b.Rounds, r.Round)
	}
	return b, d, true, nil
}

// roundIndex reads ?round=N (default: the last closed round).
func roundIndex(c echo.Context, res *results.Results) (int, error) {
	q := c.QueryParam("round")
	if q == "" {
		return len(res.Report.Rounds) - 1, nil
	}
	n, err := strconv.Atoi(q)
	if err == nil {
		for i, r := range res.Report.Rounds {
			if r.Round == n {
				return i, nil
			}
		}
	}
	return 0, echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("round %q has no results (closed rounds only)", q))
}

// resultRow is one line of the consensus table.
type resultRow struct {
	Statement, Text, Subgroup                       string
	N, NUnable, NMissing                            int
	Median, Q1, Q3, IQR, Q1Other, Q3Other, IQROther analysis.Opt[analysis.Hundredths]
	Mean, SD, PctDisagree, PctNeutral, PctAgree     analysis.Opt[float64]
	Decision                                        string
	// Proposal is the rule's decision where the recorded one departs from
	// it, else ""; Reason is the coordinator's.
	Proposal, Reason string
	// Hidden: a background subgroup with too few ratings to show.
	Hidden bool
}

// column is a sortable table header.
type column struct {
	Key, Label string
	Num        bool
	Href       string
	Sorted     string // "ascending", "descending" or ""
}

type resultsShowPage struct {
	resultsBase
	Estimates []numericResultsView // the numeric rounds' results (results_numeric.go)
	Round     int
	View      string // all, group, country
	Columns   []column
	Rows      []resultRow
	Kendall   []report.RoundReport
	Stability []stabilityRow
	Quantile  string
	Other     string
	RuleDesc  string
	ViewLinks []column
	MinGroup  int // background subgroups with fewer ratings are hidden
	// Criteria is the round's per-criterion table when statements are
	// rated on several criteria (criteria_results.go).
	Criteria *criteriaView
}

type stabilityRow struct {
	Statement, Text string
	S               *report.StabilityReport
}

var resultColumns = []column{
	{Key: "statement", Label: "Statement"}, {Key: "subgroup", Label: "Subgroup"},
	{Key: "n", Label: "n", Num: true}, {Key: "unable", Label: "Unable", Num: true},
	{Key: "median", Label: "Median", Num: true},
	{Key: "q1", Label: "Q1", Num: true}, {Key: "q3", Label: "Q3", Num: true}, {Key: "iqr", Label: "IQR", Num: true},
	{Key: "q1o", Label: "Q1", Num: true}, {Key: "q3o", Label: "Q3", Num: true}, {Key: "iqro", Label: "IQR", Num: true},
	{Key: "mean", Label: "Mean", Num: true}, {Key: "sd", Label: "SD", Num: true},
	{Key: "disagree", Label: "% disagree", Num: true}, {Key: "neutral", Label: "% neutral", Num: true}, {Key: "agree", Label: "% agree", Num: true},
	{Key: "decision", Label: "Decision"},
}

func (a *App) showResultsPage(c echo.Context) error {
	b, d, ok, err := a.loadResultsPage(c, "Results", "results")
	if err != nil || !ok {
		if err == nil {
			return a.render(c, http.StatusOK, "results_show", resultsShowPage{resultsBase: b})
		}
		return err
	}
	res := b.Res
	ri, err := roundIndex(c, res)
	if err != nil {
		return err
	}
	view := c.QueryParam("view")
	fields, err := a.flow.SubgroupFields(c.Request().Context(), study(c))
	if err != nil {
		return err
	}
	var split *workflow.SubgroupSplit // view "field-<id>": a background field's answers
	switch view {
	case "":
		view = "all"
	case "all", "group", "country":
	default:
		if split, err = a.backgroundSplit(c, d, res, view, fields); err != nil {
			return err
		}
	}
	sortKey, dir := c.QueryParam("sort"), c.QueryParam("dir")
	if sortKey == "" {
		sortKey = "statement"
	}
	if !slices.ContainsFunc(resultColumns, func(col column) bool { return col.Key == sortKey }) {
		return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("sort %q: not a column of the table", sortKey))
	}
	if dir != "desc" {
		dir = "asc"
	}
	rr := &res.Report.Rounds[ri]
	p := resultsShowPage{resultsBase: b, Round: rr.Round, View: view, Kendall: res.Report.Rounds,
		Quantile: res.Report.Settings.QuantileLabel, Other: results.OtherQuantile(res.Input.Settings.Quantile).Label(),
		RuleDesc: res.Report.Settings.RuleDescription, MinGroup: rounds.MinGroupSize}
	if p.Estimates, err = a.numericResultsViews(c.Request().Context(), study(c)); err != nil {
		return err
	}
	if split != nil {
		p.Rows = splitRows(split, ri)
	} else {
		p.Rows = resultRows(res, ri, view)
	}
	p.Criteria = criteriaViewOf(res, ri)
	sortRows(p.Rows, sortKey, dir == "desc")
	link := func(v url.Values) string {
		return "/studies/" + strconv.FormatInt(p.Study.ID, 10) + "/results?" + v.Encode()
	}
	for _, col := range resultColumns {
		if col.Key == "subgroup" && view == "all" {
			continue
		}
		v := url.Values{"round": {strconv.Itoa(rr.Round)}, "view": {view}, "sort": {col.Key}}
		if col.Key == sortKey {
			col.Sorted = map[string]string{"asc": "ascending", "desc": "descending"}[dir]
			if dir == "asc" {
				v.Set("dir", "desc")
			}
		}
		col.Href = link(v)
		p.Columns = append(p.Columns, col)
	}
	for _, v := range append([]struct{ key, label string }{{"all", "Whole panel"}, {"group", "Per stakeholder group"}, {"country", "Per country"}}, fieldViews(fields)...) {
		col := column{Key: v.key, Label: v.label, Href: link(url.Values{"round": {strconv.Itoa(rr.Round)}, "view": {v.key}})}
		if v.key == view {
			col.Sorted = "page"
		}
		p.ViewLinks = append(p.ViewLinks, col)
	}
	texts := res.Input.Rounds[ri].Texts
	for i := range rr.Statements {
		if s := rr.Statements[i].Stability; s != nil {
			p.Stability = append(p.Stability, stabilityRow{Statement: rr.Statements[i].Statement, Text: texts[rr.Statements[i].Statement], S: s})
		}
	}
	return a.render(c, http.StatusOK, "results_show", p)
}

// resultRows flattens one round of the report (and of the report under the
// other quartile definition) into table rows.
func resultRows(res *results.Results, ri int, view string) []resultRow {
	rr, other := &res.Report.Rounds[ri], &res.Other.Rounds[ri]
	texts := res.Input.Rounds[ri].Texts
	var rows []resultRow
	for i := range rr.Statements {
		st, ot := &rr.Statements[i], &other.Statements[i]
		if view == "all" {
			proposal := results.RuleDecision(st).String()
			if proposal == st.Decision.String() {
				proposal = ""
			}
			rows = append(rows, resultRow{Proposal: proposal, Reason: st.DecisionReason,
				Statement: st.Statement, Text: texts[st.Statement], N: st.N, NUnable: st.NUnable, NMissing: st.NMissing,
				Median: st.Median, Q1: st.Q1, Q3: st.Q3, IQR: st.IQR, Q1Other: ot.Q1, Q3Other: ot.Q3, IQROther: ot.IQR,
				Mean: st.Mean, SD: st.SD, PctDisagree: st.PctDisagree, PctNeutral: st.PctNeutral, PctAgree: st.PctAgree, Decision: st.Decision.String()})
			continue
		}
		g, og := grouping(st, view), grouping(ot, view)
		if g == nil {
			continue
		}
		for j := range g.Groups {
			x, y := &g.Groups[j], &og.Groups[j]
			rows = append(rows, resultRow{Statement: st.Statement, Text: texts[st.Statement], Subgroup: x.Name, N: x.N, NUnable: x.NUnable, NMissing: x.NMissing,
				Median: x.Median, Q1: x.Q1, Q3: x.Q3, IQR: x.IQR, Q1Other: y.Q1, Q3Other: y.Q3, IQROther: y.IQR,
				Mean: x.Mean, SD: x.SD, PctDisagree: x.PctDisagree, PctNeutral: x.PctNeutral, PctAgree: x.PctAgree, Decision: x.Decision.String()})
		}
	}
	return rows
}

func grouping(s *report.StatementReport, view string) *report.GroupingReport {
	if s.Subgroups == nil {
		return nil
	}
	if view == "group" {
		return s.Subgroups.Group
	}
	return s.Subgroups.Country
}

// sortRows sorts by a column; undefined values go last, ties keep the
// questionnaire order.
func sortRows(rows []resultRow, key string, desc bool) {
	h := func(o analysis.Opt[analysis.Hundredths]) float64 {
		if !o.Valid {
			return math.NaN()
		}
		return o.Value.Float()
	}
	f := func(o analysis.Opt[float64]) float64 {
		if !o.Valid {
			return math.NaN()
		}
		return o.Value
	}
	num := map[string]func(r *resultRow) float64{
		"n": func(r *resultRow) float64 { return float64(r.N) }, "unable": func(r *resultRow) float64 { return float64(r.NUnable) },
		"median": func(r *resultRow) float64 { return h(r.Median) }, "q1": func(r *resultRow) float64 { return h(r.Q1) },
		"q3": func(r *resultRow) float64 { return h(r.Q3) }, "iqr": func(r *resultRow) float64 { return h(r.IQR) },
		"q1o": func(r *resultRow) float64 { return h(r.Q1Other) }, "q3o": func(r *resultRow) float64 { return h(r.Q3Other) },
		"iqro": func(r *resultRow) float64 { return h(r.IQROther) }, "mean": func(r *resultRow) float64 { return f(r.Mean) },
		"sd": func(r *resultRow) float64 { return f(r.SD) }, "disagree": func(r *resultRow) float64 { return f(r.PctDisagree) },
		"neutral": func(r *resultRow) float64 { return f(r.PctNeutral) }, "agree": func(r *resultRow) float64 { return f(r.PctAgree) },
	}
	str := map[string]func(r *resultRow) string{
		"subgroup": func(r *resultRow) string { return r.Subgroup }, "decision": func(r *resultRow) string { return r.Decision },
	}
	if key == "statement" {
		if desc {
			slices.Reverse(rows)
		}
		return
	}
	slices.SortStableFunc(rows, func(a, b resultRow) int {
		var c int
		if fn, ok := num[key]; ok {
			x, y := fn(&a), fn(&b)
			switch {
			case math.IsNaN(x) && math.IsNaN(y):
				return 0
			case math.IsNaN(x):
				return 1
			case math.IsNaN(y):
				return -1
			}
			c = cmp.Compare(x, y)
		} else {
			c = strings.Compare(str[key](&a), str[key](&b))
		}
		if desc {
			c = -c
		}
		return c
	})
}

type sensitivityPage struct {
	resultsBase
	Texts []map[string]string
	// More are criteria 2 (and 3) of a study rated on several criteria
	// (criteria_results.go).
	More []criterionSensitivity
}

func (a *App) showSensitivityPage(c echo.Context) error {
	b, _, _, err := a.loadResultsPage(c, "Sensitivity to the consensus rule", "sensitivity")
	if err != nil {
		return err
	}
	p := sensitivityPage{resultsBase: b}
	if b.Res != nil {
		for _, r := range b.Res.Input.Rounds {
			p.Texts = append(p.Texts, r.Texts)
		}
		p.More = moreSensitivity(b.Res)
	}
	return a.render(c, http.StatusOK, "results_sensitivity", p)
}

type attritionPage struct {
	resultsBase
	Texts map[string]string
}

func (a *App) showAttritionPage(c echo.Context) error {
	b, _, _, err := a.loadResultsPage(c, "Attrition", "attrition")
	if err != nil {
		return err
	}
	p := attritionPage{resultsBase: b, Texts: map[string]string{}}
	if b.Res != nil {
		for _, s := range b.Res.Input.Statements {
			p.Texts[s.Key] = s.Text
		}
	}
	return a.render(c, http.StatusOK, "results_attrition", p)
}

type figuresPage struct {
	resultsBase
	Statements []figureStatement
	Estimates  []figureStatement // statements asked in numeric rounds: a box plot each
}

type figureStatement struct{ Key, Text string }

func (a *App) showFiguresPage(c echo.Context) error {
	b, d, _, err := a.loadResultsPage(c, "Figures", "figures")
	if err != nil {
		return err
	}
	p := figuresPage{resultsBase: b}
	if b.Res != nil {
		numeric := map[string]bool{}
		for _, k := range workflow.NumericKeys(d) { // numeric rounds (results_numeric.go)
			numeric[k] = true
		}
		for _, s := range b.Res.Input.Statements {
			p.Statements = append(p.Statements, figureStatement{s.Key, s.Text})
			if numeric[s.Key] {
				p.Estimates = append(p.Estimates, figureStatement{s.Key, s.Text})
			}
		}
	}
	return a.render(c, http.StatusOK, "results_figures", p)
}

// showFigure serves one figure: participant-flow, statement-flow or
// distribution-<statement>, as .svg or .png.
func (a *App) showFigure(c echo.Context) error {
	name, ext, ok := strings.Cut(c.Param("file"), ".")
	format, err := figures.ParseFormat(ext)
	if !ok || err != nil {
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("figure %q: want a name ending in .svg or .png", c.Param("file")))
	}
	d, res, err := a.resultsOf(c)
	if err != nil {
		return err
	}
	var draw func(w io.Writer) error
	switch {
	case strings.HasPrefix(name, "estimates-"): // a numeric statement's box plot (results_numeric.go)
		key := strings.TrimPrefix(name, "estimates-")
		numbers, values, unit, err := a.flow.EstimatesOf(c.Request().Context(), study(c), d, key)
		if err != nil {
			return err
		}
		if len(numbers) == 0 {
			return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("statement %q was asked in no numeric round", key))
		}
		draw = func(w io.Writer) error { return figures.Estimates("Statement "+key, unit, numbers, values, w, format) }
	case name == "participant-flow":
		draw = func(w io.Writer) error { return figures.ParticipantFlow(res.Flow, w, format) }
	case name == "statement-flow":
		draw = func(w io.Writer) error { return figures.StatementFlow(res.StatementFlow, w, format) }
	case strings.HasPrefix(name, "distribution-"):
		key := strings.TrimPrefix(name, "distribution-")
		var rounds []int
		var freqs [][]int
		for _, rr := range res.Report.Rounds {
			for _, st := range rr.Statements {
				if st.Statement == key {
					rounds = append(rounds, rr.Round)
					freqs = append(freqs, st.Freq.Counts)
				}
			}
		}
		if len(rounds) == 0 {
			return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("statement %q has no results", key))
		}
		draw = func(w io.Writer) error {
			return figures.Distribution("Statement "+key, res.Report.Settings.Scale.Min, rounds, freqs, w, format)
		}
	case strings.HasPrefix(name, "mean-ranks-round-"): // a ranking round (ranking.html)
		var found *results.Ranking
		for i, rk := range res.Input.Rankings {
			if "mean-ranks-round-"+strconv.Itoa(rk.Round) == name {
				found = &res.Input.Rankings[i]
			}
		}
		if found == nil {
			return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("figure %q: no ranking round of that number", name))
		}
		draw = func(w io.Writer) error { return figures.MeanRanks(*found, w, format) }
	default:
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("no figure %q (participant-flow, statement-flow, distribution-<statement>, mean-ranks-round-<n>)", name))
	}
	// Drawn into a buffer first: a failure is a clean error, not half an image.
	var buf bytes.Buffer
	if err := draw(&buf); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	if c.QueryParam("download") != "" {
		h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="study-%d-%s"`, study(c).ID, c.Param("file")))
	}
	return c.Blob(http.StatusOK, format.ContentType(), buf.Bytes())
}

// methodsPage is the printable methods report.
type methodsPage struct {
	resultsBase
	Paragraphs []string
	Items      []results.Item
	Narrative  store.MethodsNarrative
	Panel      workflow.PanelDescription // the background form's answers
}

// narrativeFields are the narrative items, in the order of the form.
var narrativeFields = []struct{ Key, Label, Hint string }{
	{"rationale", "Purpose and rationale", "Why a Delphi study, and what question it answers."},
	{"steering_group", "Steering group", "Who designed the study and chose the statements and panel."},
	{"funding", "Funding", "Who paid for the study, and their role."},
	{"conflicts", "Conflicts of interest", "Of the steering group and, in aggregate, of the panel."},
	{"limitations", "Limitations", "For example the panel's composition, attrition, the rule chosen."},
}

// narrativeValue reads one narrative field by key.
func narrativeValue(m store.MethodsNarrative, key string) string {
	switch key {
	case "rationale":
		return m.Rationale
	case "steering_group":
		return m.SteeringGroup
	case "funding":
		return m.Funding
	case "conflicts":
		return m.Conflicts
	case "limitations":
		return m.Limitations
	}
	return ""
}

func (a *App) showMethodsPage(c echo.Context) error {
	b, _, _, err := a.loadResultsPage(c, "Methods report", "methods")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	st := study(c)
	p := methodsPage{resultsBase: b}
	if p.Narrative, err = a.store.MethodsNarrative(ctx, st.ID); err != nil {
		return err
	}
	if b.Res == nil {
		return a.render(c, http.StatusOK, "results_methods", p)
	}
	if p.Panel, err = a.flow.PanelDescription(ctx, st); err != nil {
		return err
	}
	sc, err := st.Scale()
	if err != nil {
		return err
	}
	all, err := a.store.RoundsByStudy(ctx, st.ID)
	if err != nil {
		return err
	}
	facts := results.StudyFacts{Title: st.Title, ScaleLabels: sc.Labels, MaxRounds: st.MaxRounds, Software: "the Delphi platform (github.com/delphi-platform/delphi)",
		Feedback:  "for each carried statement the panel's distribution, median, IQR and % agreement, the expert's own previous rating, and selected anonymised comments",
		Anonymity: "anonymous to other panellists; exports use pseudonymous IDs"}
	for _, r := range all {
		if r.Status == "open" {
			facts.OpenRound = r.Number
		}
	}
	p.Paragraphs = b.Res.Methods(facts)
	p.Paragraphs = append(p.Paragraphs, numericMethods(st, sc, all, b.Res.Report.Settings.QuantileLabel)...) // results_numeric.go
	p.Items = b.Res.Checklist(facts)
	return a.render(c, http.StatusOK, "results_methods", p)
}

// saveMethodsNarrative keeps the narrative items; researchers may write
// them (they describe the study, they do not change it).
func (a *App) saveMethodsNarrative(c echo.Context) error {
	st := study(c)
	m := store.MethodsNarrative{StudyID: st.ID,
		Rationale: strings.TrimSpace(c.FormValue("rationale")), SteeringGroup: strings.TrimSpace(c.FormValue("steering_group")),
		Funding: strings.TrimSpace(c.FormValue("funding")), Conflicts: strings.TrimSpace(c.FormValue("conflicts")),
		Limitations: strings.TrimSpace(c.FormValue("limitations"))}
	for _, f := range narrativeFields {
		if n := len(narrativeValue(m, f.Key)); n > 20000 {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, fmt.Sprintf("%s: %d characters; at most 20000", f.Label, n))
		}
	}
	if err := a.store.SaveMethodsNarrative(c.Request().Context(), user(c).ID, m); err != nil {
		return err
	}
	setFlash(c, "The narrative items are saved.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d/results/methods", st.ID))
}

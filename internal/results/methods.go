package results

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/delphi-platform/delphi/analysis"
)

// StudyFacts are what the methods report needs besides the results.
type StudyFacts struct {
	Title       string
	ScaleLabels []string
	MaxRounds   int
	OpenRound   int // the number of a round still open, 0 for none
	Software    string
	Feedback    string // what panellists saw between rounds
	Anonymity   string
}

// Item is one CREDES or ACCORD reporting item with the value the data
// gives, or "" for a narrative item the researcher fills in.
type Item struct {
	Guideline string // CREDES or ACCORD
	Topic     string
	Value     string
	Narrative string // the narrative field that answers it, if any
}

// count is a label with how many.
type count struct {
	label string
	n     int
}

func counts(labels []string) []count {
	idx := map[string]int{}
	var out []count
	for _, l := range labels {
		if l == "" {
			l = "not given"
		}
		if i, ok := idx[l]; ok {
			out[i].n++
			continue
		}
		idx[l] = len(out)
		out = append(out, count{l, 1})
	}
	// Largest first, ties by name: not in the experts' order, which is
	// their random pseudonyms'.
	slices.SortStableFunc(out, func(a, b count) int { return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.label, b.label)) })
	return out
}

func joinCounts(cs []count) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("%s %d", c.label, c.n)
	}
	return strings.Join(parts, ", ")
}

func pct1(o analysis.Opt[float64]) string {
	if !o.Valid {
		return "—"
	}
	return strconv.FormatFloat(o.Value, 'f', 1, 64) + " %"
}

func band(b analysis.Band) string {
	if b.Lo == b.Hi {
		return strconv.Itoa(b.Lo)
	}
	return fmt.Sprintf("%d–%d", b.Lo, b.Hi)
}

// Methods writes the methods paragraphs from the results: panel
// composition, rounds and dates, scale and bands, the consensus
// definition and its lock date, the quartile definition, response and
// retention per round, and what happened to the statements.
func (r *Results) Methods(f StudyFacts) []string {
	in, s := r.Input, r.Report.Settings
	var groups, countries []string
	for _, e := range in.Ratings.Experts {
		groups = append(groups, e.Group)
		countries = append(countries, e.Country)
	}
	gc, cc := counts(groups), counts(countries)
	var ps []string
	closed := len(in.Rounds)
	rounds := fmt.Sprintf("%d round", closed)
	if closed != 1 {
		rounds += "s"
	}
	open := ""
	if f.OpenRound > 0 {
		open = fmt.Sprintf(" Round %d is still open; these results cover the closed rounds only.", f.OpenRound)
	}
	ps = append(ps, fmt.Sprintf("This Delphi study (%s) had %s closed at the time of this report, of up to %d planned.%s The panel comprised %d experts in %d stakeholder groups (%s), working in %d countries (%s).",
		f.Title, rounds, f.MaxRounds, open, len(in.Ratings.Experts), len(gc), joinCounts(gc), len(cc), joinCounts(cc)))

	if in.RealTime != nil {
		ps = append(ps, in.RealTime.Methods)
	}
	var dates []string
	for _, ri := range in.Rounds {
		dates = append(dates, fmt.Sprintf("round %d from %s to %s", ri.Number, ri.OpenedAt.UTC().Format("2 January 2006"), ri.ClosedAt.UTC().Format("2 January 2006")))
	}
	ps = append(ps, "The rounds ran "+strings.Join(dates, "; ")+".")

	scale := fmt.Sprintf("Experts rated each statement on a %d–%d scale", s.Scale.Min, s.Scale.Max)
	if len(f.ScaleLabels) > 1 {
		scale += fmt.Sprintf(" (%d = %s to %d = %s)", s.Scale.Min, f.ScaleLabels[0], s.Scale.Max, f.ScaleLabels[len(f.ScaleLabels)-1])
	}
	neutral := ""
	if !s.Bands.Neutral.Empty() {
		neutral = fmt.Sprintf(", %s as neutral", band(s.Bands.Neutral))
	}
	lock := "The consensus definition was not locked before round 1."
	if !in.LockedAt.IsZero() {
		lock = fmt.Sprintf("This definition was specified a priori and locked on %s, when round 1 opened.", in.LockedAt.UTC().Format("2 January 2006"))
	}
	ps = append(ps, fmt.Sprintf("%s; ratings of %s counted as disagreement%s and %s as agreement, and experts could answer \"unable to rate\". Consensus was defined as %s. %s Quartiles and the interquartile range were computed as %s. Percentages use the valid ratings of each statement as the denominator; \"unable to rate\" answers and missing answers are reported separately.",
		scale, band(s.Bands.Disagree), neutral, band(s.Bands.Agree), s.RuleDescription, lock, s.QuantileLabel))
	if c := r.criteriaMethods(); c != "" {
		ps = append(ps, c)
	}

	var resp []string
	for i, fr := range r.Flow {
		x := fmt.Sprintf("round %d: %d of %d invited experts responded (%s)", fr.Round, fr.Responded, fr.Invited, pct1(fr.ResponseRatePct))
		if i > 0 {
			x += fmt.Sprintf(", %s of round-1 respondents retained, %d dropped out since round %d", pct1(fr.RetentionVsRound1Pct), fr.DroppedSincePreviousRound.Or(0), r.Flow[i-1].Round)
		}
		resp = append(resp, x)
	}
	ps = append(ps, "Response and retention: "+strings.Join(resp, "; ")+fmt.Sprintf(". %d experts responded in every closed round.", r.Attrition.Completers))

	var st []string
	for _, sf := range r.StatementFlow {
		x := fmt.Sprintf("round %d presented %d statements", sf.Round, sf.Presented)
		var from []string
		for _, p := range []struct {
			n    int
			what string
		}{{sf.New, "new"}, {sf.Carried, "carried forward"}, {sf.Reworded, "reworded"}, {sf.Added, "added from comments"}} {
			if p.n > 0 {
				from = append(from, fmt.Sprintf("%d %s", p.n, p.what))
			}
		}
		x += " (" + strings.Join(from, ", ") + fmt.Sprintf("): %d reached consensus in, %d consensus out, %d none", sf.In, sf.Out, sf.None)
		st = append(st, x)
	}
	var kw []string
	for _, rr := range r.Report.Rounds {
		k := rr.KendallW
		if k.WTieCorrected.Valid {
			kw = append(kw, fmt.Sprintf("%.3f (%s) in round %d", k.WTieCorrected.Value, k.Band.Or("—"), rr.Round))
		}
	}
	p := "Statements: " + strings.Join(st, "; ") + "."
	if o := overridesText(r.Overrides()); o != "" {
		p += " " + o
	}
	if len(kw) > 0 {
		p += " Agreement across the panel (Kendall's W, tie-corrected, experts with missing answers excluded) was " + strings.Join(kw, ", ") + "."
	}
	ps = append(ps, p)
	if rk := rankingMethods(in.Rankings); rk != "" {
		ps = append(ps, rk)
	}
	if f.Software != "" {
		ps = append(ps, "The study was run and analysed with "+f.Software+".")
	}
	return ps
}

// Checklist lists the CREDES and ACCORD items the platform can fill, with
// their values, and the narrative items with the field that answers them.
// Item names are paraphrased (SPEC §7.3, §7.4): check them against the
// published checklists before submission.
func (r *Results) Checklist(f StudyFacts) []Item {
	in := r.Input
	var resp, perRound []string
	for _, fr := range r.Flow {
		resp = append(resp, fmt.Sprintf("round %d: %d/%d (%s)", fr.Round, fr.Responded, fr.Invited, pct1(fr.ResponseRatePct)))
	}
	for _, sf := range r.StatementFlow {
		perRound = append(perRound, fmt.Sprintf("round %d: %d presented, %d in, %d out, %d no consensus, %d reworded, %d added", sf.Round, sf.Presented, sf.In, sf.Out, sf.None, sf.Reworded, sf.Added))
	}
	var gs []string
	for _, g := range r.Attrition.Groups {
		gs = append(gs, fmt.Sprintf("%s %d", g.Name, g.Invited[0]))
	}
	lock := "not locked"
	if !in.LockedAt.IsZero() {
		lock = "specified a priori, locked " + in.LockedAt.UTC().Format("2006-01-02")
	}
	consensus := r.Report.Settings.RuleDescription + " (" + lock + ")"
	var final []string
	last := r.Report.Rounds[len(r.Report.Rounds)-1]
	nIn := 0
	for _, rr := range r.Report.Rounds {
		nIn += rr.ConsensusIn
	}
	final = append(final, fmt.Sprintf("%d statements reached consensus in over all rounds; %d without consensus in round %d", nIn, last.NoConsensus, last.Round))
	items := []Item{
		{"CREDES", "Purpose and rationale", "", "rationale"},
		{"CREDES", "Expert panel: selection and characteristics", fmt.Sprintf("%d experts; groups: %s", len(in.Ratings.Experts), strings.Join(gs, ", ")), ""},
		{"CREDES", "Description of the methods: survey mode, number of rounds, feedback", fmt.Sprintf("online survey; %d rounds closed of %d planned; feedback: %s", len(in.Rounds), f.MaxRounds, f.Feedback), ""},
		{"CREDES", "Procedure and flowchart", "participant and statement flow figures (Figures)", ""},
		{"CREDES", "Delphi variant", variant(in), ""},
		{"CREDES", "Definition and attainment of consensus", consensus, ""},
		{"CREDES", "Results of each round, with response rates", strings.Join(resp, "; "), ""},
		{"CREDES", "Items per round and what happened to them", strings.Join(perRound, "; "), ""},
		{"CREDES", "Discussion of limitations", "", "limitations"},
		{"ACCORD", "Consensus method", "Delphi (online, anonymous rounds)", ""},
		{"ACCORD", "Steering committee", "", "steering_group"},
		{"ACCORD", "Participants per stakeholder group", strings.Join(gs, ", "), ""},
		{"ACCORD", "Definition of consensus and threshold, a priori", consensus, ""},
		{"ACCORD", "Number of rounds and stopping rule", fmt.Sprintf("up to %d rounds; statements without consensus after the last round are unresolved", f.MaxRounds), ""},
		{"ACCORD", "Rating scale", fmt.Sprintf("%d–%d", r.Report.Settings.Scale.Min, r.Report.Settings.Scale.Max), ""},
		{"ACCORD", "Feedback between rounds", f.Feedback, ""},
		{"ACCORD", "Anonymity", f.Anonymity, ""},
		{"ACCORD", "Analysis methods", "medians, quartiles (" + r.Report.Settings.QuantileLabel + "), % agreement; Kendall's W; Wilcoxon and McNemar for stability; Mann–Whitney for attrition bias", ""},
		{"ACCORD", "Software", f.Software, ""},
		{"ACCORD", "Participants invited and responding per round", strings.Join(resp, "; "), ""},
		{"ACCORD", "Items reaching and not reaching consensus", strings.Join(final, "; "), ""},
		{"ACCORD", "Funding", "", "funding"},
		{"ACCORD", "Conflicts of interest", "", "conflicts"},
	}
	return items
}

// variant names the Delphi design: classic rounds, or real time with its
// snapshots and revisions.
func variant(in *Input) string {
	rt := in.RealTime
	if rt == nil {
		return "classic: rounds with controlled feedback between them"
	}
	return fmt.Sprintf("real-time Delphi (one round, live group figures); analysed at %s; %d of %d experts changed at least one rating, %d after seeing the group's figures",
		strings.Join(rt.Snapshots, ", "), rt.Revised, rt.Answered, rt.RevisedAfterGroup)
}

package report

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/delphi-platform/delphi/analysis"
)

// Build analyses every round of the ratings under the settings. Statements
// of a round appear in Ratings.Statements order; each statement's stability
// compares it with the most recent earlier round that presented it. The
// work is spread over GOMAXPROCS goroutines; the result does not depend on
// their number.
func Build(ctx context.Context, r *Ratings, s analysis.Settings) (*Report, error) {
	a, err := analysis.NewAnalyzer(s)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if err := r.validate(); err != nil {
		return nil, err
	}
	b := builder{r: r, a: a, s: s}
	b.prepare()
	rep := &Report{Settings: settingsInfo(s), Rounds: make([]RoundReport, len(r.Rounds))}

	// One job per (round, statement) and one Kendall job per round.
	type job struct{ round, stmt, slot int } // stmt < 0: Kendall's W
	var jobs []job
	for ri := range r.Rounds {
		rr := &rep.Rounds[ri]
		rr.Round = r.Rounds[ri].Number
		rr.Respondents = len(b.rounds[ri].respondents)
		rr.Statements = make([]StatementReport, len(b.rounds[ri].presented))
		rr.StatementsPresented = len(b.rounds[ri].presented)
		jobs = append(jobs, job{ri, -1, 0})
		for slot, si := range b.rounds[ri].presented {
			jobs = append(jobs, job{ri, si, slot})
		}
	}

	var (
		next     atomic.Int64
		errOnce  sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	fail := func(err error) { errOnce.Do(func() { firstErr = err }) }
	workers := min(runtime.GOMAXPROCS(0), max(1, len(jobs)))
	for range workers {
		wg.Go(func() {
			var sc scratch
			for {
				i := int(next.Add(1)) - 1
				if i >= len(jobs) || ctx.Err() != nil {
					return
				}
				j := jobs[i]
				rr := &rep.Rounds[j.round]
				if j.stmt < 0 {
					if err := b.kendall(j.round, rr); err != nil {
						fail(err)
						return
					}
					continue
				}
				if err := b.statement(j.round, j.stmt, &rr.Statements[j.slot], &sc); err != nil {
					fail(fmt.Errorf("report: round %d, statement %q: %w", rr.Round, r.Statements[j.stmt], err))
					return
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if firstErr != nil {
		return nil, firstErr
	}
	for ri := range rep.Rounds {
		rr := &rep.Rounds[ri]
		rr.CountDecisions()
		for i := range rr.Statements {
			rr.NUnable += rr.Statements[i].NUnable
			rr.NSkipped += rr.Statements[i].NMissing
		}
	}
	return rep, nil
}

// CountDecisions sets the round's decision counts (consensus_in, …) from
// its statements' decisions.
func (rr *RoundReport) CountDecisions() {
	rr.ConsensusIn, rr.ConsensusOut, rr.NoConsensus, rr.Insufficient = 0, 0, 0, 0
	for i := range rr.Statements {
		switch rr.Statements[i].Decision {
		case analysis.DecisionIn:
			rr.ConsensusIn++
		case analysis.DecisionOut:
			rr.ConsensusOut++
		case analysis.DecisionNone:
			rr.NoConsensus++
		default:
			rr.Insufficient++
		}
	}
}

func settingsInfo(s analysis.Settings) SettingsInfo {
	sens := s.Sensitivity()
	info := SettingsInfo{
		Scale:           ScaleInfo{Min: s.Scale.Min, Max: s.Scale.Max},
		Bands:           BandsInfo{Disagree: s.Bands.Disagree, Neutral: s.Bands.Neutral, Agree: s.Bands.Agree},
		Quantile:        s.Quantile.String(),
		QuantileLabel:   s.Quantile.Label(),
		Rule:            s.Rule.String(),
		RuleDescription: s.Rule.Describe(),
		DecisionRules: DecisionRulesInfo{
			Percent: sens.Percent.String(),
			COMET:   sens.COMET.String(),
		},
		Denominator: "valid",
	}
	if sens.IQR.Valid {
		info.DecisionRules.IQR = analysis.Some(sens.IQR.Value.String())
	}
	if sens.RAND.Valid {
		info.DecisionRules.RAND = analysis.Some(sens.RAND.Value.String())
	}
	return info
}

// builder holds what every job of one Build reads.
type builder struct {
	r      *Ratings
	a      *analysis.Analyzer
	s      analysis.Settings
	rounds []roundPrep
	// previous[ri][si] is the index of the latest earlier round presenting
	// statement si, or -1.
	previous [][]int
	byGroup  analysis.Grouping
	byCtry   analysis.Grouping
}

// roundPrep is one round, prepared for the jobs.
type roundPrep struct {
	respondents []int // expert indices
	presented   []int // statement indices, in report order
	// compact[si] holds statement si's responses of the respondents only,
	// in respondents order: descriptives count skipped items, not
	// non-respondents, and Kendall's W ranks the respondents.
	compact [][]analysis.Response
	// groups and countries restrict the groupings to the respondents.
	groups, countries analysis.Grouping
}

func (b *builder) prepare() {
	r := b.r
	nE := len(r.Experts)
	if r.HasGroup {
		labels := make([]string, nE)
		for i, e := range r.Experts {
			labels[i] = e.Group
		}
		b.byGroup = analysis.NewGrouping(labels)
	}
	if r.HasCountry {
		labels := make([]string, nE)
		for i, e := range r.Experts {
			labels[i] = e.Country
		}
		b.byCtry = analysis.NewGrouping(labels)
	}
	b.rounds = make([]roundPrep, len(r.Rounds))
	b.previous = make([][]int, len(r.Rounds))
	last := make([]int, len(r.Statements))
	for i := range last {
		last[i] = -1
	}
	for ri := range r.Rounds {
		rd := &r.Rounds[ri]
		p := &b.rounds[ri]
		p.respondents = rd.respondents(nE)
		p.compact = make([][]analysis.Response, len(r.Statements))
		b.previous[ri] = make([]int, len(r.Statements))
		// Usually every expert responds; then the columns are used as they are.
		everyone := len(p.respondents) == nE
		var buf []analysis.Response
		if !everyone {
			buf = make([]analysis.Response, 0, len(p.respondents)*len(r.Statements))
		}
		for si, col := range rd.Responses {
			b.previous[ri][si] = -1
			if col == nil {
				continue
			}
			p.presented = append(p.presented, si)
			b.previous[ri][si] = last[si]
			last[si] = ri
			if everyone {
				p.compact[si] = col
				continue
			}
			start := len(buf)
			for _, e := range p.respondents {
				buf = append(buf, col[e])
			}
			p.compact[si] = buf[start:len(buf):len(buf)]
		}
		respondent := make([]bool, nE)
		for _, e := range p.respondents {
			respondent[e] = true
		}
		p.groups = restrict(b.byGroup, respondent)
		p.countries = restrict(b.byCtry, respondent)
	}
}

// restrict keeps only respondents in a grouping (others get -1), so that a
// group's n_missing counts skipped items, not experts absent from the round.
func restrict(g analysis.Grouping, keep []bool) analysis.Grouping {
	if g.Member == nil {
		return g
	}
	m := make([]int, len(g.Member))
	for i, x := range g.Member {
		m[i] = -1
		if keep[i] {
			m[i] = x
		}
	}
	return analysis.Grouping{Names: g.Names, Member: m}
}

func (b *builder) kendall(ri int, rr *RoundReport) error {
	p := &b.rounds[ri]
	cols := make([][]analysis.Response, len(p.presented))
	for i, si := range p.presented {
		cols[i] = p.compact[si]
	}
	k, err := b.a.Kendall(cols, analysis.DropExperts)
	if err != nil {
		return err
	}
	ks, err := b.a.Kendall(cols, analysis.DropStatements)
	if err != nil {
		return err
	}
	rr.KendallW = kendallReport(&k, len(cols))
	rr.KendallWDropStatements = kendallReport(&ks, len(cols))
	return nil
}

func kendallReport(k *analysis.KendallResult, statements int) KendallReport {
	out := KendallReport{
		W:                 k.W,
		WTieCorrected:     k.WTieCorrected,
		Chi2:              k.Chi2,
		DF:                k.DF,
		P:                 k.P,
		ExpertsUsed:       k.M,
		ExpertsDropped:    k.ExpertsDropped,
		StatementsUsed:    k.N,
		StatementsDropped: statements - k.N,
		Note:              k.Reason,
	}
	if k.Band.Valid {
		out.Band = analysis.Some(k.Band.Value.String())
	}
	if out.Note == "" && k.SmallN && k.WTieCorrected.Valid {
		out.Note = "chi-square approximation is poor with 7 or fewer statements"
	}
	return out
}

// statement fills the report of statement si in round ri.
func (b *builder) statement(ri, si int, out *StatementReport, sc *scratch) error {
	a, s := b.a, b.s
	p := &b.rounds[ri]
	res, err := a.Statement(p.compact[si])
	if err != nil {
		return err
	}
	q := res.Quantiles(s.Quantile)
	*out = StatementReport{
		Statement:   b.r.Statements[si],
		Label:       b.r.label(si),
		N:           res.N,
		NUnable:     res.NUnable,
		NMissing:    res.NMissing,
		Mean:        res.Mean,
		SD:          res.SD,
		CV:          res.CV,
		Min:         res.Min,
		Max:         res.Max,
		Median:      res.Median,
		Q1:          q.Q1,
		Q3:          q.Q3,
		IQR:         q.IQR,
		P30:         q.P30,
		P70:         q.P70,
		Modes:       res.Modes,
		Freq:        Freq{Min: s.Scale.Min, Counts: res.Freq},
		PctAgree:    res.BandPct(analysis.BandAgree),
		PctNeutral:  res.BandPct(analysis.BandNeutral),
		PctDisagree: res.BandPct(analysis.BandDisagree),
		Decision:    res.Decision,
		Decisions: DecisionsReport{
			Percent: res.Decisions.Percent,
			COMET:   res.Decisions.COMET,
			IQR:     res.Decisions.IQR,
			RAND:    res.Decisions.RAND,
		},
	}
	if res.RAND != nil {
		out.RAND = res.RAND.Classification(s.Quantile)
	}

	full := b.r.Rounds[ri].Responses[si]
	if pr := b.previous[ri][si]; pr >= 0 {
		st, err := a.Stability(b.r.Rounds[pr].Responses[si], full)
		if err != nil {
			return err
		}
		out.Stability = stabilityReport(b.r.Rounds[pr].Number, &st)
	}
	if b.r.HasGroup || b.r.HasCountry {
		out.Subgroups = &SubgroupsReport{}
		if b.r.HasGroup {
			if out.Subgroups.Group, err = b.grouping(full, p.groups, sc); err != nil {
				return err
			}
		}
		if b.r.HasCountry {
			if out.Subgroups.Country, err = b.grouping(full, p.countries, sc); err != nil {
				return err
			}
		}
	}
	return nil
}

func stabilityReport(prevRound int, st *analysis.StabilityResult) *StabilityReport {
	return &StabilityReport{
		PreviousRound:         prevRound,
		NPairs:                st.NPairs,
		PctChanged:            st.PctChanged,
		PctChangedBand:        st.PctChangedBand,
		MeanChange:            st.MeanChange,
		MeanAbsChange:         st.MeanAbsChange,
		WilcoxonWPlus:         st.Wilcoxon.WPlus,
		WilcoxonWMinus:        st.Wilcoxon.WMinus,
		WilcoxonNNonzero:      st.Wilcoxon.NNonzero,
		WilcoxonZ:             st.Wilcoxon.Z,
		WilcoxonP:             st.Wilcoxon.P,
		WilcoxonPExact:        st.Wilcoxon.PExactCond,
		McNemarB:              st.McNemar.B(),
		McNemarC:              st.McNemar.C(),
		McNemarP:              st.McNemar.PExact,
		DistributionChangePct: st.DistributionChangePct,
		DeltaCV:               st.DeltaCV,
	}
}

// scratch is one goroutine's reusable buffers.
type scratch struct {
	resp [][]analysis.Response // per group
	vals [][]int               // per group: valid ratings
}

// grouping analyses one statement per group. It splits the responses by
// group and analyses each group like a statement, which costs far less
// memory than analysis.Analyzer.Subgroups (whose full per-group results the
// report does not need); the numbers are the same.
func (b *builder) grouping(full []analysis.Response, g analysis.Grouping, sc *scratch) (*GroupingReport, error) {
	k := len(g.Names)
	for len(sc.resp) < k {
		sc.resp = append(sc.resp, nil)
		sc.vals = append(sc.vals, nil)
	}
	for i := range k {
		sc.resp[i], sc.vals[i] = sc.resp[i][:0], sc.vals[i][:0]
	}
	for e, x := range full {
		gi := g.Member[e]
		if gi < 0 {
			continue
		}
		sc.resp[gi] = append(sc.resp[gi], x)
		if x.IsRating() {
			sc.vals[gi] = append(sc.vals[gi], int(x))
		}
	}
	out := &GroupingReport{Groups: make([]GroupReport, k)}
	for i := range k {
		gr, err := b.a.Statement(sc.resp[i])
		if err != nil {
			return nil, err
		}
		q := gr.Quantiles(b.s.Quantile)
		out.Groups[i] = GroupReport{
			Name:        g.Names[i],
			N:           gr.N,
			NUnable:     gr.NUnable,
			NMissing:    gr.NMissing,
			Mean:        gr.Mean,
			SD:          gr.SD,
			Median:      gr.Median,
			Q1:          q.Q1,
			Q3:          q.Q3,
			IQR:         q.IQR,
			PctAgree:    gr.BandPct(analysis.BandAgree),
			PctNeutral:  gr.BandPct(analysis.BandNeutral),
			PctDisagree: gr.BandPct(analysis.BandDisagree),
			Decision:    gr.Decision,
		}
	}
	kw := analysis.KruskalWallis(sc.vals[:k])
	out.KruskalWallis = KWReport{K: kw.K, N: kw.N, H: kw.H, DF: kw.DF, P: kw.P, EpsilonSquared: kw.EpsilonSquared}
	return out, nil
}

package analysis

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat"
)

// percentThresholds holds the cases whose percent-agreement threshold is not
// the default 75 % (an input of the case, stated in its description).
var percentThresholds = map[string]Hundredths{"d10_threshold_edge_n23_1to5": 7000}

// TestVectors asserts every expected value of every reference case.
func TestVectors(t *testing.T) {
	v := loadVectors(t)
	if len(v.Cases) != 25 {
		t.Fatalf("vectors: %d cases, want 25", len(v.Cases))
	}
	for _, vc := range v.Cases {
		t.Run(vc.ID, func(t *testing.T) {
			c := newVCheck(t, vc.Expected)
			switch vc.Kind {
			case "single_statement":
				checkSingle(t, c, &vc)
			case "paired_rounds":
				s := vc.Scale.settings()
				r, err := Stability(responsesOf(vc.RoundA), responsesOf(vc.RoundB), s)
				if err != nil {
					t.Fatal(err)
				}
				checkStability(c, "", &r)
			case "subgroups":
				checkSubgroupsCase(t, c, &vc)
			case "kendall_w":
				checkKendallCase(t, c, &vc)
			case "panel":
				checkPanel(t, c, &vc)
			default:
				t.Fatalf("unknown kind %q", vc.Kind)
			}
			c.requireAllAsserted()
			t.Logf("%d expected values compared", c.count())
		})
	}
}

func checkSingle(t *testing.T, c *vcheck, vc *vectorCase) {
	s := vc.Scale.settings()
	if th, ok := percentThresholds[vc.ID]; ok {
		s.Rule.Threshold = th
	}
	r, err := AnalyzeStatement(responsesOf(vc.Responses), s)
	if err != nil {
		t.Fatal(err)
	}
	checkDescriptives(c, "descriptives", &r)
	checkConsensus(c, "consensus", &r)
	if r.RAND != nil || c.has("rand_ucla") {
		if r.RAND == nil {
			t.Fatal("rand_ucla expected but RAND is nil")
		}
		checkRAND(c, "rand_ucla", r.RAND)
	}
}

func checkDescriptives(c *vcheck, p string, r *StatementResult) {
	c.eq(join(p, "n_total_slots"), r.NTotal)
	c.eq(join(p, "n_missing"), r.NMissing)
	c.eq(join(p, "n_unable"), r.NUnable)
	c.eq(join(p, "n"), r.N)
	c.eq(join(p, "mean"), r.Mean)
	c.eq(join(p, "min"), r.Min)
	c.eq(join(p, "max"), r.Max)
	c.eq(join(p, "median"), r.Median)
	c.eq(join(p, "variance"), r.Variance)
	c.eq(join(p, "sd"), r.SD)
	c.eq(join(p, "sd_reason"), r.SDReason())
	c.eq(join(p, "cv"), r.CV)
	c.eq(join(p, "modes"), r.Modes)
	c.eq(join(p, "mode_count"), r.ModeCount)
	for v := r.Scale.Min; v <= r.Scale.Max; v++ {
		c.eq(join(p, "freq", strconv.Itoa(v)), r.Count(v))
		c.eq(join(p, "pct", strconv.Itoa(v)), r.Pct(v))
	}
	for _, k := range []BandKind{BandDisagree, BandNeutral, BandAgree} {
		c.eq(join(p, "band_count", k.String()), r.BandCount.Of(k))
		c.eq(join(p, "band_pct", k.String()), r.BandPct(k))
	}
	for _, q := range []*Quantiles{&r.Type6, &r.Type7} {
		qp := join(p, "quantiles", q.Type.String())
		checkQuantiles(c, qp, q)
		if q.Type == Type6 {
			e := q.ExcelExc
			c.eq(join(qp, "excel_exc_num_error", "q1"), e.Q1)
			c.eq(join(qp, "excel_exc_num_error", "median"), e.Median)
			c.eq(join(qp, "excel_exc_num_error", "q3"), e.Q3)
			c.eq(join(qp, "excel_exc_num_error", "p30"), e.P30)
			c.eq(join(qp, "excel_exc_num_error", "p70"), e.P70)
		}
	}
	checkGonumQuantiles(c, join(p, "quantiles"), r)
}

func checkQuantiles(c *vcheck, p string, q *Quantiles) {
	c.eq(join(p, "q1"), q.Q1)
	c.eq(join(p, "median"), q.Median)
	c.eq(join(p, "q3"), q.Q3)
	c.eq(join(p, "p30"), q.P30)
	c.eq(join(p, "p70"), q.P70)
	c.eq(join(p, "iqr"), q.IQR)
}

// checkGonumQuantiles reproduces the vectors' gonum_quantile_* blocks by
// calling gonum's stat.Quantile, which is what they record (SPEC §2.4). It
// documents why the package must not use stat.Quantile: the values are R
// types 1 and 4, not the platform's types 6 and 7.
func checkGonumQuantiles(c *vcheck, p string, r *StatementResult) {
	var xs []float64
	for v := r.Scale.Min; v <= r.Scale.Max; v++ {
		for range r.Count(v) {
			xs = append(xs, float64(v))
		}
	}
	for _, kind := range []struct {
		name string
		k    stat.CumulantKind
	}{{"gonum_quantile_empirical", stat.Empirical}, {"gonum_quantile_lininterp", stat.LinInterp}} {
		kp := join(p, kind.name)
		if len(xs) == 0 { // gonum panics on empty data; the vectors hold nulls
			for _, f := range []string{"q1", "median", "q3", "p30", "p70", "iqr"} {
				c.eq(join(kp, f), Opt[float64]{})
			}
			continue
		}
		q := func(pr float64) float64 { return stat.Quantile(pr, kind.k, xs, nil) }
		c.eq(join(kp, "q1"), q(0.25))
		c.eq(join(kp, "median"), q(0.5))
		c.eq(join(kp, "q3"), q(0.75))
		c.eq(join(kp, "p30"), q(0.3))
		c.eq(join(kp, "p70"), q(0.7))
		c.eq(join(kp, "iqr"), q(0.75)-q(0.25))
	}
}

func checkConsensus(c *vcheck, p string, r *StatementResult) {
	c.eq(join(p, "insufficient_data"), r.Insufficient())
	if pp := join(p, "percent_agreement"); c.block(pp, r.Insufficient()) {
		c.eq(join(pp, "threshold_pct"), r.Percent.Threshold)
		c.eq(join(pp, "consensus_agree"), r.Percent.Agree)
		c.eq(join(pp, "consensus_disagree"), r.Percent.Disagree)
		c.eq(join(pp, "decision"), r.Percent.Decision)
	}
	if pp := join(p, "median_iqr"); c.block(pp, r.Insufficient()) {
		c.eq(join(pp, "iqr_threshold"), r.IQRRule.Limit)
		c.eq(join(pp, "median_direction"), r.IQRRule.Direction)
		for _, t := range []QuantileType{Type6, Type7} {
			d := r.IQRRule.Of(t)
			tp := join(pp, t.String())
			c.eq(join(tp, "iqr"), d.IQR)
			c.eq(join(tp, "iqr_consensus"), d.Consensus)
			c.eq(join(tp, "consensus_agree"), d.Agree)
			c.eq(join(tp, "decision"), d.Decision)
		}
	}
	if pp := join(p, "comet_70_15"); c.block(pp, r.Insufficient()) {
		c.eq(join(pp, "strict_lt15"), r.COMET.Strict)
		c.eq(join(pp, "inclusive_le15"), r.COMET.Inclusive)
	}
	if pp := join(p, "cv"); c.block(pp, r.Insufficient()) {
		c.eq(join(pp, "cv"), r.CV)
		c.eq(join(pp, "band"), r.CVBand)
	}
}

func checkRAND(c *vcheck, p string, r *RANDResult) {
	c.eq(join(p, "n"), r.N)
	c.eq(join(p, "classification"), r.Classification(Type6))
	c.eq(join(p, "median"), r.Median)
	c.eq(join(p, "median_class"), r.MedianClass)
	cr := r.CountRule
	cp := join(p, "count_rule")
	c.eq(join(cp, "n_1_3"), cr.N13)
	c.eq(join(cp, "n_7_9"), cr.N79)
	c.eq(join(cp, "median_region"), cr.MedianRegion)
	c.eq(join(cp, "n_outside_median_region"), cr.NOutside)
	c.eq(join(cp, "applicable"), cr.Applicable)
	c.eq(join(cp, "agreement_max_outside"), cr.AgreementMaxOutside)
	c.eq(join(cp, "disagreement_min_each_extreme"), cr.DisagreementMinEachExtreme)
	c.eq(join(cp, "disagreement"), cr.Disagreement)
	c.eq(join(cp, "agreement"), cr.Agreement)
	c.eq(join(p, "count_rule_classification"), r.CountRuleClass)
	for _, t := range []QuantileType{Type6, Type7} {
		ip := join(p, "ipras", t.String())
		x := r.IPRAS(t)
		c.eq(join(ip, "p30"), x.P30)
		c.eq(join(ip, "p70"), x.P70)
		c.eq(join(ip, "ipr"), x.IPR)
		c.eq(join(ip, "iprcp"), x.IPRCP)
		c.eq(join(ip, "ai"), x.AI)
		c.eq(join(ip, "ipras"), x.IPRAS)
		c.eq(join(ip, "disagreement_index"), x.DisagreementIndex)
		c.eq(join(ip, "disagreement"), x.Disagreement)
		c.eq(join(ip, "classification"), x.Class)
	}
}

func checkStability(c *vcheck, p string, r *StabilityResult) {
	at := func(f ...string) string {
		if p == "" {
			return join(f...)
		}
		return join(append([]string{p}, f...)...)
	}
	c.eq(at("n_pairs"), r.NPairs)
	c.eq(at("n_changed"), r.NChanged)
	c.eq(at("pct_changed"), r.PctChanged)
	c.eq(at("n_changed_band"), r.NChangedBand)
	c.eq(at("pct_changed_band"), r.PctChangedBand)
	c.eq(at("mean_abs_change"), r.MeanAbsChange)
	c.eq(at("mean_change"), r.MeanChange)
	c.eq(at("distribution_change_pct"), r.DistributionChangePct)
	c.eq(at("stable_lt15pct"), r.StableLt15)
	c.eq(at("cv_round_a"), r.CVEarlier)
	c.eq(at("cv_round_b"), r.CVLater)
	c.eq(at("delta_cv"), r.DeltaCV)

	w := r.Wilcoxon
	c.eq(at("wilcoxon", "n_pairs"), w.NPairs)
	c.eq(at("wilcoxon", "n_zero_diff"), w.NZero)
	c.eq(at("wilcoxon", "n_nonzero"), w.NNonzero)
	c.eq(at("wilcoxon", "n_positive"), w.NPositive)
	c.eq(at("wilcoxon", "n_negative"), w.NNegative)
	c.eq(at("wilcoxon", "W_plus"), w.WPlus)
	c.eq(at("wilcoxon", "W_minus"), w.WMinus)
	c.eq(at("wilcoxon", "T_min"), w.TMin)
	c.eq(at("wilcoxon", "has_ties"), w.HasTies)
	c.eq(at("wilcoxon", "z"), w.Z)
	c.eq(at("wilcoxon", "p_asymptotic"), w.P)
	c.eq(at("wilcoxon", "z_continuity"), w.ZContinuity)
	c.eq(at("wilcoxon", "p_asymptotic_continuity"), w.PContinuity)
	c.eq(at("wilcoxon", "p_r_default"), w.PRDefault)
	c.eq(at("wilcoxon", "r_default_method"), w.RMethod)
	c.eq(at("wilcoxon", "p_scipy_1_10_default"), w.PScipy110)
	c.eq(at("wilcoxon", "scipy_1_10_default_note"), w.ScipyMethod)
	c.eq(at("wilcoxon", "p_pratt_asymptotic"), w.PPratt)
	c.eq(at("wilcoxon", "p_exact_conditional"), w.PExactCond)
	c.eq(at("wilcoxon", "reason"), w.Reason)

	m := r.McNemar
	c.eq(at("mcnemar_agree", "table", "agree_agree"), m.AgreeAgree)
	c.eq(at("mcnemar_agree", "table", "agree_not"), m.AgreeNot)
	c.eq(at("mcnemar_agree", "table", "not_agree"), m.NotAgree)
	c.eq(at("mcnemar_agree", "table", "not_not"), m.NotNot)
	c.eq(at("mcnemar_agree", "b"), m.B())
	c.eq(at("mcnemar_agree", "c"), m.C())
	c.eq(at("mcnemar_agree", "discordant"), m.Discordant)
	c.eq(at("mcnemar_agree", "chi2"), m.Chi2)
	c.eq(at("mcnemar_agree", "p_chi2"), m.PChi2)
	c.eq(at("mcnemar_agree", "chi2_yates"), m.Chi2Yates)
	c.eq(at("mcnemar_agree", "p_yates"), m.PYates)
	c.eq(at("mcnemar_agree", "p_exact_binomial"), m.PExact)
	c.eq(at("mcnemar_agree", "reason"), m.Reason)
}

// subgroupInput flattens {group: responses} into responses and a Grouping.
func subgroupInput(groups map[string][]*int) ([]Response, Grouping) {
	var resp []Response
	var labels []string
	for _, g := range sortedKeys(groups) {
		resp = append(resp, responsesOf(groups[g])...)
		for range groups[g] {
			labels = append(labels, g)
		}
	}
	return resp, NewGrouping(labels)
}

func checkSubgroupsCase(t *testing.T, c *vcheck, vc *vectorCase) {
	a, err := NewAnalyzer(vc.Scale.settings())
	if err != nil {
		t.Fatal(err)
	}
	resp, g := subgroupInput(vc.Groups)
	sr, err := a.Subgroups(resp, g)
	if err != nil {
		t.Fatal(err)
	}
	for i := range sr.Groups {
		checkDescriptives(c, join("per_group", sr.Groups[i].Name), &sr.Groups[i].StatementResult)
	}
	checkKruskal(c, "kruskal_wallis", &sr.KruskalWallis, g.Names)

	// The slice-based entry points must agree with the grouped ones.
	valid := func(name string) []int {
		var xs []int
		for _, v := range vc.Groups[name] {
			if v != nil && *v != 0 {
				xs = append(xs, *v)
			}
		}
		return xs
	}
	var all [][]int
	for _, n := range g.Names {
		all = append(all, valid(n))
	}
	kw := KruskalWallis(all)
	if kw.H != sr.KruskalWallis.H || kw.P != sr.KruskalWallis.P {
		t.Errorf("KruskalWallis(slices) = %v/%v, grouped %v/%v", kw.H, kw.P, sr.KruskalWallis.H, sr.KruskalWallis.P)
	}

	exp, _ := c.lookup("mann_whitney")
	for key := range exp.(map[string]any) {
		a, b, ok := strings.Cut(key, "_vs_")
		if !ok {
			t.Fatalf("mann_whitney key %q", key)
		}
		i, _ := sr.Group(a)
		j, _ := sr.Group(b)
		mw := sr.MannWhitney(i, j)
		checkMannWhitney(c, join("mann_whitney", key), &mw)
		if mw2 := MannWhitney(valid(a), valid(b)); mw2.P != mw.P || mw2.U1 != mw.U1 {
			t.Errorf("MannWhitney(slices) %s = %v, grouped %v", key, mw2.P, mw.P)
		}
	}
}

func checkKruskal(c *vcheck, p string, kw *KruskalWallisResult, names []string) {
	c.eq(join(p, "k_groups"), kw.K)
	c.eq(join(p, "N"), kw.N)
	for i, n := range names {
		if kw.GroupN[i] > 0 { // the vectors list non-empty groups only
			c.eq(join(p, "group_n", n), kw.GroupN[i])
		} else if c.has(join(p, "group_n", n)) {
			c.t.Errorf("%s: group %s listed in the vectors but empty here", p, n)
		}
		c.eq(join(p, "mean_ranks", n), kw.MeanRanks[i])
	}
	c.eq(join(p, "H_uncorrected"), kw.HUncorrected)
	c.eq(join(p, "H"), kw.H)
	c.eq(join(p, "tie_correction_factor"), kw.TieCorrection)
	c.eq(join(p, "df"), kw.DF)
	c.eq(join(p, "p"), kw.P)
	c.eq(join(p, "epsilon_squared"), kw.EpsilonSquared)
	c.eq(join(p, "reason"), kw.Reason)
}

func checkMannWhitney(c *vcheck, p string, mw *MannWhitneyResult) {
	c.eq(join(p, "n1"), mw.N1)
	c.eq(join(p, "n2"), mw.N2)
	c.eq(join(p, "R1"), mw.R1)
	c.eq(join(p, "U1"), mw.U1)
	c.eq(join(p, "U2"), mw.U2)
	c.eq(join(p, "U_min"), mw.UMin)
	c.eq(join(p, "has_ties"), mw.HasTies)
	c.eq(join(p, "z"), mw.Z)
	c.eq(join(p, "p_asymptotic"), mw.P)
	c.eq(join(p, "z_continuity"), mw.ZContinuity)
	c.eq(join(p, "p_asymptotic_continuity"), mw.PContinuity)
	c.eq(join(p, "effect_r"), mw.EffectR)
	c.eq(join(p, "p_scipy_1_10_default"), mw.PScipy110)
	c.eq(join(p, "reason"), mw.Reason)
}

// kendallScale covers every rating in the Kendall cases.
var kendallScale = Scale{Min: 1, Max: 9}

func transpose(rows [][]*int) [][]Response {
	if len(rows) == 0 {
		return nil
	}
	cols := make([][]Response, len(rows[0]))
	for j := range cols {
		col := make([]*int, len(rows))
		for i := range rows {
			col[i] = rows[i][j]
		}
		cols[j] = responsesOf(col)
	}
	return cols
}

func checkKendallCase(t *testing.T, c *vcheck, vc *vectorCase) {
	cols := transpose(vc.Matrix)
	if c.has("listwise_experts") {
		for _, pol := range []struct {
			path string
			p    KendallPolicy
		}{{"listwise_experts", DropExperts}, {"listwise_statements", DropStatements}} {
			k, err := KendallW(cols, kendallScale, pol.p)
			if err != nil {
				t.Fatal(err)
			}
			checkKendall(c, pol.path, &k)
		}
		return
	}
	k, err := KendallW(cols, kendallScale, DropExperts)
	if err != nil {
		t.Fatal(err)
	}
	checkKendall(c, "", &k)
}

func checkKendall(c *vcheck, p string, k *KendallResult) {
	at := func(f string) string {
		if p == "" {
			return f
		}
		return join(p, f)
	}
	c.eq(at("m_experts"), k.M)
	c.eq(at("n_statements"), k.N)
	c.eq(at("rank_sums"), k.RankSums)
	c.eq(at("S"), k.S)
	c.eq(at("T_ties"), k.T)
	c.eq(at("W"), k.W)
	c.eq(at("W_tie_corrected"), k.WTieCorrected)
	c.eq(at("chi2"), k.Chi2)
	c.eq(at("df"), k.DF)
	c.eq(at("p"), k.P)
	c.eq(at("schmidt_band"), k.Band)
	c.eq(at("mean_spearman_rho"), k.MeanSpearman)
	c.eq(at("policy"), k.Policy)
	c.eq(at("experts_dropped"), k.ExpertsDropped)
	c.eq(at("statements_kept_idx"), k.StatementsKept)
	c.eq(at("reason"), k.Reason)
}

// checkPanel asserts the synthetic 57 × 30 × 3 panel: every statement of
// every round (descriptives, rules, RAND, subgroups, stability), Kendall's W
// per round under both policies, the statement flow and the round flow.
func checkPanel(t *testing.T, c *vcheck, vc *vectorCase) {
	s := vc.Scale.settings()
	s.Rule = Rule{Kind: RuleCOMET} // the panel's carry-over rule: COMET strict 70/15
	a, err := NewAnalyzer(s)
	if err != nil {
		t.Fatal(err)
	}
	groups := make([]string, len(vc.Experts))
	countries := make([]string, len(vc.Experts))
	expertIdx := map[string]int{}
	for i, e := range vc.Experts {
		groups[i], countries[i] = e.Group, e.Country
		expertIdx[e.ID] = i
	}
	byGroup, byCountry := NewGrouping(groups), NewGrouping(countries)
	clin, pat := slices.Index(byGroup.Names, "clinician"), slices.Index(byGroup.Names, "patient")

	type seen struct {
		round int
		resp  []Response
	}
	last := map[string]seen{}
	var flowIn []FlowInput
	stmtFlow := map[string]int{} // statement → entries so far
	nRounds := len(vc.Rounds)
	var carried []string
	for ri, rd := range vc.Rounds {
		rp := join("per_round", itoa(ri))
		c.eq(join(rp, "round"), rd.Round)
		ids := sortedKeys(rd.Ratings)
		if ri > 0 && !slices.Equal(ids, carried) {
			t.Errorf("round %d presents %v, but our round %d decisions carry %v", rd.Round, ids, rd.Round-1, carried)
		}
		carried = nil
		in := FlowInput{Round: rd.Round, Invited: rd.Invited, Respondents: rd.Respondents}
		isResp := make([]bool, len(vc.Experts))
		for _, id := range rd.Respondents {
			isResp[expertIdx[id]] = true
		}
		var kendallCols [][]Response
		for si, id := range ids {
			sp := join(rp, "statements", itoa(si))
			c.eq(join(sp, "statement"), id)
			resp := responsesOf(rd.Ratings[id])
			r, err := a.Statement(resp)
			if err != nil {
				t.Fatal(err)
			}
			checkDescriptives(c, join(sp, "descriptives"), &r)
			checkConsensus(c, join(sp, "consensus"), &r)
			checkRAND(c, join(sp, "rand_ucla"), r.RAND)
			c.eq(join(sp, "decision_comet_strict"), r.Decision)
			final := ri == nRounds-1
			c.eq(join(sp, "carried_to_next_round"), r.Decision.CarriedForward() && !final)
			if r.Decision.CarriedForward() && !final {
				carried = append(carried, id)
			}

			for _, gr := range []struct {
				name string
				g    Grouping
			}{{"stakeholder_group", byGroup}, {"country", byCountry}} {
				sr, err := a.Subgroups(resp, gr.g)
				if err != nil {
					t.Fatal(err)
				}
				for gi := range sr.Groups {
					checkGroupSummary(c, join(sp, "subgroups", gr.name, sr.Groups[gi].Name), &sr.Groups[gi].StatementResult)
				}
				if gr.name == "country" {
					checkKruskal(c, join(sp, "kruskal_wallis_country"), &sr.KruskalWallis, gr.g.Names)
					continue
				}
				checkKruskal(c, join(sp, "kruskal_wallis_group"), &sr.KruskalWallis, gr.g.Names)
				mw := sr.MannWhitney(clin, pat)
				checkMannWhitney(c, join(sp, "mann_whitney_clinician_vs_patient"), &mw)
			}

			if prev, ok := last[id]; ok {
				st, err := a.Stability(prev.resp, resp)
				if err != nil {
					t.Fatal(err)
				}
				stp := join(sp, "stability_vs_previous_round")
				checkStability(c, stp, &st)
				c.eq(join(stp, "previous_round"), prev.round)
			}
			last[id] = seen{rd.Round, resp}

			fp := join("statement_flow", id, itoa(stmtFlow[id]))
			stmtFlow[id]++
			c.eq(join(fp, "round"), rd.Round)
			c.eq(join(fp, "n"), r.N)
			c.eq(join(fp, "pct_7_9"), r.BandPct(BandAgree))
			c.eq(join(fp, "pct_1_3"), r.BandPct(BandDisagree))
			c.eq(join(fp, "decision"), r.Decision)

			in.Decisions = append(in.Decisions, r.Decision)
			in.NUnable += r.NUnable
			for e, x := range resp {
				if x == Missing && isResp[e] {
					in.NSkipped++
				}
			}
			// Kendall's W ranks the respondents' ratings across statements.
			var col []Response
			for e, x := range resp {
				if isResp[e] {
					col = append(col, x)
				}
			}
			kendallCols = append(kendallCols, col)
		}
		kp := join("kendall_w", itoa(ri))
		c.eq(join(kp, "round"), rd.Round)
		c.eq(join(kp, "statements"), ids)
		for _, pol := range []struct {
			path string
			p    KendallPolicy
		}{{"listwise_experts", DropExperts}, {"listwise_statements", DropStatements}} {
			k, err := a.Kendall(kendallCols, pol.p)
			if err != nil {
				t.Fatal(err)
			}
			checkKendall(c, join(kp, pol.path), &k)
		}
		flowIn = append(flowIn, in)
	}

	for i, f := range Flow(flowIn, true) {
		fp := join("flow", itoa(i))
		c.eq(join(fp, "round"), f.Round)
		c.eq(join(fp, "invited"), f.Invited)
		c.eq(join(fp, "responded"), f.Responded)
		c.eq(join(fp, "response_rate_pct"), f.ResponseRatePct)
		c.eq(join(fp, "retention_vs_round1_pct"), f.RetentionVsRound1Pct)
		c.eq(join(fp, "dropped_since_previous_round"), f.DroppedSincePreviousRound)
		c.eq(join(fp, "statements_presented"), f.StatementsPresented)
		c.eq(join(fp, "consensus_in"), f.ConsensusIn)
		c.eq(join(fp, "consensus_out"), f.ConsensusOut)
		c.eq(join(fp, "no_consensus"), f.NoConsensus)
		c.eq(join(fp, "carried_forward"), f.CarriedForward)
		c.eq(join(fp, "unresolved_after_final_round"), f.UnresolvedAfterFinalRound)
		c.eq(join(fp, "n_ratings_unable"), f.NRatingsUnable)
		c.eq(join(fp, "n_items_skipped_by_respondents"), f.NItemsSkipped)
		if f.Insufficient != 0 {
			t.Errorf("flow round %d: %d statements without ratings", f.Round, f.Insufficient)
		}
	}
}

// checkGroupSummary asserts the per-group summary the panel vectors keep.
func checkGroupSummary(c *vcheck, p string, r *StatementResult) {
	c.eq(join(p, "n"), r.N)
	c.eq(join(p, "n_unable"), r.NUnable)
	c.eq(join(p, "n_missing"), r.NMissing)
	c.eq(join(p, "mean"), r.Mean)
	c.eq(join(p, "sd"), r.SD)
	c.eq(join(p, "median"), r.Median)
	c.eq(join(p, "modes"), r.Modes)
	for _, k := range []BandKind{BandDisagree, BandNeutral, BandAgree} {
		c.eq(join(p, "band_pct", k.String()), r.BandPct(k))
	}
	for _, q := range []*Quantiles{&r.Type6, &r.Type7} {
		qp := join(p, "q_"+q.Type.String())
		c.eq(join(qp, "q1"), q.Q1)
		c.eq(join(qp, "q3"), q.Q3)
		c.eq(join(qp, "iqr"), q.IQR)
	}
}

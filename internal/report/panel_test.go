package report

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// The d20 panel of the reference vectors (57 experts × 30 statements × 3
// rounds, made and cross-checked by analysis/testdata/make_vectors.py) is
// converted to a ratings CSV at test time, run through RunAnalyze, and the
// JSON output is compared with the vectors' expected values.

const vectorsPath = "../../analysis/testdata/vectors.json"

type panelCase struct {
	Experts []struct{ ID, Group, Country string } `json:"experts"`
	Rounds  []struct {
		Round       int               `json:"round"`
		Respondents []string          `json:"respondents"`
		Ratings     map[string][]*int `json:"ratings"`
	} `json:"rounds"`
	Expected struct {
		Flow     []map[string]any `json:"flow"`
		Kendall  []map[string]any `json:"kendall_w"`
		PerRound []struct {
			Round      int              `json:"round"`
			Statements []map[string]any `json:"statements"`
		} `json:"per_round"`
	} `json:"expected"`
}

func loadPanel(t testing.TB) *panelCase {
	t.Helper()
	b, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Cases []json.RawMessage `json:"cases"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	for _, raw := range v.Cases {
		var head struct{ ID string }
		if err := json.Unmarshal(raw, &head); err != nil {
			t.Fatal(err)
		}
		if head.ID == "d20_panel_57x30x3" {
			var p panelCase
			if err := json.Unmarshal(raw, &p); err != nil {
				t.Fatal(err)
			}
			return &p
		}
	}
	t.Fatal("d20 not found in the vectors")
	return nil
}

// panelCSV writes the panel as a survey export would: one row per
// respondent × statement of each round, columns in an unusual order and
// case, no answer as "" or "NA", unable as "unable" or "UNABLE".
func panelCSV(p *panelCase) []byte {
	var b bytes.Buffer
	b.WriteString("Statement,RATING,expert,Round,Group,country\n")
	idx := map[string]int{}
	for i, e := range p.Experts {
		idx[e.ID] = i
	}
	k := 0
	for _, rd := range p.Rounds {
		ids := sortedKeys(rd.Ratings)
		for _, id := range rd.Respondents {
			e := idx[id]
			for _, s := range ids {
				k++
				cell := ""
				switch v := rd.Ratings[s][e]; {
				case v == nil && k%2 == 0:
					cell = "NA"
				case v == nil:
				case *v == 0 && k%2 == 0:
					cell = "UNABLE"
				case *v == 0:
					cell = "unable"
				default:
					cell = fmt.Sprint(*v)
				}
				ex := p.Experts[e]
				fmt.Fprintf(&b, "%s,%s,%s,%d,%s,%s\n", s, cell, ex.ID, rd.Round, ex.Group, ex.Country)
			}
		}
	}
	return b.Bytes()
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// runPanel runs `delphi analyze` on the panel CSV written to a file.
func runPanel(t *testing.T, p *panelCase, args ...string) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "panel.csv")
	if err := os.WriteFile(path, panelCSV(p), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if err := RunAnalyze(context.Background(), append(args, path), nil, &stdout, &stderr); err != nil {
		t.Fatalf("RunAnalyze: %v (stderr %s)", err, stderr.String())
	}
	return stdout.Bytes()
}

// at walks a decoded JSON value by keys and indices.
func at(v any, path ...any) any {
	for _, k := range path {
		switch k := k.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v
}

// near compares two decoded JSON values: numbers with the spec's tolerance
// (relative 1e-6 for p-values, absolute 1e-9 otherwise), nulls, strings and
// arrays exactly.
func near(got, want any, pValue bool) bool {
	switch w := want.(type) {
	case nil:
		return got == nil
	case float64:
		g, ok := got.(float64)
		if !ok {
			return false
		}
		if pValue {
			return math.Abs(g-w) <= 1e-6*math.Abs(w) || g == w
		}
		return math.Abs(g-w) <= 1e-9
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !near(g[i], w[i], pValue) {
				return false
			}
		}
		return true
	}
	return got == want
}

// randDecision maps a RAND class onto in/out/none.
func randDecision(class any) any {
	switch class {
	case "appropriate":
		return "in"
	case "inappropriate":
		return "out"
	case "uncertain":
		return "none"
	}
	return class
}

// TestAnalyzePanel reproduces the spec's figures for every statement of
// every round, for --quantile type6 --rule comet and for --quantile type7
// (with the default rule, percent:75).
func TestAnalyzePanel(t *testing.T) {
	p := loadPanel(t)
	for _, run := range []struct {
		name, qtype string
		args        []string
		decision    func(exp map[string]any) any
	}{
		{"type6-comet", "type6", []string{"--scale", "1-9", "--quantile", "type6", "--rule", "comet", "--format", "json"},
			func(exp map[string]any) any { return exp["decision_comet_strict"] }},
		{"type7-percent", "type7", []string{"--scale", "1-9", "--format", "json", "--quantile", "type7"},
			func(exp map[string]any) any { return at(exp, "consensus", "percent_agreement", "decision") }},
	} {
		t.Run(run.name, func(t *testing.T) {
			var got map[string]any
			if err := json.Unmarshal(runPanel(t, p, run.args...), &got); err != nil {
				t.Fatal(err)
			}
			checked := 0
			check := func(where string, g, w any) {
				t.Helper()
				checked++
				pv := strings.HasSuffix(where, "_p") || strings.HasSuffix(where, ".p") || strings.HasSuffix(where, "_p_exact")
				if !near(g, w, pv) {
					t.Errorf("%s: got %v, want %v", where, g, w)
				}
			}
			check("settings.quantile", at(got, "settings", "quantile"), run.qtype)
			rounds := at(got, "rounds").([]any)
			if len(rounds) != len(p.Rounds) {
				t.Fatalf("%d rounds, want %d", len(rounds), len(p.Rounds))
			}
			for ri, rd := range p.Rounds {
				gr := rounds[ri]
				flow := p.Expected.Flow[ri]
				pre := fmt.Sprintf("round %d", rd.Round)
				check(pre+".round", at(gr, "round"), float64(rd.Round))
				check(pre+".respondents", at(gr, "respondents"), float64(len(rd.Respondents)))
				check(pre+".statements_presented", at(gr, "statements_presented"), flow["statements_presented"])
				check(pre+".n_unable", at(gr, "n_unable"), flow["n_ratings_unable"])
				check(pre+".n_skipped", at(gr, "n_skipped"), flow["n_items_skipped_by_respondents"])
				if run.qtype == "type6" { // the flow counts use the panel's rule, COMET strict
					check(pre+".consensus_in", at(gr, "consensus_in"), flow["consensus_in"])
					check(pre+".consensus_out", at(gr, "consensus_out"), flow["consensus_out"])
					check(pre+".no_consensus", at(gr, "no_consensus"), flow["no_consensus"])
				}
				for _, pol := range []struct{ got, want string }{
					{"kendall_w", "listwise_experts"}, {"kendall_w_drop_statements", "listwise_statements"},
				} {
					k, w := at(gr, pol.got), p.Expected.Kendall[ri][pol.want].(map[string]any)
					kp := pre + "." + pol.got
					check(kp+".w", at(k, "w"), w["W"])
					check(kp+".w_tie_corrected", at(k, "w_tie_corrected"), w["W_tie_corrected"])
					check(kp+".chi2", at(k, "chi2"), w["chi2"])
					check(kp+".df", at(k, "df"), w["df"])
					check(kp+".p", at(k, "p"), w["p"])
					check(kp+".band", at(k, "band"), w["schmidt_band"])
					check(kp+".experts_used", at(k, "experts_used"), w["m_experts"])
					check(kp+".statements_used", at(k, "statements_used"), w["n_statements"])
					if d, ok := w["experts_dropped"]; ok {
						check(kp+".experts_dropped", at(k, "experts_dropped"), d)
					}
				}
				checkPanelStatements(t, p, ri, gr, run.qtype, run.decision, check)
			}
			t.Logf("%d values compared", checked)
		})
	}
}

func checkPanelStatements(t *testing.T, p *panelCase, ri int, gr any, qtype string,
	decision func(map[string]any) any, check func(string, any, any)) {
	rd := p.Rounds[ri]
	exps := p.Expected.PerRound[ri].Statements
	sts := at(gr, "statements").([]any)
	if len(sts) != len(exps) {
		t.Fatalf("round %d: %d statements, want %d", rd.Round, len(sts), len(exps))
	}
	respondent := map[int]bool{}
	for i, e := range p.Experts {
		if slices.Contains(rd.Respondents, e.ID) {
			respondent[i] = true
		}
	}
	// skipped counts a statement's missing answers among respondents, from
	// the input ratings (the vectors count all 57 experts).
	skipped := func(id string, keep func(int) bool) float64 {
		n := 0
		for e, v := range rd.Ratings[id] {
			if v == nil && respondent[e] && keep(e) {
				n++
			}
		}
		return float64(n)
	}
	for si, exp := range exps {
		st := sts[si]
		id := exp["statement"].(string)
		sp := fmt.Sprintf("round %d %s", rd.Round, id)
		desc := exp["descriptives"].(map[string]any)
		q := at(desc, "quantiles", qtype)
		check(sp+".statement", at(st, "statement"), id)
		for _, f := range []string{"n", "n_unable", "mean", "sd", "cv", "min", "max", "median", "modes"} {
			check(sp+"."+f, at(st, f), desc[f])
		}
		check(sp+".n_missing", at(st, "n_missing"), skipped(id, func(int) bool { return true }))
		for _, f := range []string{"q1", "q3", "iqr", "p30", "p70"} {
			check(sp+"."+f, at(st, f), at(q, f))
		}
		for k, v := range desc["freq"].(map[string]any) {
			check(sp+".freq."+k, at(st, "freq", k), v)
		}
		for _, b := range []string{"agree", "neutral", "disagree"} {
			check(sp+".pct_"+b, at(st, "pct_"+b), at(desc, "band_pct", b))
		}
		class := at(exp, "rand_ucla", "ipras", qtype, "classification")
		check(sp+".decision", at(st, "decision"), decision(exp))
		check(sp+".decisions.percent", at(st, "decisions", "percent"), at(exp, "consensus", "percent_agreement", "decision"))
		check(sp+".decisions.comet", at(st, "decisions", "comet"), at(exp, "consensus", "comet_70_15", "strict_lt15"))
		check(sp+".decisions.iqr", at(st, "decisions", "iqr"), at(exp, "consensus", "median_iqr", qtype, "decision"))
		check(sp+".decisions.rand", at(st, "decisions", "rand"), randDecision(class))
		check(sp+".rand_class", at(st, "rand_class"), class)

		stab := at(st, "stability")
		es, ok := exp["stability_vs_previous_round"].(map[string]any)
		if !ok {
			check(sp+".stability", stab, nil)
		} else {
			for g, w := range map[string]any{
				"previous_round":          es["previous_round"],
				"n_pairs":                 es["n_pairs"],
				"pct_changed":             es["pct_changed"],
				"pct_changed_band":        es["pct_changed_band"],
				"mean_change":             es["mean_change"],
				"mean_abs_change":         es["mean_abs_change"],
				"wilcoxon_w_plus":         at(es, "wilcoxon", "W_plus"),
				"wilcoxon_w_minus":        at(es, "wilcoxon", "W_minus"),
				"wilcoxon_n_nonzero":      at(es, "wilcoxon", "n_nonzero"),
				"wilcoxon_z":              at(es, "wilcoxon", "z"),
				"wilcoxon_p":              at(es, "wilcoxon", "p_asymptotic"),
				"wilcoxon_p_exact":        at(es, "wilcoxon", "p_exact_conditional"),
				"mcnemar_b":               at(es, "mcnemar_agree", "b"),
				"mcnemar_c":               at(es, "mcnemar_agree", "c"),
				"mcnemar_p":               at(es, "mcnemar_agree", "p_exact_binomial"),
				"distribution_change_pct": es["distribution_change_pct"],
				"delta_cv":                es["delta_cv"],
			} {
				check(sp+".stability."+g, at(stab, g), w)
			}
		}

		for _, grp := range []struct{ got, want, kw string }{
			{"group", "stakeholder_group", "kruskal_wallis_group"}, {"country", "country", "kruskal_wallis_country"},
		} {
			gp := sp + ".subgroups." + grp.got
			g := at(st, "subgroups", grp.got)
			wantGroups := at(exp, "subgroups", grp.want).(map[string]any)
			groups := at(g, "groups").([]any)
			if len(groups) != len(wantGroups) {
				t.Errorf("%s: %d groups, want %d", gp, len(groups), len(wantGroups))
				continue
			}
			for _, gv := range groups {
				name := at(gv, "name").(string)
				w := wantGroups[name].(map[string]any)
				for _, f := range []string{"n", "n_unable", "mean", "sd", "median"} {
					check(gp+"."+name+"."+f, at(gv, f), w[f])
				}
				for _, f := range []string{"q1", "q3", "iqr"} {
					check(gp+"."+name+"."+f, at(gv, f), at(w, "q_"+qtype, f))
				}
				for _, b := range []string{"agree", "neutral", "disagree"} {
					check(gp+"."+name+".pct_"+b, at(gv, "pct_"+b), at(w, "band_pct", b))
				}
				check(gp+"."+name+".n_missing", at(gv, "n_missing"), skipped(id, func(e int) bool {
					if grp.got == "group" {
						return p.Experts[e].Group == name
					}
					return p.Experts[e].Country == name
				}))
			}
			kw := exp[grp.kw].(map[string]any)
			check(gp+".kruskal_wallis.k", at(g, "kruskal_wallis", "k"), kw["k_groups"])
			check(gp+".kruskal_wallis.n", at(g, "kruskal_wallis", "n"), kw["N"])
			check(gp+".kruskal_wallis.h", at(g, "kruskal_wallis", "h"), kw["H"])
			check(gp+".kruskal_wallis.df", at(g, "kruskal_wallis", "df"), kw["df"])
			check(gp+".kruskal_wallis.p", at(g, "kruskal_wallis", "p"), kw["p"])
			check(gp+".kruskal_wallis.epsilon_squared", at(g, "kruskal_wallis", "epsilon_squared"), kw["epsilon_squared"])
		}
	}
}

// TestAnalyzePanelTable checks the table format against a golden file
// (go test -run TestAnalyzePanelTable -update rewrites it).
func TestAnalyzePanelTable(t *testing.T) {
	got := runPanel(t, loadPanel(t), "--scale", "1-9", "--rule", "comet")
	golden := filepath.Join("testdata", "d20_table.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("table differs from %s (run with -update after checking):\n%s", golden, got)
	}
	for _, s := range []string{"Round 1: 57 respondents, 30 statements: 10 in, 4 out, 16 none",
		"Round 3: 47 respondents, 14 statements: 4 in, 1 out, 9 none", "Kendall's W = "} {
		if !bytes.Contains(got, []byte(s)) {
			t.Errorf("table lacks %q", s)
		}
	}
}

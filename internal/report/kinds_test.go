package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/delphi-platform/delphi/analysis"
)

// TestSingleCriterionOutputUnchanged: files without a criterion or kind
// column give, byte for byte, the output analyze gave before criteria and
// kinds existed (testdata/kinds/*.golden.*, written by the earlier code),
// and so does the same long file with a kind column saying rating on every
// row.
func TestSingleCriterionOutputUnchanged(t *testing.T) {
	golden := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata/kinds", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	single := filepath.Join("testdata/kinds", "single.csv")
	withKind := filepath.Join(t.TempDir(), "kind.csv")
	withOpen := filepath.Join(t.TempDir(), "open.csv")
	{
		lines := strings.Split(strings.TrimSuffix(golden("single.csv"), "\n"), "\n")
		for i := range lines {
			if i == 0 {
				lines[i] += ",Kind"
			} else {
				lines[i] += ",rating"
			}
		}
		if err := os.WriteFile(withKind, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		// The platform's raw export also holds answers to open questions
		// (kind "open", no rating): they change nothing.
		for _, l := range lines[1:] {
			f := strings.Split(l, ",")
			lines = append(lines, strings.Join([]string{f[0], f[1], "Q1", "", f[4], f[5], "open"}, ","))
		}
		if err := os.WriteFile(withOpen, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"single.golden.json", []string{"--scale", "1-9", "--format", "json", single}},
		{"single.golden.csv", []string{"--scale", "1-9", "--format", "csv", single}},
		{"single.golden.table", []string{"--scale", "1-9", single}},
		{"single_comet7.golden.json", []string{"--scale", "1-9", "--rule", "comet", "--quantile", "type7", "--format", "json", single}},
		{"single.golden.json", []string{"--scale", "1-9", "--format", "json", withKind}},
		{"single.golden.csv", []string{"--scale", "1-9", "--kind", "rating", "--format", "csv", withKind}},
		{"single.golden.json", []string{"--scale", "1-9", "--format", "json", withOpen}},
		{"limesurvey.golden.json", []string{"--scale", "1-9", "--wide", "--unable-code", "99", "--format", "json",
			"--round", "1", "testdata/wide/limesurvey_round1.csv", "--round", "2", "testdata/wide/limesurvey_round2.csv"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, _, err := run(t, "", tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if want := golden(tc.golden); out != want {
				t.Errorf("output differs from %s:\n%s", tc.golden, out)
			}
		})
	}
	// Standard input, which cannot be rewound after the header is read.
	out, _, err := run(t, golden("single.csv"), "--scale", "1-9", "--format", "json", "-")
	if err != nil || out != golden("single.golden.json") {
		t.Errorf("standard input: output differs from single.golden.json (%v)", err)
	}
}

// criteriaCSV rates five statements on importance (1-9) and feasibility
// (1-5) by four experts; the ratings make each criterion's decision under
// percent:75 the one named in the statement ID (importance first).
const criteriaCSV = "expert,round,statement,criterion,rating\n" +
	// in / in
	"E1,1,in-in,importance,8\nE2,1,in-in,importance,9\nE3,1,in-in,importance,7\nE4,1,in-in,importance,8\n" +
	"E1,1,in-in,feasibility,5\nE2,1,in-in,feasibility,4\nE3,1,in-in,feasibility,5\nE4,1,in-in,feasibility,4\n" +
	// in / out
	"E1,1,in-out,importance,9\nE2,1,in-out,importance,9\nE3,1,in-out,importance,7\nE4,1,in-out,importance,8\n" +
	"E1,1,in-out,feasibility,1\nE2,1,in-out,feasibility,2\nE3,1,in-out,feasibility,1\nE4,1,in-out,feasibility,2\n" +
	// in / none
	"E1,1,in-none,importance,7\nE2,1,in-none,importance,8\nE3,1,in-none,importance,9\nE4,1,in-none,importance,9\n" +
	"E1,1,in-none,feasibility,1\nE2,1,in-none,feasibility,5\nE3,1,in-none,feasibility,3\nE4,1,in-none,feasibility,4\n" +
	// out / out
	"E1,1,out-out,importance,1\nE2,1,out-out,importance,2\nE3,1,out-out,importance,3\nE4,1,out-out,importance,1\n" +
	"E1,1,out-out,feasibility,1\nE2,1,out-out,feasibility,1\nE3,1,out-out,feasibility,2\nE4,1,out-out,feasibility,2\n" +
	// none / out
	"E1,1,none-out,importance,5\nE2,1,none-out,importance,8\nE3,1,none-out,importance,2\nE4,1,none-out,importance,5\n" +
	"E1,1,none-out,feasibility,2\nE2,1,none-out,feasibility,1\nE3,1,none-out,feasibility,1\nE4,1,none-out,feasibility,1\n" +
	// in / no ratings: feasibility all unable
	"E1,1,in-insufficient,importance,8\nE2,1,in-insufficient,importance,8\nE3,1,in-insufficient,importance,8\nE4,1,in-insufficient,importance,8\n" +
	"E1,1,in-insufficient,feasibility,unable\nE2,1,in-insufficient,feasibility,unable\nE3,1,in-insufficient,feasibility,NA\nE4,1,in-insufficient,feasibility,\n"

// criteriaJSON is the part of an extended report the tests read back.
type criteriaJSON struct {
	Kind     string `json:"kind"`
	Combine  string `json:"combine"`
	Criteria []struct {
		Criterion string       `json:"criterion"`
		Settings  SettingsInfo `json:"settings"`
	} `json:"criteria"`
	Rounds []struct {
		Round                                         int                             `json:"round"`
		Respondents                                   int                             `json:"respondents"`
		ConsensusIn, ConsensusOut, NoConsensus, Insuf int                             `json:"-"`
		Criteria                                      map[string]CriterionRoundReport `json:"criteria"`
		Statements                                    []struct {
			Statement        string                     `json:"statement"`
			Criteria         map[string]json.RawMessage `json:"criteria"`
			CombinedDecision string                     `json:"combined_decision"`
		} `json:"statements"`
	} `json:"rounds"`
}

func TestCriteriaCombinedDecisions(t *testing.T) {
	want := map[string]map[string]string{ // combine → statement → combined decision
		"all": {"in-in": "in", "in-out": "out", "in-none": "none", "out-out": "out", "none-out": "out", "in-insufficient": "insufficient"},
		"any": {"in-in": "in", "in-out": "in", "in-none": "in", "out-out": "out", "none-out": "none", "in-insufficient": "in"},
	}
	// Each criterion's statements must be exactly the single-criterion
	// report of that criterion's rows.
	single := map[string]map[string]json.RawMessage{}
	singleOut := map[string]string{}
	for _, c := range []struct{ name, scale string }{{"importance", "1-9"}, {"feasibility", "1-5"}} {
		var b strings.Builder
		b.WriteString("expert,round,statement,rating\n")
		for _, line := range strings.Split(criteriaCSV, "\n")[1:] {
			f := strings.Split(line, ",")
			if len(f) == 5 && f[3] == c.name {
				fmt.Fprintf(&b, "%s,%s,%s,%s\n", f[0], f[1], f[2], f[4])
			}
		}
		out, _, err := run(t, b.String(), "--scale", c.scale, "--format", "json", "-")
		if err != nil {
			t.Fatal(err)
		}
		singleOut[c.name] = out
		var rep struct {
			Rounds []struct {
				Statements []json.RawMessage `json:"statements"`
			} `json:"rounds"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		single[c.name] = map[string]json.RawMessage{}
		for _, st := range rep.Rounds[0].Statements {
			var id struct{ Statement string }
			json.Unmarshal(st, &id)
			single[c.name][id.Statement] = st
		}
	}
	for _, combine := range []string{"all", "any"} {
		t.Run(combine, func(t *testing.T) {
			out, _, err := run(t, criteriaCSV, "--scale", "1-9", "--scale", "feasibility=1-5", "--combine", combine, "--format", "json", "-")
			if err != nil {
				t.Fatal(err)
			}
			var rep criteriaJSON
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Kind != "rating" || rep.Combine != combine || len(rep.Criteria) != 2 || rep.Criteria[0].Criterion != "importance" ||
				rep.Criteria[1].Criterion != "feasibility" || rep.Criteria[1].Settings.Scale.Max != 5 || rep.Criteria[0].Settings.Scale.Max != 9 {
				t.Fatalf("kind %q, combine %q, criteria %+v", rep.Kind, rep.Combine, rep.Criteria)
			}
			rd := rep.Rounds[0]
			if rd.Respondents != 4 || len(rd.Statements) != 6 || len(rd.Criteria) != 2 {
				t.Fatalf("round: %d respondents, %d statements, %d criteria", rd.Respondents, len(rd.Statements), len(rd.Criteria))
			}
			for _, st := range rd.Statements {
				if st.CombinedDecision != want[combine][st.Statement] {
					t.Errorf("%s: combined %s, want %s", st.Statement, st.CombinedDecision, want[combine][st.Statement])
				}
				var ds []string
				for _, c := range []string{"importance", "feasibility"} {
					var compact, ref bytes.Buffer
					json.Compact(&compact, st.Criteria[c])
					json.Compact(&ref, single[c][st.Statement])
					if compact.String() != ref.String() {
						t.Errorf("%s, %s: criterion object differs from the single-criterion report:\n%s\n%s", st.Statement, c, compact.String(), ref.String())
					}
					var d struct{ Decision string }
					json.Unmarshal(st.Criteria[c], &d)
					ds = append(ds, d.Decision)
				}
				if exp := strings.Split(st.Statement, "-"); ds[0] != exp[0] || ds[1] != exp[1] {
					t.Errorf("%s: the criteria's decisions are %v; the test data is wrong", st.Statement, ds)
				}
				if got := analysis.CombineDecisions(combine, ds); got != st.CombinedDecision {
					t.Errorf("%s: combined %s, CombineDecisions gives %s", st.Statement, st.CombinedDecision, got)
				}
			}
			// Read back, each criterion's part is the whole single-criterion
			// report, round fields included.
			var ext ExtendedReport
			if err := json.Unmarshal([]byte(out), &ext); err != nil {
				t.Fatal(err)
			}
			for i, c := range []string{"importance", "feasibility"} {
				var b bytes.Buffer
				if err := WriteJSON(&b, ext.CriterionReport(i)); err != nil {
					t.Fatal(err)
				}
				if b.String() != singleOut[c] {
					t.Errorf("%s: CriterionReport differs from the report of its rows alone:\n%s\n%s", c, b.String(), singleOut[c])
				}
			}
		})
	}
}

// TestCriteriaOwnRule: --rule CRITERION=RULE applies to that criterion
// only, and the CSV and table writers show both criteria.
func TestCriteriaOwnRule(t *testing.T) {
	out, _, err := run(t, criteriaCSV, "--scale", "1-9", "--scale", "feasibility=1-5", "--rule", "importance=comet", "--format", "json", "-")
	if err != nil {
		t.Fatal(err)
	}
	var rep criteriaJSON
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Criteria[0].Settings.Rule != "comet" || rep.Criteria[1].Settings.Rule != "percent:75" {
		t.Errorf("rules %s, %s; want comet for importance, percent:75 for feasibility", rep.Criteria[0].Settings.Rule, rep.Criteria[1].Settings.Rule)
	}
	csvOut, _, err := run(t, criteriaCSV, "--scale", "1-9", "--scale", "feasibility=1-5", "--format", "csv", "-")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(csvOut)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	h := recs[0]
	if h[2] != "criterion" || h[len(h)-1] != "combined_decision" || !slices.Contains(h, "freq_9") || len(recs) != 1+12 {
		t.Fatalf("CSV header %v, %d rows", h, len(recs))
	}
	f6 := slices.Index(h, "freq_6")
	for _, r := range recs[1:] {
		if r[2] == "feasibility" && r[f6] != "" {
			t.Errorf("feasibility on 1-5 has a freq_6 of %q", r[f6])
		}
		if r[2] == "importance" && r[f6] == "" {
			t.Errorf("importance has no freq_6")
		}
	}
	table, _, err := run(t, criteriaCSV, "--scale", "1-9", "--scale", "feasibility=1-5", "-")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Criterion importance\n", "Criterion feasibility\n", "Combined decisions (all)"} {
		if !strings.Contains(table, s) {
			t.Errorf("table lacks %q:\n%s", s, table)
		}
	}
	combined := table[strings.Index(table, "Combined decisions"):]
	rows := 0
	for _, line := range strings.Split(combined, "\n") {
		if f := strings.Fields(line); len(f) == 4 && strings.Contains(f[0], "-") {
			rows++
			if f[3] != analysis.CombineDecisions("all", f[1:3]) {
				t.Errorf("combined table row %q", line)
			}
		}
	}
	if rows != 6 {
		t.Errorf("%d statements in the combined table, want 6:\n%s", rows, combined)
	}
}

// rankingCSV writes rankings (rows are experts, 0 = unranked) as a long
// file of one round; every expert has a row for every item, unranked
// items with an empty rank.
func rankingCSV(rows [][]int, round int, b *strings.Builder) {
	for i, row := range rows {
		for j, r := range row {
			v := ""
			if r != analysis.Unranked {
				v = strconv.Itoa(r)
			}
			fmt.Fprintf(b, "E%02d,%d,item%02d,%s\n", i+1, round, j+1, v)
		}
	}
}

// TestRankingMatchesAnalysis: analyze's ranking section holds exactly
// analysis.AnalyzeRanking's figures for the same rankings.
func TestRankingMatchesAnalysis(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	var b strings.Builder
	b.WriteString("expert,round,statement,rating\n")
	data := map[int][][]int{}
	for round, shape := range map[int][2]int{1: {15, 7}, 2: {12, 7}} {
		rows := make([][]int, shape[0])
		for i := range rows {
			perm := rng.Perm(shape[1])
			t := shape[1]
			if i%3 == 1 {
				t = rng.IntN(shape[1] + 1)
			}
			rows[i] = make([]int, shape[1])
			for j, p := range perm {
				if p < t {
					rows[i][j] = p + 1
				}
			}
		}
		data[round] = rows
	}
	rankingCSV(data[1], 1, &b)
	rankingCSV(data[2], 2, &b)
	out, _, err := run(t, b.String(), "--kind", "ranking", "--top-k", "2", "--format", "json", "-")
	if err != nil {
		t.Fatal(err)
	}
	var rep ExtendedReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Kind != "ranking" || rep.Ranking == nil || len(rep.Ranking.Rounds) != 2 || rep.Ranking.TopK != 2 {
		t.Fatalf("report: %s", out)
	}
	for _, rr := range rep.Ranking.Rounds {
		res, err := analysis.AnalyzeRanking(data[rr.Round], 7, 2)
		if err != nil {
			t.Fatal(err)
		}
		want := RankingRound{Round: rr.Round, NItems: 7, TopK: 2, Experts: res.Experts, Answered: res.Answered, Complete: res.Complete,
			NMissing: res.NMissing, KendallW: kendallReport(&res.Kendall, 7), KendallWTiedLast: kendallReport(&res.KendallTiedLast, 7)}
		for j, it := range res.PerItem {
			want.Items = append(want.Items, RankedItemReport{Statement: fmt.Sprintf("item%02d", j+1), N: it.N, NUnranked: it.NUnranked,
				MeanRank: it.MeanRank, MedianRank: it.MedianRank, Distribution: it.Distribution, TopKCount: it.TopKCount, TopKPct: it.TopKPct})
		}
		g, _ := json.Marshal(rr)
		w, _ := json.Marshal(want)
		if string(g) != string(w) {
			t.Errorf("round %d:\nanalyze  %s\nanalysis %s", rr.Round, g, w)
		}
		if res.Complete == res.Experts || res.Kendall.M < 2 {
			t.Errorf("round %d: the data should mix complete and top-t rankings (%d of %d complete)", rr.Round, res.Complete, res.Experts)
		}
	}
}

// TestEstimatesMatchAnalysis: analyze's estimates section holds exactly
// analysis.SummarizeEstimates' and CompareEstimates' figures.
func TestEstimatesMatchAnalysis(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	const experts = 30
	vals := [2][]analysis.Opt[float64]{}
	var b strings.Builder
	b.WriteString("expert;round;statement;rating\n") // a European file: decimal commas
	for r := range 2 {
		vals[r] = make([]analysis.Opt[float64], experts)
		for e := range experts {
			cell := ""
			if rng.IntN(8) != 0 {
				x := math.Round(math.Exp(3+rng.NormFloat64())*10) / 10
				vals[r][e] = analysis.Some(x)
				cell = strings.Replace(strconv.FormatFloat(x, 'f', -1, 64), ".", ",", 1)
			}
			// Every expert answers "year", so every expert is a respondent
			// and n_total is the panel.
			fmt.Fprintf(&b, "E%02d;%d;beds;%s\nE%02d;%d;year;2030\n", e+1, r+1, cell, e+1, r+1)
		}
	}
	for _, q := range []analysis.QuantileType{analysis.Type6, analysis.Type7} {
		out, _, err := run(t, b.String(), "--kind", "numeric", "--quantile", q.String(), "--format", "json", "-")
		if err != nil {
			t.Fatal(err)
		}
		var rep ExtendedReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		if rep.Kind != "numeric" || rep.Estimates == nil || len(rep.Estimates.Rounds) != 2 || rep.Estimates.Quantile != q.String() {
			t.Fatalf("report: %s", out)
		}
		ch, err := analysis.CompareEstimates(vals[0], vals[1])
		if err != nil {
			t.Fatal(err)
		}
		for r, sum := range []analysis.EstimateSummary{ch.Earlier, ch.Later} {
			got := rep.Estimates.Rounds[r].Statements[0]
			qs := sum.Quartiles(q)
			want := EstimateReport{Statement: "beds", NTotal: sum.NTotal, N: sum.N, NMissing: sum.NMissing, Mean: sum.Mean, Min: sum.Min,
				Max: sum.Max, Median: sum.Median, Q1: qs.Q1, Q3: qs.Q3, IQR: qs.IQR, IQRPerMedian: qs.IQRPerMedian, Note: qs.IQRPerMedianReason}
			if r == 1 {
				w := ch.Wilcoxon
				want.Change = &EstimateChangeReport{PreviousRound: 1, IQRChange: ch.IQRChange(q), NPairs: w.NPairs, WilcoxonWPlus: w.WPlus,
					WilcoxonWMinus: w.WMinus, WilcoxonNNonzero: w.NNonzero, WilcoxonZ: w.Z, WilcoxonP: w.P, WilcoxonPExact: w.PExactCond}
			}
			if sum.NMissing == 0 {
				t.Errorf("round %d: the data should have missing estimates", r+1)
			}
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			if string(g) != string(w) {
				t.Errorf("%s, round %d:\nanalyze  %s\nanalysis %s", q, r+1, g, w)
			}
		}
	}
}

// rVectors loads one case of analysis/testdata/ranking_numeric.json, the
// reference values computed by R.
func rVector(t *testing.T, id string) map[string]any {
	t.Helper()
	b, err := os.ReadFile("../../analysis/testdata/ranking_numeric.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Cases []map[string]any `json:"cases"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	for _, c := range f.Cases {
		if c["id"] == id {
			return c
		}
	}
	t.Fatalf("no case %s", id)
	return nil
}

// nearR compares with R's values to 1e-12, relative.
func nearR(t *testing.T, what string, got analysis.Opt[float64], want any) {
	t.Helper()
	if want == nil {
		if got.Valid {
			t.Errorf("%s = %v, R gives NA", what, got.Value)
		}
		return
	}
	w := want.(float64)
	if !got.Valid || math.Abs(got.Value-w) > 1e-12*math.Max(1, math.Abs(w)) {
		t.Errorf("%s = %+v, R gives %v", what, got, w)
	}
}

// TestRankingAgainstR: case r02 of the R reference (top-t rankings and
// non-answers), written as a long file, gives R's figures.
func TestRankingAgainstR(t *testing.T) {
	c := rVector(t, "r02_topk_incomplete")
	var rows [][]int
	for _, row := range c["rankings_rows_are_experts"].([]any) {
		var r []int
		for _, x := range row.([]any) {
			if x == nil {
				r = append(r, analysis.Unranked)
			} else {
				r = append(r, int(x.(float64)))
			}
		}
		rows = append(rows, r)
	}
	var b strings.Builder
	b.WriteString("expert,round,statement,rating\n")
	rankingCSV(rows, 1, &b)
	topK := int(c["top_k"].(float64))
	out, _, err := run(t, b.String(), "--kind", "ranking", "--top-k", strconv.Itoa(topK), "--format", "json", "-")
	if err != nil {
		t.Fatal(err)
	}
	var rep ExtendedReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	rr := rep.Ranking.Rounds[0]
	exp := c["expected"].(map[string]any)
	for _, x := range []struct {
		name string
		got  int
	}{{"items", rr.NItems}, {"top_k", rr.TopK}, {"experts", rr.Experts}, {"answered", rr.Answered}, {"complete", rr.Complete}, {"n_missing", rr.NMissing}} {
		if float64(x.got) != exp[x.name].(float64) {
			t.Errorf("%s = %d, R gives %v", x.name, x.got, exp[x.name])
		}
	}
	for j, it := range exp["per_item"].([]any) {
		it := it.(map[string]any)
		got := rr.Items[j]
		if float64(got.N) != it["n"].(float64) || float64(got.NUnranked) != it["n_unranked"].(float64) || float64(got.TopKCount) != it["top_k_count"].(float64) {
			t.Errorf("item %d: n %d, unranked %d, top-k %d; R: %v", j, got.N, got.NUnranked, got.TopKCount, it)
		}
		nearR(t, fmt.Sprintf("item %d mean_rank", j), got.MeanRank, it["mean_rank"])
		med := analysis.Opt[float64]{}
		if got.MedianRank.Valid {
			med = analysis.Some(got.MedianRank.Value.Float())
		}
		nearR(t, fmt.Sprintf("item %d median_rank", j), med, it["median_rank"])
		nearR(t, fmt.Sprintf("item %d top_k_pct", j), got.TopKPct, it["top_k_pct"])
		if fmt.Sprint(got.Distribution) != fmt.Sprint(it["distribution"]) {
			t.Errorf("item %d distribution %v, R gives %v", j, got.Distribution, it["distribution"])
		}
	}
	for _, k := range []struct {
		name string
		got  KendallReport
	}{{"kendall_complete", rr.KendallW}, {"kendall_tied_last", rr.KendallWTiedLast}} {
		e := exp[k.name].(map[string]any)
		nearR(t, k.name+" W", k.got.W, e["W"])
		nearR(t, k.name+" W_tie_corrected", k.got.WTieCorrected, e["W_tie_corrected"])
		nearR(t, k.name+" chi2", k.got.Chi2, e["chi2"])
		nearR(t, k.name+" p", k.got.P, e["p"])
		if float64(k.got.ExpertsUsed) != e["m_experts"].(float64) || float64(k.got.ExpertsDropped) != e["experts_dropped"].(float64) {
			t.Errorf("%s: %d used, %d dropped; R: %v, %v", k.name, k.got.ExpertsUsed, k.got.ExpertsDropped, e["m_experts"], e["experts_dropped"])
		}
	}
}

// TestEstimatesAgainstR: case e01 of the R reference (missing answers,
// zero and tied differences), written as a long file over two rounds,
// gives R's figures.
func TestEstimatesAgainstR(t *testing.T) {
	c := rVector(t, "e01_ties_zeros_missing")
	var b strings.Builder
	b.WriteString("expert,round,statement,rating\n")
	for r, key := range []string{"earlier", "later"} {
		for e, x := range c[key].([]any) {
			v := "NA"
			if x != nil {
				v = strconv.FormatFloat(x.(float64), 'f', -1, 64)
			}
			fmt.Fprintf(&b, "E%02d,%d,estimate,%s\n", e+1, r+1, v)
		}
	}
	exp := c["expected"].(map[string]any)
	for _, q := range []string{"type6", "type7"} {
		out, _, err := run(t, b.String(), "--kind", "numeric", "--quantile", q, "--format", "json", "-")
		if err != nil {
			t.Fatal(err)
		}
		var rep ExtendedReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		for r, key := range []string{"earlier", "later"} {
			got := rep.Estimates.Rounds[r].Statements[0]
			e := exp[key].(map[string]any)
			// n_total differs by design: an expert whose only answer in a
			// round is NA is no respondent of that round.
			if float64(got.N) != e["n"].(float64) {
				t.Errorf("%s %s: n = %d, R gives %v", q, key, got.N, e["n"])
			}
			nearR(t, q+" "+key+" mean", got.Mean, e["mean"])
			nearR(t, q+" "+key+" min", got.Min, e["min"])
			nearR(t, q+" "+key+" max", got.Max, e["max"])
			nearR(t, q+" "+key+" median", got.Median, e["median"])
			qe := e[q].(map[string]any)
			nearR(t, q+" "+key+" q1", got.Q1, qe["q1"])
			nearR(t, q+" "+key+" q3", got.Q3, qe["q3"])
			nearR(t, q+" "+key+" iqr", got.IQR, qe["iqr"])
			nearR(t, q+" "+key+" iqr_per_median", got.IQRPerMedian, qe["iqr_per_median"])
		}
		ch := rep.Estimates.Rounds[1].Statements[0].Change
		nearR(t, q+" iqr_change", ch.IQRChange, exp["iqr_change"].(map[string]any)[q])
		w := exp["wilcoxon"].(map[string]any)
		if float64(ch.NPairs) != w["n_pairs"].(float64) || float64(ch.WilcoxonNNonzero) != w["n_nonzero"].(float64) {
			t.Errorf("pairs %d, non-zero %d; R gives %v, %v", ch.NPairs, ch.WilcoxonNNonzero, w["n_pairs"], w["n_nonzero"])
		}
		nearR(t, "W+", ch.WilcoxonWPlus, w["W_plus"])
		nearR(t, "W-", ch.WilcoxonWMinus, w["W_minus"])
		nearR(t, "z", ch.WilcoxonZ, w["z"])
		nearR(t, "p", ch.WilcoxonP, w["p_asymptotic"])
		nearR(t, "exact p", ch.WilcoxonPExact, w["p_exact_conditional"])
	}
}

// TestKindsErrors: bad kinds, ranks, estimates and criteria stop the
// command with the line and the column, and write nothing.
func TestKindsErrors(t *testing.T) {
	const rank = "expert,round,statement,rating\n"
	for _, tc := range []struct {
		name, in string
		args     []string
		want     string
	}{
		{"duplicate rank", rank + "E1,1,A,1\nE1,1,B,2\nE1,1,C,1\n", []string{"--kind", "ranking"},
			`line 4, column rating: expert "E1" gives rank 1 twice in round 1 (also on line 2)`},
		{"rank gap", rank + "E1,1,A,1\nE1,1,B,3\nE1,1,C,\n", []string{"--kind", "ranking"},
			`line 3, column rating: expert "E1" gives rank 3 but no rank 2 in round 1`},
		{"rank too high", rank + "E1,1,A,1\nE1,1,B,4\nE1,1,C,2\n", []string{"--kind", "ranking"},
			`line 3, column rating: "4" is not a rank (want a whole number from 1 to 3, the number of items in round 1`},
		{"rank text", rank + "E1,1,A,first\n", []string{"--kind", "ranking"}, `line 2, column rating: "first" is not a rank`},
		{"second answer", rank + "E1,1,A,1\nE1,1,B,2\nE1,1,A,2\n", []string{"--kind", "ranking"},
			`line 4: a second answer from expert "E1" to statement "A" in round 1 (the first is on line 2)`},
		{"mixed kinds", "expert,round,statement,rating,kind\nE1,1,A,1,ranking\nE1,1,B,2,ranking\nE1,1,C,7,rating\n", nil,
			`line 4, column kind: "rating" differs from "ranking" on line 2: one file holds one kind of question`},
		{"kind against --kind", "expert,round,statement,rating,kind\nE1,1,A,1,ranking\n", []string{"--kind", "numeric"},
			`line 2, column kind: "ranking" differs from --kind numeric`},
		{"unknown kind", "expert,round,statement,rating,kind\nE1,1,A,1,rank\n", nil,
			`line 2, column kind: "rank" is not a kind of question (want rating, ranking or numeric)`},
		{"estimate text", rank + "E1,1,A,12\nE2,1,A,about 10\n", []string{"--kind", "numeric"},
			`line 3, column rating: "about 10" is not an estimate`},
		{"estimate out of range", rank + "E1,1,A,12\nE2,1,A,120\n", []string{"--kind", "numeric", "--range", "0-100"},
			`line 3, column rating: "120" is outside the range 0-100 given by --range`},
		{"criterion for ranking", "expert,round,statement,rating,criterion\nE1,1,A,1,importance\n", []string{"--kind", "ranking"},
			`line 2, column criterion: "importance": criteria are for rating questions, and this file holds a ranking question`},
		{"empty criterion", "expert,round,statement,rating,criterion\nE1,1,A,1,importance\nE1,1,B,2,\n", []string{"--scale", "1-9"},
			`line 3, column criterion: "" is empty; every row needs a criterion`},
		{"rating off a criterion's scale", criteriaCSV + "E5,1,in-in,feasibility,7\n", []string{"--scale", "1-9", "--scale", "feasibility=1-5"},
			`line 50, column rating: "7" is outside the scale 1-5`},
		{"second answer on a criterion", criteriaCSV + "E1,1,in-in,feasibility,3\n", []string{"--scale", "1-9"},
			`line 50: a second answer from expert "E1" to statement "in-in" on criterion "feasibility" in round 1 (the first is on line 6)`},
		{"unknown criterion", criteriaCSV, []string{"--scale", "1-9", "--rule", "feasability=comet"},
			`--rule feasability=comet: the file has no criterion "feasability" (its criteria: "importance", "feasibility")`},
		{"criterion without scale", criteriaCSV, []string{"--scale", "importance=1-9"},
			`criterion "feasibility" has no scale`},
		{"own scale without criteria", rank + "E1,1,A,1\n", []string{"--scale", "importance=1-9"},
			`needs a criterion column`},
		{"bad combine", criteriaCSV, []string{"--scale", "1-9", "--combine", "both"}, `--combine "both": want all`},
		{"bad kind", rank + "E1,1,A,1\n", []string{"--kind", "likert"}, `--kind "likert": want rating, ranking or numeric`},
		{"bad range", rank + "E1,1,A,1\n", []string{"--kind", "numeric", "--range", "100-0"}, `the minimum is above the maximum`},
		{"wide ranking", rank + "E1,1,A,1\n", []string{"--kind", "ranking", "--wide"}, `--kind ranking is for long files`},
		{"top-k for estimates", rank + "E1,1,A,1\n", []string{"--kind", "numeric", "--top-k", "2"}, `--top-k is for ranking questions, and this file holds a numeric question`},
		{"range for ratings", rank + "E1,1,A,1\n", []string{"--scale", "1-9", "--range", "0-9"}, `--range is for numeric estimates, and this file holds a rating question`},
		{"combine without criteria", rank + "E1,1,A,1\n", []string{"--scale", "1-9", "--combine", "any"}, `--combine is for files with a criterion column`},
		{"bands for rankings", "expert,round,statement,rating,kind\nE1,1,A,1,ranking\n", []string{"--bands", "1-3,4-6,7-9"}, `--bands is for rating questions, and this file holds a ranking question`},
		{"rating without scale", "expert,round,statement,rating,kind\nE1,1,A,1,rating\n", nil, `--scale is required`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := run(t, tc.in, append(tc.args, "-")...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v\nwant it to contain %q", err, tc.want)
			}
			if out != "" {
				t.Errorf("output written: %q", out)
			}
		})
	}
}

// TestKindsDocExamples: the example files and commands of docs/analyze.md
// on criteria, rankings and estimates are those in testdata/kinds, and
// they run and give what the text says.
func TestKindsDocExamples(t *testing.T) {
	doc, err := os.ReadFile("../../docs/analyze.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		file  string
		args  string
		check func(t *testing.T, out []byte)
	}{
		{"criteria.csv", "--scale 1-9 --scale feasibility=1-5 --combine all", func(t *testing.T, out []byte) {
			var rep criteriaJSON
			if err := json.Unmarshal(out, &rep); err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, st := range rep.Rounds[0].Statements {
				got[st.Statement] = st.CombinedDecision
			}
			if fmt.Sprint(got) != "map[S01:in S02:out S03:none]" {
				t.Errorf("combined decisions %v; the docs say S01 in, S02 out, S03 none", got)
			}
			anyOut, _, err := run(t, "", "--scale", "1-9", "--scale", "feasibility=1-5", "--combine", "any", "--format", "json", "testdata/kinds/criteria.csv")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(anyOut, `"statement": "S03",`) || strings.Count(anyOut, `"combined_decision": "in"`) != 3 {
				t.Errorf("with --combine any the docs say every statement is in:\n%s", anyOut)
			}
		}},
		{"ranking.csv", "--kind ranking --top-k 2", func(t *testing.T, out []byte) {
			var rep ExtendedReport
			if err := json.Unmarshal(out, &rep); err != nil {
				t.Fatal(err)
			}
			rr := rep.Ranking.Rounds[0]
			if rr.NItems != 4 || rr.Experts != 4 || rr.Complete != 2 || rr.Items[0].Statement != "Funding" || rr.Items[0].TopKCount != 4 {
				t.Errorf("ranking round: %+v", rr)
			}
		}},
		{"estimates.csv", "--kind numeric --range 0-500", func(t *testing.T, out []byte) {
			var rep ExtendedReport
			if err := json.Unmarshal(out, &rep); err != nil {
				t.Fatal(err)
			}
			if r := rep.Estimates.Rounds; len(r) != 2 || r[1].Statements[0].Change == nil || r[1].Statements[0].Change.NPairs != 4 {
				t.Errorf("estimates: %+v", r)
			}
		}},
	} {
		t.Run(x.file, func(t *testing.T) {
			line := "delphi analyze " + x.args + " " + x.file
			if !bytes.Contains(doc, []byte("```\n"+line+"\n```")) {
				t.Errorf("docs/analyze.md does not show the command %q", line)
			}
			data, err := os.ReadFile(filepath.Join("testdata/kinds", x.file))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(doc, append(append([]byte("```csv\n"), data...), "```"...)) {
				t.Errorf("docs/analyze.md does not show testdata/kinds/%s as it is", x.file)
			}
			for _, format := range []string{"table", "csv", "json"} {
				args := append(strings.Fields(x.args), "--format", format, filepath.Join("testdata/kinds", x.file))
				out, _, err := run(t, "", args...)
				if err != nil {
					t.Fatalf("%s --format %s: %v", line, format, err)
				}
				if format == "json" {
					x.check(t, []byte(out))
				}
			}
		})
	}
}

// TestExtendedJSONRoundTrip: an extended report read back from its JSON
// writes the same JSON, for every kind.
func TestExtendedJSONRoundTrip(t *testing.T) {
	for _, args := range [][]string{
		{"--scale", "1-9", "--scale", "feasibility=1-5", "testdata/kinds/criteria.csv"},
		{"--kind", "ranking", "testdata/kinds/ranking.csv"},
		{"--kind", "numeric", "testdata/kinds/estimates.csv"},
	} {
		out, _, err := run(t, "", append(args, "--format", "json")...)
		if err != nil {
			t.Fatal(err)
		}
		var rep ExtendedReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		var b bytes.Buffer
		if err := WriteExtendedJSON(&b, &rep); err != nil {
			t.Fatal(err)
		}
		if b.String() != out {
			t.Errorf("%v: the report changed through a JSON round trip:\n%s", args, b.String())
		}
	}
}

package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/delphi-platform/delphi/analysis"
)

const smallCSV = "expert,round,statement,rating,group\n" +
	"E1,1,S1,8,a\nE2,1,S1,9,b\nE3,1,S1,7,a\nE1,1,S2,2,a\nE2,1,S2,unable,b\nE3,1,S2,,a\n" +
	"E1,2,S2,3,a\nE2,2,S2,2,b\nE3,2,S2,1,a\n"

func run(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := RunAnalyze(context.Background(), args, strings.NewReader(stdin), &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

func TestRunAnalyzeStdinAndOut(t *testing.T) {
	out, _, err := run(t, smallCSV, "--scale", "1-9", "--format", "json", "-")
	if err != nil {
		t.Fatal(err)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	// The file may come first, options after.
	dir := t.TempDir()
	in := filepath.Join(dir, "r.csv")
	if err := os.WriteFile(in, []byte(smallCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	outPath := filepath.Join(dir, "report.json")
	stdout, _, err := run(t, "", in, "--scale", "1-9", "--out", outPath, "--format", "json")
	if err != nil || stdout != "" {
		t.Fatalf("err %v, stdout %q", err, stdout)
	}
	got, err := os.ReadFile(outPath)
	if err != nil || string(got) != out {
		t.Errorf("--out file differs from stdout output (%v)", err)
	}
	if fi, err := os.Stat(outPath); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, %v", fi.Mode(), err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("temporary files left: %v", ents)
	}
}

// TestRunAnalyzeErrors: every failure returns an error naming the problem,
// writes nothing to stdout, and leaves --out alone.
func TestRunAnalyzeErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.csv")
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(good, []byte(smallCSV), 0o644)
	os.WriteFile(bad, []byte(smallCSV+"E4,2,S2,12,b\n"), 0o644)
	existing := filepath.Join(dir, "existing.txt")
	os.WriteFile(existing, []byte("keep me"), 0o644)
	fresh := filepath.Join(dir, "fresh.txt")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"bad rating", []string{"--scale", "1-9", bad}, `line 11, column rating: "12" is outside the scale 1-9`},
		{"no scale", []string{good}, "--scale is required"},
		{"bad scale", []string{"--scale", "9-1", good}, "minimum must be below maximum"},
		{"scale text", []string{"--scale", "one-nine", good}, "want two whole numbers"},
		{"overlapping bands", []string{"--scale", "1-9", "--bands", "1-4,4-6,7-9", good}, "overlap"},
		{"gap in bands", []string{"--scale", "1-9", "--bands", "1-3,5-6,7-9", good}, "scale point 4 is in no band"},
		{"bands syntax", []string{"--scale", "1-9", "--bands", "1-3/4-6/7-9", good}, "want three comma-separated ranges"},
		{"threshold 50", []string{"--scale", "1-9", "--rule", "percent:50", good}, "must be above 50 %"},
		{"rand on 1-5", []string{"--scale", "1-5", "--rule", "rand", good}, "needs the 1-9 scale"},
		{"unknown rule", []string{"--scale", "1-9", "--rule", "median", good}, "want percent:T, comet"},
		{"quantile", []string{"--scale", "1-9", "--quantile", "type5", good}, "want type6 or type7"},
		{"format", []string{"--scale", "1-9", "--format", "xml", good}, `--format "xml"`},
		{"no file", []string{"--scale", "1-9"}, "missing the ratings file"},
		{"two files", []string{"--scale", "1-9", good, bad}, "one ratings file expected"},
		{"missing file", []string{"--scale", "1-9", filepath.Join(dir, "nope.csv")}, "no such file"},
		{"unknown flag", []string{"--scale", "1-9", "--colour", good}, "flag provided but not defined"},
		{"off scale for 1-5", []string{"--scale", "1-5", good}, `line 2, column rating: "8" is outside the scale 1-5`},
	}
	for _, c := range cases {
		for _, out := range []string{existing, fresh} {
			t.Run(c.name, func(t *testing.T) {
				args := append([]string{"--out", out}, c.args...)
				stdout, _, err := run(t, "", args...)
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("err = %v, want %q", err, c.want)
				}
				if stdout != "" {
					t.Errorf("stdout = %q", stdout)
				}
				if b, _ := os.ReadFile(existing); string(b) != "keep me" {
					t.Error("--out file was changed")
				}
				if _, err := os.Stat(fresh); err == nil {
					t.Error("--out file was created")
				}
			})
		}
	}
	// Without --out, nothing reaches stdout either.
	stdout, stderr, err := run(t, "", "--scale", "1-9", bad)
	if err == nil || stdout != "" || stderr != "" {
		t.Errorf("err %v, stdout %q, stderr %q", err, stdout, stderr)
	}
	// Usage errors print the usage.
	if _, stderr, _ := run(t, "", good); !strings.Contains(stderr, "usage: delphi analyze") {
		t.Errorf("stderr = %q", stderr)
	}
	if stdout, _, err := run(t, "", "--help"); err != nil || !strings.Contains(stdout, "--quantile") {
		t.Errorf("--help: %v %q", err, stdout)
	}
}

// TestWriteJSONMatchesEncodingJSON holds the hand-written JSON writer to
// what encoding/json makes of the Report types, so that the web app (which
// may marshal a Report itself) and `delphi analyze` agree byte for byte.
func TestWriteJSONMatchesEncodingJSON(t *testing.T) {
	reports := map[string]*Report{"panel": buildPanel(t, "comet")}
	// Edge cases: an empty neutral band, a statement without any rating,
	// IDs with characters encoding/json escapes, tiny p-values.
	r := mustParse(t, "expert,round,statement,rating,country\n"+
		"\"<E&1>\",1,\"S\u2028x\",1,\"NL\u2029\"\nE2,1,\"S\u2028x\",2,\"a\tb\"\nE1,1,\"q\"\"uote\",unable,\nE2,1,\"q\"\"uote\",,\n"+
		"\"<E&1>\",2,\"S\u2028x\",4,\nE2,2,\"S\u2028x\",3,\n")
	s := analysis.DefaultSettings(analysis.Scale{Min: 1, Max: 4})
	s.Rule = analysis.Rule{Kind: analysis.RuleIQR, IQRLimit: 150}
	rep, err := Build(context.Background(), r, s)
	if err != nil {
		t.Fatal(err)
	}
	reports["edge"] = rep
	// The platform's recorded decisions: a proposal beside the decision,
	// and a reason with characters encoding/json escapes.
	decided, err := Build(context.Background(), r, s)
	if err != nil {
		t.Fatal(err)
	}
	for i := range decided.Rounds[0].Statements {
		st := &decided.Rounds[0].Statements[i]
		rule := st.Decision
		st.Proposal = &rule
		if i == 0 {
			st.Decision, st.DecisionReason = analysis.DecisionOut, "steering group: <off topic> & \"vague\"\u2028"
		}
	}
	reports["decided"] = decided
	for name, rep := range reports {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := WriteJSON(&got, rep); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			g, w := got.String(), want.String()
			i := 0
			for i < len(g) && i < len(w) && g[i] == w[i] {
				i++
			}
			t.Errorf("%s: WriteJSON differs from encoding/json at byte %d:\n got …%s\nwant …%s", name, i, g[max(0, i-80):min(len(g), i+80)], w[max(0, i-80):min(len(w), i+80)])
		}
	}
	edge := reports["edge"].Rounds[0]
	if st := edge.Statements[1]; st.N != 0 || st.Decision != analysis.DecisionInsufficient || st.Median.Valid {
		t.Errorf("statement without ratings: %+v", st)
	}
	if edge.Insufficient != 1 || reports["edge"].Settings.Bands.Neutral.Empty() != true {
		t.Errorf("round: %+v", edge)
	}
}

func buildPanel(t *testing.T, rule string) *Report {
	t.Helper()
	r, err := ParseRatings(panelCSV(loadPanel(t)), scale9)
	if err != nil {
		t.Fatal(err)
	}
	s := analysis.DefaultSettings(scale9)
	if s.Rule, err = analysis.ParseRule(rule); err != nil {
		t.Fatal(err)
	}
	rep, err := Build(context.Background(), r, s)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestWriteCSV checks the CSV format on the panel: one row per round ×
// statement, a plain header, decisions one column per rule, and the same
// values as the JSON.
func TestWriteCSV(t *testing.T) {
	rep := buildPanel(t, "comet")
	var b bytes.Buffer
	if err := WriteCSV(&b, rep); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := recs[0]
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	for _, h := range []string{"round", "statement", "n", "median", "q1", "q3", "iqr", "decision", "decision_percent",
		"decision_comet", "decision_iqr", "decision_rand", "wilcoxon_z", "wilcoxon_p", "mcnemar_p", "freq_1", "freq_9",
		"kendall_w_tie_corrected", "kw_group_p", "kw_country_p"} {
		if _, ok := col[h]; !ok {
			t.Errorf("no column %q", h)
		}
	}
	if len(recs) != 1+30+16+14 {
		t.Fatalf("%d rows, want %d", len(recs)-1, 60)
	}
	i := 1
	for _, rr := range rep.Rounds {
		for _, st := range rr.Statements {
			rec := recs[i]
			i++
			if rec[col["statement"]] != st.Statement || rec[col["decision"]] != st.Decision.String() ||
				rec[col["median"]] != fmtH(st.Median) || rec[col["q1"]] != fmtH(st.Q1) {
				t.Errorf("row %d = %v", i, rec)
			}
			if st.Stability == nil {
				if rec[col["wilcoxon_p"]] != "" {
					t.Errorf("row %d: stability in the first round", i)
				}
			} else if rec[col["wilcoxon_p"]] != fmtFloat(st.Stability.WilcoxonP) {
				t.Errorf("row %d: wilcoxon_p %q", i, rec[col["wilcoxon_p"]])
			}
		}
	}
}

func TestRespondentsDefinition(t *testing.T) {
	// E3 has rows in round 2 but only empty answers: not a respondent, and
	// not counted as skipping items.
	r := mustParse(t, "expert,round,statement,rating\nE1,1,S1,5\nE2,1,S1,6\nE3,1,S1,7\nE1,2,S1,5\nE2,2,S1,unable\nE3,2,S1,NA\n")
	rep, err := Build(context.Background(), r, analysis.DefaultSettings(scale9))
	if err != nil {
		t.Fatal(err)
	}
	r2 := rep.Rounds[1]
	if r2.Respondents != 2 || r2.Statements[0].NMissing != 0 || r2.Statements[0].NUnable != 1 || r2.Statements[0].N != 1 {
		t.Errorf("round 2: respondents %d, n %d, unable %d, missing %d", r2.Respondents, r2.Statements[0].N, r2.Statements[0].NUnable, r2.Statements[0].NMissing)
	}
	if st := r2.Statements[0].Stability; st == nil || st.PreviousRound != 1 || st.NPairs != 1 {
		t.Errorf("stability %+v", st)
	}
}

func TestBuildCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Build(ctx, mustParse(t, smallCSV), analysis.DefaultSettings(scale9)); err == nil {
		t.Error("Build ignored a cancelled context")
	}
}

// TestBuildFromRatings is the web platform's path: Ratings built in code.
func TestBuildFromRatings(t *testing.T) {
	R := analysis.Rating
	r := &Ratings{
		Experts:    []Expert{{ID: "a", Group: "g1"}, {ID: "b", Group: "g2"}, {ID: "c", Group: "g1"}, {ID: "d"}},
		Statements: []string{"S1", "S2"},
		HasGroup:   true,
		Rounds: []Round{
			{Number: 1, Responses: [][]analysis.Response{{R(9), R(8), R(7), R(2)}, {R(1), analysis.Unable, R(5), analysis.Missing}}},
			{Number: 2, Responses: [][]analysis.Response{nil, {R(2), R(3), analysis.Missing, analysis.Missing}}},
		},
	}
	rep, err := Build(context.Background(), r, analysis.DefaultSettings(scale9))
	if err != nil {
		t.Fatal(err)
	}
	s1 := rep.Rounds[0].Statements[0]
	// 9, 8, 7, 2: median 7.5; 3 of 4 agree = 75 % → in under percent:75.
	if s1.Median != analysis.Some(analysis.Hundredths(750)) || s1.Decision != analysis.DecisionIn || s1.PctAgree != analysis.Some(75.0) {
		t.Errorf("S1 = %+v", s1)
	}
	r2 := rep.Rounds[1]
	// Round 2: d did not answer anything, c answered nothing either.
	if r2.Respondents != 2 || r2.StatementsPresented != 1 || r2.Statements[0].Statement != "S2" {
		t.Errorf("round 2 = %+v", r2)
	}
	if st := r2.Statements[0].Stability; st == nil || st.NPairs != 1 || st.PreviousRound != 1 {
		t.Errorf("stability = %+v", st)
	}
	if g := r2.Statements[0].Subgroups.Group; len(g.Groups) != 2 || g.Groups[0].Name != "g1" || g.Groups[0].N != 1 {
		t.Errorf("groups = %+v", g)
	}

	r.Rounds[1].Responses[1] = r.Rounds[1].Responses[1][:3]
	if _, err := Build(context.Background(), r, analysis.DefaultSettings(scale9)); err == nil || !strings.Contains(err.Error(), "3 responses for 4 experts") {
		t.Errorf("ragged column: %v", err)
	}
	r.Rounds[1].Responses[1] = []analysis.Response{R(2), R(12), 0, 0}
	if _, err := Build(context.Background(), r, analysis.DefaultSettings(scale9)); err == nil || !strings.Contains(err.Error(), "outside the scale") {
		t.Errorf("off-scale rating: %v", err)
	}
}

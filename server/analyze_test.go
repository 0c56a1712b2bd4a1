package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAnalyzeWideCommand runs `delphi analyze --wide --round 1 a.csv
// --round 2 b.csv` through the program's command dispatch, on the
// documented LimeSurvey example, and checks it against the same answers
// given as one long file.
func TestAnalyzeWideCommand(t *testing.T) {
	dir := t.TempDir()
	copyFile := func(name string) string {
		data, err := os.ReadFile(filepath.Join("..", "internal", "report", "testdata", "wide", name))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	a, b := copyFile("limesurvey_round1.csv"), copyFile("limesurvey_round2.csv")
	noEnv := func(string) string { return "" }
	var wide strings.Builder
	err := run(context.Background(), []string{"analyze", "--scale", "1-9", "--format", "json", "--unable-code", "99",
		"--wide", "--round", "1", a, "--round", "2", b}, noEnv, strings.NewReader(""), &wide, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	// The same answers in long form: token is the expert; 99 is unable.
	long := "expert,round,statement,rating\n" +
		"k7Tq2,1,Q1_SQ001,8\nk7Tq2,1,Q1_SQ002,7\nk7Tq2,1,Q1_SQ003,unable\nk7Tq2,1,Q1_SQ004,3\n" +
		"Zp0aL,1,Q1_SQ001,9\nZp0aL,1,Q1_SQ002,6\nZp0aL,1,Q1_SQ003,4\nZp0aL,1,Q1_SQ004,2\n" +
		"mW3rB,1,Q1_SQ001,7\nmW3rB,1,Q1_SQ002,\n" +
		"Hh8sN,1,Q1_SQ001,7\nHh8sN,1,Q1_SQ002,8\nHh8sN,1,Q1_SQ003,5\nHh8sN,1,Q1_SQ004,unable\n" +
		"Zp0aL,2,Q1_SQ001,8\nZp0aL,2,Q1_SQ002,7\nZp0aL,2,Q1_SQ003,5\nZp0aL,2,Q1_SQ004,2\n" +
		"k7Tq2,2,Q1_SQ001,8\nk7Tq2,2,Q1_SQ002,7\nk7Tq2,2,Q1_SQ003,6\nk7Tq2,2,Q1_SQ004,2\n" +
		"Hh8sN,2,Q1_SQ001,7\nHh8sN,2,Q1_SQ002,7\nHh8sN,2,Q1_SQ003,unable\nHh8sN,2,Q1_SQ004,3\n"
	var ref strings.Builder
	if err := run(context.Background(), []string{"analyze", "--scale", "1-9", "--format", "json", "-"}, noEnv, strings.NewReader(long), &ref, io.Discard); err != nil {
		t.Fatal(err)
	}
	// The wide report adds each statement's header as its label; without
	// the labels the two reports are the same.
	var w, l map[string]any
	if err := json.Unmarshal([]byte(wide.String()), &w); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(ref.String()), &l); err != nil {
		t.Fatal(err)
	}
	labels := 0
	for _, rd := range w["rounds"].([]any) {
		for _, st := range rd.(map[string]any)["statements"].([]any) {
			st := st.(map[string]any)
			if want := "Q1[" + strings.TrimPrefix(st["statement"].(string), "Q1_") + "]"; st["label"] != want {
				t.Errorf("statement %v: label %v, want %s", st["statement"], st["label"], want)
			}
			delete(st, "label")
			labels++
		}
	}
	wj, _ := json.Marshal(w)
	lj, _ := json.Marshal(l)
	if labels == 0 || string(wj) != string(lj) {
		t.Errorf("the wide files' report differs from the long file's:\nwide: %s\nlong: %s", wj, lj)
	}
	// A usage error names the problem.
	err = run(context.Background(), []string{"analyze", "--scale", "1-9", "--wide", "--round", "1", a, "--round", "1", b}, noEnv, strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--round 1 is given twice") {
		t.Errorf("duplicate round: %v", err)
	}
}

// TestAnalyzeKindsCommand runs `delphi analyze` through the program's
// command dispatch on the documented files with two criteria, a ranking
// and estimates.
func TestAnalyzeKindsCommand(t *testing.T) {
	dir := filepath.Join("..", "internal", "report", "testdata", "kinds")
	noEnv := func(string) string { return "" }
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--scale", "1-9", "--scale", "feasibility=1-5", "--combine", "all", filepath.Join(dir, "criteria.csv")},
			[]string{`"kind": "rating"`, `"combine": "all"`, `"criterion": "feasibility"`, `"combined_decision": "out"`}},
		{[]string{"--kind", "ranking", "--top-k", "2", filepath.Join(dir, "ranking.csv")},
			[]string{`"kind": "ranking"`, `"kendall_w_tied_last"`, `"mean_rank": 1.25`}},
		{[]string{"--kind", "numeric", "--range", "0-500", filepath.Join(dir, "estimates.csv")},
			[]string{`"kind": "numeric"`, `"iqr_change"`, `"median": 105`}},
	} {
		var out strings.Builder
		args := append([]string{"analyze", "--format", "json"}, tc.args...)
		if err := run(context.Background(), args, noEnv, strings.NewReader(""), &out, io.Discard); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		var rep map[string]any
		if err := json.Unmarshal([]byte(out.String()), &rep); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%v: the report lacks %s", args, w)
			}
		}
	}
	// A duplicate rank names the row.
	in := "expert,round,statement,rating\nE1,1,A,1\nE1,1,B,1\n"
	err := run(context.Background(), []string{"analyze", "--kind", "ranking", "-"}, noEnv, strings.NewReader(in), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `line 3, column rating: expert "E1" gives rank 1 twice in round 1 (also on line 2)`) {
		t.Errorf("duplicate rank: %v", err)
	}
}

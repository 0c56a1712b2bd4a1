package export

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/internal/results"
	"github.com/delphi-platform/delphi/rounds"
)

const injection = `=HYPERLINK("http://x")`

const overrideReason = "-the wording changed under the panel"

// sample is a two-round study of five experts with a formula in a
// statement's text and in a group name. After round 2 the coordinator
// overrode the rule's "in" for S1 with a reason that begins like a formula.
func sample(t *testing.T) *results.Results {
	t.Helper()
	M := analysis.Missing
	in := &results.Input{
		Settings: analysis.DefaultSettings(analysis.Scale{Min: 1, Max: 5}),
		Ratings: &report.Ratings{
			Experts: []report.Expert{{ID: "E001", Group: "A", Country: "NL"}, {ID: "E002", Group: "A", Country: "DE"},
				{ID: "E003", Group: "+B", Country: "NL"}, {ID: "E004", Group: "+B", Country: "DE"}, {ID: "E005", Group: "A", Country: "NL"}},
			Statements: []string{"S1", "S2"},
			HasGroup:   true, HasCountry: true,
			Rounds: []report.Round{
				{Number: 1, Responses: [][]analysis.Response{analysis.Ratings(5, 4, 3, 1, 2), {5, 5, 4, analysis.Unable, 2}}},
				{Number: 2, Responses: [][]analysis.Response{{5, 4, 4, M, 4}, nil}},
			},
		},
		Rounds: []results.RoundInfo{
			{Number: 1, Invited: []int{0, 1, 2, 3, 4}, Respondents: []int{0, 1, 2, 3, 4}, Origins: map[string]string{"S1": "new", "S2": "new"},
				Texts: map[string]string{"S1": injection, "S2": "Plain"}},
			{Number: 2, Invited: []int{0, 1, 2, 3, 4}, Respondents: []int{0, 1, 2, 4}, Origins: map[string]string{"S1": "carried"},
				Texts:     map[string]string{"S1": injection},
				Decisions: map[string]results.RecordedDecision{"S1": {Proposed: rounds.ProposeIn, Decision: rounds.ProposeUnresolved, Reason: overrideReason}}},
		},
		Statements: []results.StatementInfo{{Key: "S1", Section: "-Sec", Text: injection}, {Key: "S2", Text: "Plain"}},
	}
	res, err := results.Compute(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestNeutralise(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""}, {"plain", "plain"}, {"=1+1", "'=1+1"}, {"+31 6", "'+31 6"}, {"-x", "'-x"}, {"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"}, {"\rx", "'\rx"}, {"a=b", "a=b"}, {"'=x", "'=x"},
	} {
		if got := Neutralise(tt.in); got != tt.want {
			t.Errorf("Neutralise(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// wantNumber checks that a cell holds the statistic, to the last digit
// for CSV (full precision) and within 1e-9 for XLSX.
func wantNumber(t *testing.T, where, cell string, want any) {
	t.Helper()
	switch w := want.(type) {
	case nil:
		if cell != "" {
			t.Errorf("%s = %q, want empty", where, cell)
		}
	case float64:
		got, err := strconv.ParseFloat(cell, 64)
		if err != nil || got-w > 1e-9 || w-got > 1e-9 {
			t.Errorf("%s = %q, want %v", where, cell, w)
		}
	case int:
		if cell != strconv.Itoa(w) {
			t.Errorf("%s = %q, want %d", where, cell, w)
		}
	}
}

// checkConsensus compares parsed consensus rows with the report.
func checkConsensus(t *testing.T, what string, res *results.Results, rows [][]string) {
	t.Helper()
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	n := 0
	for _, r := range rows[1:] {
		if r[col["subgroup_type"]] != "all" {
			continue
		}
		round, _ := strconv.Atoi(r[col["round"]])
		var st *report.StatementReport
		for i := range res.Report.Rounds[round-1].Statements {
			if s := &res.Report.Rounds[round-1].Statements[i]; s.Statement == r[col["statement"]] {
				st = s
			}
		}
		if st == nil {
			t.Fatalf("%s: row for unknown statement %v", what, r)
		}
		n++
		where := what + " round " + r[col["round"]] + " " + st.Statement
		wantNumber(t, where+" n", r[col["n"]], st.N)
		wantNumber(t, where+" median", r[col["median"]], optH(st.Median))
		wantNumber(t, where+" iqr_type6", r[col["iqr_type6"]], optH(st.IQR))
		wantNumber(t, where+" sd", r[col["sd"]], optF(st.SD))
		wantNumber(t, where+" pct_agree", r[col["pct_agree"]], optF(st.PctAgree))
		if r[col["decision"]] != st.Decision.String() || r[col["rule"]] != "percent:75" || r[col["proposal"]] != results.RuleDecision(st).String() {
			t.Errorf("%s decision %q rule %q proposal %q", where, r[col["decision"]], r[col["rule"]], r[col["proposal"]])
		}
		// S1 in round 2: the coordinator's decision, the rule's proposal
		// and the reason, neutralised.
		if round == 2 && st.Statement == "S1" &&
			(r[col["decision"]] != "none" || r[col["proposal"]] != "in" || r[col["decision_reason"]] != "'"+overrideReason) {
			t.Errorf("%s: decision %q, proposal %q, reason %q; want none, in and the reason", where, r[col["decision"]], r[col["proposal"]], r[col["decision_reason"]])
		}
		if st.Statement == "S1" && r[col["text"]] != "'"+injection {
			t.Errorf("%s text %q is not neutralised", where, r[col["text"]])
		}
	}
	if n != 3 {
		t.Errorf("%s: %d panel rows, want 3", what, n)
	}
}

func TestConsensusCSV(t *testing.T) {
	res := sample(t)
	var buf bytes.Buffer
	if err := WriteConsensusCSV(&buf, res); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	checkConsensus(t, "csv", res, rows)
	// Type 7 quartiles come from the report built under type 7.
	other := res.Other.Rounds[0].Statements[0]
	wantNumber(t, "q1_type7", rows[1][13], optH(other.Q1))
	groups := 0
	for _, r := range rows[1:] {
		if r[4] == "group" {
			groups++
			if r[5] != "A" && r[5] != "'+B" {
				t.Errorf("group name %q", r[5])
			}
		}
	}
	if groups != 6 {
		t.Errorf("%d group rows, want 2 groups × 3 statements", groups)
	}
}

func TestXLSX(t *testing.T) {
	res := sample(t)
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, res, []Comment{{Round: 1, Statement: "S1", Expert: "E001", Text: injection}}, nil); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), ","); got != "Summary,Round 1,Round 2,Comments,Open answers,Settings" {
		t.Fatalf("sheets %s", got)
	}
	var all [][]string
	for i, name := range []string{"Round 1", "Round 2"} {
		rows, err := f.GetRows(name)
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			rows = rows[1:]
		}
		all = append(all, rows...)
	}
	checkConsensus(t, "xlsx", res, all)
	// The injected text is a string, not a formula.
	if formula, err := f.GetCellFormula("Round 1", "D2"); err != nil || formula != "" {
		t.Errorf("D2 has formula %q (%v)", formula, err)
	}
	comments, _ := f.GetRows("Comments")
	if len(comments) != 2 || comments[1][3] != "'"+injection {
		t.Errorf("comments sheet %q", comments)
	}
	if formula, _ := f.GetCellFormula("Comments", "D2"); formula != "" {
		t.Errorf("comment became formula %q", formula)
	}
	summary, _ := f.GetRows("Summary")
	wantNumber(t, "round 2 responded", summary[2][4], 4)
	wantNumber(t, "round 2 dropped", summary[2][7], 1)
	settings, _ := f.GetRows("Settings")
	got := map[string]string{}
	for _, r := range settings {
		got[r[0]] = r[1]
	}
	if got["scale"] != "1-5" || got["band_agree"] != "4-5" || got["consensus_rule"] != "percent:75" ||
		!strings.Contains(got["quartile_label"], "type 6") || got["consensus_definition_specified_a_priori"] != "no" {
		t.Errorf("settings sheet %v", got)
	}
}

func TestRawCSVInjection(t *testing.T) {
	var buf bytes.Buffer
	rows := []RawRow{
		{Expert: "E001", Group: "A", Country: "NL", Round: 1, Statement: "S1", Version: 1, Answer: 4, Comment: injection},
		{Expert: "E002", Group: "A", Country: "NL", Round: 1, Statement: "S1", Version: 1, Answer: analysis.Unable, Comment: "-1 for me\r\nsecond line"},
	}
	err := WriteRawCSV(&buf, func(yield func(RawRow) error) error {
		for _, r := range rows {
			if err := yield(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got[0], ",") != strings.Join(RawHeader, ",") {
		t.Errorf("header %v", got[0])
	}
	if got[1][9] != "'"+injection || got[1][6] != "4" || got[1][7] != "4" || got[1][8] != "0" {
		t.Errorf("row 1 %q", got[1])
	}
	if got[2][9] != "'-1 for me\nsecond line" || got[2][6] != "unable" || got[2][7] != "" || got[2][8] != "1" {
		t.Errorf("row 2 %q", got[2])
	}
}

func TestJSON(t *testing.T) {
	res := sample(t)
	var buf bytes.Buffer
	if err := WriteJSON(&buf, res, []LineageRow{{Statement: "S1", Version: 1, Round: 1, Origin: "new", Text: injection}}); err != nil {
		t.Fatal(err)
	}
	// The analyze schema reads back to the same report.
	var rep report.Report
	if err := json.Unmarshal(buf.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(res.Report)
	b, _ := json.Marshal(&rep)
	if !bytes.Equal(a, b) {
		t.Errorf("report does not survive the JSON export:\n%s\n%s", a, b)
	}
	var extra struct {
		Flow []struct {
			Round, Invited, Responded int
		} `json:"flow"`
		Lineage []LineageRow `json:"lineage"`
	}
	if err := json.Unmarshal(buf.Bytes(), &extra); err != nil {
		t.Fatal(err)
	}
	if len(extra.Flow) != 2 || extra.Flow[1].Responded != 4 || len(extra.Lineage) != 1 {
		t.Errorf("flow %+v lineage %+v", extra.Flow, extra.Lineage)
	}
}

// The raw export's "open" rows (answers to open questions) carry the kind
// column, no rating, and are skipped when `delphi analyze` reads the file
// back: it reads the same ratings as from the file without them.
func TestRawCSVOpenRowsAnalyzeSkips(t *testing.T) {
	ratings := []RawRow{
		{Expert: "E001", Round: 1, Statement: "S1", Version: 1, Answer: 4},
		{Expert: "E002", Round: 1, Statement: "S1", Version: 1, Answer: 2},
	}
	open := RawRow{Expert: "E001", Round: 1, Statement: QuestionKey(1), Comment: "Cheaper transport", Open: true}
	write := func(rows []RawRow) []byte {
		var buf bytes.Buffer
		err := WriteRawCSV(&buf, func(yield func(RawRow) error) error {
			for _, r := range rows {
				if err := yield(r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	with := write(append(ratings[:2:2], open))
	got, err := csv.NewReader(bytes.NewReader(with)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got[0][10] != "kind" || got[1][10] != KindRating || strings.Join(got[3], "|") != "E001|||1|Q1|||||Cheaper transport|open" {
		t.Fatalf("rows %q", got)
	}
	sc := analysis.Scale{Min: 1, Max: 5}
	a, err := report.ParseRatings(with, sc)
	if err != nil {
		t.Fatalf("analyze reads the export: %v", err)
	}
	b, err := report.ParseRatings(write(ratings), sc)
	if err != nil {
		t.Fatal(err)
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) || len(a.Statements) != 1 {
		t.Errorf("with open rows analyze reads\n%s\nwithout\n%s", ja, jb)
	}
}

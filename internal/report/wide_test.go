package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/delphi-platform/delphi/analysis"
)

// wideFile is one source of a test: its content and its round (0: from
// the round column).
type wideFile struct {
	name, data string
	round      int
}

func readWide(files []wideFile, o WideOptions) (*Ratings, error) {
	var srcs []WideSource
	for _, f := range files {
		srcs = append(srcs, WideSource{Name: f.name, R: strings.NewReader(f.data), Round: f.round})
	}
	return ReadWide(srcs, o, scale9)
}

// TestReadWideHeaderStyles: each survey tool's export reads as the same
// answers written in long form.
func TestReadWideHeaderStyles(t *testing.T) {
	cases := []struct {
		name   string
		files  []wideFile
		opts   WideOptions
		long   string
		labels map[string]string
	}{
		{
			name: "LimeSurvey question codes, one file per round, token as ID",
			files: []wideFile{
				{"r1.csv", `"id","submitdate","lastpage","startlanguage","seed","token","Q1[SQ001]","Q1[SQ002]","Q1[comment]","S03"` + "\n" +
					`"1","2026-03-02 09:14:03","2","en","1736425","tokA","8","99","too vague","5"` + "\n" +
					`"2","","1","en","590231","tokB","9","","",""` + "\n", 1},
				{"r2.csv", `"id","submitdate","lastpage","startlanguage","seed","token","Q1[SQ001]","Q1[SQ002]","Q1[comment]","S03"` + "\n" +
					`"7","2026-03-20 08:30:00","2","en","441201","tokB","7","6","","N/A"` + "\n" +
					`"8","2026-03-20 09:30:00","2","en","441202","tokA","8","7","",""` + "\n", 2},
			},
			opts: WideOptions{UnableCodes: []string{"99", "n/a"}},
			long: "expert,round,statement,rating\n" +
				"tokA,1,Q1_SQ001,8\ntokA,1,Q1_SQ002,unable\ntokA,1,S03,5\ntokB,1,Q1_SQ001,9\n" +
				"tokB,2,Q1_SQ001,7\ntokB,2,Q1_SQ002,6\ntokB,2,S03,unable\ntokA,2,Q1_SQ001,8\ntokA,2,Q1_SQ002,7\n",
			labels: map[string]string{"Q1_SQ001": "Q1[SQ001]", "Q1_SQ002": "Q1[SQ002]", "S03": ""},
		},
		{
			name: "REDCap raw export, rounds as longitudinal events",
			files: []wideFile{{"redcap.csv", "record_id,redcap_event_name,redcap_repeat_instrument,redcap_repeat_instance,delphi_timestamp,s01_rating,s01_comment,s02_rating,delphi_complete\n" +
				"1,round_1_arm_1,,,2026-03-02 09:14:03,8,\"fine, really\",-1,2\n" +
				"2,round_1_arm_1,,,2026-03-02 10:02:41,3,,4,2\n" +
				"1,round_2_arm_1,,,2026-03-20 08:30:00,9,,5.0,2\n" +
				"2,round_2_arm_1,,,[not completed],,,,0\n", 0}},
			opts: WideOptions{RoundColumn: "redcap_event_name", UnableCodes: []string{"-1"}},
			long: "expert,round,statement,rating\n" +
				"1,1,s01,8\n1,1,s02,unable\n2,1,s01,3\n2,1,s02,4\n1,2,s01,9\n1,2,s02,5\n",
			labels: map[string]string{"s01": "s01_rating", "s02": "s02_rating"},
		},
		{
			name: "Qualtrics with its two extra header rows",
			files: []wideFile{{"q.csv", "StartDate,EndDate,Status,IPAddress,Progress,Duration (in seconds),Finished,RecordedDate,ResponseId,RecipientLastName,RecipientFirstName,RecipientEmail,ExternalReference,LocationLatitude,LocationLongitude,DistributionChannel,UserLanguage,Q1_1,Q1_2\n" +
				"Start Date,End Date,Response Type,IP Address,Progress,Duration (in seconds),Finished,Recorded Date,Response ID,Recipient Last Name,Recipient First Name,Recipient Email,External Data Reference,Location Latitude,Location Longitude,Distribution Channel,User Language,\"Rate:\nfirst\",\"Rate:\nsecond\"\n" +
				`"{""ImportId"":""startDate""}","{""ImportId"":""endDate""}","{""ImportId"":""status""}","{""ImportId"":""ipAddress""}","{""ImportId"":""progress""}","{""ImportId"":""duration""}","{""ImportId"":""finished""}","{""ImportId"":""recordedDate""}","{""ImportId"":""_recordId""}","{""ImportId"":""recipientLastName""}","{""ImportId"":""recipientFirstName""}","{""ImportId"":""recipientEmail""}","{""ImportId"":""externalDataReference""}","{""ImportId"":""locationLatitude""}","{""ImportId"":""locationLongitude""}","{""ImportId"":""distributionChannel""}","{""ImportId"":""userLanguage""}","{""ImportId"":""QID1_1""}","{""ImportId"":""QID1_2""}"` + "\n" +
				"2026-03-02 09:05:40,2026-03-02 09:14:03,0,192.0.2.1,100,503,1,2026-03-02 09:14:04,R_abc,,,,,52.1,4.3,anonymous,EN,8,10\n" +
				"2026-03-02 09:51:12,2026-03-02 10:02:41,0,192.0.2.2,100,689,1,2026-03-02 10:02:42,R_def,,,,,52.1,4.3,anonymous,EN,2,\n", 1}},
			opts:   WideOptions{UnableCodes: []string{"10"}},
			long:   "expert,round,statement,rating\nR_abc,1,Q1_1,8\nR_abc,1,Q1_2,unable\nR_def,1,Q1_1,2\n",
			labels: map[string]string{"Q1_1": "", "Q1_2": ""},
		},
		{
			name:  "semicolons, group and country, statements chosen by regex",
			files: []wideFile{{"x.csv", "Round;Expert;Group;Country;Notes;A1;A2\n1;E1;clinician;NL;;7;unable\n1;E2;patient;;call back;3;NA\n2;E1;;NL;;8;6\n", 0}},
			opts:  WideOptions{StatementColumns: regexp.MustCompile(`^A\d$`)},
			long:  "expert,round,statement,rating,group,country\nE1,1,A1,7,clinician,NL\nE1,1,A2,unable,,\nE2,1,A1,3,patient,\nE1,2,A1,8,,NL\nE1,2,A2,6,,\n",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := readWide(c.files, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := dump(got), dump(mustParse(t, c.long)); g != w {
				t.Errorf("got\n%s\nwant (long)\n%s", g, w)
			}
			checkRatings(t, got)
			for i, s := range got.Statements {
				if want, ok := c.labels[s]; ok && got.label(i) != want {
					t.Errorf("statement %s: label %q, want %q", s, got.label(i), want)
				}
			}
		})
	}
}

// TestReadWideRoundColumnOrFiles: one file with a round column and one file
// per round read the same.
func TestReadWideRoundColumnOrFiles(t *testing.T) {
	oneFile := "id,round,S1,S2,S3\nE1,1,5,6,\nE2,1,7,99,2\nE1,2,6,6,\nE2,2,8,7,\n"
	perRound := []wideFile{
		{"r1.csv", "id,S1,S2,S3\nE1,5,6,\nE2,7,99,2\n", 1},
		{"r2.csv", "id,S1,S2,S3\nE1,6,6,\nE2,8,7,\n", 2},
	}
	o := WideOptions{UnableCodes: []string{"99"}}
	a, err := readWide([]wideFile{{"all.csv", oneFile, 0}}, o)
	if err != nil {
		t.Fatal(err)
	}
	b, err := readWide(perRound, o)
	if err != nil {
		t.Fatal(err)
	}
	if dump(a) != dump(b) {
		t.Errorf("round column:\n%s\nfiles:\n%s", dump(a), dump(b))
	}
	// S3 has no answer in round 2: it was not presented there.
	if s3 := slices.Index(a.Statements, "S3"); s3 < 0 || a.Rounds[1].Responses[s3] != nil || a.Rounds[0].Responses[s3] == nil {
		t.Errorf("S3 presentation wrong:\n%s", dump(a))
	}
}

func TestReadWideUnableCodes(t *testing.T) {
	in := "id,S1,S2,S3,S4\nE1,99,99.0,-1,N/A\nE2,n/a,unable,UNABLE,NA\nE3,5,,-1.0,3\n"
	r, err := readWide([]wideFile{{"f.csv", in, 1}}, WideOptions{UnableCodes: []string{" 99", "-1", "N/A"}})
	if err != nil {
		t.Fatal(err)
	}
	want := mustParse(t, "expert,round,statement,rating\n"+
		"E1,1,S1,unable\nE1,1,S2,unable\nE1,1,S3,unable\nE1,1,S4,unable\n"+
		"E2,1,S1,unable\nE2,1,S2,unable\nE2,1,S3,unable\nE2,1,S4,NA\n"+
		"E3,1,S1,5\nE3,1,S2,\nE3,1,S3,unable\nE3,1,S4,3\n")
	if dump(r) != dump(want) {
		t.Errorf("got\n%s\nwant\n%s", dump(r), dump(want))
	}
	// Without the codes, 99 is off the scale and N/A is not a rating.
	if _, err := readWide([]wideFile{{"f.csv", "id,S1\nE1,99\n", 1}}, WideOptions{}); err == nil ||
		err.Error() != `f.csv: row 2, column S1: "99" is outside the scale 1-9 (no --unable-code given)` {
		t.Errorf("99 without codes: %v", err)
	}
	// A code that is a point on the scale would hide ratings.
	if _, err := readWide([]wideFile{{"f.csv", "id,S1\nE1,9\n", 1}}, WideOptions{UnableCodes: []string{"9"}}); err == nil ||
		!strings.Contains(err.Error(), `--unable-code "9" is a point on the scale 1-9`) {
		t.Errorf("code on the scale: %v", err)
	}
}

// TestReadWideErrors: every problem names the file, the row as a
// spreadsheet numbers it (header = row 1) and the column's header.
func TestReadWideErrors(t *testing.T) {
	const hdr = "id,S1,Q2[SQ001]\n"
	qualtrics := "ResponseId,Q1_1\nResponse ID,\"Rate:\nthe first\"\n" + `"{""ImportId"":""_recordId""}","{""ImportId"":""QID1_1""}"` + "\nR_1,5\nR_2,abc\n"
	cases := []struct {
		name  string
		files []wideFile
		opts  WideOptions
		want  string
	}{
		{"not a rating", []wideFile{{"a.csv", hdr + "E1,5,6\nE2,4,abc\n", 1}}, WideOptions{UnableCodes: []string{"99"}},
			`a.csv: row 3, column Q2[SQ001]: "abc" is not a rating on the scale 1-9 or an unable code (unable codes: "99")`},
		{"off scale", []wideFile{{"a.csv", hdr + "E1,12,6\n", 1}}, WideOptions{}, `a.csv: row 2, column S1: "12" is outside the scale 1-9`},
		{"decimal", []wideFile{{"a.csv", hdr + "E1,7.5,6\n", 1}}, WideOptions{}, `a.csv: row 2, column S1: "7.5" is not a rating on the scale 1-9 or an unable code (no --unable-code given)`},
		{"qualtrics rows counted", []wideFile{{"q.csv", qualtrics, 1}}, WideOptions{}, `q.csv: row 5, column Q1_1: "abc" is not a rating`},
		{"blank lines counted", []wideFile{{"a.csv", hdr + "E1,5,6\n\nE2,5,0\n", 1}}, WideOptions{}, `a.csv: row 4, column Q2[SQ001]: "0" is outside the scale`},
		{"second file", []wideFile{{"a.csv", hdr + "E1,5,6\n", 1}, {"b.csv", hdr + "E1,5,x\n", 2}}, WideOptions{}, `b.csv: row 2, column Q2[SQ001]: "x" is not a rating`},
		{"empty id", []wideFile{{"a.csv", hdr + "E1,5,6\n,5,6\n", 1}}, WideOptions{}, `a.csv: row 3, column id: "" is empty; every row needs an expert ID`},
		{"expert twice", []wideFile{{"a.csv", hdr + "E1,5,6\nE2,5,6\nE1,7,7\n", 1}}, WideOptions{}, `a.csv: row 4: a second row for expert "E1" in round 1 (the first is row 2)`},
		{"expert twice in a round column", []wideFile{{"a.csv", "id,round,S1\nE1,1,5\nE1,2,5\nE1,round_2_arm_1,6\n", 0}}, WideOptions{}, `a.csv: row 4: a second row for expert "E1" in round 2 (the first is row 3)`},
		{"round text", []wideFile{{"a.csv", "id,wave,S1\nE1,first,5\n", 0}}, WideOptions{RoundColumn: "wave"}, `a.csv: row 2, column wave: "first" is not a round number`},
		{"round empty", []wideFile{{"a.csv", "id,round,S1\nE1,,5\n", 0}}, WideOptions{}, `a.csv: row 2, column round: "" is not a round number`},
		{"no round column", []wideFile{{"a.csv", hdr + "E1,5,6\n", 0}}, WideOptions{}, `a.csv: row 1: no round column: name the column that gives each row's round with --round-column, or give each round's file with --round N FILE`},
		{"named round column missing", []wideFile{{"a.csv", hdr + "E1,5,6\n", 0}}, WideOptions{RoundColumn: "wave"}, `a.csv: row 1: no round column "wave" (the header has: "id", "S1", "Q2[SQ001]")`},
		{"no id column", []wideFile{{"a.csv", "who,S1\nE1,5\n", 1}}, WideOptions{}, `a.csv: row 1: no expert ID column: none of "expert", "record_id", "token", "id", "ResponseId" (the header has: "who", "S1"); name it with --id-column`},
		{"named id column missing", []wideFile{{"a.csv", hdr + "E1,5,6\n", 1}}, WideOptions{IDColumn: "who"}, `a.csv: row 1: no ID column "who"`},
		{"no statements", []wideFile{{"a.csv", "id,submitdate,s1_comment\nE1,x,y\n", 1}}, WideOptions{}, `a.csv: row 1: no statement columns (the header has: "id", "submitdate", "s1_comment")`},
		{"regex matches none", []wideFile{{"a.csv", hdr + "E1,5,6\n", 1}}, WideOptions{StatementColumns: regexp.MustCompile(`^Z`)}, `a.csv: row 1: no statement columns`},
		{"same statement twice", []wideFile{{"a.csv", "id,s01,s01_rating\nE1,5,6\n", 1}}, WideOptions{}, `a.csv: row 1, column s01_rating: gives the statement ID "s01", as column s01 does`},
		{"column twice", []wideFile{{"a.csv", "id,S1,S1\nE1,5,6\n", 1}}, WideOptions{}, `a.csv: row 1, column S1: the header names this column twice`},
		{"field count", []wideFile{{"a.csv", hdr + "E1,5\n", 1}}, WideOptions{}, `a.csv: row 2: 2 fields, but the header has 3`},
		{"unclosed quote", []wideFile{{"a.csv", hdr + "E1,5,\"6\nE2,5,6\n", 1}}, WideOptions{}, `a.csv: row 2: a quoted field is not closed`},
		{"group conflict across files", []wideFile{{"a.csv", "id,group,S1\nE1,clinician,5\n", 1}, {"b.csv", "id,group,S1\nE2,patient,5\nE1,patient,6\n", 2}}, WideOptions{},
			`b.csv: row 3, column group: "patient" conflicts with "clinician" given for expert "E1" on a.csv row 2`},
		{"empty file", []wideFile{{"a.csv", "\n", 1}}, WideOptions{}, `a.csv: row 1: the file is empty`},
		{"header only", []wideFile{{"a.csv", hdr, 1}}, WideOptions{}, `a.csv: row 1: the file has a header but no rows`},
		{"no answers", []wideFile{{"a.csv", hdr + "E1,,\nE2,NA,\n", 1}}, WideOptions{}, `a.csv: row 1: no ratings: every statement cell is empty`},
		{"bad utf-8", []wideFile{{"a.csv", hdr + "E\xff,5,6\n", 1}}, WideOptions{}, `a.csv: row 2, column id: "E\xff" is not valid UTF-8`},
		{"columns differ between files", []wideFile{{"a.csv", "id,s01\nE1,5\n", 1}, {"b.csv", "id,s01_rating\nE1,5\n", 2}}, WideOptions{},
			`b.csv: row 1, column s01_rating: gives the statement ID "s01", as column s01 of an earlier file does`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := readWide(c.files, c.opts)
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("err = %v\nwant  %s", err, c.want)
			}
		})
	}
}

func TestStatementID(t *testing.T) {
	for in, want := range map[string]string{
		"Q1[SQ001]":    "Q1_SQ001",
		"Q1[SQ001][2]": "Q1_SQ001_2",
		" S01 ":        "S01",
		"s01_rating":   "s01",
		"S01_RATING":   "S01",
		"_rating":      "_rating",
		"Q1_1":         "Q1_1",
		"a[b":          "a[b",
		"[x]":          "[x]",
	} {
		if got := StatementID(in); got != want {
			t.Errorf("StatementID(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestWideLongEquivalence: the d20 panel written long and written wide
// (one file per round, and one file with a round column) gives the same
// analysis JSON through `delphi analyze`.
func TestWideLongEquivalence(t *testing.T) {
	p := loadPanel(t)
	long := panelCSV(p)
	r, err := ParseRatings(long, scale9)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	args := []string{"--scale", "1-9", "--format", "json"}
	var want bytes.Buffer
	if err := RunAnalyze(context.Background(), append(args, write("long.csv", long)), nil, &want, &want); err != nil {
		t.Fatal(err)
	}
	perRound := append(slices.Clone(args), "--wide", "--unable-code", "99,N/A")
	for i := range r.Rounds {
		perRound = append(perRound, "--round", fmt.Sprint(r.Rounds[i].Number), write(fmt.Sprintf("r%d.csv", i+1), wideCSV(t, r, i, i+1)))
	}
	oneFile := append(slices.Clone(args), "--wide", "--unable-code", "99", "--unable-code", "N/A", "--round-column", "Wave", write("all.csv", wideCSV(t, r, 0, len(r.Rounds))))
	for name, a := range map[string][]string{"one file per round": perRound, "round column": oneFile} {
		var got, stderr bytes.Buffer
		if err := RunAnalyze(context.Background(), a, nil, &got, &stderr); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("%s: the wide files' analysis differs from the long file's:\nwide: %.2000s\nlong: %.2000s", name, got.String(), want.String())
		}
	}
}

// wideCSV writes rounds [from, to) of r as a wide file: a Wave column when
// it holds more than one round, every expert on a row of every round (an
// expert who did not take part has an empty row), unable as 99 or N/A.
func wideCSV(t *testing.T, r *Ratings, from, to int) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	hdr := []string{"expert"}
	if to-from > 1 {
		hdr = append(hdr, "Wave")
	}
	hdr = append(hdr, "group", "country")
	var stmts []int
	for s, id := range r.Statements {
		for _, rd := range r.Rounds[from:to] {
			if rd.Responses[s] != nil {
				stmts = append(stmts, s)
				hdr = append(hdr, id)
				break
			}
		}
	}
	w.Write(hdr)
	for _, rd := range r.Rounds[from:to] {
		for s, col := range rd.Responses {
			if col != nil && !slices.ContainsFunc(col, func(x analysis.Response) bool { return x != analysis.Missing }) {
				t.Fatalf("round %d presents %s without any answer, which a wide file cannot say", rd.Number, r.Statements[s])
			}
		}
		for e, ex := range r.Experts {
			row := []string{ex.ID}
			if to-from > 1 {
				row = append(row, fmt.Sprint(rd.Number))
			}
			row = append(row, ex.Group, ex.Country)
			for _, s := range stmts {
				cell := ""
				if col := rd.Responses[s]; col != nil {
					switch x := col[e]; {
					case x == analysis.Unable && e%2 == 0:
						cell = "99"
					case x == analysis.Unable:
						cell = "N/A"
					case x.IsRating():
						cell = fmt.Sprint(int(x))
					}
				}
				row = append(row, cell)
			}
			w.Write(row)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// wideExample is a documented example: its files in testdata/wide and the
// options of its command.
type wideExample struct {
	files []string // in --round order, or one file with a round column
	args  []string
}

var wideExamples = []wideExample{
	{[]string{"limesurvey_round1.csv", "limesurvey_round2.csv"}, []string{"--scale", "1-9", "--wide", "--unable-code", "99"}},
	{[]string{"redcap.csv"}, []string{"--scale", "1-9", "--wide", "--round-column", "redcap_event_name", "--unable-code", "-1"}},
	{[]string{"qualtrics_round1.csv"}, []string{"--scale", "1-9", "--wide", "--id-column", "ExternalReference", "--unable-code", "10"}},
}

// commandLine is the example's command as docs/analyze.md shows it.
func (x wideExample) commandLine() string {
	parts := append([]string{"delphi", "analyze"}, x.args...)
	if len(x.files) == 1 && !slices.Contains(x.args, "--round-column") {
		parts = append(parts, "--round", "1", x.files[0])
	} else if len(x.files) == 1 {
		parts = append(parts, x.files[0])
	} else {
		for i, f := range x.files {
			parts = append(parts, "--round", fmt.Sprint(i+1), f)
		}
	}
	return strings.Join(parts, " ")
}

// TestWideDocExamples: the example files and commands of docs/analyze.md
// are those in testdata/wide, and they run: every round, statement and
// answer of the files is in the report (n + n_unable per column counts
// the column's answered cells).
func TestWideDocExamples(t *testing.T) {
	doc, err := os.ReadFile("../../docs/analyze.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range wideExamples {
		t.Run(x.files[0], func(t *testing.T) {
			line := x.commandLine()
			if !bytes.Contains(doc, []byte(line)) {
				t.Errorf("docs/analyze.md does not show the command %q", line)
			}
			for _, f := range x.files {
				data, err := os.ReadFile(filepath.Join("testdata/wide", f))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Contains(doc, data) {
					t.Errorf("docs/analyze.md does not show testdata/wide/%s as it is", f)
				}
			}
			// Run the command as documented, in the testdata directory.
			var cmd []string
			for _, w := range strings.Fields(line)[2:] {
				if slices.Contains(x.files, w) {
					w = filepath.Join("testdata/wide", w)
				}
				cmd = append(cmd, w)
			}
			var out, stderr bytes.Buffer
			if err := RunAnalyze(context.Background(), append(cmd, "--format", "json"), nil, &out, &stderr); err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			var rep Report
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatal(err)
			}
			answered := answeredCells(t, x)
			got := map[string]int{}
			for _, rd := range rep.Rounds {
				for _, st := range rd.Statements {
					got[fmt.Sprintf("round %d %s", rd.Round, st.Label+st.Statement)] = st.N + st.NUnable
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(answered) {
				t.Errorf("answers per round and statement:\nreport %v\nfiles  %v", got, answered)
			}
		})
	}
}

// answeredCells counts the non-empty cells of each statement column per
// round in an example's files, read with encoding/csv: the statement
// columns are those the docs name (ratings of Q1[…], s0N_rating, Q1_N).
func answeredCells(t *testing.T, x wideExample) map[string]int {
	t.Helper()
	isStmt := regexp.MustCompile(`^(Q1\[SQ\d+\]|s\d+_rating|Q1_\d+)$`)
	out := map[string]int{}
	for i, f := range x.files {
		fh, err := os.Open(filepath.Join("testdata/wide", f))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(fh).ReadAll()
		fh.Close()
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(f, "qualtrics") {
			recs = append(recs[:1], recs[3:]...)
		}
		for _, rec := range recs[1:] {
			round := i + 1
			if j := slices.Index(recs[0], "redcap_event_name"); j >= 0 {
				fmt.Sscanf(rec[j], "round_%d", &round)
			}
			for c, h := range recs[0] {
				if isStmt.MatchString(h) && rec[c] != "" {
					label := ""
					if StatementID(h) != h {
						label = h
					}
					out[fmt.Sprintf("round %d %s", round, label+StatementID(h))]++
				}
			}
		}
	}
	return out
}

// TestRunAnalyzeWideUsage: wrong combinations of the wide options stop with
// a usage error naming the problem, and write nothing.
func TestRunAnalyzeWideUsage(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.csv")
	b := filepath.Join(dir, "b.csv")
	os.WriteFile(a, []byte("id,S1,S2\nE1,5,6\nE2,7,99\n"), 0o644)
	os.WriteFile(b, []byte("id,S1,S2\nE1,6,6\nE2,7,8\n"), 0o644)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"round without file", []string{"--wide", "--round", "1"}, "--round 1 needs a file: --round N FILE"},
		{"round followed by a flag", []string{"--wide", "--round", "1", "--format", "json", a}, "--round 1 needs a file"},
		{"round without number", []string{"--wide", "--round"}, "--round needs a round number and a file"},
		{"round not a number", []string{"--wide", "--round", "one", a}, `--round "one": want a round number from 1 to 1000`},
		{"round zero", []string{"--wide", "--round=0", a}, `--round "0": want a round number`},
		{"round twice", []string{"--wide", "--round", "1", a, "--round", "1", b}, "--round 1 is given twice (" + a + " and " + b + ")"},
		{"round and a file", []string{"--wide", "--round", "1", a, b}, "give the files either as --round N FILE or as one FILE, not both"},
		{"round and round column", []string{"--wide", "--round-column", "wave", "--round", "1", a}, "--round-column and --round N FILE exclude each other"},
		{"round without wide", []string{"--round", "1", a}, "--round N FILE is for wide files; add --wide"},
		{"unable code without wide", []string{"--unable-code", "99", a}, "--unable-code is for wide files; add --wide"},
		{"id column without wide", []string{"--id-column", "id", a}, "--id-column is for wide files; add --wide"},
		{"empty unable code", []string{"--wide", "--unable-code", "99,", "--round", "1", a}, `invalid value "99," for flag -unable-code: empty value in "99,"`},
		{"bad regex", []string{"--wide", "--statement-columns", "S(", "--round", "1", a}, `--statement-columns "S(": error parsing regexp`},
		{"missing file", []string{"--wide", "--round", "1", a, "--round", "2", filepath.Join(dir, "nope.csv")}, "nope.csv: no such file"},
		{"no file", []string{"--wide"}, "missing the ratings file"},
		{"99 is unable only when given", []string{"--wide", "--round", "1", a}, `a.csv: row 3, column S2: "99" is outside the scale 1-9 (no --unable-code given)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stdout, _, err := run(t, "", append([]string{"--scale", "1-9"}, c.args...)...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if stdout != "" {
				t.Errorf("stdout = %q", stdout)
			}
		})
	}
	// The good command, with the options in any order and = forms.
	out, _, err := run(t, "", "--round=2", b, "--wide", "--scale", "1-9", "--round", "1", a, "--unable-code=99", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Rounds) != 2 || rep.Rounds[0].Round != 1 || rep.Rounds[1].Statements[0].Stability == nil {
		t.Errorf("report: %s", out)
	}
}

// FuzzReadWide: no input may panic, every error names a row, and what
// parses must be consistent.
func FuzzReadWide(f *testing.F) {
	for _, name := range []string{"limesurvey_round1.csv", "redcap.csv", "qualtrics_round1.csv"} {
		data, err := os.ReadFile(filepath.Join("testdata/wide", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("id,round,S1,S1_comment\nE1,1,5,x\nE1,2,99,\n"))
	f.Add([]byte("id;Q1[SQ001];group\n\"E\n1\";7;a\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		o := WideOptions{UnableCodes: []string{"99", "-1", "10", "N/A"}}
		for _, round := range []int{0, 1} { // a round column, or the file's round
			r, err := ReadWide([]WideSource{{Name: "f", R: bytes.NewReader(data), Round: round}}, o, scale9)
			if err != nil {
				if !strings.HasPrefix(err.Error(), "f: row ") {
					t.Fatalf("error without a row: %v", err)
				}
				continue
			}
			checkRatings(t, r)
			if r.Labels != nil && len(r.Labels) != len(r.Statements) {
				t.Fatal("labels out of step with statements")
			}
		}
	})
}

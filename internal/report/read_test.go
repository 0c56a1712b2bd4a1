package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/report/synth"
)

var scale9 = analysis.Scale{Min: 1, Max: 9}

// dump renders Ratings canonically, to compare parses.
func dump(r *Ratings) string {
	var b strings.Builder
	fmt.Fprintf(&b, "group=%v country=%v\n", r.HasGroup, r.HasCountry)
	for _, e := range r.Experts {
		fmt.Fprintf(&b, "expert %q %q %q\n", e.ID, e.Group, e.Country)
	}
	for _, s := range r.Statements {
		fmt.Fprintf(&b, "statement %q\n", s)
	}
	for _, rd := range r.Rounds {
		fmt.Fprintf(&b, "round %d\n", rd.Number)
		for s, col := range rd.Responses {
			if col == nil {
				continue
			}
			fmt.Fprintf(&b, "  %s:", r.Statements[s])
			for _, x := range col {
				fmt.Fprintf(&b, " %s", x)
			}
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func mustParse(t testing.TB, in string) *Ratings {
	t.Helper()
	r, err := ParseRatings([]byte(in), scale9)
	if err != nil {
		t.Fatalf("ParseRatings(%q): %v", in, err)
	}
	return r
}

// TestReadRatingsDialects: every spelling of the same data reads the same.
func TestReadRatingsDialects(t *testing.T) {
	base := "expert,round,statement,rating\nE1,1,S1,5\nE2,1,S1,unable\nE1,1,S2,NA\nE2,1,S2,\nE1,2,S1,6\n"
	want := dump(mustParse(t, base))
	if !strings.Contains(want, "S1: 5 unable") || !strings.Contains(want, "S2: missing missing") {
		t.Fatalf("base parse:\n%s", want)
	}
	for name, in := range map[string]string{
		"BOM":              "\xef\xbb\xbf" + base,
		"CRLF":             strings.ReplaceAll(base, "\n", "\r\n"),
		"no final newline": strings.TrimSuffix(base, "\n"),
		"semicolons":       strings.ReplaceAll(base, ",", ";"),
		"tabs":             strings.ReplaceAll(base, ",", "\t"),
		"quoted":           "\"expert\",\"round\",\"statement\",\"rating\"\n\"E1\",\"1\",\"S1\",\"5\"\n\"E2\",\"1\",\"S1\",\"unable\"\n\"E1\",\"1\",\"S2\",\"NA\"\n\"E2\",\"1\",\"S2\",\"\"\n\"E1\",\"2\",\"S1\",\"6\"\n",
		"spaces":           "expert , round,statement ,rating\n E1 ,1, S1, 5 \nE2,1,S1, Unable\nE1,1,S2,na\nE2,1,S2,  \nE1, 2 ,S1,6.0\n",
		"reordered upper":  "RATING,Statement,ROUND,Expert\n5,S1,1,E1\nUNABLE,S1,1,E2\nNA,S2,1,E1\n,S2,1,E2\n6,S1,2,E1\n",
		"extra columns":    "id,expert,round,statement,rating,comment\n1,E1,1,S1,5,ok\n2,E2,1,S1,unable,\n3,E1,1,S2,NA,x\n4,E2,1,S2,,\n5,E1,2,S1,6,\n",
		"blank lines":      "\n\nexpert,round,statement,rating\n\nE1,1,S1,5\n,,,\n\r\nE2,1,S1,unable\nE1,1,S2,NA\nE2,1,S2,\n  \nE1,2,S1,6\n\n",
		"trailing commas":  "expert,round,statement,rating\nE1,1,S1,5,,\nE2,1,S1,unable\nE1,1,S2,NA,\nE2,1,S2,\nE1,2,S1,6\n",
		"rounds unordered": "expert,round,statement,rating\nE1,2,S1,6\nE1,1,S1,5\nE2,1,S1,unable\nE1,1,S2,NA\nE2,1,S2,\n",
	} {
		t.Run(name, func(t *testing.T) {
			got := dump(mustParse(t, in))
			if name == "rounds unordered" {
				// The first appearances differ (E1 still first); compare shape only.
				if !strings.Contains(got, "round 1\n  S1: 5 unable\n  S2: missing missing\nround 2\n  S1: 6 missing") {
					t.Errorf("got\n%s", got)
				}
				return
			}
			if got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestReadRatingsQuotedFields(t *testing.T) {
	in := "expert,round,statement,rating,group\n" +
		"\"E, 1\",1,\"S \"\"1\"\"\nsecond line\",7,\"a \"\"b\"\"\"\n" +
		"E2,1,\"S \"\"1\"\"\nsecond line\",3,c\n"
	r := mustParse(t, in)
	if r.Experts[0].ID != "E, 1" || r.Statements[0] != "S \"1\"\nsecond line" || r.Experts[0].Group != `a "b"` {
		t.Errorf("%q %q %q", r.Experts[0].ID, r.Statements[0], r.Experts[0].Group)
	}
	// The record spanning two lines moves the line count on.
	_, err := ParseRatings([]byte(in+"E3,1,S9,12,\n"), scale9)
	if err == nil || !strings.HasPrefix(err.Error(), "line 6, column rating:") {
		t.Errorf("err = %v, want line 6", err)
	}
}

func TestReadRatingsGroups(t *testing.T) {
	r := mustParse(t, "expert,round,statement,rating,group,country\nE1,1,S1,5,clinician,\nE1,1,S2,5,,NL\nE2,1,S1,5,,\n")
	if !r.HasGroup || !r.HasCountry || r.Experts[0].Group != "clinician" || r.Experts[0].Country != "NL" || r.Experts[1].Group != "" {
		t.Errorf("%+v", r)
	}
	r = mustParse(t, "expert,round,statement,rating,group\nE1,1,S1,5,\n")
	if r.HasGroup {
		t.Error("an all-empty group column turned subgroups on")
	}
}

// TestReadRatingsChunking: the result and the first error do not depend on
// the chunk size or the number of workers, down to chunks smaller than a
// record.
func TestReadRatingsChunking(t *testing.T) {
	var b bytes.Buffer
	if err := synth.Write(&b, synth.Config{Experts: 12, Statements: 7, Rounds: 3, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	// Add quoted records, one spanning lines, and blank lines.
	data := b.String() + "\n\"E0001\",,,1,\"S \"\"x\"\"\nmore\",\"4\"\r\n\n"
	want, err := readRatings(strings.NewReader(data), scale9, readOptions{chunkSize: 1 << 20, workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	bad := data + "E0002,,,1,S001,5\n" // a duplicate near the end
	_, wantErr := readRatings(strings.NewReader(bad), scale9, readOptions{chunkSize: 1 << 20, workers: 1})
	if wantErr == nil {
		t.Fatal("duplicate not detected")
	}
	for _, cs := range []int{16, 17, 31, 64, 100, 257, 4096} {
		for _, w := range []int{1, 2, 3} {
			got, err := readRatings(strings.NewReader(data), scale9, readOptions{chunkSize: cs, workers: w})
			if err != nil {
				t.Fatalf("chunk %d workers %d: %v", cs, w, err)
			}
			if dump(got) != dump(want) {
				t.Fatalf("chunk %d workers %d: different result", cs, w)
			}
			_, err = readRatings(oneByteReader{strings.NewReader(bad)}, scale9, readOptions{chunkSize: cs, workers: w})
			if err == nil || !strings.HasPrefix(err.Error(), strings.SplitN(wantErr.Error(), " (", 2)[0]) {
				t.Fatalf("chunk %d workers %d: err %v, want %v", cs, w, err, wantErr)
			}
		}
	}
}

// oneByteReader returns one byte per Read and cannot seek, like a slow pipe.
type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

func TestReadRatingsErrors(t *testing.T) {
	const hdr = "expert,round,statement,rating\n"
	cases := []struct{ name, in, want string }{
		{"off scale", hdr + "E1,1,S1,5\nE1,1,S2,12\n", `line 3, column rating: "12" is outside the scale 1-9`},
		{"zero", hdr + "E1,1,S1,0\n", `line 2, column rating: "0" is outside the scale 1-9`},
		{"not a rating", hdr + "E1,1,S1,high\n", `line 2, column rating: "high" is not a rating (want a whole number on the scale 1-9, "unable", or empty or NA for no answer)`},
		{"decimal", hdr + "E1,1,S1,7.5\n", `line 2, column rating: "7.5" is not a rating`},
		{"round text", hdr + "E1,one,S1,5\n", `line 2, column round: "one" is not a round number (want a whole number from 1 to 1000)`},
		{"round zero", hdr + "E1,0,S1,5\n", `line 2, column round: "0" is not a round number`},
		{"empty expert", hdr + "E1,1,S1,5\n,1,S1,5\n", `line 3, column expert: "" is empty; every row needs an expert ID`},
		{"empty statement", hdr + "E1,1,,5\n", `line 2, column statement: "" is empty; every row needs a statement ID`},
		{"duplicate", hdr + "E1,1,S1,5\nE2,1,S1,5\nE1,1,S1,NA\n", `line 4: a second answer from expert "E1" to statement "S1" in round 1 (the first is on line 2)`},
		{"missing column", "expert,round,statement,score\nE1,1,S1,5\n", `line 1: missing required column "rating" (the header has: "expert", "round", "statement", "score")`},
		{"column twice", "expert,round,statement,rating,Rating\n", `line 1, column rating: the header names this column twice`},
		{"field count", hdr + "E1,1,S1\n", `line 2: 3 fields, but the header has 4`},
		{"extra field", hdr + "E1,1,S1,5,x\n", `line 2: 5 fields, but the header has 4`},
		{"unclosed quote", hdr + "E1,1,\"S1,5\nE2,1,S1,5\n", `line 2: a quoted field is not closed`},
		{"quote in field", hdr + "E1,1,S\"1,5\n", `line 2: a quote inside an unquoted field`},
		{"after quote", hdr + "E1,1,\"S1\"x,5\n", `line 2: unexpected 'x' after a closing quote`},
		{"group conflict", "expert,round,statement,rating,group\nE1,1,S1,5,clinician\nE1,1,S2,5,\nE1,2,S1,5,patient\n", `line 4, column group: "patient" conflicts with "clinician" given for expert "E1" on line 2`},
		{"bad utf-8", hdr + "E\xff1,1,S1,5\n", `line 2, column expert: "E\xff1" is not valid UTF-8; save the file as UTF-8`},
		{"empty file", "", `line 1: the file is empty; it needs a header row with the columns expert, round, statement, rating`},
		{"blank file", "\n \r\n,,,\n", `line 1: the file is empty`},
		{"header only", hdr + "\n", `line 3: the file has a header but no ratings`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseRatings([]byte(c.in), scale9)
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("err = %v\nwant  %s", err, c.want)
			}
		})
	}
	// Without a seekable input the duplicate's first line is not known.
	_, err := ReadRatings(oneByteReader{strings.NewReader(hdr + "E1,1,S1,5\nE1,1,S1,6\n")}, scale9)
	if err == nil || err.Error() != `line 3: a second answer from expert "E1" to statement "S1" in round 1` {
		t.Errorf("pipe duplicate: %v", err)
	}
}

// FuzzReadRatings: no input may panic, and what parses must be consistent.
func FuzzReadRatings(f *testing.F) {
	f.Add([]byte("expert,round,statement,rating\nE1,1,S1,5\nE2,1,S1,unable\nE1,2,S1,NA\n"))
	f.Add([]byte("\xef\xbb\xbfExpert;Round;Statement;Rating;Group;Country\r\nE1;1;S1;9;a;NL\r\nE1;1;S2;;a;\r\n"))
	f.Add([]byte("\"expert\",\"round\",\"statement\",\"rating\"\n\"E\"\"1\",1,\"S\n1\",7\n"))
	f.Add([]byte("expert\tround\tstatement\trating\nE1\t1\tS1\t7.0\n"))
	f.Add([]byte("expert,round,statement,rating\nE1,1,S1,5\nE1,1,S1,6\n"))
	f.Add([]byte("expert,round,statement,rating\nE1,1,\"S1,5\n"))
	f.Add([]byte("rating,statement\n5,S1\n"))
	f.Add([]byte(""))
	f.Add([]byte("expert,round,statement,rating,group\nE1,1,S1,5,x\nE1,1,S2,5,y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, o := range []readOptions{{chunkSize: 1 << 20, workers: 1}, {chunkSize: 16, workers: 2}} {
			r, err := readRatings(bytes.NewReader(data), scale9, o)
			if err != nil {
				var pe *ParseError
				if !asParseError(err, &pe) {
					t.Fatalf("error of type %T: %v", err, err)
				}
				continue
			}
			checkRatings(t, r)
		}
	})
}

func asParseError(err error, pe **ParseError) bool {
	p, ok := err.(*ParseError)
	*pe = p
	return ok && p.Line >= 1
}

// checkRatings asserts the invariants of parsed ratings.
func checkRatings(t *testing.T, r *Ratings) {
	t.Helper()
	if len(r.Rounds) == 0 || len(r.Experts) == 0 || len(r.Statements) == 0 {
		t.Fatalf("empty result without an error: %+v", r)
	}
	for i, rd := range r.Rounds {
		if i > 0 && rd.Number <= r.Rounds[i-1].Number {
			t.Fatal("rounds not ascending")
		}
		if len(rd.Responses) != len(r.Statements) {
			t.Fatal("round without a column slot per statement")
		}
		for _, col := range rd.Responses {
			if col != nil && len(col) != len(r.Experts) {
				t.Fatal("column without one entry per expert")
			}
			for _, x := range col {
				if x.IsRating() && !scale9.Contains(int(x)) {
					t.Fatalf("rating %d off the scale", int(x))
				}
			}
		}
	}
	for _, e := range r.Experts {
		if e.ID == "" || !utf8.ValidString(e.ID) {
			t.Fatalf("bad expert ID %q", e.ID)
		}
	}
}

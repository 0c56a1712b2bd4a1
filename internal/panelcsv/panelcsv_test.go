package panelcsv

import (
	"bytes"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const hdr = "email,name,stakeholder_group,country,language\n"

// testOptions are the options of the table tests and of the fuzz target.
func testOptions() Options {
	return Options{DefaultLanguage: "en", Existing: map[string]bool{"old@x.org": true}}
}

type parseCase struct {
	name  string
	input string
	opt   *Options // nil: testOptions()
	want  []string // Problem.Error() of every problem, in order
}

func withOptions(f func(*Options)) *Options {
	o := testOptions()
	f(&o)
	return &o
}

// parseCases are the files that break one rule each. FuzzParse uses them as
// its seed corpus.
func parseCases() []parseCase {
	long := strings.Repeat("é", 201)
	return []parseCase{
		// The file as a whole.
		{name: "empty", input: "", want: []string{"the file is empty"}},
		{name: "only blank lines", input: "\r\n \n\t\n", want: []string{"the file is empty"}},
		{name: "only separators", input: ",,,,\n , ,\n", want: []string{"the file is empty"}},
		{name: "only a BOM", input: utf8BOM, want: []string{"the file is empty"}},
		{name: "header only", input: hdr, want: []string{"the file has a header but no experts"}},
		{name: "header and blank rows", input: hdr + ",,,,\n\n , , ,,\n", want: []string{"the file has a header but no experts"}},
		{name: "larger than MaxBytes", input: hdr + "ana@x.org,Ana,,,\n",
			opt:  withOptions(func(o *Options) { o.MaxBytes = 50 }),
			want: []string{"the file is larger than 50 bytes"}},
		{name: "larger than 1.5 KiB", input: hdr + strings.Repeat("ana@x.org,Ana,,,\n", 100),
			opt:  withOptions(func(o *Options) { o.MaxBytes = 1536 }),
			want: []string{"the file is larger than 1.5 KiB"}},
		{name: "exactly MaxBytes", input: hdr + "ana@x.org,Ana,,,\n",
			opt: withOptions(func(o *Options) { o.MaxBytes = int64(len(hdr + "ana@x.org,Ana,,,\n")) })},
		{name: "more than MaxRows", input: hdr + "a@x.org,A,,,\nb@x.org,B,,,\n\n,,,,\nc@x.org,C,,,\n",
			opt:  withOptions(func(o *Options) { o.MaxRows = 2 }),
			want: []string{"the file has more than 2 rows"}},
		{name: "exactly MaxRows", input: hdr + "a@x.org,A,,,\n,,,,\nb@x.org,B,,,\n",
			opt: withOptions(func(o *Options) { o.MaxRows = 2 })},
		{name: "UTF-16", input: "\xFF\xFEe\x00m\x00", want: []string{"the file is UTF-16 text; save it as CSV UTF-8"}},
		{name: "Windows-1252 row", input: hdr + "ana@x.org,Ana,,,\nbob@x.org,Bob,,,\njo@x.org,Jos\xE9,,,\n",
			want: []string{"row 4: not valid UTF-8 text; save the file as UTF-8"}},
		{name: "Windows-1252 header", input: "email,name,stakeholder_group,country,language,Adh\xE9sion\n",
			want: []string{"row 1: not valid UTF-8 text; save the file as UTF-8"}},

		// The header.
		{name: "missing columns", input: "email,name\nana@x.org,Ana\n",
			want: []string{`row 1: the header is missing the columns "stakeholder_group", "country", "language" (expected: email, name, stakeholder_group, country, language, in any order)`}},
		{name: "missing one column", input: "email,name,stakeholder_group,country\nana@x.org,Ana,,\n",
			want: []string{`row 1: the header is missing the column "language" (expected: email, name, stakeholder_group, country, language, in any order)`}},
		{name: "no header", input: "ana@x.org,Ana,Academia,PT,pt\n",
			want: []string{`row 1: the header is missing the columns "email", "name", "stakeholder_group", "country", "language" (expected: email, name, stakeholder_group, country, language, in any order)`}},
		{name: "tab-separated", input: "email\tname\tstakeholder_group\tcountry\tlanguage\n",
			want: []string{`row 1: the header is missing the columns "email", "name", "stakeholder_group", "country", "language" (expected: email, name, stakeholder_group, country, language, in any order)`}},
		{name: "duplicate required column", input: "email,name,stakeholder_group,country,language, EMAIL \nana@x.org,Ana,,,,\n",
			want: []string{`row 1: the column "EMAIL" appears more than once`}},
		{name: "duplicate extra column, rows still checked", input: "email,name,stakeholder_group,country,language,notes,Notes\nbob@,Bob,,,,,\n",
			want: []string{
				`row 1: the column "Notes" appears more than once`,
				`row 2, column email: "bob@" is not a valid e-mail address`,
			}},
		{name: "unnamed column with a value", input: "email,name,stakeholder_group,country,language,\nana@x.org,Ana,,,,\nbob@x.org,Bob,,,,oops\n",
			want: []string{`row 1: column 6 (F) has no name in the header, but row 3 has a value in it`}},
		{name: "header after blank lines", input: "\n\nemail,name\n",
			want: []string{`row 3: the header is missing the columns "stakeholder_group", "country", "language" (expected: email, name, stakeholder_group, country, language, in any order)`}},

		// The shape of the rows.
		{name: "too few values", input: hdr + "ana@x.org,Ana,,\n",
			want: []string{"row 2: the row has 4 values but the header has 5 columns"}},
		{name: "too many values", input: hdr + "ana@x.org,Silva, Ana,,,\n",
			want: []string{`row 2: the row has 6 values but the header has 5 columns; a value containing "," must be enclosed in double quotes`}},
		{name: "too many values, semicolons", input: "email;name;stakeholder_group;country;language\nana@x.org;Ana;Patients; carers;;\n",
			want: []string{`row 2: the row has 6 values but the header has 5 columns; a value containing ";" must be enclosed in double quotes`}},
		{name: "bare quote", input: hdr + "ana@x.org,Ana \"Nana\" Silva,,,\nbob@,Bob,,,\n",
			want: []string{
				`row 2: a value contains a double quote (") but is not enclosed in double quotes; enclose the value in double quotes and double the quotes inside it`,
				`row 3, column email: "bob@" is not a valid e-mail address`,
			}},
		{name: "text after closing quote", input: hdr + "ana@x.org,\"Ana\" Silva,,,\n",
			want: []string{`row 2: a value enclosed in double quotes (") is not closed, or has text after the closing quote`}},
		{name: "unclosed quote", input: hdr + "ana@x.org,Ana,,,\nbob@x.org,\"Bob,,,\ncid@x.org,Cid,,,\n",
			want: []string{`row 3: a value enclosed in double quotes (") is not closed, or has text after the closing quote`}},

		// E-mail addresses.
		{name: "e-mail missing", input: hdr + " ,Ana,,,\n",
			want: []string{"row 2, column email: the e-mail address is missing"}},
		{name: "e-mail invalid", input: hdr + "bob@,Bob,,,\n",
			want: []string{`row 2, column email: "bob@" is not a valid e-mail address`}},
		{name: "e-mail without @", input: hdr + "bob.x.org,Bob,,,\n",
			want: []string{`row 2, column email: "bob.x.org" is not a valid e-mail address`}},
		{name: "e-mail with display name", input: hdr + "\"Bob <bob@x.org>\",Bob,,,\n",
			want: []string{`row 2, column email: "Bob <bob@x.org>" is not a valid e-mail address; write only the address, such as "bob@x.org"`}},
		{name: "e-mail in angle brackets", input: hdr + "<bob@x.org>,Bob,,,\n",
			want: []string{`row 2, column email: "<bob@x.org>" is not a valid e-mail address; write only the address, such as "bob@x.org"`}},
		{name: "e-mail without dot in domain", input: hdr + "bob@localhost,Bob,,,\n",
			want: []string{`row 2, column email: "bob@localhost" is not a valid e-mail address`}},
		{name: "e-mail with domain literal", input: hdr + "bob@[192.0.2.1],Bob,,,\n",
			want: []string{`row 2, column email: "bob@[192.0.2.1]" is not a valid e-mail address`}},
		{name: "e-mail with comma for dot", input: "email;name;stakeholder_group;country;language\nbob@x,org;Bob;;;\n",
			want: []string{`row 2, column email: "bob@x,org" is not a valid e-mail address`}},
		{name: "e-mail with zero-width space", input: hdr + "bob\u200b@x.org,Bob,,,\n",
			want: []string{`row 2, column email: "bob\u200b@x.org" is not a valid e-mail address`}},
		{name: "e-mail duplicate", input: hdr + "ana@x.org,Ana,,,\nbob@x.org,Bob,,,\n ANA@X.org ,Ana Silva,,,\n",
			want: []string{`row 4, column email: "ANA@X.org" also appears in row 2`}},
		{name: "e-mail already in the panel", input: hdr + "Old@X.org,Old,,,\n",
			want: []string{`row 2, column email: "Old@X.org" is already in the panel`}},
		{name: "e-mail duplicate and already in the panel", input: hdr + "old@x.org,Old,,,\nold@x.org,Old,,,\n",
			want: []string{
				`row 2, column email: "old@x.org" is already in the panel`,
				`row 3, column email: "old@x.org" also appears in row 2`,
				`row 3, column email: "old@x.org" is already in the panel`,
			}},

		// Names and groups.
		{name: "name missing", input: hdr + "ana@x.org,  ,,,\n",
			want: []string{"row 2, column name: the name is missing"}},
		{name: "name too long", input: hdr + "ana@x.org," + long + ",,,\n",
			want: []string{"row 2, column name: the name has 201 characters; the limit is 200"}},
		{name: "name with a line break", input: hdr + "ana@x.org,\"Ana\nSilva\",,,\n",
			want: []string{"row 2, column name: the name contains a line break or another control character"}},
		{name: "group too long", input: hdr + "ana@x.org,Ana," + strings.Repeat("g", 101) + ",,\n",
			want: []string{"row 2, column stakeholder_group: the stakeholder group has 101 characters; the limit is 100"}},

		// Countries.
		{name: "country name instead of code", input: hdr + "ana@x.org,Ana,,Germany,\n",
			want: []string{`row 2, column country: "Germany" is not a valid country code; use a two-letter ISO 3166-1 code such as "DE" or "FR"`}},
		{name: "country EU", input: hdr + "ana@x.org,Ana,,EU,\n",
			want: []string{`row 2, column country: "EU" is not a country; use the code of the member state, such as "DE" or "FR"`}},
		{name: "country UK", input: hdr + "ana@x.org,Ana,,uk,\n",
			want: []string{`row 2, column country: "uk" is not an ISO 3166-1 code; use "GB" for the United Kingdom`}},
		{name: "country EL", input: hdr + "ana@x.org,Ana,,EL,\n",
			want: []string{`row 2, column country: "EL" is not an ISO 3166-1 code; use "GR" for Greece`}},
		{name: "country alpha-3", input: hdr + "ana@x.org,Ana,,DEU,\n",
			want: []string{`row 2, column country: "DEU" is a three-letter code; use "DE"`}},
		{name: "country no longer in use", input: hdr + "ana@x.org,Ana,,DD,\n",
			want: []string{`row 2, column country: "DD" is no longer in use; use "DE"`}},
		{name: "country unknown", input: hdr + "ana@x.org,Ana,,ZZ,\n",
			want: []string{`row 2, column country: "ZZ" is not a valid country code; use a two-letter ISO 3166-1 code such as "DE" or "FR"`}},
		{name: "country reserved", input: hdr + "ana@x.org,Ana,,SU,\n",
			want: []string{`row 2, column country: "SU" is not a valid country code; use a two-letter ISO 3166-1 code such as "DE" or "FR"`}},

		// Languages.
		{name: "language unknown", input: hdr + "ana@x.org,Ana,,,xx\n",
			want: []string{`row 2, column language: "xx" is not a valid language code; use a two-letter ISO 639-1 code such as "en" or "de"`}},
		{name: "language without two-letter code", input: hdr + "ana@x.org,Ana,,,fil\n",
			want: []string{`row 2, column language: "fil" is not a valid language code; use a two-letter ISO 639-1 code such as "en" or "de"`}},
		{name: "language name instead of code", input: hdr + "ana@x.org,Ana,,,Deutsch\n",
			want: []string{`row 2, column language: "Deutsch" is not a valid language code; use a two-letter ISO 639-1 code such as "en" or "de"`}},
		{name: "language empty without default", input: hdr + "ana@x.org,Ana,,,\nbob@x.org,Bob,,,fr\n",
			opt:  withOptions(func(o *Options) { o.DefaultLanguage = "" }),
			want: []string{"row 2, column language: the language is missing and the study has no default language"}},
		{name: "language empty with invalid default", input: hdr + "ana@x.org,Ana,,,\n",
			opt:  withOptions(func(o *Options) { o.DefaultLanguage = "English" }),
			want: []string{"row 2, column language: the language is missing and the study has no default language"}},

		// Everything is reported, in row order, with spreadsheet row
		// numbers: row 3 spans three lines and row 4 is blank.
		{name: "many problems", input: "Name;Org;Email;Country;Language;Stakeholder_Group;Notes\r\n" +
			"Ana;x;ana@x.org;PT;pt;;\r\n" +
			"Bob;x;bob@x;uk;en;;\"line 1\r\nline 2\r\nline 3\"\r\n" +
			"\r\n" +
			";x;ana@x.org;EL;xx;;\r\n" +
			"Dan;x;dan@x.org;DE;de;;too;many\r\n",
			want: []string{
				`row 3, column Email: "bob@x" is not a valid e-mail address`,
				`row 3, column Country: "uk" is not an ISO 3166-1 code; use "GB" for the United Kingdom`,
				`row 5, column Email: "ana@x.org" also appears in row 2`,
				`row 5, column Name: the name is missing`,
				`row 5, column Country: "EL" is not an ISO 3166-1 code; use "GR" for Greece`,
				`row 5, column Language: "xx" is not a valid language code; use a two-letter ISO 639-1 code such as "en" or "de"`,
				`row 6: the row has 8 values but the header has 7 columns; a value containing ";" must be enclosed in double quotes`,
			}},
	}
}

func TestParseProblems(t *testing.T) {
	for _, tc := range parseCases() {
		t.Run(tc.name, func(t *testing.T) {
			opt := testOptions()
			if tc.opt != nil {
				opt = *tc.opt
			}
			experts, problems := Parse(strings.NewReader(tc.input), opt)
			var got []string
			for _, p := range problems {
				got = append(got, p.Error())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tc.want)
			}
			if len(problems) > 0 && experts != nil {
				t.Errorf("experts = %v, want nil when there are problems", experts)
			}
			if len(problems) == 0 && len(experts) == 0 {
				t.Error("neither experts nor problems")
			}
		})
	}
}

func TestParseLargeFile(t *testing.T) {
	row := "ana@x.org,Ana,,,\n"
	input := hdr + strings.Repeat(row, (DefaultMaxBytes-len(hdr))/len(row)+1)
	_, problems := Parse(strings.NewReader(input), testOptions())
	want := []Problem{{Message: "the file is larger than 2 MiB"}}
	if !reflect.DeepEqual(problems, want) {
		t.Errorf("problems = %v, want %v", problems, want)
	}
}

// countingReader counts the bytes read from it.
type countingReader struct {
	n int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	r.n += int64(len(p))
	return len(p), nil
}

func TestParseReadsAtMostMaxBytesPlusOne(t *testing.T) {
	r := &countingReader{}
	_, problems := Parse(r, Options{MaxBytes: 1000})
	if len(problems) != 1 || problems[0].Message != "the file is larger than 1000 bytes" {
		t.Errorf("problems = %v", problems)
	}
	if r.n > 1001 {
		t.Errorf("read %d bytes, want at most 1001", r.n)
	}
}

func TestParseBinaryGarbage(t *testing.T) {
	garbage := make([]byte, 4096)
	for i := range garbage {
		garbage[i] = byte(i*7919 + i/13)
	}
	for _, input := range [][]byte{garbage, append([]byte(hdr), garbage...), bytes.Repeat([]byte{0}, 100)} {
		experts, problems := Parse(bytes.NewReader(input), testOptions())
		if len(problems) == 0 || experts != nil {
			t.Errorf("Parse(garbage) = %d experts, %v", len(experts), problems)
		}
	}
}

func TestParseHappy(t *testing.T) {
	want := []Expert{
		{Email: "Ana.Silva@x.pt", Name: "Silva, Ana", Group: "Patients", Country: "PT", Language: "pt",
			Attributes: map[string]string{"Notes": "Prefers calls\nafter 10:00", "Organisation": "APDP"}, Row: 2},
		{Email: "bob@x.org", Name: `Bob "the Builder" Smith`, Group: "", Country: "", Language: "en",
			Attributes: map[string]string{"Notes": "", "Organisation": ""}, Row: 4, LanguageDefaulted: true},
		{Email: "jo@münchen.de", Name: "Jörg Ölmann", Group: "Academia", Country: "DE", Language: "de",
			Attributes: map[string]string{"Notes": "", "Organisation": "LMU; Institut für Ethik"}, Row: 5},
	}
	withSep := func(sep, s string) string { return strings.ReplaceAll(s, "|", sep) }
	// Columns reordered and in any case, quoted values with separators,
	// quotes and line breaks, a blank row, an empty unnamed column.
	body := " Language |NAME|Notes|email|Country|Organisation|stakeholder_group|\n" +
		"PT-br|\"Silva, Ana\"|\"Prefers calls\nafter 10:00\"| Ana.Silva@x.pt |pt|APDP|Patients|\n" +
		"||||||| \n" +
		"|\"Bob \"\"the Builder\"\" Smith\"||bob@x.org||||\n" +
		"DE|Jörg Ölmann||jo@münchen.de|de|\"LMU; Institut für Ethik\"|Academia|\n"
	cases := []struct{ name, input string }{
		{"comma, LF", withSep(",", body)},
		{"semicolon, LF", withSep(";", body)},
		{"comma, CRLF, BOM", utf8BOM + strings.ReplaceAll(withSep(",", body), "\n", "\r\n")},
		{"semicolon, CRLF, BOM", utf8BOM + strings.ReplaceAll(withSep(";", body), "\n", "\r\n")},
		{"semicolon, CR", strings.ReplaceAll(withSep(";", body), "\n", "\r")},
		{"no final line break", strings.TrimSuffix(withSep(",", body), "\n")},
		{"BOM inside quotes", "\"" + utf8BOM + " Language \"" + withSep(",", body)[len(" Language "):]},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			experts, problems := Parse(strings.NewReader(tc.input), testOptions())
			if len(problems) > 0 {
				t.Fatalf("problems: %v", problems)
			}
			if !reflect.DeepEqual(experts, want) {
				t.Errorf("experts:\n got %+v\nwant %+v", experts, want)
			}
		})
	}
}

func TestParseNoExtraColumns(t *testing.T) {
	experts, problems := Parse(strings.NewReader(hdr+"ana@x.org,Ana,,,\n"), testOptions())
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	if experts[0].Attributes != nil {
		t.Errorf("Attributes = %#v, want nil", experts[0].Attributes)
	}
}

// TestParseEUPanel parses a 57-expert panel as German Excel exports it
// (BOM, CRLF, semicolons), and compares it with a golden file; run with
// -update to rewrite it.
func TestParseEUPanel(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "eu_panel.csv"))
	if err != nil {
		t.Fatal(err)
	}
	experts, problems := Parse(bytes.NewReader(data), testOptions())
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	if len(experts) != 57 {
		t.Fatalf("got %d experts, want 57", len(experts))
	}
	var b strings.Builder
	for _, e := range experts {
		fmt.Fprintf(&b, "%d\t%s\t%s\t%s\t%s\t%s", e.Row, e.Email, e.Name, e.Group, e.Country, e.Language)
		for _, k := range slices.Sorted(maps.Keys(e.Attributes)) {
			fmt.Fprintf(&b, "\t%s=%q", k, e.Attributes[k])
		}
		b.WriteString("\n")
	}
	golden := filepath.Join("testdata", "eu_panel.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("parsed panel differs from %s; run go test -update and review the diff\n got:\n%s", golden, b.String())
	}
}

// TestParseEUPanelMistakes adds the usual mistakes to the EU panel.
func TestParseEUPanelMistakes(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "eu_panel.csv"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for _, r := range [][2]string{
		{";GB;en;NICE;", ";UK;en;NICE;"},                                                   // row 49
		{";GR;el;National", ";EL;el;National"},                                             // row 22
		{"efpia.eu;Nathalie Dupont;Industry;BE;", "efpia.eu;Nathalie Dupont;Industry;EU;"}, // row 55 (the note of row 49 spans two lines)
		{"a.jansen@erasmusmc.nl", "anna.gruber@meduniwien.ac.at"},                          // row 35
		{"Karin Lindqvist", "Karin Lindqvist;"},                                            // row 48
	} {
		if !strings.Contains(s, r[0]) {
			t.Fatalf("%q not in the file", r[0])
		}
		s = strings.Replace(s, r[0], r[1], 1)
	}
	opt := testOptions()
	opt.Existing = map[string]bool{"mikko.virtanen@thl.fi": true} // row 13
	_, problems := Parse(strings.NewReader(s), opt)
	var got []string
	for _, p := range problems {
		got = append(got, p.Error())
	}
	want := []string{
		`row 13, column email: "mikko.virtanen@thl.fi" is already in the panel`,
		`row 22, column country: "EL" is not an ISO 3166-1 code; use "GR" for Greece`,
		`row 35, column email: "anna.gruber@meduniwien.ac.at" also appears in row 2`,
		`row 48: the row has 8 values but the header has 7 columns; a value containing ";" must be enclosed in double quotes`,
		`row 49, column country: "UK" is not an ISO 3166-1 code; use "GB" for the United Kingdom`,
		`row 55, column country: "EU" is not a country; use the code of the member state, such as "DE" or "FR"`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n got %q\nwant %q", got, want)
	}
}

func TestProblemError(t *testing.T) {
	for _, tc := range []struct {
		p    Problem
		want string
	}{
		{Problem{Row: 7, Column: "email", Message: `"bob@" is not a valid e-mail address`}, `row 7, column email: "bob@" is not a valid e-mail address`},
		{Problem{Row: 12, Message: "not valid UTF-8 text; save the file as UTF-8"}, "row 12: not valid UTF-8 text; save the file as UTF-8"},
		{Problem{Message: "the file is empty"}, "the file is empty"},
	} {
		if got := tc.p.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{
		0:           "0 bytes",
		1023:        "1023 bytes",
		1024:        "1 KiB",
		1536:        "1.5 KiB",
		1048575:     "1 MiB",
		2 << 20:     "2 MiB",
		5<<20 + 1:   "5 MiB",
		5<<20 + 5e5: "5.5 MiB",
		3 << 30:     "3 GiB",
	} {
		if got := formatSize(n); got != want {
			t.Errorf("formatSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestColumnLetters(t *testing.T) {
	for i, want := range map[int]string{0: "A", 5: "F", 25: "Z", 26: "AA", 27: "AB", 701: "ZZ", 702: "AAA"} {
		if got := columnLetters(i); got != want {
			t.Errorf("columnLetters(%d) = %q, want %q", i, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, tc := range parseCases() {
		f.Add([]byte(tc.input))
	}
	if data, err := os.ReadFile(filepath.Join("testdata", "eu_panel.csv")); err == nil {
		f.Add(data)
	}
	f.Add([]byte(hdr + "ana@x.org,Ana,Patients,pt,pt-BR\n\"bob@x.org\",\"Bob\nB\",,de,\n"))
	f.Add([]byte("email;name;stakeholder_group;country;language;notes\r\nana@x.org;Ana;;PT;;\"a;b\"\r\n"))
	opt := testOptions()
	f.Fuzz(func(t *testing.T, data []byte) {
		experts, problems := Parse(bytes.NewReader(data), opt)
		if len(problems) > 0 {
			if experts != nil {
				t.Fatalf("%d experts and %d problems", len(experts), len(problems))
			}
			for _, p := range problems {
				if p.Message == "" || p.Row < 0 {
					t.Fatalf("bad problem %#v", p)
				}
			}
			return
		}
		if len(experts) == 0 {
			t.Fatal("neither experts nor problems")
		}
		seen := make(map[string]bool)
		prevRow := 1
		for _, e := range experts {
			if err := ValidateEmail(e.Email); err != nil {
				t.Fatalf("row %d: %v", e.Row, err)
			}
			key := strings.ToLower(e.Email)
			if seen[key] || opt.Existing[key] {
				t.Fatalf("row %d: duplicate %q", e.Row, e.Email)
			}
			seen[key] = true
			if e.Country != "" {
				if c, err := ParseCountry(e.Country); err != nil || c != e.Country {
					t.Fatalf("row %d: country %q: %q, %v", e.Row, e.Country, c, err)
				}
			}
			if l, err := ParseLanguage(e.Language); err != nil || l != e.Language {
				t.Fatalf("row %d: language %q: %q, %v", e.Row, e.Language, l, err)
			}
			if ValidateName(e.Name) != nil || ValidateGroup(e.Group) != nil {
				t.Fatalf("row %d: name %q, group %q", e.Row, e.Name, e.Group)
			}
			if e.Row <= prevRow {
				t.Fatalf("row %d after row %d", e.Row, prevRow)
			}
			prevRow = e.Row
		}
	})
}

func BenchmarkParse(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("email;name;stakeholder_group;country;language;organisation\r\n")
	for i := range DefaultMaxRows {
		fmt.Fprintf(&sb, "expert%d@example.org;\"Expert %d, Jr.\";Academia;DE;de-AT;Universität %d\r\n", i, i, i)
	}
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, problems := Parse(bytes.NewReader(data), Options{}); len(problems) > 0 {
			b.Fatal(problems)
		}
	}
}

package panelcsv

import (
	"reflect"
	"strings"
	"testing"
)

// The columns the panel export writes: expert_id names the expert to
// update, round_N_status columns are ignored, and a value the export
// neutralised with ' against formulas comes back as it was.
func TestParseExportColumns(t *testing.T) {
	input := "expert_id,email,name,stakeholder_group,country,language,round_1_status,Round 2 status,organisation\n" +
		"12,ana@x.org,'=Ana,'+Policy,PT,pt,submitted,invited,'-Uni\n" +
		",new@x.org,New,,,,,,\n"
	experts, problems := Parse(strings.NewReader(input), Options{DefaultLanguage: "en"})
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	want := []Expert{
		{ID: 12, Email: "ana@x.org", Name: "=Ana", Group: "+Policy", Country: "PT", Language: "pt", Attributes: map[string]string{"organisation": "-Uni"}, Row: 2},
		{Email: "new@x.org", Name: "New", Language: "en", LanguageDefaulted: true, Attributes: map[string]string{"organisation": ""}, Row: 3},
	}
	if !reflect.DeepEqual(experts, want) {
		t.Errorf("experts:\n got %+v\nwant %+v", experts, want)
	}
}

func TestParseExpertIDProblems(t *testing.T) {
	input := "expert_id,email,name,stakeholder_group,country,language\n" +
		"abc,a@x.org,A,,,\n" +
		"-3,b@x.org,B,,,\n" +
		"7,c@x.org,C,,,\n" +
		"7,d@x.org,D,,,\n"
	_, problems := Parse(strings.NewReader(input), Options{DefaultLanguage: "en"})
	var got []string
	for _, p := range problems {
		got = append(got, p.Error())
	}
	want := []string{
		`row 2, column expert_id: "abc" is not an expert number; leave the cell empty for a new expert`,
		`row 3, column expert_id: "-3" is not an expert number; leave the cell empty for a new expert`,
		`row 5, column expert_id: expert 7 also appears in row 4`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n got %q\nwant %q", got, want)
	}
}

// Only the ' that Neutralise adds is removed: other leading quotes stay.
func TestUnneutralise(t *testing.T) {
	for in, want := range map[string]string{"'=1": "=1", "'@x": "@x", "'-": "-", "'+1": "+1", "'Brien": "'Brien", "'": "'", "": "", "O'Brien": "O'Brien"} {
		if got := unneutralise(in); got != want {
			t.Errorf("unneutralise(%q) = %q; want %q", in, got, want)
		}
	}
}

package panelcsv

import (
	"strings"
	"testing"
)

// TestHeaderAliases: headers as people type them in spreadsheets.
func TestHeaderAliases(t *testing.T) {
	csv := "E-mail,Full name,Stakeholder group,Country code,Language\nana@example.org,Ana,Research,PT,pt\n"
	experts, problems := Parse(strings.NewReader(csv), Options{DefaultLanguage: "en"})
	if len(problems) != 0 || len(experts) != 1 {
		t.Fatalf("problems %v", problems)
	}
	if e := experts[0]; e.Email != "ana@example.org" || e.Name != "Ana" || e.Group != "Research" || e.Country != "PT" || len(e.Attributes) != 0 {
		t.Errorf("expert %+v", e)
	}
	// An alias and the canonical name together are one column twice.
	_, problems = Parse(strings.NewReader("email,e-mail,name,stakeholder_group,country,language\n"), Options{DefaultLanguage: "en"})
	if len(problems) == 0 || !strings.Contains(problems[0].Message, "more than once") {
		t.Errorf("duplicate via alias: %v", problems)
	}
}

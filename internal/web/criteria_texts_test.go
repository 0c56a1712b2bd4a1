package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestCriteriaTranslated: the criteria's names and criterion 2's labels
// are study texts per language, set through the API and on the texts
// page; a criterion or point the study lacks is refused with the text
// named; experts read them in their language, and criterion 1's name in
// the main language (marked lang="en") where it is not translated.
func TestCriteriaTranslated(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newPanelStudy(t, env, nil, []string{"Outreach workers", "Opening hours"}, defaultPanel, twoCriteria)
		coord := env.loggedIn("coord@example.org")
		base := "/studies/" + itoa(s.id)
		if r := s.call(t, "PUT", s.path+"/texts", `{"lang":"nl","texts":{"criterion.1":"Belang","criterion.2":"Haalbaarheid","criterion.2.scale.3":"Grotendeels"}}`); r.status != http.StatusOK {
			t.Fatalf("put nl texts: %d %s", r.status, r.body)
		}
		for _, bad := range []string{"criterion.3", "criterion.2.scale.5", "criterion.1.scale.2"} {
			if r := s.call(t, "PUT", s.path+"/texts", `{"lang":"nl","texts":{"`+bad+`":"x"}}`); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "texts."+bad) {
				t.Errorf("%s: %d %s", bad, r.status, r.body)
			}
		}
		page := coord.get(base + "/texts?lang=fr").body
		mustContain(t, "texts page in French", page, "Name of criterion 2", "Criterion 2 (Feasibility), label of scale point 3")
		if r := coord.post(base+"/texts?lang=fr", url.Values{"lang": {"fr"}, "criterion.2": {"Faisabilité"}}); r.status != http.StatusOK {
			t.Fatalf("save fr texts on the page: %d", r.status)
		}
		s.launch(t, `{}`, len(defaultPanel))
		nl := s.expert(t, "e2@example.org").get("/e").body
		mustContain(t, "Dutch expert page", nl, "<legend>Belang</legend>", "<legend>Haalbaarheid</legend>", "Grotendeels")
		fr := s.expert(t, "e3@example.org").get("/e").body
		mustContain(t, "French expert page", fr, `<legend lang="en">Importance</legend>`, "<legend>Faisabilité</legend>", "Mostly")
		if strings.Contains(fr, "Grotendeels") {
			t.Errorf("the French page shows the Dutch label")
		}
		sheet := s.call(t, "GET", s.path+"/translations?format=csv", "")
		if sheet.status != http.StatusOK || !strings.Contains(sheet.body, "criterion.2.scale.3") || !strings.Contains(sheet.body, "Haalbaarheid") {
			t.Errorf("the translation sheet lacks the criteria: %d", sheet.status)
		}
	})
}

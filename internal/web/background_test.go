package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/delphi-platform/delphi/internal/workflow"
)

// getBackgroundFields reads GET …/background-fields.
func getBackgroundFields(t *testing.T, s *expertStudy) []backgroundFieldJSON {
	t.Helper()
	r := s.call(t, "GET", s.path+"/background-fields", "")
	var out []backgroundFieldJSON
	if err := json.Unmarshal([]byte(r.body), &out); err != nil || r.status != http.StatusOK {
		t.Fatalf("get background fields: %d %s", r.status, r.body)
	}
	return out
}

// getPanelDescription reads GET …/panel-description with a token.
func getPanelDescription(t *testing.T, env *testEnv, path, token string) (workflow.PanelDescription, string) {
	t.Helper()
	r := env.api("GET", path+"/panel-description", token, "", "")
	var out workflow.PanelDescription
	if err := json.Unmarshal([]byte(r.body), &out); err != nil || r.status != http.StatusOK {
		t.Fatalf("panel description: %d %s", r.status, r.body)
	}
	return out, r.body
}

// TestBackgroundForm: the coordinator builds the background form on the
// page and through the API (add, refuse, edit, delete with confirmation);
// a Dutch expert fills it without JavaScript in Dutch, refused while a
// required answer is missing, a number is out of range or an option is
// not offered (nothing saved, typed values kept); the panel description
// counts the answers overall and per round's respondents; a researcher
// sees the counts and no free text; erasing an expert removes their
// answers; their data export lists them.
func TestBackgroundForm(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		s := newPanelStudy(t, env, nil, []string{"Clinics open in the evening", "Outreach workers speak the patients' languages"}, textsPanel, `,"languages":["en","nl"]`)
		coord := env.loggedIn("coord@example.org")
		base := "/studies/" + itoa(s.id)

		mustContain(t, "settings links the form", coord.get(base+"/settings").body, `href="/studies/`+itoa(s.id)+`/background"`)
		// Page: a choice field with one option is refused, typed values kept, nothing added.
		r := coord.post(base+"/background-fields", url.Values{"label": {"Sector"}, "kind": {"choice"}, "choices": {"Health care"}, "required": {"on"}})
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("one option: %d", r.status)
		}
		mustContain(t, "refused add", r.body, "a choice field needs at least two options", `value="Sector"`, ">Health care</textarea>")
		if got := getBackgroundFields(t, s); len(got) != 0 {
			t.Fatalf("a refused field was added: %+v", got)
		}
		// Page: the choice field, required.
		r = coord.post(base+"/background-fields", url.Values{"label": {"Sector"}, "kind": {"choice"}, "choices": {"Health care\r\nPolicy\r\n\r\nResearch"}, "required": {"on"}})
		if r.status != http.StatusOK || !strings.Contains(r.body, "Background field added.") {
			t.Fatalf("add choice field on the page: %d %s", r.status, r.body)
		}
		// API: a number field with min above max is refused; then added right.
		if r := s.call(t, "POST", s.path+"/background-fields", `{"kind":"number","label":{"en":"Years of experience"},"min":60,"max":0}`); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "below the minimum") {
			t.Fatalf("min above max: %d %s", r.status, r.body)
		}
		r = s.call(t, "POST", s.path+"/background-fields", `{"kind":"number","required":false,"label":{"en":"Years of experience","nl":"Jaren ervaring"},"min":0,"max":60}`)
		var years backgroundFieldJSON
		if err := json.Unmarshal([]byte(r.body), &years); err != nil || r.status != http.StatusCreated || years.Max == nil || *years.Max != 60 {
			t.Fatalf("add number field: %d %s", r.status, r.body)
		}
		r = s.call(t, "POST", s.path+"/background-fields", `{"kind":"text","label":{"en":"Your role","nl":"Uw functie"}}`)
		var role backgroundFieldJSON
		if err := json.Unmarshal([]byte(r.body), &role); err != nil || r.status != http.StatusCreated || role.Required {
			t.Fatalf("add text field: %d %s", r.status, r.body)
		}
		fields := getBackgroundFields(t, s)
		if len(fields) != 3 || fields[0].Kind != "choice" || strings.Join(fields[0].Choices, "|") != "Health care|Policy|Research" || !fields[0].Required {
			t.Fatalf("fields: %+v", fields)
		}
		sector := fields[0]
		// Page: edit the choice field's label and options; API: its Dutch label.
		r = coord.post(base+"/background-fields/"+itoa(sector.ID), url.Values{"label": {"Your sector"}, "choices": {"Health care\nPolicy\nResearch\nCivil society"}, "required": {"on"}})
		if r.status != http.StatusOK || !strings.Contains(r.body, "Background field saved.") {
			t.Fatalf("edit on the page: %d %s", r.status, r.body)
		}
		if r := s.call(t, "PATCH", s.path+"/background-fields/"+itoa(sector.ID), `{"label":{"nl":"Uw sector"}}`); r.status != http.StatusOK || !strings.Contains(r.body, `"nl":"Uw sector"`) {
			t.Fatalf("Dutch label through the API: %d %s", r.status, r.body)
		}
		if r := s.call(t, "PATCH", s.path+"/background-fields/"+itoa(sector.ID), `{"kind":"text"}`); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("kind changed: %d %s", r.status, r.body)
		}
		// The options' Dutch wording through the study texts.
		if r := s.call(t, "PUT", s.path+"/texts", `{"lang":"nl","texts":{"background.`+itoa(sector.ID)+`.choice.1":"Zorg","background.`+itoa(sector.ID)+`.choice.3":"Onderzoek"}}`); r.status != http.StatusOK {
			t.Fatalf("option translations: %d %s", r.status, r.body)
		}
		if r := s.call(t, "PUT", s.path+"/texts", `{"lang":"nl","texts":{"background.`+itoa(sector.ID)+`.choice.9":"Niets"}}`); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "has no option") {
			t.Fatalf("a ninth option's translation: %d %s", r.status, r.body)
		}
		// The languages summary names what Dutch experts read in English.
		texts := getTexts(t, s)
		if got := strings.Join(texts.Fallbacks[0].Texts, ","); !strings.Contains(got, "background field 1 option 2,background field 1 option 4") || strings.Contains(got, "background field 1,") {
			t.Errorf("fallbacks: %s", got)
		}
		// Delete: the page asks first; the API deletes at once.
		r = s.call(t, "POST", s.path+"/background-fields", `{"kind":"text","label":{"en":"Temporary"}}`)
		var tmp backgroundFieldJSON
		_ = json.Unmarshal([]byte(r.body), &tmp)
		r = coord.post(base+"/background-fields/"+itoa(tmp.ID)+"/delete", url.Values{})
		mustContain(t, "delete confirmation", r.body, "Delete this background field?", `The field &#34;Temporary&#34;`)
		if got := getBackgroundFields(t, s); len(got) != 4 {
			t.Fatalf("deleted without confirmation: %d fields", len(got))
		}
		if r := coord.post(base+"/background-fields/"+itoa(tmp.ID)+"/delete", url.Values{"confirm": {"yes"}}); r.status != http.StatusOK || !strings.Contains(r.body, "Background field deleted.") {
			t.Fatalf("delete on the page: %d %s", r.status, r.body)
		}
		r = s.call(t, "POST", s.path+"/background-fields", `{"kind":"text","label":{"en":"Temporary 2"}}`)
		_ = json.Unmarshal([]byte(r.body), &tmp)
		if r := s.call(t, "DELETE", s.path+"/background-fields/"+itoa(tmp.ID), ""); r.status != http.StatusNoContent {
			t.Fatalf("delete through the API: %d %s", r.status, r.body)
		}
		if got := getBackgroundFields(t, s); len(got) != 3 {
			t.Fatalf("after deletes: %d fields", len(got))
		}

		s.launch(t, `{"deadline":"2099-06-04T17:00:00Z"}`, len(textsPanel))
		if r := s.call(t, "DELETE", s.path+"/background-fields/"+itoa(role.ID), ""); r.status != http.StatusConflict {
			t.Fatalf("delete after launch: %d %s", r.status, r.body)
		}

		// The Dutch expert: consent, then the form in Dutch.
		nl := env.browser()
		nl.get(s.links["e2@example.org"])
		r = nl.post("/e/consent", url.Values{"agree": {"yes"}})
		if r.status != http.StatusOK || r.url != "/e" {
			t.Fatalf("consent: %d at %s", r.status, r.url)
		}
		bg := func(f backgroundFieldJSON) string { return "bg" + itoa(f.ID) }
		mustContain(t, "Dutch background form", r.body, `<html lang="nl">`, "<h2>Over u</h2>", "Uw sector", "Jaren ervaring", "Uw functie",
			">Zorg</span>", `<span lang="en">Policy</span>`, ">Onderzoek</span>", "(verplicht)", "(niet verplicht)",
			`type="number" id="`+bg(years)+`"`, `min="0" max="60"`, "Een getal van 0 tot en met 60.", `type="radio"`, `action="/e/background"`)
		if strings.Contains(r.body, `name="skip"`) {
			t.Error("a form with a required field offers to skip it")
		}
		e2 := expertID(t, env, s.id, "e2@example.org")
		saved := func() map[int64]string {
			got, err := env.store.BackgroundAnswersByExpert(ctx, e2)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		// Required missing: refused, in Dutch, nothing saved, typed kept.
		r = nl.post("/e/background", url.Values{bg(years): {"12"}, bg(role): {"Verpleegkundige"}})
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("required missing: %d", r.status)
		}
		mustContain(t, "required missing", r.body, "Controleer de hieronder gemarkeerde antwoorden", "Beantwoord deze vraag.", `value="12"`, `value="Verpleegkundige"`)
		if got := saved(); len(got) != 0 {
			t.Errorf("a refused form saved answers: %v", got)
		}
		// Out of range, and an option not offered.
		r = nl.post("/e/background", url.Values{bg(sector): {"2"}, bg(years): {"75"}})
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("out of range: %d", r.status)
		}
		mustContain(t, "out of range", r.body, "Geef een getal van ten hoogste 60.", `value="75"`, `value="2" checked`)
		r = nl.post("/e/background", url.Values{bg(sector): {"7"}, bg(years): {"12"}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Kies een van de mogelijkheden.") {
			t.Fatalf("wrong choice: %d", r.status)
		}
		if got := saved(); len(got) != 0 {
			t.Errorf("refused forms saved answers: %v", got)
		}
		// Right: saved, and on to the questionnaire.
		r = nl.post("/e/background", url.Values{bg(sector): {"1"}, bg(years): {"12,5"}})
		if r.status != http.StatusOK || r.url != "/e" || strings.Contains(r.body, "Over u") {
			t.Fatalf("background saved: %d at %s", r.status, r.url)
		}
		if got := saved(); got[sector.ID] != "1" || got[years.ID] != "12.5" || got[role.ID] != "" || len(got) != 3 {
			t.Errorf("saved: %v", got)
		}
		if r := nl.get("/e"); strings.Contains(r.body, "Over u") {
			t.Error("the form is shown again after it was answered")
		}
		mustContain(t, "the form again on purpose", nl.get("/e/background").body, `value="12.5"`, `value="1" checked`)
		s.rate(t, nl, map[int]string{0: "5", 1: "4"}, nil, true)

		// Answered: the options can be reworded or added to, not removed.
		if r := s.call(t, "PATCH", s.path+"/background-fields/"+itoa(sector.ID), `{"choices":["Health care","Policy"]}`); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "not removed") {
			t.Errorf("options removed after answers: %d %s", r.status, r.body)
		}
		// The page's edit form refused: its typed values and the error beside them.
		r = coord.post(base+"/background-fields/"+itoa(years.ID), url.Values{"label": {"Years in the field"}, "min": {"40"}, "max": {"ten"}})
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("edit refused: %d", r.status)
		}
		mustContain(t, "edit refused", r.body, `&#34;ten&#34; is not a number`, `value="Years in the field"`, `value="40"`)
		if got := getBackgroundFields(t, s)[1]; got.Label["en"] != "Years of experience" || *got.Min != 0 {
			t.Errorf("a refused edit changed the field: %+v", got)
		}

		// Two more experts in English: one submits round 1, one does not.
		e1 := s.expertBrowser(t, "e1@example.org")
		if r := e1.post("/e/background", url.Values{bg(sector): {"2"}, bg(years): {"30"}, bg(role): {"Head nurse at St. Mary's"}}); r.url != "/e" {
			t.Fatalf("e1 background: %d %s", r.status, r.body)
		}
		s.rate(t, e1, map[int]string{0: "4", 1: "4"}, nil, true)
		e3 := s.expertBrowser(t, "e3@example.org")
		if r := e3.post("/e/background", url.Values{bg(sector): {"1"}, bg(years): {"3"}}); r.url != "/e" {
			t.Fatalf("e3 background: %d %s", r.status, r.body)
		}

		// The panel description: overall (3 experts) and round 1's respondents (e1, e2).
		pd, _ := getPanelDescription(t, env, s.path, s.token)
		if len(pd.Columns) != 2 || pd.Columns[0].Experts != 3 || pd.Columns[1].Round != 1 || pd.Columns[1].Experts != 2 {
			t.Fatalf("columns: %+v", pd.Columns)
		}
		sd, yd, rd := pd.Fields[0], pd.Fields[1], pd.Fields[2]
		if got := sd.Columns[0].Counts; len(got) != 4 || got[0] != 2 || got[1] != 1 || got[2] != 0 || got[3] != 0 {
			t.Errorf("sector, all: %v", got)
		}
		if got := sd.Columns[1].Counts; got[0] != 1 || got[1] != 1 {
			t.Errorf("sector, round 1: %v", got)
		}
		if c := yd.Columns[0]; c.Answered != 3 || *c.Median != 12.5 || *c.Min != 3 || *c.Max != 30 {
			t.Errorf("years, all: %+v", c)
		}
		if c := yd.Columns[1]; c.Answered != 2 || *c.Median != 21.25 {
			t.Errorf("years, round 1: %+v", c)
		}
		if c := rd.Columns[0]; c.Answered != 1 || c.NoAnswer != 2 || c.Counts != nil {
			t.Errorf("role, all: %+v", c)
		}

		// A researcher: counts, no free text, on the page and in the API.
		rb, rtoken := researcherOf(t, env, s.id)
		page := rb.get(base + "/background")
		mustContain(t, "researcher's background page", page.body, "Panel description", "Your sector", "Round 1 respondents (n = 2)", "Median")
		_, raw := getPanelDescription(t, env, s.path, rtoken)
		for what, body := range map[string]string{"page": page.body, "API": raw} {
			if strings.Contains(body, "Head nurse") {
				t.Errorf("the researcher's %s shows free text", what)
			}
		}
		if strings.Contains(page.body, `action="/studies/`+itoa(s.id)+`/background-fields"`) {
			t.Error("a researcher is offered to add fields")
		}
		if r := env.api("POST", s.path+"/background-fields", rtoken, "application/json", `{"kind":"text","label":{"en":"X"}}`); r.status != http.StatusForbidden {
			t.Errorf("a researcher adds a field: %d", r.status)
		}

		// Round 1 closed: the methods report and the workbook describe the panel.
		s.close(t)
		mustContain(t, "methods report", rb.get(base+"/results/methods").body, "<h2 id=\"pd-h\">The panel</h2>", "Your sector", "Round 1 respondents (n = 2)")
		x := env.api("GET", s.path+"/export.xlsx", rtoken, "", "")
		f, err := excelize.OpenReader(strings.NewReader(x.body))
		if err != nil {
			t.Fatalf("workbook: %d %v", x.status, err)
		}
		rows, err := f.GetRows("Panel background")
		if err != nil || len(rows) < 2 {
			t.Fatalf("Panel background sheet: %v %v", rows, err)
		}
		if got := strings.Join(rows[0], "|"); got != "field|kind|answer|All experts who saw the form (n=3)|Round 1 respondents (n=2)" {
			t.Errorf("sheet header: %s", got)
		}
		if got := strings.Join(rows[1], "|"); got != "Your sector|choice|Health care|2|1" {
			t.Errorf("sheet's first row: %s", got)
		}
		for _, r := range rows {
			if strings.Contains(strings.Join(r, "|"), "Head nurse") {
				t.Error("the workbook shows free text")
			}
		}

		// The expert's data export lists their answers in their language.
		r = coord.get(base + "/panel/experts/" + itoa(e2) + "/export")
		mustContain(t, "data export", r.body, `"background"`, `"field": "Uw sector"`, `"answer": "Zorg"`, `"answer": "12.5"`)

		// Erasure removes the answers.
		id1 := expertID(t, env, s.id, "e1@example.org")
		if r := s.call(t, "DELETE", s.path+"/panel/"+itoa(id1), ""); r.status != http.StatusOK {
			t.Fatalf("erase: %d %s", r.status, r.body)
		}
		if got, err := env.store.BackgroundAnswersByExpert(ctx, id1); err != nil || len(got) != 0 {
			t.Errorf("answers after erasure: %v %v", got, err)
		}
		pd, raw = getPanelDescription(t, env, s.path, s.token)
		if pd.Columns[0].Experts != 2 || strings.Contains(raw, "Head nurse") {
			t.Errorf("after erasure: %+v", pd.Columns)
		}

		// After launch a change to a field is recorded in the audit log.
		if r := s.call(t, "PATCH", s.path+"/background-fields/"+itoa(years.ID), `{"max":70}`); r.status != http.StatusOK {
			t.Fatalf("max after launch: %d %s", r.status, r.body)
		}
		audit, _ := env.store.AuditByStudy(ctx, s.id)
		if last := audit[len(audit)-1]; last.Action != "background field changed" || last.OldValue != "number, required: false, min 0, max 60" || last.NewValue != "number, required: false, min 0, max 70" {
			t.Errorf("audit: %+v", last)
		}
	})
}

// expertBrowser opens a personal link and agrees to the single consent box.
func (s *expertStudy) expertBrowser(t *testing.T, email string) *browser {
	t.Helper()
	b := s.env.browser()
	b.get(s.links[email])
	if r := b.post("/e/consent", url.Values{"agree": {"yes"}}); r.status != http.StatusOK {
		t.Fatalf("%s consents: %d", email, r.status)
	}
	return b
}

// TestBackgroundFormAddedLater: an expert who consented before the form
// existed is offered an optional form once (and may skip it), and must
// answer when a required field is added.
func TestBackgroundFormAddedLater(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newExpertStudy(t, env, nil, []string{"Clinics open in the evening"}, textsPanel[:1])
		b := s.expertBrowser(t, "e1@example.org")
		if r := b.get("/e"); strings.Contains(r.body, "About you") {
			t.Fatal("a form without fields is shown")
		}
		r := s.call(t, "POST", s.path+"/background-fields", `{"kind":"choice","label":{"en":"Region"},"choices":["North","South"]}`)
		var region backgroundFieldJSON
		if err := json.Unmarshal([]byte(r.body), &region); err != nil || r.status != http.StatusCreated {
			t.Fatalf("add: %d %s", r.status, r.body)
		}
		r = b.get("/e")
		mustContain(t, "optional form offered", r.body, "<h2>About you</h2>", "Region", `name="skip" value="yes"`, "I prefer not to answer")
		if r := b.post("/e/background", url.Values{"skip": {"yes"}, "bg" + itoa(region.ID): {"1"}}); r.status != http.StatusOK || r.url != "/e" || strings.Contains(r.body, "About you") {
			t.Fatalf("skip: %d at %s", r.status, r.url)
		}
		id := expertID(t, env, s.id, "e1@example.org")
		if got, _ := env.store.BackgroundAnswersByExpert(context.Background(), id); len(got) != 1 || got[region.ID] != "" {
			t.Errorf("skipped: %v", got)
		}
		if strings.Contains(b.get("/e").body, "About you") {
			t.Error("a skipped form is offered again")
		}
		// A required field added after launch: asked, not skippable.
		r = s.call(t, "POST", s.path+"/background-fields", `{"kind":"number","required":true,"label":{"en":"Years of experience"},"min":0}`)
		var years backgroundFieldJSON
		_ = json.Unmarshal([]byte(r.body), &years)
		r = b.get("/e")
		mustContain(t, "required form", r.body, "Years of experience", "A number of at least 0.")
		if strings.Contains(r.body, `name="skip"`) {
			t.Error("a required field can be skipped")
		}
		if r := b.post("/e/background", url.Values{"skip": {"yes"}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Please answer this question.") {
			t.Errorf("skipping a required field: %d", r.status)
		}
		if r := b.post("/e/background", url.Values{"bg" + itoa(years.ID): {"-1"}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Please give a number of at least 0.") {
			t.Errorf("below the minimum: %d", r.status)
		}
		if r := b.post("/e/background", url.Values{"bg" + itoa(years.ID): {"many"}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Please give a number, such as 12.") {
			t.Errorf("not a number: %d", r.status)
		}
		if r := b.post("/e/background", url.Values{"bg" + itoa(years.ID): {"8"}, "bg" + itoa(region.ID): {"2"}}); r.url != "/e" {
			t.Errorf("answered: %d at %s", r.status, r.url)
		}
		// Another optional field: offered; skipping it keeps the answers given.
		if r := s.call(t, "POST", s.path+"/background-fields", `{"kind":"text","label":{"en":"Your role"}}`); r.status != http.StatusCreated {
			t.Fatalf("add: %d %s", r.status, r.body)
		}
		mustContain(t, "a new optional field", b.get("/e").body, "Your role", `name="skip" value="yes"`, `value="8"`)
		if r := b.post("/e/background", url.Values{"skip": {"yes"}}); r.url != "/e" {
			t.Errorf("skip: %d at %s", r.status, r.url)
		}
		if got, _ := env.store.BackgroundAnswersByExpert(context.Background(), id); len(got) != 3 || got[years.ID] != "8" || got[region.ID] != "2" {
			t.Errorf("after skipping the new field: %v", got)
		}
	})
}

// TestBackgroundFieldsAtStudyCreation: POST /api/v1/studies takes the
// background form's fields, all or nothing.
func TestBackgroundFieldsAtStudyCreation(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		token := tokenFor(t, env, "coord@example.org")
		bad := `{"title":"Panel study","scale_min":1,"scale_max":5,"languages":["en","nl"],"background_fields":[` +
			`{"kind":"choice","required":true,"label":{"en":"Sector"},"choices":["Health care","Policy"]},{"kind":"number","label":{"nl":"Jaren"}}]}`
		r := env.api("POST", "/api/v1/studies", token, "application/json", bad)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "background_fields[1].label.en") {
			t.Fatalf("a field without its English label: %d %s", r.status, r.body)
		}
		u, err := env.store.UserByEmail(context.Background(), "coord@example.org")
		if err != nil {
			t.Fatal(err)
		}
		if sts, err := env.store.StudiesForUser(context.Background(), u.ID); err != nil || len(sts) != 0 {
			t.Errorf("a refused creation left a study behind: %d %v", len(sts), err)
		}
		good := strings.Replace(bad, `"label":{"nl":"Jaren"}`, `"label":{"en":"Years","nl":"Jaren"},"min":0`, 1)
		r = env.api("POST", "/api/v1/studies", token, "application/json", good)
		var st studyJSON
		if err := json.Unmarshal([]byte(r.body), &st); err != nil || r.status != http.StatusCreated {
			t.Fatalf("create with fields: %d %s", r.status, r.body)
		}
		s := &expertStudy{env: env, token: token, id: st.ID, path: "/api/v1/studies/" + itoa(st.ID)}
		fields := getBackgroundFields(t, s)
		if len(fields) != 2 || fields[0].Kind != "choice" || !fields[0].Required || fields[1].Label["nl"] != "Jaren" || *fields[1].Min != 0 {
			t.Errorf("fields: %+v", fields)
		}
		if r := s.call(t, "PATCH", s.path, `{"background_fields":[]}`); r.status != http.StatusUnprocessableEntity {
			t.Errorf("fields through PATCH: %d %s", r.status, r.body)
		}
	})
}

// TestBackgroundFormInRoundZero: a round-0 link asks the background form
// after consent too, and goes on to the proposals page.
func TestBackgroundFormInRoundZero(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newPanelStudy(t, env, nil, nil, defaultPanel, "")
		r := s.call(t, "POST", s.path+"/background-fields", `{"kind":"choice","required":true,"label":{"en":"Region"},"choices":["North","South"]}`)
		var region backgroundFieldJSON
		if err := json.Unmarshal([]byte(r.body), &region); err != nil || r.status != http.StatusCreated {
			t.Fatalf("add: %d %s", r.status, r.body)
		}
		if r := s.call(t, "POST", s.path+"/ideas", `{"deadline":"2099-01-01T12:00:00Z","questions":[{"text":"What keeps migrants from care?"}]}`); r.status != http.StatusCreated {
			t.Fatalf("create round 0: %d %s", r.status, r.body)
		}
		if r := s.call(t, "POST", s.path+"/ideas/launch", ""); r.status != http.StatusOK {
			t.Fatalf("launch round 0: %d %s", r.status, r.body)
		}
		b := env.browser()
		b.get(s.ideaLinks(t)["e1@example.org"])
		r = b.post("/ideas/consent", url.Values{"agree": {"yes"}})
		mustContain(t, "round 0's background form", r.body, "<h2>About you</h2>", `action="/ideas/background"`, "Region")
		if r := b.post("/ideas/background", url.Values{}); r.status != http.StatusUnprocessableEntity {
			t.Errorf("required missing: %d", r.status)
		}
		r = b.post("/ideas/background", url.Values{"bg" + itoa(region.ID): {"2"}})
		if r.status != http.StatusOK || r.url != "/ideas" || strings.Contains(r.body, "About you") || !strings.Contains(r.body, "What keeps migrants from care?") {
			t.Fatalf("after the form: %d at %s", r.status, r.url)
		}
	})
}

// TestBackgroundFormOnTheTranslationSheet: a field's label and options
// are rows of the bulk translation sheet; a Dutch column sets them.
func TestBackgroundFormOnTheTranslationSheet(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newPanelStudy(t, env, nil, []string{"Clinics open in the evening"}, textsPanel, `,"languages":["en","nl"]`)
		r := s.call(t, "POST", s.path+"/background-fields", `{"kind":"choice","label":{"en":"Region"},"choices":["North","South"]}`)
		var region backgroundFieldJSON
		if err := json.Unmarshal([]byte(r.body), &region); err != nil || r.status != http.StatusCreated {
			t.Fatalf("add: %d %s", r.status, r.body)
		}
		dl := env.api("GET", s.path+"/translations?format=csv", s.token, "", "")
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(dl.body, "\uFEFF"))).ReadAll()
		if err != nil || dl.status != http.StatusOK {
			t.Fatalf("sheet: %d %v", dl.status, err)
		}
		label, option := "background."+itoa(region.ID)+".label", "background."+itoa(region.ID)+".choice.2"
		found := 0
		for _, row := range rows {
			switch row[0] {
			case label:
				found++
				row[4] = "Regio"
			case option:
				found++
				if row[3] != "South" {
					t.Errorf("option 2's English: %q", row[3])
				}
				row[4] = "Zuid"
			}
		}
		if found != 2 {
			t.Fatalf("the sheet has %d of the field's rows: %v", found, rows)
		}
		var out bytes.Buffer
		_ = csv.NewWriter(&out).WriteAll(rows)
		if r := env.api("PUT", s.path+"/translations", s.token, "text/csv", out.String()); r.status != http.StatusOK || !strings.Contains(r.body, `"total":2`) {
			t.Fatalf("upload: %d %s", r.status, r.body)
		}
		f := getBackgroundFields(t, s)[0]
		if f.Label["nl"] != "Regio" || f.ChoiceTranslations["2"]["nl"] != "Zuid" {
			t.Errorf("after the upload: %+v", f)
		}
	})
}

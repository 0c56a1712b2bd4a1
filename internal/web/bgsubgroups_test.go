package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/delphi-platform/delphi/internal/workflow"
)

// subgroupPanel: nine English experts, all in one stakeholder group.
var subgroupPanel = []panelist{
	{"b1@example.org", "Ann One", "Research", "en"}, {"b2@example.org", "Ben Two", "Research", "en"},
	{"b3@example.org", "Cas Three", "Research", "en"}, {"b4@example.org", "Dee Four", "Research", "en"},
	{"b5@example.org", "Eve Five", "Research", "en"}, {"b6@example.org", "Fay Six", "Research", "en"},
	{"b7@example.org", "Gus Seven", "Research", "en"}, {"b8@example.org", "Hal Eight", "Research", "en"},
	{"b9@example.org", "Ivy Nine", "Research", "en"}, {"b10@example.org", "Jo Ten", "Research", "en"},
}

// addSectorField adds an optional choice field "Sector" (Health care,
// Policy, Research) through the API.
func addSectorField(t testing.TB, s *expertStudy) backgroundFieldJSON {
	t.Helper()
	r := s.call(t, "POST", s.path+"/background-fields", `{"kind":"choice","label":{"en":"Sector"},"choices":["Health care","Policy","Research"]}`)
	var f backgroundFieldJSON
	if err := json.Unmarshal([]byte(r.body), &f); err != nil || r.status != http.StatusCreated {
		t.Fatalf("add field: %d %s", r.status, r.body)
	}
	return f
}

// TestBackgroundSubgroups: round 1's results split by the answers to a
// choice field of the background form — on the results page (a plain
// link among the subgroup choices), in the API (?subgroup=<id>) and in
// the workbook — with the 4 "Health care" experts shown, the 2 "Policy"
// experts and the 1 "Research" expert hidden (fewer than 3 ratings) for
// the coordinator and the researcher alike, and the 3 experts who skipped
// the question in "Not answered", themselves hidden where the hidden
// groups hold fewer than 3 ratings together; a field that is not a
// choice field is refused by name.
func TestBackgroundSubgroups(t *testing.T) {
	enginesInTurn(t, func(t *testing.T, env *testEnv) {
		s, sector, role := subgroupStudy(t, env)

		// The results page: the field is a choice beside group and country.
		coord := env.loggedIn("coord@example.org")
		base := "/studies/" + itoa(s.id) + "/results"
		view := "field-" + itoa(sector.ID)
		page := coord.get(base)
		mustContain(t, "subgroup choices", page.body, `href="/studies/`+itoa(s.id)+`/results?round=1&amp;view=`+view+`"`, "Per answer to “Sector”")
		if strings.Contains(page.body, "Your role") {
			t.Error("a text field is offered as a subgroup")
		}
		rb, rtoken := researcherOf(t, env, s.id)
		for who, b := range map[string]*browser{"coordinator": coord, "researcher": rb} {
			r := b.get(base + "?round=1&view=" + view + "&sort=subgroup")
			if r.status != http.StatusOK {
				t.Fatalf("%s: split page: %d", who, r.status)
			}
			body := r.body
			mustContain(t, who+"'s split page", body, `aria-current="page">Per answer to “Sector”`,
				"<td>Health care</td>\n<td class=\"num\">4</td><td class=\"num\">0</td><td class=\"num\">4.5</td>",
				"<td>Not answered</td>\n<td class=\"num\">3</td>",
				"<td>Policy</td>\n<td colspan=\"14\">Not shown: fewer than 3 ratings in this group, or in the groups hidden with it, so that nobody can be recognised.</td>",
				"<td>Research</td>\n<td colspan=\"14\">Not shown")
			if strings.Contains(body, "<td>Policy</td>\n<td class=\"num\">") {
				t.Errorf("%s sees the Policy group's figures", who)
			}
			if strings.Contains(body, "Nurse") {
				t.Errorf("%s sees free text", who)
			}
		}
		for _, bad := range []string{"field-" + itoa(role.ID), "field-99999"} {
			if r := coord.get(base + "?view=" + bad); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "not a choice field of the study&#39;s background form") {
				t.Errorf("view %s: %d %s", bad, r.status, r.body)
			}
		}
		if r := coord.get(base + "?view=sector"); r.status != http.StatusBadRequest || !strings.Contains(r.body, "field-&lt;id&gt; of a choice field") {
			t.Errorf("view sector: %d", r.status)
		}

		// The API, for the coordinator and the researcher alike.
		for who, token := range map[string]string{"coordinator": s.token, "researcher": rtoken} {
			r := env.api("GET", s.path+"/results?subgroup="+itoa(sector.ID), token, "", "")
			var split workflow.SubgroupSplit
			if err := json.Unmarshal([]byte(r.body), &split); err != nil || r.status != http.StatusOK {
				t.Fatalf("%s: API split: %d %s", who, r.status, r.body)
			}
			if split.Field.Label != "Sector" || strings.Join(split.Groups, "|") != "Health care|Policy|Research|Not answered" || split.MinGroupSize != 3 || len(split.Rounds) != 1 {
				t.Fatalf("%s: split: %+v", who, split)
			}
			st := split.Rounds[0].Statements
			if len(st) != 2 || st[0].Text != "Clinics open in the evening" {
				t.Fatalf("%s: statements: %+v", who, st)
			}
			hc, pol, na := st[0].Groups[0], st[0].Groups[1], st[0].Groups[3]
			if hc.Hidden || hc.GroupReport == nil || hc.N != 4 || hc.Median.Value.Float() != 4.5 || hc.PctAgree.Value != 100 || hc.Other == nil {
				t.Errorf("%s: health care, S1: %+v", who, hc)
			}
			if !pol.Hidden || pol.GroupReport != nil || pol.Other != nil {
				t.Errorf("%s: policy is shown: %+v", who, pol)
			}
			if na.Hidden || na.N != 3 || na.Median.Value.Float() != 2 {
				t.Errorf("%s: not answered, S1: %+v", who, na)
			}
			// Statement 2: Policy (2 ratings) and Research (only "unable")
			// hidden hold 2 ratings together, which the whole panel minus
			// Health care and Not answered would give: Not answered, the
			// smaller group shown, is hidden too.
			if g := st[1].Groups; g[0].Hidden || g[0].N != 4 || !g[1].Hidden || !g[2].Hidden || !g[3].Hidden || g[3].GroupReport != nil {
				t.Errorf("%s: statement 2's groups: %+v", who, g)
			}
			if st[0].KruskalWallis != nil {
				t.Errorf("%s: Kruskal–Wallis shown while a group with ratings is hidden: %+v", who, st[0].KruskalWallis)
			}
			if !strings.Contains(r.body, `{"name":"Policy","hidden":true}`) || strings.Contains(r.body, "Nurse") {
				t.Errorf("%s: the hidden group's JSON: %s", who, r.body)
			}
		}
		if r := s.call(t, "GET", s.path+"/results?subgroup="+itoa(role.ID), ""); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "not a choice field") {
			t.Errorf("split by a text field: %d %s", r.status, r.body)
		}
		if r := s.call(t, "GET", s.path+"/results?subgroup=sector", ""); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `subgroup \"sector\"`) {
			t.Errorf("split by a name: %d %s", r.status, r.body)
		}
		if r := s.call(t, "GET", s.path+"/results?subgroup="+itoa(sector.ID)+"&format=csv", ""); r.status != http.StatusBadRequest {
			t.Errorf("split as CSV: %d %s", r.status, r.body)
		}

		// The workbook, for the researcher.
		x := env.api("GET", s.path+"/export.xlsx", rtoken, "", "")
		f, err := excelize.OpenReader(strings.NewReader(x.body))
		if err != nil {
			t.Fatalf("workbook: %d %v", x.status, err)
		}
		rows, err := f.GetRows("Background subgroups")
		if err != nil || len(rows) != 1+2*4 {
			t.Fatalf("Background subgroups sheet: %v %v", rows, err)
		}
		if got := strings.Join(rows[0][:10], "|"); got != "round|statement|text|field|subgroup|shown|n|n_unable|n_missing|median" {
			t.Errorf("sheet header: %s", got)
		}
		if got := strings.Join(rows[1][:10], "|"); !strings.HasPrefix(got, "1|") || !strings.HasSuffix(got, "|Clinics open in the evening|Sector|Health care|yes|4|0|0|4.5") {
			t.Errorf("Health care row: %s", got)
		}
		if got := strings.Join(rows[2], "|"); !strings.HasSuffix(got, "|Sector|Policy|no: fewer than 3 ratings in this group or in the groups hidden with it") {
			t.Errorf("Policy row: %s", got)
		}
		if got := strings.Join(rows[4][3:10], "|"); got != "Sector|Not answered|yes|3|0|0|2" {
			t.Errorf("Not answered row, statement 1: %s", got)
		}
		if got := strings.Join(rows[8][3:], "|"); got != "Sector|Not answered|no: fewer than 3 ratings in this group or in the groups hidden with it" {
			t.Errorf("Not answered row, statement 2: %s", got)
		}
	})
}

// TestPanelDescriptionPerRound: the panel description counts each
// launched round's respondents — those who submitted a classic round (a
// round just launched counts 0), and in a real-time round, where nobody
// submits, those who answered anything.
func TestPanelDescriptionPerRound(t *testing.T) {
	enginesInTurn(t, func(t *testing.T, env *testEnv) {
		s := newPanelStudy(t, env, nil, []string{"Clinics open in the evening"}, textsPanel, "")
		sector := addSectorField(t, s)
		s.launch(t, `{"deadline":"2099-06-04T17:00:00Z"}`, len(textsPanel))
		for i, p := range textsPanel {
			b := s.expertBrowser(t, p.email)
			if r := b.post("/e/background", url.Values{"bg" + itoa(sector.ID): {[]string{"1", "2", "2"}[i]}}); r.url != "/e" {
				t.Fatalf("%s background: %d", p.email, r.status)
			}
			if i < 2 { // divided: the statement is carried to round 2
				s.rate(t, b, map[int]string{0: []string{"5", "1"}[i]}, nil, true)
			}
		}
		s.close(t)
		s.launch(t, `{"deadline":"2099-07-04T17:00:00Z"}`, 2) // round 1's respondents
		pd, _ := getPanelDescription(t, env, s.path, s.token)
		if got := panelColumns(pd); got != "All experts who saw the form=3:1,2,0 | Round 1 respondents=2:1,1,0 | Round 2 respondents=0:0,0,0" {
			t.Errorf("round 2 just launched: %s", got)
		}
		b := s.env.browser()
		b.get(s.links["e1@example.org"])
		s.rate(t, b, map[int]string{0: "4"}, nil, true)
		pd, _ = getPanelDescription(t, env, s.path, s.token)
		if got := panelColumns(pd); got != "All experts who saw the form=3:1,2,0 | Round 1 respondents=2:1,1,0 | Round 2 respondents=1:1,0,0" {
			t.Errorf("round 2 answered by e1: %s", got)
		}
		// The methods page and the workbook show the same columns.
		rb, rtoken := researcherOf(t, env, s.id)
		mustContain(t, "methods page", rb.get("/studies/"+itoa(s.id)+"/results/methods").body, "Round 1 respondents (n = 2)", "Round 2 respondents (n = 1)")
		x := env.api("GET", s.path+"/export.xlsx", rtoken, "", "")
		f, err := excelize.OpenReader(strings.NewReader(x.body))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows("Panel background")
		if got := strings.Join(rows[0], "|"); got != "field|kind|answer|All experts who saw the form (n=3)|Round 1 respondents (n=2)|Round 2 respondents (n=1)" {
			t.Errorf("sheet header: %s", got)
		}
		if got := strings.Join(rows[2], "|"); got != "Sector|choice|Policy|2|1|0" {
			t.Errorf("Policy row: %s", got)
		}
	})
}

// TestPanelDescriptionRealtime: in a real-time round, where nobody
// submits, the round's respondents are the experts who answered anything:
// e1 and e2 answer, e3 opens the page and answers nothing.
func TestPanelDescriptionRealtime(t *testing.T) {
	enginesInTurn(t, func(t *testing.T, env *testEnv) {
		rt := newPanelStudy(t, env, nil, fourStatements, textsPanel, `,"mode":"realtime"`)
		rsector := addSectorField(t, rt)
		rt.launch(t, `{"deadline":"2099-06-04T17:00:00Z"}`, len(textsPanel))
		for i, p := range textsPanel {
			b := rt.expertBrowser(t, p.email)
			if r := b.post("/e/background", url.Values{"bg" + itoa(rsector.ID): {"1"}}); r.url != "/e" {
				t.Fatalf("%s background: %d", p.email, r.status)
			}
			if i < 2 {
				answer(t, b, rt.round.Statements[i].ID, "3")
			}
		}
		pd, _ := getPanelDescription(t, env, rt.path, rt.token)
		if got := panelColumns(pd); got != "All experts who saw the form=3:3,0,0 | Round 1 respondents=2:2,0,0" {
			t.Errorf("real-time round: %s", got)
		}
	})
}

// jsonOf is v as JSON.
func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// panelColumns writes a panel description's columns with the first
// field's counts: "Name=experts:count,count,…".
func panelColumns(pd workflow.PanelDescription) string {
	var out []string
	for i, c := range pd.Columns {
		out = append(out, c.Name+"="+itoa(int64(c.Experts))+":"+strings.Trim(jsonOf(pd.Fields[0].Columns[i].Counts), "[]"))
	}
	return strings.Join(out, " | ")
}

// TestBackgroundSubgroupsByRanges: a number field's subgroup ranges are
// set through the API and on the page (refused when they do not rise or
// are not numbers, typed text kept, nothing changed; refused on a choice
// field), recorded in the audit log once the study runs, and split the
// results like a choice field's options.
func TestBackgroundSubgroupsByRanges(t *testing.T) {
	enginesInTurn(t, func(t *testing.T, env *testEnv) {
		panel := subgroupPanel[:6]
		s := newPanelStudy(t, env, nil, []string{"Clinics open in the evening"}, panel, "")
		coord := env.loggedIn("coord@example.org")
		sector := addSectorField(t, s)
		if r := s.call(t, "PATCH", s.path+"/background-fields/"+itoa(sector.ID), `{"bins":[5]}`); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "only a number field has subgroup ranges") {
			t.Errorf("ranges on a choice field: %d %s", r.status, r.body)
		}
		r := s.call(t, "POST", s.path+"/background-fields", `{"kind":"number","label":{"en":"Years of experience"},"min":0,"bins":[10,5]}`)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `"field":"bins"`) || !strings.Contains(r.body, "the limits must rise: 5 does not come after 10") {
			t.Fatalf("falling limits: %d %s", r.status, r.body)
		}
		r = s.call(t, "POST", s.path+"/background-fields", `{"kind":"number","label":{"en":"Years of experience"},"min":0,"bins":[5]}`)
		var years backgroundFieldJSON
		if err := json.Unmarshal([]byte(r.body), &years); err != nil || r.status != http.StatusCreated || len(years.Bins) != 1 || years.Bins[0] != 5 {
			t.Fatalf("add with a limit: %d %s", r.status, r.body)
		}
		// The page: refused, typed text kept; then 5 and 10.
		page := "/studies/" + itoa(s.id) + "/background-fields/" + itoa(years.ID)
		r = coord.post(page, url.Values{"label": {"Years of experience"}, "min": {"0"}, "bins": {"5 ten"}})
		mustContain(t, "refused limits on the page", r.body, `&#34;ten&#34; is not a number: separate the limits with spaces`, `value="5 ten"`)
		if got := getBackgroundFields(t, s)[1].Bins; len(got) != 1 {
			t.Errorf("a refused form changed the limits: %v", got)
		}
		if r := coord.post(page, url.Values{"label": {"Years of experience"}, "min": {"0"}, "bins": {"5, 10"}}); r.status != http.StatusOK || !strings.Contains(r.body, `value="5 10"`) {
			t.Fatalf("limits on the page: %d", r.status)
		}
		if got := getBackgroundFields(t, s)[1].Bins; len(got) != 2 || got[1] != 10 {
			t.Errorf("limits: %v", got)
		}
		s.launch(t, `{"deadline":"2099-06-04T17:00:00Z"}`, len(panel))
		if r := s.call(t, "PATCH", s.path+"/background-fields/"+itoa(years.ID), `{"bins":[5,15]}`); r.status != http.StatusOK {
			t.Fatalf("limits after launch: %d %s", r.status, r.body)
		}
		audit, _ := env.store.AuditByStudy(context.Background(), s.id)
		if last := audit[len(audit)-1]; last.OldValue != "number, required: false, min 0, subgroups under 5 | 5 to under 10 | 10 or more" ||
			last.NewValue != "number, required: false, min 0, subgroups under 5 | 5 to under 15 | 15 or more" {
			t.Errorf("audit: %+v", last)
		}

		years6 := []string{"1", "2", "4.5", "20", "15", "30"} // 3 under 5, 3 at 15 or more
		for i, p := range panel {
			b := s.expertBrowser(t, p.email)
			if r := b.post("/e/background", url.Values{"bg" + itoa(years.ID): {years6[i]}}); r.url != "/e" {
				t.Fatalf("%s background: %d %s", p.email, r.status, r.url)
			}
			s.rate(t, b, map[int]string{0: []string{"2", "2", "3", "5", "5", "4"}[i]}, nil, true)
		}
		s.close(t)
		mustContain(t, "results page", coord.get("/studies/"+itoa(s.id)+"/results").body, "Per answer to “Years of experience”")
		r = s.call(t, "GET", s.path+"/results?subgroup="+itoa(years.ID), "")
		var split workflow.SubgroupSplit
		if err := json.Unmarshal([]byte(r.body), &split); err != nil || r.status != http.StatusOK {
			t.Fatalf("split: %d %s", r.status, r.body)
		}
		if got := strings.Join(split.Groups, "|"); got != "under 5|5 to under 15|15 or more|Not answered" {
			t.Fatalf("groups: %s", got)
		}
		g := split.Rounds[0].Statements[0].Groups
		if g[0].Hidden || g[0].N != 3 || g[0].Median.Value.Float() != 2 || g[2].Hidden || g[2].N != 3 || g[2].Median.Value.Float() != 5 || !g[1].Hidden || !g[3].Hidden {
			t.Errorf("groups: %+v", g)
		}
	})
}

// subgroupStudy: round 1 of a study of subgroupPanel, closed, split by
// the choice field "Sector" (4 Health care, 2 Policy, 1 Research, 3 left
// empty) beside a text field "Your role".
func subgroupStudy(t *testing.T, env *testEnv) (s *expertStudy, sector, role backgroundFieldJSON) {
	t.Helper()
	s = newPanelStudy(t, env, nil, []string{"Clinics open in the evening", "Outreach workers speak the patients' languages"}, subgroupPanel, "")
	sector = addSectorField(t, s)
	r := s.call(t, "POST", s.path+"/background-fields", `{"kind":"text","label":{"en":"Your role"}}`)
	if err := json.Unmarshal([]byte(r.body), &role); err != nil {
		t.Fatal(err)
	}
	s.launch(t, `{"deadline":"2099-06-04T17:00:00Z"}`, len(subgroupPanel))

	choice := []string{"1", "1", "1", "1", "2", "2", "", "", "", "3"} // b7–b9 leave it empty
	s1 := []string{"5", "5", "4", "4", "1", "2", "2", "2", "3", "3"}
	s2 := []string{"1", "2", "2", "3", "5", "5", "4", "4", "5", "unable"}
	for i, p := range subgroupPanel {
		b := s.expertBrowser(t, p.email)
		if r := b.post("/e/background", url.Values{"bg" + itoa(sector.ID): {choice[i]}, "bg" + itoa(role.ID): {"Nurse " + p.name}}); r.url != "/e" {
			t.Fatalf("%s background: %d %s", p.email, r.status, r.url)
		}
		s.rate(t, b, map[int]string{0: s1[i], 1: s2[i]}, nil, true)
	}
	s.close(t)
	return s, sector, role
}

// TestBackgroundSubgroupsInBrowser: the coordinator reaches the results
// per answer to "Sector" from the results page by the keyboard, and the
// page, hidden groups included, passes axe-core at 375 and 1280 px.
func TestBackgroundSubgroupsInBrowser(t *testing.T) {
	t.Parallel() // waits on a browser: overlaps with the other such tests
	chromium := chromiumPath(t)
	env := newTestEnv(t, "sqlite")
	s, sector, _ := subgroupStudy(t, env)
	for _, width := range []int64{375, 1280} {
		t.Run(itoa(width), func(t *testing.T) {
			b := newChromium(t, chromium)
			if err := chromedp.Do(b, chromedp.EmulateViewport(width, 900)); err != nil {
				t.Fatal(err)
			}
			chromiumLogin(t, b, env.srv.URL, "coord@example.org")
			link := `a[href$="view=field-` + itoa(sector.ID) + `"]`
			if err := chromedp.Do(b, chromedp.Navigate(env.srv.URL+"/studies/"+itoa(s.id)+"/results"), chromedp.WaitVisible(link)); err != nil {
				t.Fatal(err)
			}
			tabTo(t, b, link)
			if err := chromedp.Do(b, chromedp.KeyEvent("\r"), chromedp.WaitVisible(`td[colspan="14"]`)); err != nil {
				t.Fatal(err)
			}
			if got := eval[string](t, b, `document.querySelector('nav[aria-label=Subgroups] [aria-current=page]').textContent`); got != "Per answer to “Sector”" {
				t.Errorf("current subgroup choice: %q", got)
			}
			axeCheck(t, b, "results per sector")
		})
	}
}

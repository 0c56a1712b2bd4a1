package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// criteriaForm2 is the settings page's criteria form with a second
// criterion, as a coordinator fills it in.
func criteriaForm2(name1, name2, bands2, rule2 string) url.Values {
	return url.Values{"criterion_name": {name1}, "c2_on": {"on"}, "c2_name": {name2}, "c2_scale": {"1-9"},
		"c2_labels": {""}, "c2_bands": {bands2}, "c2_rule": {rule2}, "combine": {"all"}}
}

// TestCriteriaSettingsPageAndAPI: a coordinator adds a second criterion
// on the settings page and through the API (PATCH), each bad field is
// refused with its own message next to its own field, the typed values
// stay on the page and nothing is stored; a criterion is removed again;
// a real-time study refuses several criteria; after round 1 launched
// the number and scales of the criteria stay, a name changes only as an
// amendment with its reason.
func TestCriteriaSettingsPageAndAPI(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newPanelStudy(t, env, nil, []string{"First", "Second"}, defaultPanel, "")
		b := loginAs(t, env, "coord@example.org")
		page := fmt.Sprintf("/studies/%d/criteria", s.id)
		stored := func() studyJSON {
			var st studyJSON
			decodeInto(t, s.call(t, "GET", s.path, ""), &st)
			return st
		}
		// Bad input on the page, field by field: refused, typed values kept.
		bad := []struct {
			form       url.Values
			says, kept string
		}{
			{criteriaForm2("Importance", "", "", ""), "criterion 2 has no name", `value="Importance"`},
			{criteriaForm2("", "Feasibility", "", ""), "criterion 1 has no name", `value="Feasibility"`},
			{criteriaForm2("Importance", "importance", "", ""), "both named", `value="importance"`},
			{criteriaForm2("Importance", "Feasibility", "1-3,4-5,7-9", ""), "criterion 2:", `value="1-3,4-5,7-9"`},
			{criteriaForm2("Importance", "Feasibility", "", "percent:40"), "criterion 2:", `value="percent:40"`},
		}
		for _, c := range bad {
			r := b.post(page, c.form)
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, c.says) || !strings.Contains(r.body, c.kept) {
				t.Errorf("page %v: %d, want %q and %q kept", c.form, r.status, c.says, c.kept)
			}
			if st := stored(); len(st.Criteria) != 0 || st.CriterionName != "" {
				t.Fatalf("page %v stored %+v", c.form, st.Criteria)
			}
		}
		// Each error is printed in the criterion's own fieldset.
		r := b.post(page, criteriaForm2("Importance", "Feasibility", "", "percent:40"))
		c2 := r.body[strings.Index(r.body, "<legend>Criterion 2</legend>"):strings.Index(r.body, "<legend>Criterion 3</legend>")]
		if !strings.Contains(c2, `class="error"`) || !strings.Contains(c2, "criterion 2:") {
			t.Errorf("the rule's error is not in criterion 2's fieldset")
		}
		// Bad input through the API: the field is named.
		apiBad := []struct{ body, field string }{
			{`{"criterion_name":"Importance","criteria":[{"name":""}]}`, "criteria.2.name"},
			{`{"criterion_name":"Importance","criteria":[{"name":"Importance"}]}`, "criteria.2.name"},
			{`{"criterion_name":"Importance","criteria":[{"name":"Feasibility","bands":"1-3,4-6"}]}`, "criteria.2.bands"},
			{`{"criterion_name":"Importance","criteria":[{"name":"Feasibility","consensus_rule":"rand","scale_min":1,"scale_max":5}]}`, "criteria.2.rule"},
			{`{"criterion_name":"Importance","criteria":[{"name":"Feasibility","scale_min":1,"scale_max":40}]}`, "criteria.2.scale"},
			{`{"criterion_name":"Importance","criteria":[{"name":"B"},{"name":"C"},{"name":"D"}]}`, "criteria"},
			{`{"criterion_name":"Importance","criteria":[{"name":"Feasibility"}],"combine":"some"}`, "combine"},
			{`{"criteria":[{"name":"Feasibility"}]}`, "criterion_name"},
		}
		for _, c := range apiBad {
			r := s.call(t, "PATCH", s.path, c.body)
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `"`+c.field+`"`) {
				t.Errorf("API %s: %d %s; want field %s", c.body, r.status, r.body, c.field)
			}
		}
		if st := stored(); len(st.Criteria) != 0 {
			t.Fatalf("bad API input stored %+v", st.Criteria)
		}
		// Good input on the page: two criteria, then a third by the API.
		if r := b.post(page, criteriaForm2("Importance", "Feasibility", "1-3,4-6,7-9", "percent:70")); r.status != http.StatusOK || !strings.Contains(r.body, "Criteria saved.") {
			t.Fatalf("page, good criteria: %d", r.status)
		}
		st := stored()
		if st.CriterionName != "Importance" || len(st.Criteria) != 1 || st.Criteria[0].Name != "Feasibility" || st.Criteria[0].ConsensusRule != "percent:70" || st.Combine != "all" {
			t.Fatalf("stored after the page: %+v", st)
		}
		r = s.call(t, "PATCH", s.path, `{"criteria":[{"name":"Feasibility","consensus_rule":"percent:70"},{"name":"Cost","scale_min":1,"scale_max":5,"bands":"1-2,3,4-5","consensus_rule":"iqr:1"}],"combine":"any"}`)
		if r.status != http.StatusOK {
			t.Fatalf("API, third criterion: %d %s", r.status, r.body)
		}
		if st = stored(); len(st.Criteria) != 2 || st.Criteria[1].Name != "Cost" || st.Criteria[1].ScaleMax != 5 || len(st.Criteria[1].ScaleLabels) != 5 || st.Combine != "any" {
			t.Fatalf("stored after the API: %+v", st.Criteria)
		}
		// The page shows them, and removes the third when its box is unticked.
		settings := b.get(fmt.Sprintf("/studies/%d/settings", s.id)).body
		if !strings.Contains(settings, `id="c3_name" name="c3_name" type="text" maxlength="60" value="Cost"`) {
			t.Errorf("the settings page does not show criterion 3")
		}
		if r := b.post(page, criteriaForm2("Importance", "Feasibility", "1-3,4-6,7-9", "percent:70")); r.status != http.StatusOK {
			t.Fatalf("page, removing criterion 3: %d", r.status)
		}
		if st = stored(); len(st.Criteria) != 1 || st.Combine != "all" {
			t.Fatalf("after removing criterion 3: %+v", st.Criteria)
		}
		// A real-time study has one criterion.
		if r := s.call(t, "PATCH", s.path, `{"mode":"realtime"}`); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "real-time study rates statements on one criterion") {
			t.Errorf("realtime with two criteria: %d %s", r.status, r.body)
		}
		rt := s.call(t, "POST", "/api/v1/studies", `{"title":"Live","scale_min":1,"scale_max":5,"mode":"realtime","criterion_name":"A","criteria":[{"name":"B"}]}`)
		if rt.status != http.StatusUnprocessableEntity || !strings.Contains(rt.body, `"criteria"`) {
			t.Errorf("a new real-time study with two criteria: %d %s", rt.status, rt.body)
		}
		// Locked: the number and the scales stay; a name is an amendment.
		s.launch(t, `{}`, len(defaultPanel))
		if r := s.call(t, "PATCH", s.path, `{"criteria":[],"amendment_reason":"x"}`); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "number of criteria cannot change") {
			t.Errorf("locked, removing: %d %s", r.status, r.body)
		}
		if r := s.call(t, "PATCH", s.path, `{"criteria":[{"name":"Feasibility","scale_min":1,"scale_max":5}],"amendment_reason":"x"}`); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "criteria.2.scale") {
			t.Errorf("locked, new scale: %d %s", r.status, r.body)
		}
		if r := s.call(t, "PATCH", s.path, `{"scale_min":1,"scale_max":7,"amendment_reason":"x"}`); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "scale of criterion 1 cannot change") {
			t.Errorf("locked, criterion 1's new scale: %d %s", r.status, r.body)
		}
		locked := criteriaForm2("Importance", "Practicality", "1-3,4-6,7-9", "percent:70")
		locked.Set("c3_on", "on")
		locked.Set("c3_name", "Cost")
		if r := b.post(page, locked); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "number of criteria cannot change") {
			t.Errorf("page, locked, adding: %d", r.status)
		}
		locked.Del("c3_on")
		if r := b.post(page, locked); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "reason for this protocol amendment") || !strings.Contains(r.body, `value="Practicality"`) {
			t.Errorf("page, locked, without a reason: %d", r.status)
		}
		locked.Set("amendment_reason", "Clearer word")
		if r := b.post(page, locked); r.status != http.StatusOK || !strings.Contains(r.body, "Protocol amendment saved") {
			t.Errorf("page, locked, renamed: %d", r.status)
		}
		if st = stored(); len(st.Criteria) != 1 || st.Criteria[0].Name != "Practicality" {
			t.Errorf("after the amendment: %+v", st.Criteria)
		}
	})
}

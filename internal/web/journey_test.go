package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const goodPanel = "name,email,stakeholder_group,country,language,organisation\n" +
	"Ana Silva,ana@example.org,Research,PT,pt,Uni Lisboa\n" +
	"Jan de Vries,jan@example.org,Harm-reduction services,NL,nl,Mainline\n" +
	"Eleni Papadopoulou,eleni@example.org,Migrant organisations,GR,el,\n"

const badPanel = "email,name,stakeholder_group,country,language\n" +
	"ok@example.org,Ok,Research,DE,de\n" +
	"not-an-email,Bad,Research,DE,de\n" +
	"ana@example.org,Again,Research,UK,xx\n"

// TestCoordinatorJourney walks a coordinator through setting up a study
// with real HTTP requests: log in, create a study, set the scale and rule,
// add statements, import a panel, and see a bad import rejected by row.
func TestCoordinatorJourney(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()

		// A wrong password is refused with a clear message.
		anon := env.browser()
		anon.get("/login")
		r := anon.post("/login", url.Values{"email": {"nobody@example.org"}, "password": {"x"}})
		if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "e-mail address or password is wrong") {
			t.Errorf("bad login: %d", r.status)
		}
		// Coordinator pages need a login.
		if r := anon.get("/studies"); r.url != "/login" {
			t.Errorf("/studies without login ended at %s", r.url)
		}

		b, u := env.coordinator("coord@example.org", "Coord")

		// Create a study.
		r = b.post("/studies", url.Values{"title": {"Access to care"}, "scale": {"1-9"}})
		if r.status != http.StatusOK || !strings.HasSuffix(r.url, "/settings") {
			t.Fatalf("create study: %d at %s", r.status, r.url)
		}
		studies, _ := env.store.StudiesForUser(ctx, u.ID)
		if len(studies) != 1 {
			t.Fatalf("%d studies", len(studies))
		}
		id := studies[0].ID
		base := "/studies/" + itoa(id)
		mustContain(t, "settings page", r.body, "Study created", "Scale and consensus definition")

		// An empty title is refused on the form.
		r = b.post("/studies", url.Values{"title": {"  "}, "scale": {"1-5"}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "give the study a title") {
			t.Errorf("empty title: %d", r.status)
		}

		// Overlapping bands and a threshold outside 0–100 are refused with
		// messages, and nothing changes.
		scaleForm := func(disMax, neuMin, threshold string) url.Values {
			return url.Values{"scale": {"1-9"}, "labels": {"1\n2\n3\n4\n5\n6\n7\n8\n9"},
				"disagree_min": {"1"}, "disagree_max": {disMax}, "neutral_min": {neuMin}, "neutral_max": {"6"},
				"agree_min": {"7"}, "agree_max": {"9"}, "allow_unable": {"on"}, "rule": {"percent"},
				"percent_threshold": {threshold}, "quantile": {"type6"}, "final_no_consensus": {"unresolved"}}
		}
		r = b.post(base+"/scale", scaleForm("4", "4", "120"))
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("bad scale form: %d", r.status)
		}
		mustContain(t, "bad scale page", r.body, "overlaps the band below it", "outside 0–100")
		r = b.post(base+"/scale", scaleForm("2", "4", "80"))
		mustContain(t, "gap page", r.body, "scale point 3 is in no band")

		// A valid consensus definition is saved.
		r = b.post(base+"/scale", scaleForm("3", "4", "80"))
		if r.status != http.StatusOK || !strings.Contains(r.body, "Scale and consensus definition saved") {
			t.Fatalf("save scale: %d %s", r.status, r.body)
		}
		st, _ := env.store.StudyByID(ctx, id)
		if st.ConsensusRule != "percent:80" || st.Bands != "1-3,4-6,7-9" || st.ScaleLabels != `["1","2","3","4","5","6","7","8","9"]` {
			t.Errorf("stored settings: rule %s bands %s labels %s", st.ConsensusRule, st.Bands, st.ScaleLabels)
		}

		// Statements by bulk paste, into a new topic.
		r = b.post(base+"/statements", url.Values{"statements": {"Identity documents block access.\n\nInsurance rules exclude migrants.\n"}, "section": {"Barriers"}})
		mustContain(t, "statements page", r.body, "2 statement(s) added", "Barriers", "Identity documents block access.")
		sts, _ := env.store.StatementsByStudy(ctx, id)
		if len(sts) != 2 {
			t.Errorf("%d statements", len(sts))
		}

		// A panel import with any bad row imports nothing and names each problem.
		r = importViaPage(t, b, base, goodPanel)
		mustContain(t, "panel page", r.body, "3 experts added, 0 experts updated.", "Eleni Papadopoulou")
		r = b.upload(base+"/panel/import", "file", "bad.csv", badPanel)
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("bad import: %d", r.status)
		}
		// (Row 4 is an expert already in the panel: it would update her, but
		// its country and language are wrong.)
		mustContain(t, "bad import page", r.body, "Nothing was imported", "row 3, column email",
			"row 4, column country", "row 4, column language")
		es, _ := env.store.ExpertsByStudy(ctx, id)
		if len(es) != 3 {
			t.Errorf("panel has %d experts after a rejected import; want 3", len(es))
		}
		if es[0].AttributeMap()["organisation"] != "Uni Lisboa" {
			t.Errorf("extra column not kept: %v", es[0].Attributes)
		}
		mustContain(t, "overview", b.get(base).body, "3</div>experts on the panel", "Harm-reduction services")

		// Forms without the CSRF token are refused.
		b.noCSRF = true
		r = b.post(base+"/statements", url.Values{"statements": {"sneaky"}})
		if r.status != http.StatusForbidden {
			t.Errorf("POST without CSRF token: %d", r.status)
		}
		b.noCSRF = false

		// Another coordinator cannot see the study.
		other, _ := env.coordinator("other@example.org", "Other")
		if r := other.get(base); r.status != http.StatusNotFound {
			t.Errorf("stranger sees the study: %d", r.status)
		}

		// Logging out ends the session on the server.
		b.post("/logout", url.Values{})
		if r := b.get("/studies"); r.url != "/login" {
			t.Errorf("after logout /studies ended at %s", r.url)
		}
	})
}

func TestSettingsLockAndAmendmentThroughForm(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		b, u := env.coordinator("coord@example.org", "Coord")
		b.post("/studies", url.Values{"title": {"Locked study"}, "scale": {"1-5"}})
		studies, _ := env.store.StudiesForUser(ctx, u.ID)
		id := studies[0].ID
		if err := env.store.LockStudySettings(ctx, id, u.ID); err != nil {
			t.Fatal(err)
		}
		form := url.Values{"scale": {"1-5"}, "labels": {"a\nb\nc\nd\ne"}, "disagree_min": {"1"}, "disagree_max": {"2"},
			"neutral_min": {"3"}, "neutral_max": {"3"}, "agree_min": {"4"}, "agree_max": {"5"}, "rule": {"percent"},
			"percent_threshold": {"70"}, "quantile": {"type7"}, "final_no_consensus": {"unresolved"}}
		r := b.post("/studies/"+itoa(id)+"/scale", form)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "give the reason for this protocol amendment") {
			t.Errorf("amendment without reason: %d", r.status)
		}
		if st, _ := env.store.StudyByID(ctx, id); st.ConsensusRule != "percent:75" {
			t.Errorf("locked rule changed to %s", st.ConsensusRule)
		}
		form.Set("amendment_reason", "Ethics board asked for 70 %")
		r = b.post("/studies/"+itoa(id)+"/scale", form)
		mustContain(t, "amended page", r.body, "Protocol amendment saved")
		log := b.get("/studies/" + itoa(id) + "/audit").body
		mustContain(t, "audit log", log, "protocol amendment", "consensus_rule", "percent:75", "percent:70", "Ethics board asked for 70 %", "quantile_type")
	})
}

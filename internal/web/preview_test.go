package web

import (
	"maps"
	"net/http"
	"strings"
	"testing"
)

// previewTables are the tables an expert's visit writes to; a preview must
// leave every one of them as it was.
var previewTables = map[string]string{
	"invitations":        `SELECT COUNT(*) FROM invitations`,
	"opened invitations": `SELECT COUNT(*) FROM invitations WHERE opened_at IS NOT NULL OR started_at IS NOT NULL OR submitted_at IS NOT NULL`,
	"invitation links":   `SELECT COUNT(*) FROM invitation_links`,
	"ratings":            `SELECT COUNT(*) FROM ratings`,
	"rating revisions":   `SELECT COUNT(*) FROM rating_revisions`,
	"experts":            `SELECT COUNT(*) FROM experts`,
	"consented experts":  `SELECT COUNT(*) FROM experts WHERE consented_at IS NOT NULL OR declined_at IS NOT NULL`,
	"expert consents":    `SELECT COUNT(*) FROM expert_consents`,
	"outbox":             `SELECT COUNT(*) FROM outbox`,
	"audit log":          `SELECT COUNT(*) FROM audit_log`,
}

func tableCounts(t *testing.T, env *testEnv) map[string]int {
	t.Helper()
	out := map[string]int{}
	for name, q := range previewTables {
		var n int
		if err := env.store.DB().Get(&n, q); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = n
	}
	return out
}

// TestPreviewAsExpert: a coordinator sees round 1 before any round
// exists, then a draft round 2 with its frozen feedback, in Dutch with the
// Dutch translation, on the expert's own pages with a banner and every
// control disabled; the information and thank-you pages too. Nothing in
// the expert tables changes. Researchers cannot open it.
func TestPreviewAsExpert(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newPanelStudy(t, env, nil, []string{"Identity documents", "Peer navigators"}, defaultPanel[:2], `,"languages":["en","nl","el"]`)
		var stmts []statementJSON
		decodeInto(t, s.call(t, "GET", s.path+"/statements", ""), &stmts)
		if r := s.call(t, "PUT", s.path+"/statements/"+itoa(stmts[0].ID)+"/translations", `{"nl":"Identiteitsbewijzen"}`); r.status != http.StatusOK {
			t.Fatalf("translation: %d %s", r.status, r.body)
		}
		coord := env.loggedIn("coord@example.org")
		base := "/studies/" + itoa(s.id)
		mustContain(t, "statements page", coord.get(base+"/statements").body,
			`href="/studies/`+itoa(s.id)+`/preview?lang=nl">Dutch (nl)</a>`, `Greek (el)`)

		// Before any round: round 1 of the current statements.
		before := tableCounts(t, env)
		r := coord.get(base + "/preview?lang=nl")
		if r.status != http.StatusOK {
			t.Fatalf("preview: %d %s", r.status, r.body)
		}
		mustContain(t, "round-1 preview", r.body, `<html lang="nl">`, `role="note"`, "Preview as an expert in Dutch (nl)",
			"nothing you do here is recorded", "No round exists yet", `<fieldset class="preview" disabled>`,
			"<legend>Identiteitsbewijzen</legend>", `<legend lang="en">Peer navigators</legend>`, `type=radio name=r`+itoa(stmts[0].ID),
			`href="/studies/`+itoa(s.id)+`/statements">Back to the statements`, `page=consent`, `page=thanks`)
		if strings.Contains(r.body, `aria-label="Study"`) || strings.Contains(r.body, "Log out") {
			t.Error("the preview shows the coordinator's navigation, which experts do not see")
		}
		english := coord.get(base + "/preview?lang=en").body
		mustContain(t, "English preview", english, `<html lang="en">`, "<legend>Identity documents</legend>")
		consent := coord.get(base + "/preview?lang=nl&page=consent")
		mustContain(t, "consent preview", consent.body, `<html lang="nl">`, "Preview as an expert", `name="agree"`, `<fieldset class="preview" disabled>`)
		thanks := coord.get(base + "/preview?lang=nl&page=thanks")
		mustContain(t, "thanks preview", thanks.body, `<html lang="nl">`, "Identiteitsbewijzen", `aria-current="page">Thank-you page`)
		if after := tableCounts(t, env); !maps.Equal(before, after) {
			t.Errorf("the round-1 preview changed the expert tables: before %v, after %v", before, after)
		}
		for _, bad := range []string{"?lang=fr", "?lang=nl&page=other", "?lang=nl&round=x"} {
			if r := coord.get(base + "/preview" + bad); r.status != http.StatusUnprocessableEntity && r.status != http.StatusBadRequest {
				t.Errorf("%s: %d", bad, r.status)
			}
		}
		if r := coord.get(base + "/preview?lang=nl&round=4"); r.status != http.StatusNotFound {
			t.Errorf("a round that does not exist: %d", r.status)
		}

		// Round 1 answered and closed; round 2 a draft with its feedback.
		s.launch(t, `{"deadline":"2099-06-04T17:00:00Z"}`, 2)
		// Far apart: no consensus, both statements go on to round 2.
		s.rate(t, s.expert(t, "e1@example.org"), map[int]string{0: "5", 1: "1"}, nil, true)
		s.rate(t, s.expert(t, "e2@example.org"), map[int]string{0: "1", 1: "5"}, nil, true)
		s.close(t)
		var r2 roundJSON
		decodeInto(t, s.call(t, "POST", s.path+"/rounds", ""), &r2)
		before = tableCounts(t, env)
		r = coord.get(base + "/preview?lang=nl")
		mustContain(t, "round-2 preview", r.body, `<html lang="nl">`, "Identiteitsbewijzen", "<div class=fb>",
			"The earlier rating marked as yours in the feedback is a sample: the group median.", "Round 2 is draft", `<path class=m`)
		mustContain(t, "round 2's page", coord.get(base+"/rounds/"+itoa(r2.ID)).body,
			`href="/studies/`+itoa(s.id)+`/preview?lang=nl&amp;round=2">Dutch (nl)</a>`)
		if got := coord.get(base + "/preview?lang=nl&round=1"); got.status != http.StatusOK || strings.Contains(got.body, "<div class=fb>") {
			t.Errorf("round 1 preview: %d", got.status)
		}
		coord.get(base + "/preview?lang=el&page=consent")
		coord.get(base + "/preview?lang=el&page=thanks")
		if after := tableCounts(t, env); !maps.Equal(before, after) {
			t.Errorf("the preview changed the expert tables: before %v, after %v", before, after)
		}

		// Researchers: no preview, and no links to it.
		res, _ := researcherOf(t, env, s.id)
		if r := res.get(base + "/preview?lang=nl"); r.status != http.StatusForbidden {
			t.Errorf("researcher: %d", r.status)
		}
		if strings.Contains(res.get(base+"/statements").body, "/preview?") {
			t.Error("the researcher's statements page links to the preview")
		}
	})
}

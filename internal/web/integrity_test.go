package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Issue #14, data integrity (docs/security.md).

// TestErasedExpertsLinksDie: an expert invited to round 0 and to round 1
// and then erased (through the API, or the page) has no working link
// left: neither round 0's (/i/…) nor the round's (/r/…); the others'
// links still open.
func TestErasedExpertsLinksDie(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newPanelStudy(t, env, nil, []string{"First", "Second"}, defaultPanel, "")
		_, ideaLinks := s.ideaRoundLaunched(t)
		s.launch(t, `{"deadline":"2099-06-04T17:00:00Z"}`, len(defaultPanel))
		api, page := defaultPanel[0].email, defaultPanel[1].email
		if r := s.call(t, "DELETE", s.path+"/panel/"+itoa(expertID(t, env, s.id, api)), ""); r.status != http.StatusOK {
			t.Fatalf("erase through the API: %d %s", r.status, r.body)
		}
		b := loginAs(t, env, "coord@example.org")
		erase := fmt.Sprintf("/studies/%d/panel/experts/%d/erase", s.id, expertID(t, env, s.id, page))
		if r := b.post(erase, url.Values{"confirm": {page}}); r.status != http.StatusOK || !strings.Contains(r.body, "Personal data of expert") {
			t.Fatalf("erase through the page: %d", r.status)
		}
		for _, email := range []string{api, page} {
			for _, link := range []string{ideaLinks[email], s.links[email]} {
				if r := env.browser().get(link); r.status != http.StatusNotFound || !strings.Contains(r.body, "This link does not work") {
					t.Errorf("%s's link %.3s… after the erasure: %d at %s", email, link, r.status, r.url)
				}
			}
		}
		other := defaultPanel[2].email
		if r := env.browser().get(ideaLinks[other]); r.status != http.StatusOK || r.url != "/ideas" {
			t.Errorf("another expert's round-0 link: %d at %s", r.status, r.url)
		}
		if r := env.browser().get(s.links[other]); r.status != http.StatusOK || r.url != "/e" {
			t.Errorf("another expert's round link: %d at %s", r.status, r.url)
		}
	})
}

// TestExpertOfAnotherStudyIsNotFound: removing or erasing, from study A,
// an expert id of study B answers 404 whether or not that expert was
// invited there (a 409 for an invited one told B's secrets to A's
// coordinator), and changes nothing in B.
func TestExpertOfAnotherStudyIsNotFound(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		other := newExpertStudy(t, env, nil, []string{"B1"}, defaultPanel[1:3]) // both invited to round 1
		// Study A, of the same coordinator, with an expert of its own.
		a := &expertStudy{env: env, token: other.token}
		var st studyJSON
		decodeInto(t, a.call(t, "POST", "/api/v1/studies", `{"title":"A","scale_min":1,"scale_max":5}`), &st)
		a.id, a.path = st.ID, "/api/v1/studies/"+itoa(st.ID)
		if r := env.api("POST", a.path+"/panel", a.token, "text/csv", "email,name,stakeholder_group,country,language\na@panel.example,A,,,en\n"); r.status != http.StatusOK {
			t.Fatalf("A's panel: %d %s", r.status, r.body)
		}
		if r := env.api("POST", other.path+"/panel", other.token, "text/csv", "email,name,stakeholder_group,country,language\nlate@panel.example,Late,,,en\n"); r.status != http.StatusOK {
			t.Fatalf("adding to B: %d %s", r.status, r.body)
		}
		invited, notInvited := expertID(t, env, other.id, defaultPanel[1].email), expertID(t, env, other.id, "late@panel.example")
		b := loginAs(t, env, "coord@example.org")
		for _, id := range []int64{invited, notInvited} {
			if r := b.post(fmt.Sprintf("/studies/%d/panel/experts/%d/delete", a.id, id), url.Values{}); r.status != http.StatusNotFound {
				t.Errorf("page: removing B's expert %d from A: %d", id, r.status)
			}
			if r := a.call(t, "DELETE", a.path+"/panel/"+itoa(id), ""); r.status != http.StatusNotFound {
				t.Errorf("API: erasing B's expert %d from A: %d %s", id, r.status, r.body)
			}
			if r := b.get(fmt.Sprintf("/studies/%d/panel/experts/%d/erase", a.id, id)); r.status != http.StatusNotFound {
				t.Errorf("page: A's erase page for B's expert %d: %d", id, r.status)
			}
		}
		es, err := env.store.ExpertsByStudy(context.Background(), other.id)
		if err != nil || len(es) != 3 {
			t.Fatalf("B's panel: %d experts, %v", len(es), err)
		}
		for _, e := range es {
			if e.ErasedAt.Valid {
				t.Errorf("B's expert %d was erased", e.ID)
			}
		}
		// In B itself the answers are still told apart.
		if r := b.post(fmt.Sprintf("/studies/%d/panel/experts/%d/delete", other.id, invited), url.Values{}); r.status != http.StatusConflict {
			t.Errorf("B: removing its invited expert: %d", r.status)
		}
		if r := b.post(fmt.Sprintf("/studies/%d/panel/experts/%d/delete", other.id, notInvited), url.Values{}); r.status != http.StatusOK {
			t.Errorf("B: removing its expert never invited: %d", r.status)
		}
	})
}

// TestConsensusRuleNumbersTheAnalysisReads: a rule whose number is NaN,
// infinite or has more than two decimals is refused on the settings page
// and in the API, naming the field, and nothing changes (it used to be
// stored and then fail the round's close with a 500).
func TestConsensusRuleNumbersTheAnalysisReads(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newPanelStudy(t, env, nil, []string{"First"}, defaultPanel, "")
		b := loginAs(t, env, "coord@example.org")
		form := func(kind, number string) url.Values {
			return url.Values{"scale": {"1-5"}, "disagree_min": {"1"}, "disagree_max": {"2"}, "neutral_min": {"3"}, "neutral_max": {"3"},
				"agree_min": {"4"}, "agree_max": {"5"}, "rule": {kind}, "percent_threshold": {number}, "iqr_limit": {number},
				"quantile": {"type6"}, "final_no_consensus": {"unresolved"}}
		}
		for _, rule := range []string{"percent:NaN", "iqr:NaN", "percent:75.125", "percent:Inf", "iqr:+Inf", "iqr:1e0"} {
			kind, number, _ := strings.Cut(rule, ":")
			r := s.call(t, "PATCH", s.path, fmt.Sprintf(`{"consensus_rule":%q}`, rule))
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `"rule"`) || !strings.Contains(r.body, "not a number with at most two decimals") {
				t.Errorf("API %s: %d %s", rule, r.status, r.body)
			}
			p := b.post(fmt.Sprintf("/studies/%d/scale", s.id), form(kind, number))
			if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "not a number with at most two decimals") {
				t.Errorf("page %s: %d", rule, p.status)
			}
			var st studyJSON
			decodeInto(t, s.call(t, "GET", s.path, ""), &st)
			if st.ConsensusRule != "percent:75" {
				t.Fatalf("after %s the rule is %q", rule, st.ConsensusRule)
			}
		}
		// Two decimals are fine, by page and API.
		if r := s.call(t, "PATCH", s.path, `{"consensus_rule":"percent:66.67"}`); r.status != http.StatusOK || !strings.Contains(r.body, `"consensus_rule":"percent:66.67"`) {
			t.Errorf("percent:66.67: %d %s", r.status, r.body)
		}
		if r := b.post(fmt.Sprintf("/studies/%d/scale", s.id), form("iqr", "1.25")); r.status != http.StatusOK {
			t.Errorf("page iqr:1.25: %d", r.status)
		}
	})
}

// TestStudyTitleIsOneLineOfText: a title with a line break, a NUL or
// invalid UTF-8 is refused on the page and in the API, with the field
// named; no study is created, and an existing title is not changed.
func TestStudyTitleIsOneLineOfText(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		token := tokenFor(t, env, "coord@example.org")
		b := loginAs(t, env, "coord@example.org")
		bad := []struct{ title, says string }{
			{"Two\r\nBcc: x@example.org", "one line"},
			{"Line\nbreak", "one line"},
			{"Nul\x00byte", "control character U+0000"},
			{"Bell\x07", "control character U+0007"},
			{"Bad \xff\xfe UTF-8", "not valid UTF-8"},
		}
		for _, tc := range bad {
			if !strings.Contains(tc.title, "\xff") { // JSON cannot carry invalid UTF-8
				body := fmt.Sprintf(`{"title":%q,"scale_min":1,"scale_max":5}`, tc.title)
				body = strings.ReplaceAll(body, `\x00`, `\u0000`)
				body = strings.ReplaceAll(body, `\a`, `\u0007`)
				if r := env.api("POST", "/api/v1/studies", token, "application/json", body); r.status != http.StatusUnprocessableEntity ||
					!strings.Contains(r.body, `"title"`) || !strings.Contains(r.body, tc.says) {
					t.Errorf("API title %q: %d %s", tc.title, r.status, r.body)
				}
			}
			if r := b.post("/studies", url.Values{"title": {tc.title}, "scale": {"1-5"}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(r.body), tc.says) {
				t.Errorf("page title %q: %d", tc.title, r.status)
			}
		}
		studies, err := env.store.StudiesForUser(context.Background(), mustUser(t, env, "coord@example.org"))
		if err != nil || len(studies) != 0 {
			t.Fatalf("studies created: %d, %v", len(studies), err)
		}
		// Editing: the same rules; the title stays.
		var st studyJSON
		decodeInto(t, env.api("POST", "/api/v1/studies", token, "application/json", `{"title":"Fine","scale_min":1,"scale_max":5}`), &st)
		if r := env.api("PATCH", "/api/v1/studies/"+itoa(st.ID), token, "application/json", `{"title":"A\nB"}`); r.status != http.StatusUnprocessableEntity {
			t.Errorf("API: a two-line title: %d %s", r.status, r.body)
		}
		if r := b.post(fmt.Sprintf("/studies/%d/info", st.ID), url.Values{"title": {"A\r\nB"}, "languages": {"en"}, "max_rounds": {"3"}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "one line") {
			t.Errorf("page: a two-line title: %d", r.status)
		}
		if r := env.api("PATCH", "/api/v1/studies/"+itoa(st.ID), token, "application/json", `{"description":"Nul\u0000"}`); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `"description"`) {
			t.Errorf("API: a NUL in the description: %d %s", r.status, r.body)
		}
		if r := env.api("PATCH", "/api/v1/studies/"+itoa(st.ID), token, "application/json", `{"description":"Two\nparagraphs"}`); r.status != http.StatusOK {
			t.Errorf("API: a two-line description: %d %s", r.status, r.body)
		}
		got, _ := env.store.StudyByID(context.Background(), st.ID)
		if got.Title != "Fine" {
			t.Errorf("title now %q", got.Title)
		}
	})
}

// TestViewingALiveLinkIsAudited: opening an unsent message in the outbox
// shows the expert's personal link, with which anyone can answer as them:
// the audit log records who opened which message.
func TestViewingALiveLinkIsAudited(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		s := newExpertStudy(t, env, nil, []string{"First"}, defaultPanel[:2])
		msgs, err := env.store.OutboxByRound(ctx, s.round.ID)
		if err != nil || len(msgs) != 2 || msgs[0].Secret == "" {
			t.Fatalf("outbox: %d messages, %v", len(msgs), err)
		}
		b := loginAs(t, env, "coord@example.org")
		r := b.get(fmt.Sprintf("/studies/%d/outbox/%d", s.id, msgs[0].ID))
		if r.status != http.StatusOK || !strings.Contains(r.body, s.links[msgs[0].ToAddress]) {
			t.Fatalf("message page: %d", r.status)
		}
		audit, err := env.store.AuditByStudy(ctx, s.id)
		if err != nil {
			t.Fatal(err)
		}
		last := audit[len(audit)-1]
		if last.Action != "view e-mail with link" || last.NewValue != fmt.Sprintf("message %d", msgs[0].ID) || last.UserName != "API user" {
			t.Errorf("audit entry: %+v", last)
		}
		mustContain(t, "audit page", b.get(fmt.Sprintf("/studies/%d/audit", s.id)).body, "view e-mail with link")
	})
}

package web

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/workflow"
)

// emailTemplates reads the study's e-mails through the API, by kind/lang.
func (s *expertStudy) emailTemplates(t *testing.T) map[string]workflow.EmailTemplate {
	t.Helper()
	r := s.call(t, "GET", s.path+"/emails", "")
	var list []workflow.EmailTemplate
	if err := json.Unmarshal([]byte(r.body), &list); err != nil || r.status != http.StatusOK {
		t.Fatalf("emails: %d %s", r.status, r.body)
	}
	out := map[string]workflow.EmailTemplate{}
	for _, e := range list {
		out[e.Kind+"/"+e.Lang] = e
	}
	return out
}

const dutchInvitation = "Beste {{expert_name}},\n\nWelkom bij ronde {{round}} van \"{{study_title}}\".\n\n{{link}}\n\nLiever niet? {{decline_link}}\n"

// TestEmailTemplatesPageAndAPI: a coordinator edits an e-mail on the page
// and through the API (one workflow), a template without the link is
// refused with the typed text kept, and Reset brings the default back.
func TestEmailTemplatesPageAndAPI(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newPanelStudy(t, env, nil, nil, defaultPanel, panelLanguages)
		b := env.loggedIn("coord@example.org")
		page := "/studies/" + itoa(s.id) + "/emails"

		all := s.emailTemplates(t)
		if len(all) != 6*5 {
			t.Fatalf("%d templates; want 6 kinds × 5 languages", len(all))
		}
		for k, e := range all {
			if !e.Default || !strings.Contains(e.Body, "{{link}}") {
				t.Errorf("%s: %+v", k, e)
			}
		}
		if !strings.HasPrefix(all["invitation/nl"].Subject, "Ronde {{round}} van") {
			t.Errorf("Dutch default subject: %q", all["invitation/nl"].Subject)
		}
		r := b.get(page + "?kind=invitation&lang=nl")
		mustContain(t, "e-mails page", r.body, "E-mails to the panel", "Invitation to a round · nl", html.EscapeString(all["invitation/nl"].Body),
			"no SMTP server is configured", `sandbox src="`+page+`/invitation/nl/preview.html"`, "Beste Alex Example,")
		if strings.Contains(r.body, "Reset to default") {
			t.Error("a default text offers a reset")
		}
		if r := b.get(page + "/invitation/nl/preview.html"); r.status != http.StatusOK || !strings.Contains(r.body, `<html lang="nl">`) ||
			!strings.Contains(r.header.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("HTML preview: %d %q", r.status, r.header.Get("Content-Security-Policy"))
		}

		// Without {{link}}: refused, the typed text kept, nothing saved.
		typed := "Beste {{expert_name}},\n\nZonder link <b>vet</b>.\n\n{{decline_link}}"
		r = b.post(page+"/invitation/nl", url.Values{"subject": {"Mijn onderwerp"}, "body": {typed}})
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("a text without {{link}}: %d", r.status)
		}
		mustContain(t, "refused page", r.body, html.EscapeString(typed), `value="Mijn onderwerp"`, "must contain {{link}}", `aria-invalid="true"`)
		if !s.emailTemplates(t)["invitation/nl"].Default {
			t.Error("a refused text was saved")
		}

		// Saved on the page.
		r = b.post(page+"/invitation/nl", url.Values{"subject": {"Uitnodiging: {{study_title}}"}, "body": {dutchInvitation}})
		if r.status != http.StatusOK || !strings.Contains(r.body, "saved") || !strings.Contains(r.body, "Reset to default") {
			t.Fatalf("save: %d", r.status)
		}
		if e := s.emailTemplates(t)["invitation/nl"]; e.Default || e.Subject != "Uitnodiging: {{study_title}}" || e.Body != dutchInvitation {
			t.Errorf("saved: %+v", e)
		}
		mustContain(t, "page after saving", r.body, "Welkom bij ronde 1 van &#34;Access to care&#34;.", "Uitnodiging: Access to care")

		// The API: refused, saved, reset.
		for _, tc := range []struct {
			path, body string
			status     int
			says       string
		}{
			{"/emails/reminder/fr", `{"subject":"Rappel","body":"{{link}} {{expert_email}} {{decline_link}}"}`, http.StatusUnprocessableEntity, "{{expert_email}}"},
			{"/emails/reminder/fr", `{"subject":"Rappel","body":"{{link}}"}`, http.StatusUnprocessableEntity, "{{decline_link}}"},
			{"/emails/reminder/fr", `{"subject":"","body":"{{link}} {{decline_link}}"}`, http.StatusUnprocessableEntity, "subject"},
			{"/emails/reminder/pt", `{"subject":"Lembrete","body":"{{link}} {{decline_link}}"}`, http.StatusUnprocessableEntity, "is not one of the study's languages (en, nl, fr, de, el)"},
			{"/emails/newsletter/fr", `{"subject":"Hi","body":"{{link}} {{decline_link}}"}`, http.StatusNotFound, "no such kind"},
		} {
			if r := s.call(t, "PUT", s.path+tc.path, tc.body); r.status != tc.status || !strings.Contains(r.body, tc.says) {
				t.Errorf("PUT %s %s: %d %s", tc.path, tc.body, r.status, r.body)
			}
		}
		if r := s.call(t, "PUT", s.path+"/emails/reminder/fr", `{"subject":"Rappel : {{study_title}}","body":"Bonjour {{expert_name}}\n\n{{link}}\n\n{{decline_link}}"}`); r.status != http.StatusOK ||
			!strings.Contains(r.body, `"default":false`) {
			t.Errorf("PUT: %d %s", r.status, r.body)
		}
		if r := s.call(t, "DELETE", s.path+"/emails/reminder/fr", ""); r.status != http.StatusOK || !strings.Contains(r.body, `"default":true`) {
			t.Errorf("DELETE: %d %s", r.status, r.body)
		}

		// Reset on the page.
		if r := b.post(page+"/invitation/nl/reset", url.Values{}); r.status != http.StatusOK || !strings.Contains(r.body, "default text again") {
			t.Errorf("reset: %d", r.status)
		}
		if !s.emailTemplates(t)["invitation/nl"].Default {
			t.Error("reset kept the study's text")
		}
		// This server sends no e-mail: a test is refused, not queued.
		if r := b.post(page+"/invitation/nl/test", url.Values{}); r.status != http.StatusConflict || !strings.Contains(r.body, "no SMTP server") {
			t.Errorf("a test without a mail server: %d", r.status)
		}
		if r := s.call(t, "POST", s.path+"/emails/invitation/nl/test", ""); r.status != http.StatusConflict {
			t.Errorf("an API test without a mail server: %d %s", r.status, r.body)
		}
		// Nothing launched: no audit entries for e-mail edits.
		entries, _ := env.store.AuditByStudy(context.Background(), s.id)
		for _, e := range entries {
			if strings.Contains(e.Action, "e-mail") {
				t.Errorf("audit before launch: %+v", e)
			}
		}

		// A researcher sees neither the page nor its actions.
		owner := b
		env.coordinator("rita@example.org", "Rita Researcher")
		owner.post("/studies/"+itoa(s.id)+"/members", url.Values{"email": {"rita@example.org"}, "role": {"researcher"}})
		rita := env.loggedIn("rita@example.org")
		rita.post("/invitations/"+itoa(s.id)+"/accept", url.Values{})
		if r := rita.get("/studies/" + itoa(s.id) + "/results"); r.status != http.StatusOK {
			t.Fatalf("the researcher cannot read the study: %d", r.status)
		}
		if r := rita.get(page); r.status != http.StatusForbidden || strings.Contains(r.body, "E-mails to the panel") {
			t.Errorf("a researcher opens the e-mails page: %d", r.status)
		}
		if r := rita.post(page+"/invitation/en", url.Values{"subject": {"X"}, "body": {"{{link}} {{decline_link}}"}}); r.status != http.StatusForbidden {
			t.Errorf("a researcher saves an e-mail: %d", r.status)
		}
	})
}

// TestEmailOverrideInExpertLanguage: a Dutch expert's invitation uses the
// study's Dutch text, with the study's Dutch title in the subject; an
// English expert gets the English default; and an edit after launch is
// audit-logged with the old and new text.
func TestEmailOverrideInExpertLanguage(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		s := newPanelStudy(t, env, nil, []string{"One", "Two"}, defaultPanel, panelLanguages)
		if err := env.store.SetStudyTexts(ctx, s.id, []store.StudyText{{Name: store.TextTitle, Language: "nl", Text: "Toegang tot zorg"}}); err != nil {
			t.Fatal(err)
		}
		if r := s.call(t, "PUT", s.path+"/emails/invitation/nl", `{"subject":"Uitnodiging: {{study_title}}","body":`+jsonString(dutchInvitation)+`}`); r.status != http.StatusOK {
			t.Fatalf("save: %d %s", r.status, r.body)
		}
		s.launch(t, `{"deadline":"2099-06-04T17:00:00Z"}`, len(defaultPanel))
		msgs, err := env.store.OutboxByRound(ctx, s.round.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			switch m.ToAddress {
			case "e2@example.org":
				if m.Subject != "Uitnodiging: Toegang tot zorg" || !strings.Contains(m.TextBody, "Welkom bij ronde 1 van \"Toegang tot zorg\".") ||
					!strings.Contains(m.HTMLBody, "Open mijn vragenlijst") {
					t.Errorf("the Dutch invitation: %q\n%s", m.Subject, m.TextBody)
				}
			case "e1@example.org":
				if m.Subject != `Round 1 of "Access to care": your invitation to rate` || !strings.Contains(m.TextBody, "Dear Ana Expert,") {
					t.Errorf("the English invitation: %q", m.Subject)
				}
			}
		}

		// After launch: still editable, audit-logged with both texts.
		if r := s.call(t, "PUT", s.path+"/emails/invitation/nl", `{"subject":"Nieuwe uitnodiging","body":`+jsonString(dutchInvitation)+`}`); r.status != http.StatusOK {
			t.Fatalf("save after launch: %d %s", r.status, r.body)
		}
		entries, _ := env.store.AuditByStudy(ctx, s.id)
		var found bool
		for _, e := range entries {
			if e.Action == "edit e-mail" && e.Field == "email.invitation.nl" {
				found = strings.Contains(e.OldValue, "Subject: Uitnodiging: {{study_title}}") && strings.Contains(e.NewValue, "Subject: Nieuwe uitnodiging") &&
					strings.Contains(e.NewValue, "{{decline_link}}")
			}
		}
		if !found {
			t.Errorf("the edit after launch is not in the audit log: %+v", entries)
		}
	})
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestSendTestEmail: "Send a test to me", on the page and through the
// API, delivers the real message through the SMTP server to the
// coordinator's own address; its link opens the preview and records
// nothing, and the test counts as no invitation or reminder anywhere.
func TestSendTestEmail(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			env, smtp := smtpEnv(t, engine)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go env.app.mailer.Run(ctx)
			s := newExpertStudy(t, env, smtp, []string{"One", "Two"}, defaultPanel)
			smtp.Reset()
			counts := func() map[string]int {
				out := map[string]int{}
				for _, table := range []string{"invitations", "invitation_links", "expert_consents", "ratings", "experts"} {
					var n int
					if err := env.store.DB().Get(&n, `SELECT COUNT(*) FROM `+table); err != nil {
						t.Fatal(err)
					}
					out[table] = n
				}
				var n int
				if err := env.store.DB().Get(&n, `SELECT COUNT(*) FROM outbox WHERE kind <> 'test'`); err != nil {
					t.Fatal(err)
				}
				out["outbox"] = n
				return out
			}
			before := counts()
			b := env.loggedIn("coord@example.org")
			mustContain(t, "e-mails page", b.get("/studies/"+itoa(s.id)+"/emails?kind=reminder&lang=en").body, "Send a test to me", "The test goes to coord@example.org")
			if r := b.post("/studies/"+itoa(s.id)+"/emails/reminder/en/test", url.Values{}); r.status != http.StatusOK || !strings.Contains(r.body, "on its way to coord@example.org") {
				t.Fatalf("send a test: %d", r.status)
			}
			msgs := smtp.WaitForMessages(1, 10*time.Second)
			if len(msgs) != 1 {
				t.Fatalf("%d test messages arrived", len(msgs))
			}
			m := msgs[0]
			preview := env.app.cfg.BaseURL + "/studies/" + itoa(s.id) + "/preview?lang=en"
			if m.To[0] != "coord@example.org" || !strings.HasPrefix(m.Subject, `Reminder: round 1 of "Access to care" closes`) ||
				!strings.Contains(m.Text, "Dear API user,") || !strings.Contains(m.Text, preview) || m.HTML == "" ||
				!strings.Contains(m.HTML, `href="`+html.EscapeString(preview)+`"`) || m.Header.Get("List-Unsubscribe") != "" {
				t.Errorf("test message: to %v %q\n%s\n%s", m.To, m.Subject, m.Text, m.HTML)
			}
			if strings.Contains(m.Text, "/r/") {
				t.Error("the test carries a personal link")
			}
			// Its link opens the preview, which records nothing.
			link, _ := url.Parse(preview)
			if r := b.get(link.RequestURI()); r.status != http.StatusOK || !strings.Contains(r.body, "nothing you do here is recorded") {
				t.Errorf("the test's link: %d", r.status)
			}
			if r := env.browser().get(link.RequestURI()); r.url != "/login" && r.status != http.StatusNotFound && r.status != http.StatusForbidden {
				t.Errorf("the test's link opens for a stranger: %d %s", r.status, r.url)
			}

			// Through the API; Polish is not a language of this study.
			if r := s.call(t, "POST", s.path+"/emails/idea_invitation/pl/test", ""); r.status != http.StatusUnprocessableEntity {
				t.Errorf("a test in a language the study lacks: %d %s", r.status, r.body)
			}
			if r := s.call(t, "POST", s.path+"/emails/new_link/en/test", ""); r.status != http.StatusAccepted {
				t.Fatalf("API test: %d %s", r.status, r.body)
			}
			if msgs = smtp.WaitForMessages(2, 10*time.Second); len(msgs) != 2 || !strings.HasPrefix(msgs[1].Subject, `Your new link to round 1 of "Access to care"`) {
				t.Fatalf("API test message: %d", len(msgs))
			}

			after := counts()
			for k, n := range before {
				if after[k] != n {
					t.Errorf("%s: %d rows before the test e-mails, %d after", k, n, after[k])
				}
			}
			if _, ok, err := env.store.LastReminder(ctx, s.id, s.round.ID); ok || err != nil {
				t.Errorf("a test counts as a reminder: %v", err)
			}
			if _, ok, err := env.store.LastReminder(ctx, s.id, 0); ok || err != nil {
				t.Errorf("a test counts as a round 0 reminder: %v", err)
			}
			if ms, _ := env.store.IdeaOutbox(ctx, s.id); len(ms) != 0 {
				t.Errorf("a test is listed as round 0's: %d", len(ms))
			}
			if ms, _ := env.store.OutboxByRound(ctx, s.round.ID); len(ms) != len(defaultPanel) {
				t.Errorf("the round's outbox lists %d messages; want the %d invitations", len(ms), len(defaultPanel))
			}
			entries, _ := env.store.AuditByStudy(ctx, s.id)
			tests := 0
			for _, e := range entries {
				if e.Action == "test e-mail" {
					tests++
				}
			}
			if tests != 2 {
				t.Errorf("%d test e-mails audit-logged; want 2", tests)
			}
		})
	}
}

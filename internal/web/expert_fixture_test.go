package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/i18n"
	"github.com/delphi-platform/delphi/internal/mail/smtptest"
)

// expertStudy is a study set up through the API for the expert-page
// tests: a panel, statements in two topics, round 1 launched. Personal
// links come from the outbox, or from the test SMTP server when one is
// given.
type expertStudy struct {
	env   *testEnv
	smtp  *smtptest.Server
	token string
	path  string // /api/v1/studies/<id>
	id    int64
	round roundJSON
	links map[string]string // e-mail → personal link path (/r/…) of the current round
}

type panelist struct{ email, name, group, lang string }

// defaultPanel: two stakeholder groups; the second is too small (2) to be
// shown to experts. Expert 2 reads Dutch.
var defaultPanel = []panelist{
	{"e1@example.org", "Ana Expert", "Research", "en"},
	{"e2@example.org", "Bram Deskundige", "Research", "nl"},
	{"e3@example.org", "Chloé Experte", "Civil society", "fr"},
	{"e4@example.org", "Dora Expertin", "Civil society", "de"},
	{"e5@example.org", "Eleni Eidiki", "Research", "el"},
}

// panelLanguages makes a study speak the languages of defaultPanel, for a
// test of e-mails in an expert's language: an expert whose language the
// study does not have gets its main language.
const panelLanguages = `,"languages":["en","nl","fr","de","el"]`

func newExpertStudy(t testing.TB, env *testEnv, smtp *smtptest.Server, statements []string, panel []panelist) *expertStudy {
	t.Helper()
	return newExpertStudyWith(t, env, smtp, statements, panel, "")
}

// newExpertStudyWith adds more settings (JSON fields such as `,"mode":"realtime"`).
func newExpertStudyWith(t testing.TB, env *testEnv, smtp *smtptest.Server, statements []string, panel []panelist, settings string) *expertStudy {
	t.Helper()
	s := newPanelStudy(t, env, smtp, statements, panel, settings)
	s.launch(t, `{"deadline":"2099-06-04T17:00:00Z"}`, len(panel))
	return s
}

// newPanelStudy sets up the study with its statements and panel, without a round.
func newPanelStudy(t testing.TB, env *testEnv, smtp *smtptest.Server, statements []string, panel []panelist, settings string) *expertStudy {
	t.Helper()
	s := &expertStudy{env: env, smtp: smtp, token: tokenFor(t, env, "coord@example.org")}
	if !strings.Contains(settings, `"languages"`) {
		// The study offers its panel's languages, English first: experts
		// read their own language only where the study offers it.
		langs := []string{"en"}
		for _, p := range panel {
			if !slices.Contains(langs, p.lang) && i18n.Supported(p.lang) {
				langs = append(langs, p.lang)
			}
		}
		l, _ := json.Marshal(langs)
		settings += `,"languages":` + string(l)
	}
	r := s.call(t, "POST", "/api/v1/studies", `{"title":"Access to care","description":"We ask which barriers keep migrants who use drugs from health services.\n\nThe study runs three rounds in 2027.","scale_min":1,"scale_max":5,"consensus_rule":"percent:75","max_rounds":3,"contact_email":"team@example.org"`+settings+`}`)
	var st studyJSON
	if err := json.Unmarshal([]byte(r.body), &st); err != nil || st.ID == 0 {
		t.Fatalf("create study: %d %s", r.status, r.body)
	}
	s.id, s.path = st.ID, "/api/v1/studies/"+itoa(st.ID)
	var items []map[string]string
	for i, text := range statements {
		section := "Services"
		if i < len(statements)/2 {
			section = "Access"
		}
		items = append(items, map[string]string{"text": text, "section": section})
	}
	if len(items) > 0 {
		body, _ := json.Marshal(items)
		if r := s.call(t, "POST", s.path+"/statements", string(body)); r.status != http.StatusCreated && r.status != http.StatusOK {
			t.Fatalf("statements: %d %s", r.status, r.body)
		}
	}
	csv := "email,name,stakeholder_group,country,language\n"
	for _, p := range panel {
		csv += fmt.Sprintf("%s,%s,%s,NL,%s\n", p.email, p.name, p.group, p.lang)
	}
	if r := env.api("POST", s.path+"/panel", s.token, "text/csv", csv); r.status != http.StatusOK {
		t.Fatalf("panel: %s", r.body)
	}
	return s
}

func (s *expertStudy) call(t testing.TB, method, path, body string) response {
	t.Helper()
	ct := ""
	if body != "" {
		ct = "application/json"
	}
	return s.env.api(method, path, s.token, ct, body)
}

// launch creates the next round with the given options, launches it and
// collects the personal links of its invitations.
func (s *expertStudy) launch(t testing.TB, options string, invited int) {
	t.Helper()
	r := s.call(t, "POST", s.path+"/rounds", options)
	if err := json.Unmarshal([]byte(r.body), &s.round); err != nil || s.round.ID == 0 {
		t.Fatalf("create round: %d %s", r.status, r.body)
	}
	if r := s.call(t, "POST", "/api/v1/rounds/"+itoa(s.round.ID)+"/launch", ""); r.status != http.StatusOK {
		t.Fatalf("launch: %d %s", r.status, r.body)
	}
	s.links = map[string]string{}
	if s.smtp != nil {
		msgs := s.smtp.WaitForMessages(len(s.smtp.Messages())+invited, 20*time.Second)
		for _, m := range msgs {
			if strings.Contains(m.Subject, fmt.Sprintf("%d", s.round.Number)) {
				s.links[m.To[0]] = mustPath(t, linkIn(t, m.Text))
			}
		}
	} else {
		msgs, err := s.env.store.OutboxByRound(context.Background(), s.round.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			s.links[m.ToAddress] = mustPath(t, linkRE.FindString(m.TextBody))
		}
	}
	if len(s.links) != invited {
		t.Fatalf("round %d: %d links; want %d", s.round.Number, len(s.links), invited)
	}
	s.round = s.get(t)
}

func (s *expertStudy) get(t testing.TB) roundJSON {
	t.Helper()
	var rj roundJSON
	r := s.call(t, "GET", "/api/v1/rounds/"+itoa(s.round.ID), "")
	if err := json.Unmarshal([]byte(r.body), &rj); err != nil {
		t.Fatalf("round: %d %s", r.status, r.body)
	}
	return rj
}

func (s *expertStudy) close(t testing.TB) roundJSON {
	t.Helper()
	r := s.call(t, "POST", "/api/v1/rounds/"+itoa(s.round.ID)+"/close", "")
	if r.status != http.StatusOK {
		t.Fatalf("close: %d %s", r.status, r.body)
	}
	return s.get(t)
}

// expert opens a personal link in a fresh browser and accepts the
// information sheet.
func (s *expertStudy) expert(t testing.TB, email string) *browser {
	t.Helper()
	b := s.env.browserTB(t)
	if r := b.get(s.links[email]); r.status != http.StatusOK || r.url != "/e" {
		t.Fatalf("%s opens the link: %d at %s", email, r.status, r.url)
	}
	if r := b.post("/e/consent", url.Values{"agree": {"yes"}}); r.status != http.StatusOK {
		t.Fatalf("%s consents: %d", email, r.status)
	}
	return b
}

// rate posts answers by round statement index with the plain form.
func (s *expertStudy) rate(t testing.TB, b *browser, answers map[int]string, comments map[int]string, submit bool) {
	t.Helper()
	form := url.Values{}
	for i, v := range answers {
		form.Set("r"+itoa(s.round.Statements[i].ID), v)
	}
	for i, c := range comments {
		form.Set("c"+itoa(s.round.Statements[i].ID), c)
	}
	if r := b.post("/e", form); r.status != http.StatusOK {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	if submit {
		if r := b.post("/e/submit", url.Values{"confirm": {"unanswered"}}); r.url != "/e/thanks" {
			t.Fatalf("submit: %d at %s", r.status, r.url)
		}
	}
}

func mustPath(t testing.TB, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(u.Path, "/r/") {
		t.Fatalf("not a personal link: %q", link)
	}
	return u.Path
}

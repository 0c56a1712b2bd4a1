package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var outboxLinkRE = regexp.MustCompile(`/studies/\d+/outbox/\d+`)

// TestRoundPagesWithoutSMTP runs round 1 through the coordinator's pages
// with no SMTP server, as `make run` does: the invitations stay in the
// outbox, marked not sent, and the coordinator can open each with its link.
func TestRoundPagesWithoutSMTP(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		b, u := env.coordinator("coord@example.org", "Coord")
		b.post("/studies", url.Values{"title": {"Pages study"}, "scale": {"1-5"}})
		studies, _ := env.store.StudiesForUser(ctx, u.ID)
		base := "/studies/" + itoa(studies[0].ID)
		b.post(base+"/statements", url.Values{"statements": {"First <b>statement</b>\nSecond statement"}, "section": {"Topic"}})
		importViaPage(t, b, base, goodPanel)

		r := b.post(base+"/rounds", url.Values{})
		if r.status != http.StatusOK || !strings.Contains(r.body, "Launch round 1 and send 3 invitations") {
			t.Fatalf("draft page: %d\n%s", r.status, r.body)
		}
		mustContain(t, "draft page", r.body, "First &lt;b&gt;statement&lt;/b&gt;", "locks the scale")
		roundPath := r.url
		before, _ := env.store.RoundByID(ctx, mustRoundID(t, roundPath))
		r = b.post(roundPath+"/settings", url.Values{"deadline": {"2000-01-01T10:00"}, "reminder_days": {"2"}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "deadline must be in the future") || !strings.Contains(r.body, `value="2000-01-01T10:00"`) {
			t.Errorf("saving a past deadline: %d", r.status)
		}
		if after, _ := env.store.RoundByID(ctx, mustRoundID(t, roundPath)); after != before {
			t.Errorf("a refused form changed the round: %+v, was %+v", after, before)
		}
		b.post(roundPath+"/settings", url.Values{"deadline": {"2099-01-01T10:00"}, "reminder_days": {"7, 2"}})
		r = b.post(roundPath+"/launch", url.Values{})
		mustContain(t, "open round page", r.body, "3 invitations queued", "No SMTP server is configured", "Remind now", "Close round now", "Eleni Papadopoulou")

		r = b.get(roundPath + "/outbox")
		mustContain(t, "outbox", r.body, "not sent: no SMTP server configured", "jan@example.org")
		msgPath := outboxLinkRE.FindString(r.body)
		r = b.get(msgPath)
		link := linkRE.FindString(r.body)
		if link == "" {
			t.Fatalf("no personal link on the message page:\n%s", r.body)
		}
		// The expert follows the link: the token leaves the address bar.
		ex := env.browser()
		lu, _ := url.Parse(link)
		er := ex.get(lu.Path)
		if er.url != "/e" || !strings.Contains(er.body, `action="/e/consent"`) {
			t.Fatalf("expert's first visit: %d at %s", er.status, er.url)
		}
		if er.status, er.body = ex.consent(t); !strings.Contains(er.body, "Second statement") {
			t.Fatalf("expert page: %d at %s", er.status, er.url)
		}
		// Unknown links get a friendly page that reveals nothing.
		if er := env.browser().get("/r/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"); er.status != http.StatusNotFound || strings.Contains(er.body, "Pages study") {
			t.Errorf("unknown link: %d", er.status)
		}
		rss, _ := env.store.RoundStatements(ctx, mustRoundID(t, roundPath))
		ex.post("/e", url.Values{fmt.Sprintf("r%d", rss[0].ID): {"5"}, fmt.Sprintf("c%d", rss[0].ID): {"Needs <script>x</script> care"}})
		ex.post("/e/submit", url.Values{"confirm": {"unanswered"}})

		// Revoking Jan's link: it stops working.
		statuses, _ := env.store.RoundStatuses(ctx, mustRoundID(t, roundPath))
		for _, s := range statuses {
			if s.Email == "jan@example.org" {
				r = b.post(fmt.Sprintf("%s/invitations/%d/revoke", roundPath, s.InvitationID), url.Values{})
				mustContain(t, "after revoking", r.body, "no longer work", "link revoked")
			}
		}
		r = b.post(roundPath+"/remind", url.Values{})
		mustContain(t, "after remind", r.body, "1 reminder(s) queued")
		// Closing asks first, naming what happens; confirmed, it closes.
		r = b.post(roundPath+"/close", url.Values{})
		mustContain(t, "close confirmation", r.body, "Close round 1 now?", "cannot be undone", `name="confirm" value="yes"`)
		r = b.post(roundPath+"/close", url.Values{"confirm": {"yes"}})
		if r.status != http.StatusOK {
			t.Fatalf("close: %d\n%s", r.status, r.body)
		}
		mustContain(t, "closed round", r.body, "Results and carry-over", "Needs &lt;script&gt;x&lt;/script&gt; care", "Kendall", "Reword, merge or split")
		if strings.Contains(r.body, "<script>x") {
			t.Error("a comment came out unescaped")
		}
		// Override a proposal without a reason: refused with a message.
		r = b.post(fmt.Sprintf("%s/statements/%d/decision", roundPath, rss[0].ID), url.Values{"decision": {"out"}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "needs a reason") {
			t.Errorf("override without reason: %d", r.status)
		}
		r = b.post(fmt.Sprintf("%s/statements/%d/decision", roundPath, rss[0].ID), url.Values{"decision": {"out"}, "reason": {"off topic"}})
		mustContain(t, "after override", r.body, "Decision saved")
		mustContain(t, "audit", b.get(base+"/audit").body, "decide statement", "off topic", "launch round", "close round")
	})
}

func mustRoundID(t *testing.T, path string) int64 {
	t.Helper()
	var sid, rid int64
	if _, err := fmt.Sscanf(path, "/studies/%d/rounds/%d", &sid, &rid); err != nil {
		t.Fatalf("round path %q: %v", path, err)
	}
	return rid
}

// TestBadFormSavesNothing: a form with one good and one bad answer saves
// neither, and says so.
func TestBadFormSavesNothing(t *testing.T) {
	env := newTestEnv(t, "sqlite")
	ctx := context.Background()
	b, u := env.coordinator("coord@example.org", "Coord")
	b.post("/studies", url.Values{"title": {"Form"}, "scale": {"1-5"}})
	studies, _ := env.store.StudiesForUser(ctx, u.ID)
	base := "/studies/" + itoa(studies[0].ID)
	b.post(base+"/statements", url.Values{"statements": {"One\nTwo"}})
	importViaPage(t, b, base, goodPanel)
	r := b.post(base+"/rounds", url.Values{})
	roundPath := r.url
	b.post(roundPath+"/settings", url.Values{"deadline": {"2099-01-01T10:00"}})
	b.post(roundPath+"/launch", url.Values{})
	msgs, _ := env.store.OutboxByRound(ctx, mustRoundID(t, roundPath))
	ex := env.browser()
	lu, _ := url.Parse(linkRE.FindString(msgs[0].TextBody))
	ex.get(lu.Path)
	ex.consent(t)
	rss, _ := env.store.RoundStatements(ctx, mustRoundID(t, roundPath))
	r = ex.post("/e", url.Values{fmt.Sprintf("r%d", rss[0].ID): {"4"}, fmt.Sprintf("r%d", rss[1].ID): {"7"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `class="error" role="alert"`) {
		t.Fatalf("bad form: %d", r.status)
	}
	statuses, _ := env.store.RoundStatuses(ctx, mustRoundID(t, roundPath))
	for _, s := range statuses {
		if s.Rated != 0 {
			t.Errorf("%s has %d answers saved from a refused form", s.Email, s.Rated)
		}
	}
}

// TestExpertDataExport: a subject-access export holds the expert's details,
// answers and e-mails, and nobody else's.
func TestExpertDataExport(t *testing.T) {
	env := newTestEnv(t, "sqlite")
	ctx := context.Background()
	b, u := env.coordinator("coord@example.org", "Coord")
	b.post("/studies", url.Values{"title": {"SAR"}, "scale": {"1-5"}})
	studies, _ := env.store.StudiesForUser(ctx, u.ID)
	base := "/studies/" + itoa(studies[0].ID)
	b.post(base+"/statements", url.Values{"statements": {"One"}})
	importViaPage(t, b, base, goodPanel)
	r := b.post(base+"/rounds", url.Values{})
	roundPath := r.url
	b.post(roundPath+"/settings", url.Values{"deadline": {"2099-01-01T10:00"}})
	b.post(roundPath+"/launch", url.Values{})
	msgs, _ := env.store.OutboxByRound(ctx, mustRoundID(t, roundPath))
	m := msgs[0]
	ex := env.browser()
	lu, _ := url.Parse(linkRE.FindString(m.TextBody))
	ex.get(lu.Path)
	ex.consent(t)
	rss, _ := env.store.RoundStatements(ctx, mustRoundID(t, roundPath))
	ex.post("/e", url.Values{fmt.Sprintf("r%d", rss[0].ID): {"4"}, fmt.Sprintf("c%d", rss[0].ID): {"my own comment"}})
	r = b.get(fmt.Sprintf("%s/panel/experts/%d/export", base, m.ExpertID.Int64))
	if r.status != http.StatusOK || !strings.Contains(r.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d", r.status)
	}
	mustContain(t, "export", r.body, m.ToAddress, `"rating": 4`, "my own comment", `"kind": "invitation"`, `"round": 1`)
	for _, other := range msgs[1:] {
		if strings.Contains(r.body, other.ToAddress) {
			t.Errorf("the export names another expert, %s", other.ToAddress)
		}
	}
	mustContain(t, "audit", b.get(base+"/audit").body, "export expert data", "subject-access request")
}

package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/delphi-platform/delphi/internal/auth"
)

var fourStatements = []string{"Everyone agrees", "Divided, to reword", "Divided, carried", "Nobody agrees"}

// checkedIn returns the values of the checked radios of a page by name.
func checkedIn(body string) map[string]string {
	out := map[string]string{}
	for _, m := range regexp.MustCompile(`name=(r\d+) value=(\w+) checked`).FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// TestExpertJourneyWithoutJavaScript is the expert's whole journey with
// plain form posts, as a browser without JavaScript makes them: link,
// information sheet and consent, half the answers, a second device with
// the same link, submit, the thank-you page, the closed round read-only,
// and round 2 with the group feedback and the expert's own earlier
// rating. Anonymity and languages are checked on every page on the way.
func TestExpertJourneyWithoutJavaScript(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		s := newExpertStudy(t, env, nil, fourStatements, defaultPanel)
		rs := s.round.Statements
		if err := env.store.SetTranslation(ctx, s.id, rs[0].StatementID, "nl", "Iedereen is het eens"); err != nil {
			t.Fatal(err)
		}
		var seen []string // every page an expert saw, for the anonymity check

		// The link: the token leaves the address bar at once, and no page
		// sends a Referer.
		b := env.browser()
		b.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		first := b.get(s.links["e1@example.org"])
		if first.status != http.StatusSeeOther || first.header.Get("Location") != "/e" || first.header.Get("Referrer-Policy") != "no-referrer" {
			t.Fatalf("link: %d to %q, Referrer-Policy %q", first.status, first.header.Get("Location"), first.header.Get("Referrer-Policy"))
		}
		b.client.CheckRedirect = nil

		// First visit: the information sheet; no answers before consent.
		r := b.get("/e")
		mustContain(t, "information sheet", r.body, "About this study", "We ask which barriers", "Your anonymity",
			"How your answers are used and kept", "team@example.org", `name="agree"`, "I do not want to take part")
		seen = append(seen, r.body)
		if r := b.post("/e/answer", url.Values{"s": {itoa(rs[0].ID)}, "r": {"4"}}); r.status != http.StatusForbidden {
			t.Errorf("answer before consent: %d", r.status)
		}
		if r := b.post("/e/consent", url.Values{}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Please tick the box") {
			t.Errorf("consent without the box: %d", r.status)
		}
		r = b.post("/e/consent", url.Values{"agree": {"yes"}})
		e1, _ := env.store.ExpertByID(ctx, s.id, expertID(t, env, s.id, "e1@example.org"))
		if !e1.ConsentedAt.Valid {
			t.Error("consent not recorded")
		}

		// The questionnaire: topics, fieldsets with legends, labelled
		// radios with the scale's labels, "unable to rate", comments.
		mustContain(t, "rating page", r.body, "<h2>Access</h2>", "<h2>Services</h2>", "<legend>Everyone agrees</legend>",
			"<legend>Nobody agrees</legend>", "Strongly agree", "Unable to rate", "Comment (optional)",
			"0 of 4 statements rated", "Please answer by Thursday 4 June 2099, 19:00 (Brussels, UTC&#43;2)", `<script src="/static/expert.js" defer></script>`)
		if n := strings.Count(r.body, "<fieldset"); n != 4 {
			t.Errorf("%d fieldsets; want 4", n)
		}
		if n := strings.Count(r.body, `<label><input type=radio`); n != 4*5 {
			t.Errorf("%d labelled scale radios; want 20", n)
		}
		seen = append(seen, r.body)

		// Half the answers, with the Save button; they are kept on reload.
		s.rate(t, b, map[int]string{0: "4", 1: "unable"}, map[int]string{1: "I work only with adults."}, false)
		r = b.get("/e")
		if got := checkedIn(r.body); got["r"+itoa(rs[0].ID)] != "4" || got["r"+itoa(rs[1].ID)] != "unable" || len(got) != 2 {
			t.Errorf("after reload: %v", got)
		}
		mustContain(t, "after reload", r.body, "2 of 4 statements rated", "I work only with adults.")

		// A second device with the same link: no second consent, the same
		// answers; it finishes and submits.
		phone := env.browser()
		r = phone.get(s.links["e1@example.org"])
		if got := checkedIn(r.body); len(got) != 2 || !strings.Contains(r.body, `id="rate"`) {
			t.Fatalf("second device sees %v", got)
		}
		r = phone.post("/e", url.Values{"r" + itoa(rs[2].ID): {"2"}, "r" + itoa(rs[3].ID): {"1"},
			"or" + itoa(rs[0].ID): {"4"}, "r" + itoa(rs[0].ID): {"4"}})
		if r.status != http.StatusOK {
			t.Fatalf("second device saves: %d", r.status)
		}
		// The first device's page is stale (it shows 2 answers): saving it
		// again changes only what was changed on it.
		r = b.post("/e", url.Values{"r" + itoa(rs[0].ID): {"5"}, "or" + itoa(rs[0].ID): {"4"}, "r" + itoa(rs[1].ID): {"unable"}, "or" + itoa(rs[1].ID): {"unable"},
			"c" + itoa(rs[1].ID): {"I work only with adults."}, "oc" + itoa(rs[1].ID): {"I work only with adults."}})
		got := checkedIn(b.get("/e").body)
		if got["r"+itoa(rs[0].ID)] != "5" || got["r"+itoa(rs[2].ID)] != "2" || got["r"+itoa(rs[3].ID)] != "1" {
			t.Errorf("stale page wiped the other device's answers: %v", got)
		}
		r = phone.post("/e/submit", url.Values{})
		if r.url != "/e/thanks" {
			t.Fatalf("submit: %d at %s", r.status, r.url)
		}
		mustContain(t, "thank-you page", r.body, "Thank you", "Your answers for round 1 are submitted.", "Change my answers",
			"5 · Strongly agree", "Unable to rate", "I work only with adults.")
		seen = append(seen, r.body)
		// Answers can still change until the round closes.
		if r := b.post("/e/answer", url.Values{"s": {itoa(rs[3].ID)}, "r": {"2"}}); r.status != http.StatusOK {
			t.Errorf("change after submit: %d", r.status)
		}
		mustContain(t, "after submit", b.get("/e").body, "You submitted your answers on")

		// The Dutch expert reads Dutch, with the translated statement.
		nl := s.expert(t, "e2@example.org")
		r = nl.get("/e")
		mustContain(t, "Dutch page", r.body, `lang="nl"`, "Iedereen is het eens", "Divided, to reword", "Kan ik niet beoordelen",
			"0 van 4 stellingen beoordeeld", "donderdag 4 juni 2099", "Naar de inhoud")
		seen = append(seen, r.body)

		// The others rate; one comment is chosen for the feedback.
		s.rate(t, nl, map[int]string{0: "5", 1: "3", 2: "2", 3: "1"}, nil, true)
		s.rate(t, s.expert(t, "e3@example.org"), map[int]string{0: "4", 1: "4", 2: "4", 3: "2"}, map[int]string{1: "Depends on the country."}, true)
		s.rate(t, s.expert(t, "e4@example.org"), map[int]string{0: "5", 1: "2", 2: "5", 3: "1"}, nil, true)
		s.rate(t, s.expert(t, "e5@example.org"), map[int]string{0: "4", 1: "5", 2: "3", 3: "1"}, nil, true)
		e3inv, _ := env.store.InvitationFor(ctx, s.round.ID, expertID(t, env, s.id, "e3@example.org"))
		if err := env.store.SetCommentShown(ctx, e3inv.ID, rs[1].ID, true); err != nil {
			t.Fatal(err)
		}

		// Closed: the link shows the answers read-only; saves are refused.
		s.close(t)
		r = b.get("/e")
		mustContain(t, "closed round", r.body, "This round is closed", "5 · Strongly agree")
		if strings.Contains(r.body, `id="rate"`) || strings.Contains(r.body, "<input") {
			t.Error("the closed round still shows the form")
		}
		if r := b.post("/e/answer", url.Values{"s": {itoa(rs[0].ID)}, "r": {"1"}}); r.status != http.StatusConflict {
			t.Errorf("answer after close: %d", r.status)
		}
		seen = append(seen, r.body)

		// Round 2, with group figures: the reworded statement shows its
		// earlier wording; each carried one the group's distribution with
		// the expert's own round-1 rating marked.
		reworded := rs[1].StatementID // (rs is round 2's once it is launched)
		if r := s.call(t, "POST", s.path+"/statements/"+itoa(reworded)+"/reword", `{"text":"Divided, now reworded","reason":"ambiguous"}`); r.status != http.StatusCreated {
			t.Fatalf("reword: %d %s", r.status, r.body)
		}
		s.launch(t, `{"show_groups":true,"deadline":"2099-07-01T12:00:00Z"}`, 5)
		b2 := env.browser()
		r = b2.get(s.links["e1@example.org"])
		if !strings.Contains(r.body, `id="rate"`) {
			t.Fatalf("round 2: consent asked again or no form: %d", r.status)
		}
		mustContain(t, "round 2 feedback", r.body, "Round 2", "Panel result, round 1",
			"Your rating in round 1: 2 · Disagree", `<path class=m`, `2 · Disagree: 2 (you);`,
			"Changed since you rated", "<q>Divided, to reword</q>", "<legend>Divided, now reworded</legend>",
			"Depends on the country.", "By stakeholder group", "Research", "Median", "Interquartile range",
			"In round 1 you were unable to rate this statement.")
		if strings.Contains(r.body, "Civil society") {
			t.Error("a stakeholder group of 2 is shown")
		}
		seen = append(seen, r.body)
		dutch := s.expert(t, "e2@example.org")
		r = dutch.get("/e")
		mustContain(t, "Dutch feedback", r.body, "Resultaat van het panel, ronde 1", "Gewijzigd sinds uw beoordeling", "Mediaan")
		seen = append(seen, r.body)
		// The earlier wording is shown in Dutch once translated, at once
		// (the rendered feedback is cached, keyed by that translation).
		for _, nl := range []string{"Verdeeld, te herformuleren", "Verdeeld, anders te formuleren"} {
			if err := env.store.SetTranslation(ctx, s.id, reworded, "nl", nl); err != nil {
				t.Fatal(err)
			}
			mustContain(t, "Dutch feedback after a translation", dutch.get("/e").body, "<q>"+nl+"</q>")
		}

		// Anonymity: no expert page shows another expert's name or e-mail.
		for i, body := range seen {
			for _, p := range defaultPanel[1:] {
				if strings.Contains(body, p.name) || strings.Contains(body, p.email) {
					t.Errorf("page %d shows %s", i, p.email)
				}
			}
		}
	})
}

// expertID finds an expert of a study by e-mail.
func expertID(t testing.TB, env *testEnv, studyID int64, email string) int64 {
	t.Helper()
	es, err := env.store.ExpertsByStudy(context.Background(), studyID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.Email == email {
			return e.ID
		}
	}
	t.Fatalf("no expert %s", email)
	return 0
}

// TestAutosaveEndpoint: the page's per-answer save answers only after the
// write, refuses what the form would refuse, and needs the CSRF header.
func TestAutosaveEndpoint(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newExpertStudy(t, env, nil, fourStatements, defaultPanel)
		rs := s.round.Statements
		b := s.expert(t, "e3@example.org") // reads French
		post := func(form url.Values, csrf bool) (int, savedAnswer) {
			req, _ := http.NewRequest(http.MethodPost, b.base+"/e/answer", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			if csrf {
				req.Header.Set("X-CSRF-Token", b.csrf())
			} else {
				req.Header.Set("Sec-Fetch-Site", "cross-site")
			}
			resp, err := b.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var j savedAnswer
			_ = json.NewDecoder(resp.Body).Decode(&j)
			return resp.StatusCode, j
		}
		status, j := post(url.Values{"s": {itoa(rs[2].ID)}, "r": {"3"}, "c": {"  Only in cities. "}}, true)
		if status != http.StatusOK || !j.Saved || j.Answered != 1 || j.Total != 4 || j.Progress != "1 sur 4 énoncés évalués" {
			t.Errorf("save: %d %+v", status, j)
		}
		if status, _ := post(url.Values{"s": {itoa(rs[2].ID)}, "r": {"4"}}, false); status != http.StatusForbidden {
			t.Errorf("cross-site save: %d", status)
		}
		for _, tc := range []struct {
			form url.Values
			want int
		}{
			{url.Values{"s": {itoa(rs[0].ID)}, "r": {"6"}}, http.StatusUnprocessableEntity},
			{url.Values{"s": {itoa(rs[0].ID)}, "r": {"4.0"}}, http.StatusUnprocessableEntity},
			{url.Values{"s": {itoa(rs[0].ID)}, "c": {strings.Repeat("é", 4001)}}, http.StatusUnprocessableEntity},
			{url.Values{"s": {"x"}, "r": {"4"}}, http.StatusBadRequest},
			{url.Values{"s": {itoa(rs[3].ID + 100)}, "r": {"4"}}, http.StatusNotFound},
		} {
			if status, j := post(tc.form, true); status != tc.want || j.Saved || j.Message == "" {
				t.Errorf("%v: %d %+v; want %d with a message", tc.form, status, j, tc.want)
			}
		}
		// Nothing refused was stored; the accepted answer is, trimmed.
		inv, _ := env.store.InvitationFor(context.Background(), s.round.ID, expertID(t, env, s.id, "e3@example.org"))
		got, _ := env.store.RatingsByInvitation(context.Background(), inv.ID)
		if len(got) != 1 || got[rs[2].ID].Rating.Int64 != 3 || got[rs[2].ID].Comment != "Only in cities." {
			t.Errorf("stored: %+v", got)
		}
	})
}

// TestTwoDevicesSaveAtOnce: one expert saves from two devices at the same
// time. Every acknowledged save is stored or overwritten by a later one,
// never lost; each statement keeps one row; for statements only one
// device touched, the stored answer is that device's last acknowledged.
func TestTwoDevicesSaveAtOnce(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		s := newExpertStudy(t, env, nil, fourStatements, defaultPanel)
		rs := s.round.Statements
		devices := []*browser{s.expert(t, "e1@example.org"), env.browser()}
		devices[1].get(s.links["e1@example.org"])
		const saves = 60
		last := make([]map[int64]string, 2) // per device: statement → last acknowledged value
		var wg sync.WaitGroup
		for d := range devices {
			last[d] = map[int64]string{}
			wg.Add(1)
			go func(d int) {
				defer wg.Done()
				for i := 0; i < saves; i++ {
					// Device 0 writes statements 0 and 2, device 1 writes 1 and
					// 2: statement 2 is written by both at once.
					st := rs[[]int{0, 2}[i%2]+d*(1-i%2)]
					v := fmt.Sprint(1 + (i+d)%5)
					req, _ := http.NewRequest(http.MethodPost, devices[d].base+"/e/answer",
						strings.NewReader(url.Values{"s": {itoa(st.ID)}, "r": {v}, "c": {fmt.Sprintf("device %d save %d", d, i)}}.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.Header.Set("X-CSRF-Token", devices[d].csrf())
					resp, err := devices[d].client.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						t.Errorf("device %d save %d: %d", d, i, resp.StatusCode)
						return
					}
					last[d][st.ID] = v + "|" + fmt.Sprintf("device %d save %d", d, i)
				}
			}(d)
		}
		wg.Wait()
		inv, _ := env.store.InvitationByTokenHash(ctx, auth.HashToken(strings.TrimPrefix(s.links["e1@example.org"], "/r/")))
		got, _ := env.store.RatingsByInvitation(ctx, inv.ID)
		if len(got) != 3 {
			t.Fatalf("%d rows; want 3", len(got))
		}
		stored := func(id int64) string {
			return fmt.Sprint(got[id].Rating.Int64) + "|" + got[id].Comment
		}
		if stored(rs[0].ID) != last[0][rs[0].ID] || stored(rs[1].ID) != last[1][rs[1].ID] {
			t.Errorf("single-device statements: stored %q, %q; last acknowledged %q, %q",
				stored(rs[0].ID), stored(rs[1].ID), last[0][rs[0].ID], last[1][rs[1].ID])
		}
		if both := stored(rs[2].ID); both != last[0][rs[2].ID] && both != last[1][rs[2].ID] {
			t.Errorf("shared statement: stored %q is neither device's last save (%q, %q)", both, last[0][rs[2].ID], last[1][rs[2].ID])
		}
	})
}

// TestAutosaveCacheStaysSafe: the autosave keeps an expert's visit for two
// seconds, but what matters is checked where the answer is written: a
// link revoked or a round closed within those seconds saves nothing.
func TestAutosaveCacheStaysSafe(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		s := newExpertStudy(t, env, nil, fourStatements, defaultPanel)
		rs := s.round.Statements
		e1, e2 := s.expert(t, "e1@example.org"), s.expert(t, "e2@example.org")
		for _, b := range []*browser{e1, e2} {
			if r := b.post("/e/answer", url.Values{"s": {itoa(rs[0].ID)}, "r": {"4"}}); r.status != http.StatusOK {
				t.Fatalf("first save: %d", r.status)
			}
		}
		inv, _ := env.store.InvitationFor(ctx, s.round.ID, expertID(t, env, s.id, "e1@example.org"))
		if err := env.store.RevokeInvitation(ctx, s.round.ID, inv.ID); err != nil {
			t.Fatal(err)
		}
		if r := e1.post("/e/answer", url.Values{"s": {itoa(rs[0].ID)}, "r": {"1"}}); r.status == http.StatusOK {
			t.Error("a revoked link still saves")
		}
		s.close(t)
		if r := e2.post("/e/answer", url.Values{"s": {itoa(rs[0].ID)}, "r": {"1"}}); r.status != http.StatusConflict {
			t.Errorf("save after close: %d", r.status)
		}
		for _, email := range []string{"e1@example.org", "e2@example.org"} {
			inv, _ := env.store.InvitationFor(ctx, s.round.ID, expertID(t, env, s.id, email))
			got, _ := env.store.RatingsByInvitation(ctx, inv.ID)
			if got[rs[0].ID].Rating.Int64 != 4 {
				t.Errorf("%s: stored %+v", email, got[rs[0].ID])
			}
		}
	})
}

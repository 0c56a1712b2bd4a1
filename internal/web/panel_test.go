package web

import (
	"context"
	"encoding/csv"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/delphi-platform/delphi/internal/store"
)

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="(csv|fingerprint)" value="([^"]*)">`)

// previewForm returns the fields the preview's Apply button posts.
func previewForm(t testing.TB, body string) url.Values {
	t.Helper()
	form := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(body, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	if form.Get("csv") == "" || form.Get("fingerprint") == "" {
		t.Fatalf("no Apply form on the preview:\n%s", body)
	}
	return form
}

// importViaPage imports a panel file on the pages as a coordinator does:
// upload, check the preview, apply. It returns the panel page.
func importViaPage(t testing.TB, b *browser, studyPath, file string) response {
	t.Helper()
	r := b.upload(studyPath+"/panel/import", "file", "panel.csv", file)
	if r.status != http.StatusOK || !strings.Contains(r.body, "Check the panel import") {
		t.Fatalf("panel preview: %d\n%s", r.status, r.body)
	}
	r = b.post(studyPath+"/panel/import/apply", previewForm(t, r.body))
	if r.status != http.StatusOK || r.url != studyPath+"/panel" {
		t.Fatalf("panel import: %d at %s\n%s", r.status, r.url, r.body)
	}
	return r
}

// panelByEmail reads the panel from the database, by e-mail.
func panelByEmail(t testing.TB, env *testEnv, studyID int64) map[string]store.Expert {
	t.Helper()
	es, err := env.store.ExpertsByStudy(context.Background(), studyID)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]store.Expert{}
	for _, e := range es {
		m[e.Email] = e
	}
	return m
}

// TestPanelReimport: a file with experts already in the panel updates
// them and adds the others, after a preview that writes nothing; on the
// pages and through the API, on both databases.
func TestPanelReimport(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newPanelStudy(t, env, nil, []string{"One", "Two"}, defaultPanel, "")
		b := env.loggedIn("coord@example.org")
		sp := "/studies/" + itoa(s.id)

		// Page: upload → preview (nothing written) → apply.
		file := "email,name,stakeholder_group,country,language\n" +
			"E1@Example.org,Ana Expert,Policy,NL,en\n" + // an update, matched whatever the case
			"e2@example.org,Bram Deskundige,Research,NL,\n" + // unchanged: no language keeps hers
			"late@example.org,Lea Late,Research,BE,fr\n" // new
		r := b.upload(sp+"/panel/import", "file", "panel.csv", file)
		if r.status != http.StatusOK {
			t.Fatalf("preview: %d\n%s", r.status, r.body)
		}
		mustContain(t, "preview", r.body, "Nothing has been written yet", "add 1</strong>", "update 1</strong>",
			"<strong>1</strong> expert(s) in the file unchanged", "group: “Research” → “Policy”", "Lea Late", "Apply: add 1, update 1")
		if p := panelByEmail(t, env, s.id); len(p) != 5 || p["e1@example.org"].Group != "Research" {
			t.Fatalf("the preview wrote: %+v", p)
		}
		r = b.post(sp+"/panel/import/apply", previewForm(t, r.body))
		mustContain(t, "panel after apply", r.body, "1 expert added, 1 expert updated.")
		p := panelByEmail(t, env, s.id)
		if len(p) != 6 || p["e1@example.org"].Group != "Policy" || p["e2@example.org"].Language != "nl" || p["late@example.org"].Country != "BE" {
			t.Fatalf("after apply: %+v", p)
		}

		// A preview applied after the panel changed shows the new preview.
		r = b.upload(sp+"/panel/import", "file", "panel.csv", "email,name,stakeholder_group,country,language\ne3@example.org,Chloé Renamed,Civil society,NL,fr\n")
		stale := previewForm(t, r.body)
		if r := env.api("POST", s.path+"/panel", s.token, "text/csv", "email,name,stakeholder_group,country,language\ne3@example.org,Chloé Experte,Civil society,FR,fr\n"); r.status != http.StatusOK {
			t.Fatalf("API import meanwhile: %d %s", r.status, r.body)
		}
		r = b.post(sp+"/panel/import/apply", stale)
		if r.status != http.StatusConflict {
			t.Errorf("stale apply: %d; want 409", r.status)
		}
		mustContain(t, "stale apply", r.body, "the panel changed since the preview", "country: “FR” → “NL”", "name: “Chloé Experte” → “Chloé Renamed”")
		if e3 := panelByEmail(t, env, s.id)["e3@example.org"]; e3.Name != "Chloé Experte" || e3.Country != "FR" {
			t.Errorf("stale apply wrote: %+v", e3)
		}

		// API: dry run, a stale fingerprint refused, then applied.
		file = "email,name,stakeholder_group,country,language,organisation\ne4@example.org,Dora Expertin,Civil society,DE,de,Caritas\n"
		r = env.api("POST", s.path+"/panel?dry_run=true", s.token, "text/csv", file)
		var res importResultJSON
		decodeInto(t, r, &res)
		if r.status != http.StatusOK || !res.DryRun || res.Updated != 1 || res.Imported != 0 || len(res.Changes) != 1 ||
			len(res.Changes[0].Changes) != 2 || res.Changes[0].Changes[0] != (fieldChangeJSON{"country", "NL", "DE"}) ||
			res.Changes[0].Changes[1] != (fieldChangeJSON{"organisation", "", "Caritas"}) || res.Fingerprint == "" {
			t.Fatalf("dry run: %d %s", r.status, r.body)
		}
		if e4 := panelByEmail(t, env, s.id)["e4@example.org"]; e4.Country != "NL" {
			t.Fatalf("the dry run wrote: %+v", e4)
		}
		if r := env.api("POST", s.path+"/panel?fingerprint=0123", s.token, "text/csv", file); r.status != http.StatusConflict {
			t.Errorf("stale fingerprint: %d %s", r.status, r.body)
		}
		if r := env.api("POST", s.path+"/panel?dry_run=maybe", s.token, "text/csv", file); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "dry_run") {
			t.Errorf("dry_run=maybe: %d %s", r.status, r.body)
		}
		r = env.api("POST", s.path+"/panel?fingerprint="+res.Fingerprint, s.token, "text/csv", file)
		if r.status != http.StatusOK || !strings.Contains(r.body, `"updated":1`) {
			t.Fatalf("apply: %d %s", r.status, r.body)
		}
		if e4 := panelByEmail(t, env, s.id)["e4@example.org"]; e4.Country != "DE" || e4.AttributeMap()["organisation"] != "Caritas" {
			t.Errorf("after API apply: %+v", e4)
		}

		// All or nothing: a row about an unknown expert, or a second row
		// about the same expert, refuses the whole file, by row and column.
		e5 := panelByEmail(t, env, s.id)["e5@example.org"].ID
		bad := "expert_id,email,name,stakeholder_group,country,language\n" +
			itoa(e5) + ",eleni.new@example.org,Eleni Renamed,Research,NL,el\n" +
			"99999,x@example.org,X,,,\n" +
			",E5@example.org,Eleni Again,Research,NL,el\n"
		r = env.api("POST", s.path+"/panel", s.token, "text/csv", bad)
		decodeInto(t, r, &res)
		if r.status != http.StatusUnprocessableEntity || len(res.Errors) != 2 ||
			res.Errors[0] != (importProblemJSON{3, "expert_id", "there is no expert 99999 in this study's panel; leave the cell empty to add a new expert"}) ||
			res.Errors[1].Row != 4 || !strings.Contains(res.Errors[1].Message, "this row and row 2 are both about expert") {
			t.Errorf("bad file (API): %d %s", r.status, r.body)
		}
		r = b.upload(sp+"/panel/import", "file", "bad.csv", bad)
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("bad file (page): %d", r.status)
		}
		mustContain(t, "bad file page", r.body, "Nothing was imported or changed", "row 3, column expert_id: there is no expert 99999")
		if got := panelByEmail(t, env, s.id); got["e5@example.org"].Name != "Eleni Eidiki" || len(got) != 6 {
			t.Errorf("a refused file wrote: %+v", got["e5@example.org"])
		}

		// Values are escaped on the preview, and its form carries the file as it was.
		xss := "email,name,stakeholder_group,country,language\nx@example.org,\"<b>Bold</b> \"\"quoted\"\"\",Research,NL,en\n"
		r = b.upload(sp+"/panel/import", "file", "panel.csv", xss)
		if strings.Contains(r.body, "<b>Bold</b>") || !strings.Contains(r.body, "&lt;b&gt;Bold&lt;/b&gt; &#34;quoted&#34;") {
			t.Errorf("preview does not escape the name")
		}
		if got := previewForm(t, r.body).Get("csv"); got != xss {
			t.Errorf("the preview's form carries %q; want the file %q", got, xss)
		}
	})
}

// TestPanelExportAndAddressChange: the panel export has each expert's
// status per round, neutralised against formulas, for coordinators only;
// it imports back unchanged, and edited with a new address for an invited
// expert it re-addresses the e-mails not yet sent, says so in the
// preview, and leaves the links already sent working.
func TestPanelExportAndAddressChange(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		panel := append([]panelist{{"f@example.org", "=1+2 Formula", "Research", "en"}}, defaultPanel...)
		s := newPanelStudy(t, env, nil, []string{"One", "Two"}, panel, "")
		s.launch(t, `{"deadline":"2099-06-04T17:00:00Z"}`, 6)
		b := env.loggedIn("coord@example.org")
		sp := "/studies/" + itoa(s.id)

		// e1 submits, e2 agrees but does not submit, e3 declines, the rest nothing.
		e1 := s.expert(t, "e1@example.org")
		s.rate(t, e1, map[int]string{0: "5", 1: "4"}, nil, true)
		s.expert(t, "e2@example.org")
		if r := env.browser().post(s.links["e3@example.org"]+"/decline", url.Values{}); r.status != http.StatusOK {
			t.Fatalf("decline: %d", r.status)
		}

		read := func(r response) map[string][]string {
			t.Helper()
			if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
				t.Fatalf("export: %d %s\n%s", r.status, r.header.Get("Content-Type"), r.body)
			}
			recs, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(recs[0], ","); got != "expert_id,email,name,stakeholder_group,country,language,round_1_status" {
				t.Errorf("header: %s", got)
			}
			m := map[string][]string{}
			for _, rec := range recs[1:] {
				m[rec[1]] = rec
			}
			return m
		}
		r := b.get(sp + "/panel.csv")
		exported := r.body
		rows := read(r)
		for email, want := range map[string]string{"e1@example.org": "submitted", "e2@example.org": "consented", "e3@example.org": "declined", "e4@example.org": "invited"} {
			if got := rows[email][6]; got != want {
				t.Errorf("%s: round 1 %q; want %q", email, got, want)
			}
		}
		if got := rows["f@example.org"][2]; got != "'=1+2 Formula" {
			t.Errorf("formula cell written as %q", got)
		}
		if rows := read(env.api("GET", s.path+"/panel.csv", s.token, "", "")); len(rows) != 6 {
			t.Errorf("API export: %d rows", len(rows))
		}

		// Researchers do not get the addresses.
		researcher := tokenFor(t, env, "res@example.org")
		if err := env.store.AddStudyMember(context.Background(), s.id, 0, "res@example.org", store.RoleResearcher); err != nil {
			t.Fatal(err)
		}
		if r := env.api("GET", s.path+"/panel.csv", researcher, "", ""); r.status != http.StatusForbidden {
			t.Errorf("researcher export: %d", r.status)
		}
		audit, _ := env.store.AuditByStudy(context.Background(), s.id)
		exports := 0
		for _, a := range audit {
			if a.Action == "export panel" {
				exports++
			}
		}
		if exports != 2 {
			t.Errorf("%d panel exports in the audit log; want 2", exports)
		}

		// The export imports back as it is: nothing to change.
		r = env.api("POST", s.path+"/panel?dry_run=true", s.token, "text/csv", exported)
		var res importResultJSON
		decodeInto(t, r, &res)
		if r.status != http.StatusOK || res.Unchanged != 6 || res.Updated != 0 || res.Imported != 0 {
			t.Fatalf("export re-imported: %d %s", r.status, r.body)
		}
		r = b.upload(sp+"/panel/import", "file", "panel.csv", exported)
		mustContain(t, "preview of the export", r.body, "Nothing to change")

		// A new address for e4, invited and not yet e-mailed (no mailer runs).
		edited := strings.Replace(exported, ",e4@example.org,", ",dora.new@example.org,", 1)
		r = env.api("POST", s.path+"/panel?dry_run=true", s.token, "text/csv", edited)
		decodeInto(t, r, &res)
		if res.Updated != 1 || res.Changes[0].Changes[0] != (fieldChangeJSON{"e-mail", "e4@example.org", "dora.new@example.org"}) ||
			!strings.Contains(res.Changes[0].Note, "links already sent to the old address keep working") {
			t.Fatalf("address change preview (API): %s", r.body)
		}
		r = b.upload(sp+"/panel/import", "file", "panel.csv", edited)
		mustContain(t, "address change preview", r.body, "Already invited:", "e-mail: “e4@example.org” → “dora.new@example.org”")
		importViaPage(t, b, sp, edited)
		msgs, _ := env.store.OutboxByRound(context.Background(), s.round.ID)
		readdressed := 0
		for _, m := range msgs {
			if m.ToAddress == "e4@example.org" {
				t.Errorf("a pending e-mail still goes to the old address")
			}
			if m.ToAddress == "dora.new@example.org" {
				readdressed++
			}
		}
		if readdressed != 1 {
			t.Errorf("%d e-mails to the new address; want 1", readdressed)
		}
		if r := env.browser().get(s.links["e4@example.org"]); r.url != "/e" {
			t.Errorf("the link sent before the change: %d at %s", r.status, r.url)
		}

		// Closed: who did nothing did not respond.
		s.close(t)
		rows = read(b.get(sp + "/panel.csv"))
		if rows["e5@example.org"][6] != "not responded" || rows["e1@example.org"][6] != "submitted" {
			t.Errorf("after close: %v / %v", rows["e5@example.org"], rows["e1@example.org"])
		}
	})
}

// TestPanelFilter: the panel page and the API filter the panel by name or
// e-mail, group, country and status, on the server.
func TestPanelFilter(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newPanelStudy(t, env, nil, []string{"One"}, defaultPanel, "")
		// Two more countries and a declined expert.
		env.api("POST", s.path+"/panel", s.token, "text/csv", "email,name,stakeholder_group,country,language\ne3@example.org,Chloé Experte,Civil society,FR,fr\ne4@example.org,Dora Expertin,Civil society,,de\n")
		if err := env.store.DeclineExpert(context.Background(), expertID(t, env, s.id, "e5@example.org")); err != nil {
			t.Fatal(err)
		}
		b := env.loggedIn("coord@example.org")
		sp := "/studies/" + itoa(s.id)
		cases := []struct {
			query string
			want  []string
		}{
			{"", []string{"Ana Expert", "Bram Deskundige", "Chloé Experte", "Dora Expertin", "Eleni Eidiki"}},
			{"q=CHLO", []string{"Chloé Experte"}},
			{"q=e2%40", []string{"Bram Deskundige"}},
			{"group=Civil+society", []string{"Chloé Experte", "Dora Expertin"}},
			{"country=fr", []string{"Chloé Experte"}},
			{"country=-", []string{"Dora Expertin"}},
			{"status=declined", []string{"Eleni Eidiki"}},
			{"group=Research&status=active&q=a", []string{"Ana Expert", "Bram Deskundige"}},
			{"q=nobody", nil},
		}
		for _, c := range cases {
			r := b.get(sp + "/panel?" + c.query)
			if r.status != http.StatusOK {
				t.Fatalf("page %s: %d", c.query, r.status)
			}
			var listed []expertJSON
			decodeInto(t, env.api("GET", s.path+"/panel?"+c.query, s.token, "", ""), &listed)
			var names []string
			for _, e := range listed {
				names = append(names, e.Name)
			}
			if strings.Join(names, ",") != strings.Join(c.want, ",") {
				t.Errorf("API %s: %v; want %v", c.query, names, c.want)
			}
			for _, p := range defaultPanel {
				shown := strings.Contains(r.body, "<td>"+p.name+"</td>")
				if want := strings.Contains(","+strings.Join(c.want, ",")+",", ","+p.name+","); shown != want {
					t.Errorf("page %s: %s shown %v; want %v", c.query, p.name, shown, want)
				}
			}
			if c.query != "" && len(c.want) > 0 {
				mustContain(t, "filtered page "+c.query, r.body, itoa(int64(len(c.want)))+" of 5 shown", "Show everyone")
			}
		}
		mustContain(t, "empty search", b.get(sp+"/panel?q=nobody").body, "No expert matches this search.")
		if r := b.get(sp + "/panel?status=asleep"); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "&#34;asleep&#34; is not a status") {
			t.Errorf("page with a bad status: %d", r.status)
		}
		if r := env.api("GET", s.path+"/panel?status=asleep", s.token, "", ""); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "status") {
			t.Errorf("API with a bad status: %d %s", r.status, r.body)
		}
	})
}

// TestInviteLateRecruit: an expert added while a round is open is invited
// to it from the panel (page) or the API, with the invitation e-mail and
// a personal link that works; inviting again is refused with a clear
// message, as is inviting with no round open.
func TestInviteLateRecruit(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newPanelStudy(t, env, nil, []string{"One", "Two"}, defaultPanel[:3], "")
		s.launch(t, `{"deadline":"2099-06-04T17:00:00Z"}`, 3)
		b := env.loggedIn("coord@example.org")
		sp := "/studies/" + itoa(s.id)

		// A late recruit, added on the page; only they can be invited.
		if r := b.post(sp+"/panel/experts", url.Values{"email": {"late@example.org"}, "name": {"Lea Late"}, "group": {"Research"}, "country": {"BE"}, "language": {"fr"}}); r.status != http.StatusOK {
			t.Fatalf("add: %d", r.status)
		}
		late := expertID(t, env, s.id, "late@example.org")
		r := b.get(sp + "/panel")
		if n := strings.Count(r.body, ">Invite to round 1<"); n != 1 {
			t.Errorf("%d Invite buttons; want 1 (the late recruit)", n)
		}
		mustContain(t, "panel", r.body, "/panel/experts/"+itoa(late)+"/invite", "invited to round 1")
		if r := b.get(sp + "/panel?status=not+invited"); !strings.Contains(r.body, "<td>Lea Late</td>") || strings.Contains(r.body, "<td>Ana Expert</td>") {
			t.Errorf("filter 'not invited' does not show only the late recruit")
		}
		mustContain(t, "expert page", b.get(sp+"/panel/experts/"+itoa(late)).body, "Round 1 is open and Lea Late was not invited to it")

		r = b.post(sp+"/panel/experts/"+itoa(late)+"/invite", url.Values{})
		if r.status != http.StatusOK {
			t.Fatalf("invite: %d %s", r.status, r.body)
		}
		mustContain(t, "after invite", r.body, "Invited to round 1", "Lea Late was invited to round 1")
		msgs, _ := env.store.OutboxByRound(context.Background(), s.round.ID)
		var link string
		for _, m := range msgs {
			if m.ToAddress == "late@example.org" && m.Kind == "invitation" {
				link = mustPath(t, linkRE.FindString(m.TextBody))
			}
		}
		if link == "" {
			t.Fatalf("no invitation e-mail to the late recruit in %d messages", len(msgs))
		}
		if r := env.browser().get(link); r.status != http.StatusOK || r.url != "/e" {
			t.Errorf("late recruit's link: %d at %s", r.status, r.url)
		}
		r = b.post(sp+"/panel/experts/"+itoa(late)+"/invite", url.Values{})
		if r.status != http.StatusConflict || !strings.Contains(r.body, "Lea Late was already invited to round 1") {
			t.Errorf("second invite (page): %d", r.status)
		}

		// API: another late recruit, invited once, refused the second time.
		env.api("POST", s.path+"/panel", s.token, "text/csv", "email,name,stakeholder_group,country,language\nlater@example.org,Lou Later,Research,NL,en\n")
		later := expertID(t, env, s.id, "later@example.org")
		r = env.api("POST", s.path+"/panel/"+itoa(later)+"/invite", s.token, "", "")
		var got map[string]any
		decodeInto(t, r, &got)
		if r.status != http.StatusCreated || got["round"] != float64(1) {
			t.Errorf("API invite: %d %s", r.status, r.body)
		}
		if r := env.api("POST", s.path+"/panel/"+itoa(later)+"/invite", s.token, "", ""); r.status != http.StatusConflict || !strings.Contains(r.body, "already invited to round 1") {
			t.Errorf("API second invite: %d %s", r.status, r.body)
		}
		if r := env.api("POST", s.path+"/panel/"+itoa(expertID(t, env, s.id, "e1@example.org"))+"/invite", s.token, "", ""); r.status != http.StatusConflict {
			t.Errorf("API invite of an expert invited at launch: %d %s", r.status, r.body)
		}
		if st := s.get(t); len(st.Statements) == 0 {
			t.Fatal("round lost its statements")
		}
		msgs, _ = env.store.OutboxByRound(context.Background(), s.round.ID)
		if len(msgs) != 5 {
			t.Errorf("%d e-mails in round 1; want 5 (3 at launch, 2 late)", len(msgs))
		}

		// No round open: refused.
		s.close(t)
		env.api("POST", s.path+"/panel", s.token, "text/csv", "email,name,stakeholder_group,country,language\nlast@example.org,Lim Last,Research,NL,en\n")
		if r := env.api("POST", s.path+"/panel/"+itoa(expertID(t, env, s.id, "last@example.org"))+"/invite", s.token, "", ""); r.status != http.StatusConflict || !strings.Contains(r.body, "no round is open") {
			t.Errorf("invite with no round open: %d %s", r.status, r.body)
		}
		if strings.Contains(b.get(sp+"/panel").body, "Invite to round") {
			t.Errorf("Invite buttons with no round open")
		}
	})
}

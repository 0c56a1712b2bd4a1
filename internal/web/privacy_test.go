package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/store"
)

// The expert whose data is erased; the name and e-mail are unusual enough
// that a scan of the whole database finds nothing else.
const (
	eraseName  = "Ana Quintessa Silvério"
	eraseEmail = "ana.quintessa@example.org"
)

// privacyStudy is a two-round study with four experts, the first of them
// the one to erase: round 1 closed (with her comment, which names her,
// shown in round 2's feedback), round 2 open with her answers saved.
type privacyStudy struct {
	env        *testEnv
	token      string
	study      studyJSON
	r1, r2     roundJSON
	expertID   int64
	links      map[string]string // e-mail → personal link of round 2
	snapshotR1 string            // GET /api/v1/rounds/{r1} before the erasure
}

func newPrivacyStudy(t *testing.T, env *testEnv, policy string) *privacyStudy {
	t.Helper()
	ctx := context.Background()
	p := &privacyStudy{env: env, token: tokenFor(t, env, "coord@example.org"), links: map[string]string{}}
	call := func(method, path, body string) response {
		ct := ""
		if body != "" {
			ct = "application/json"
		}
		return env.api(method, path, p.token, ct, body)
	}
	decodeInto(t, call("POST", "/api/v1/studies", fmt.Sprintf(`{"title":"Privacy","scale_min":1,"scale_max":9,"max_rounds":2,"erasure_policy":%q}`, policy)), &p.study)
	if p.study.ErasurePolicy != policy {
		t.Fatalf("study created with policy %q; want %q", p.study.ErasurePolicy, policy)
	}
	sp := "/api/v1/studies/" + itoa(p.study.ID)
	call("POST", sp+"/statements", `[{"text":"First","section":"A"},{"text":"Second","section":"A"}]`)
	panel := "email,name,stakeholder_group,country,language,institute\n" +
		eraseEmail + "," + eraseName + ",Research,PT,en,Instituto " + eraseName + "\n" +
		"bo@panel.example,Bo,Research,NL,en,X\ncy@panel.example,Cy,Policy,GR,en,Y\ndi@panel.example,Di,Policy,DE,en,Z\n"
	if r := env.api("POST", sp+"/panel", p.token, "text/csv", panel); r.status != http.StatusOK {
		t.Fatalf("panel: %d %s", r.status, r.body)
	}
	// Divided answers, so both statements are carried into round 2.
	values := map[string][]string{eraseEmail: {"1", "9"}, "bo@panel.example": {"9", "1"}, "cy@panel.example": {"5", "5"}, "di@panel.example": {"3", "7"}}
	rate := func(r roundJSON, submit bool) {
		msgs, err := env.store.OutboxByRound(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			link := linkIn(t, m.TextBody)
			p.links[m.ToAddress] = link
			if m.ExpertID.Int64 != 0 && m.ToAddress == eraseEmail {
				p.expertID = m.ExpertID.Int64
			}
			b := env.browser()
			u, _ := url.Parse(link)
			b.get(u.Path)
			b.consent(t)
			form := url.Values{}
			for i, v := range values[m.ToAddress] {
				form.Set(fmt.Sprintf("r%d", r.Statements[i].ID), v)
			}
			if m.ToAddress == eraseEmail {
				form.Set(fmt.Sprintf("c%d", r.Statements[0].ID), "Speaking as "+eraseName+" ("+eraseEmail+"): this needs care.")
			}
			if resp := b.post("/e", form); resp.status != http.StatusOK {
				t.Fatalf("saving for %s: %d", m.ToAddress, resp.status)
			}
			if submit {
				b.post("/e/submit", url.Values{"confirm": {"unanswered"}}) // the expert confirms what they left unanswered
			}
		}
	}
	p.r1 = decodeRound(t, call("POST", sp+"/rounds", ""))
	if r := call("POST", "/api/v1/rounds/"+itoa(p.r1.ID)+"/launch", ""); r.status != http.StatusOK {
		t.Fatalf("launch 1: %d %s", r.status, r.body)
	}
	rate(p.r1, true)
	// Her comment goes, "anonymised", into round 2's feedback.
	inv, err := env.store.InvitationFor(ctx, p.r1.ID, p.expertID)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.store.SetCommentShown(ctx, inv.ID, p.r1.Statements[0].ID, true); err != nil {
		t.Fatal(err)
	}
	if r := call("POST", "/api/v1/rounds/"+itoa(p.r1.ID)+"/close", ""); r.status != http.StatusOK {
		t.Fatalf("close 1: %d %s", r.status, r.body)
	}
	p.r2 = decodeRound(t, call("POST", sp+"/rounds", ""))
	if r := call("POST", "/api/v1/rounds/"+itoa(p.r2.ID)+"/launch", ""); r.status != http.StatusOK {
		t.Fatalf("launch 2: %d %s", r.status, r.body)
	}
	rate(p.r2, false)
	p.snapshotR1 = call("GET", "/api/v1/rounds/"+itoa(p.r1.ID), "").body
	if !strings.Contains(p.snapshotR1, `"results"`) {
		t.Fatalf("round 1 has no results snapshot: %s", p.snapshotR1)
	}
	// Before the erasure the scan finds her everywhere she should be.
	found := strings.Join(findInDatabase(t, env.store, eraseName, eraseEmail), " ")
	for _, place := range []string{"experts.email", "experts.name", "experts.attributes", "outbox.to_address", "outbox.text_body", "ratings.comment", "round_statements.feedback"} {
		if !strings.Contains(found, place+" ") {
			t.Fatalf("before the erasure the scan does not find her in %s (only %s): the test is broken", place, found)
		}
	}
	return p
}

// findInDatabase scans every text column of every table and returns
// "table.column" for each place holding one of the needles (ignoring case).
func findInDatabase(t *testing.T, s *store.Store, needles ...string) []string {
	t.Helper()
	ctx := context.Background()
	db := s.DB()
	type col struct{ Table, Column string }
	var cols []col
	var q string
	if s.Dialect() == store.Postgres {
		q = `SELECT table_name AS "table", column_name AS "column" FROM information_schema.columns
			WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying')`
	} else {
		q = `SELECT m.name AS "table", p.name AS "column" FROM sqlite_master m JOIN pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND upper(p.type) IN ('TEXT', 'VARCHAR')`
	}
	rows, err := db.QueryxContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c col
		if err := rows.Scan(&c.Table, &c.Column); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	if len(cols) < 30 {
		t.Fatalf("only %d text columns found", len(cols))
	}
	var found []string
	for _, c := range cols {
		for _, n := range needles {
			var hits int
			if err := db.GetContext(ctx, &hits, db.Rebind(`SELECT COUNT(*) FROM `+c.Table+` WHERE lower(`+c.Column+`) LIKE ?`),
				"%"+strings.ToLower(n)+"%"); err != nil {
				t.Fatalf("%s.%s: %v", c.Table, c.Column, err)
			}
			if hits > 0 {
				found = append(found, fmt.Sprintf("%s.%s (%q)", c.Table, c.Column, n))
			}
		}
	}
	return found
}

// TestEraseExpert erases one expert through the API under each policy and
// checks that her name and e-mail are nowhere in the database, that her
// links no longer work, that what the policy keeps is kept, that the audit
// log says who did it, and that the results of the closed round are
// unchanged.
func TestEraseExpert(t *testing.T) {
	for _, policy := range []string{store.ErasureAnonymise, store.ErasureDelete} {
		t.Run(policy, func(t *testing.T) {
			engines(t, func(t *testing.T, env *testEnv) {
				ctx := context.Background()
				p := newPrivacyStudy(t, env, policy)
				path := "/api/v1/studies/" + itoa(p.study.ID) + "/panel/" + itoa(p.expertID)
				start := time.Now().Add(-time.Second)
				r := env.api("DELETE", path, p.token, "", "")
				if r.status != http.StatusOK {
					t.Fatalf("erase: %d %s", r.status, r.body)
				}
				var res store.Erasure
				decodeInto(t, r, &res)
				wantKept, wantDeleted := 4, 0 // two statements in each of two rounds
				if policy == store.ErasureDelete {
					wantKept, wantDeleted = 2, 2 // round 2 is open: its answers go
				}
				if res.Policy != policy || res.RatingsKept != wantKept || res.RatingsDeleted != wantDeleted || res.LinksRevoked != 2 {
					t.Errorf("erasure: %+v; want %d kept, %d deleted, 2 links", res, wantKept, wantDeleted)
				}
				if r := env.api("DELETE", path, p.token, "", ""); r.status != http.StatusConflict || !strings.Contains(r.body, "already erased") {
					t.Errorf("second erasure: %d %s", r.status, r.body)
				}

				if found := findInDatabase(t, env.store, eraseName, eraseEmail, "Silvério"); len(found) > 0 {
					t.Errorf("after erasure the expert is still in: %v", found)
				}
				// Her links are dead; the others' still work.
				u, _ := url.Parse(p.links[eraseEmail])
				if resp := env.browser().get(u.Path); resp.url == "/e" {
					t.Error("the erased expert's link still opens the round")
				}
				u, _ = url.Parse(p.links["bo@panel.example"])
				if resp := env.browser().get(u.Path); resp.url != "/e" {
					t.Errorf("another expert's link: %d at %s", resp.status, resp.url)
				}
				// What the policy keeps: her round-1 answers always, round 2 by policy.
				for _, rc := range []struct {
					round roundJSON
					want  int
				}{{p.r1, 2}, {p.r2, map[bool]int{true: 0, false: 2}[policy == store.ErasureDelete]}} {
					ratings, _ := env.store.RatingsByRound(ctx, rc.round.ID)
					got := 0
					for _, x := range ratings {
						if x.ExpertID == p.expertID {
							got++
						}
					}
					if got != rc.want {
						t.Errorf("round %d: %d of her answers kept; want %d", rc.round.Number, got, rc.want)
					}
				}
				// The closed round's results and decisions are exactly as before.
				var before, after roundJSON
				decodeInto(t, response{body: p.snapshotR1}, &before)
				decodeInto(t, env.api("GET", "/api/v1/rounds/"+itoa(p.r1.ID), p.token, "", ""), &after)
				if string(after.Results) != string(before.Results) || fmt.Sprint(after.Statements) != fmt.Sprint(before.Statements) {
					t.Errorf("round 1 results changed:\nbefore %s\nafter  %s", before.Results, after.Results)
				}
				// The panel no longer lists her; the audit log says who and when.
				if r := env.api("GET", "/api/v1/studies/"+itoa(p.study.ID)+"/panel", p.token, "", ""); strings.Contains(r.body, `"id":`+itoa(p.expertID)+`,`) || !strings.Contains(r.body, "bo@panel.example") {
					t.Errorf("panel after erasure: %s", r.body)
				}
				audit, _ := env.store.AuditByStudy(ctx, p.study.ID)
				var entry *store.AuditEntry
				for i := range audit {
					if audit[i].Action == "erase expert" {
						entry = &audit[i]
					}
				}
				if entry == nil || entry.UserName != "API user" || entry.NewValue != "expert "+itoa(p.expertID) ||
					entry.CreatedAt.Before(start) || !strings.Contains(entry.Reason, "policy "+policy) {
					t.Errorf("audit entry: %+v", entry)
				}
				// The open round still closes, and the other experts' data is intact.
				if r := env.api("POST", "/api/v1/rounds/"+itoa(p.r2.ID)+"/close", p.token, "", ""); r.status != http.StatusOK {
					t.Errorf("closing round 2 after the erasure: %d %s", r.status, r.body)
				}
				if found := findInDatabase(t, env.store, "bo@panel.example"); len(found) == 0 {
					t.Error("another expert's e-mail vanished too")
				}
			})
		})
	}
}

// loginAs logs a browser in with the password tokenFor gives accounts.
func loginAs(t *testing.T, env *testEnv, email string) *browser {
	t.Helper()
	b := env.browser()
	b.get("/login")
	if r := b.post("/login", url.Values{"email": {email}, "password": {"a long test password"}}); r.status != http.StatusOK {
		t.Fatalf("login: %d", r.status)
	}
	return b
}

// TestErasePage: the coordinator's page asks to type the e-mail address;
// a wrong or empty confirmation erases nothing and says why.
func TestErasePage(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		p := newPrivacyStudy(t, env, store.ErasureAnonymise)
		b := loginAs(t, env, "coord@example.org")
		panel := fmt.Sprintf("/studies/%d/panel", p.study.ID)
		page := fmt.Sprintf("%s/experts/%d/erase", panel, p.expertID)
		mustContain(t, "panel page", b.get(panel).body, page)
		r := b.get(page)
		mustContain(t, "erase page", r.body, eraseEmail, "anonymise", `name="confirm"`)
		for _, confirm := range []string{"", "someone@example.org"} {
			r := b.post(page, url.Values{"confirm": {confirm}})
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "type the expert") {
				t.Errorf("confirm %q: %d", confirm, r.status)
			}
		}
		if e, _ := env.store.ExpertByID(context.Background(), p.study.ID, p.expertID); e.ErasedAt.Valid {
			t.Fatal("erased without confirmation")
		}
		r = b.post(page, url.Values{"confirm": {strings.ToUpper(eraseEmail)}})
		if r.status != http.StatusOK || r.url != panel || !strings.Contains(r.body, "Personal data of expert") {
			t.Fatalf("erase: %d at %s", r.status, r.url)
		}
		if strings.Contains(r.body, eraseEmail) || !strings.Contains(r.body, "1 expert(s) had their personal data erased") {
			t.Error("the panel page after erasure")
		}
		if r := b.get(page); r.status != http.StatusConflict {
			t.Errorf("erase page of an erased expert: %d", r.status)
		}
		mustContain(t, "round 2 after the erasure", b.get(fmt.Sprintf("/studies/%d/rounds/%d", p.study.ID, p.r2.ID)).body, "(personal data erased)", "Bo")
		// A tombstone cannot be given details again.
		edit := fmt.Sprintf("%s/experts/%d", panel, p.expertID)
		if r := b.post(edit, url.Values{"email": {eraseEmail}, "name": {eraseName}, "language": {"en"}}); r.status != http.StatusConflict {
			t.Errorf("editing an erased expert: %d", r.status)
		}
		// Removing an invited expert would change closed rounds: refused,
		// with the way out; one never invited can be removed.
		es, _ := env.store.ExpertsByStudy(context.Background(), p.study.ID)
		if r := b.post(fmt.Sprintf("%s/experts/%d/delete", panel, es[1].ID), url.Values{}); r.status != http.StatusConflict || !strings.Contains(r.body, "erase their personal data instead") {
			t.Errorf("removing an invited expert: %d", r.status)
		}
		b.post(panel+"/experts", url.Values{"email": {"late@panel.example"}, "name": {"Late"}, "language": {"en"}})
		late, _ := env.store.ExpertsByStudy(context.Background(), p.study.ID)
		if r := b.post(fmt.Sprintf("%s/experts/%d/delete", panel, late[len(late)-1].ID), url.Values{"confirm": {"yes"}}); r.status != http.StatusOK || !strings.Contains(r.body, "removed from the panel") {
			t.Errorf("removing an expert never invited: %d", r.status)
		}
	})
}

// TestPrivacySettings: the settings form and the API share the rules, and
// bad input gets a specific message.
func TestPrivacySettings(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		token := tokenFor(t, env, "coord@example.org")
		var st studyJSON
		decodeInto(t, env.api("POST", "/api/v1/studies", token, "application/json", `{"title":"P","scale_min":1,"scale_max":5}`), &st)
		if st.ErasurePolicy != "anonymise" || st.RetentionDays != 0 {
			t.Errorf("defaults: %q, %d days", st.ErasurePolicy, st.RetentionDays)
		}
		sp := "/api/v1/studies/" + itoa(st.ID)
		for body, want := range map[string]string{
			`{"erasure_policy":"forget"}`: `is not a policy: choose anonymise or delete`,
			`{"retention_days":-3}`:       "give a number of days from 1 to 3650",
			`{"retention_days":4000}`:     "give a number of days from 1 to 3650",
		} {
			if r := env.api("PATCH", sp, token, "application/json", body); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, want) {
				t.Errorf("%s: %d %s", body, r.status, r.body)
			}
		}
		decodeInto(t, env.api("PATCH", sp, token, "application/json", `{"erasure_policy":"delete","retention_days":365}`), &st)
		if st.ErasurePolicy != "delete" || st.RetentionDays != 365 {
			t.Errorf("after PATCH: %q, %d", st.ErasurePolicy, st.RetentionDays)
		}

		b := loginAs(t, env, "coord@example.org")
		settings := fmt.Sprintf("/studies/%d/settings", st.ID)
		mustContain(t, "settings", b.get(settings).body, `name="retention_days"`, `value="365"`)
		if r := b.post(fmt.Sprintf("/studies/%d/privacy", st.ID), url.Values{"erasure_policy": {"anonymise"}, "retention_days": {"a year"}}); r.status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.body, "give a number of days") {
			t.Errorf("bad retention: %d", r.status)
		}
		r := b.post(fmt.Sprintf("/studies/%d/privacy", st.ID), url.Values{"erasure_policy": {"anonymise"}, "retention_days": {""}})
		if r.status != http.StatusOK || !strings.Contains(r.body, "Privacy settings saved") {
			t.Errorf("save: %d", r.status)
		}
		got, _ := env.store.StudyByID(context.Background(), st.ID)
		if got.ErasurePolicy != "anonymise" || got.RetentionDays.Valid {
			t.Errorf("stored: %q %v", got.ErasurePolicy, got.RetentionDays)
		}
		audit, _ := env.store.AuditByStudy(context.Background(), st.ID)
		fields := map[string]bool{}
		for _, a := range audit {
			fields[a.Field] = true
		}
		if !fields["erasure_policy"] || !fields["retention_days"] {
			t.Errorf("privacy changes not audited: %v", fields)
		}
	})
}

// TestRetentionErasesPanel: once the last planned round closed longer
// ago than the retention period, the background job erases every
// expert's personal data, keeps the answers, and logs it.
func TestRetentionErasesPanel(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		p := newPrivacyStudy(t, env, store.ErasureDelete)
		sp := "/api/v1/studies/" + itoa(p.study.ID)
		if r := env.api("PATCH", sp, p.token, "application/json", `{"retention_days":30}`); r.status != http.StatusOK {
			t.Fatalf("retention: %d %s", r.status, r.body)
		}
		env.app.flow.JobsOnce(ctx) // round 2 (the last) is still open: nothing happens
		if found := findInDatabase(t, env.store, eraseEmail); len(found) == 0 {
			t.Fatal("erased while the study was running")
		}
		if r := env.api("POST", "/api/v1/rounds/"+itoa(p.r2.ID)+"/close", p.token, "", ""); r.status != http.StatusOK {
			t.Fatal(r.body)
		}
		env.app.flow.JobsOnce(ctx) // closed just now: 30 days to go
		if found := findInDatabase(t, env.store, eraseEmail); len(found) == 0 {
			t.Fatal("erased before the retention period was over")
		}
		db := env.store.DB()
		if _, err := db.ExecContext(ctx, db.Rebind(`UPDATE rounds SET closed_at = ? WHERE id = ?`), time.Now().UTC().Add(-31*24*time.Hour), p.r2.ID); err != nil {
			t.Fatal(err)
		}
		ratingsBefore, _ := env.store.RatingsByRound(ctx, p.r2.ID)
		env.app.flow.JobsOnce(ctx)
		if found := findInDatabase(t, env.store, eraseEmail, eraseName, "bo@panel.example", "cy@panel.example", "di@panel.example"); len(found) > 0 {
			t.Errorf("after the retention period: %v", found)
		}
		// At the end of a study the answers are the research data: kept,
		// whatever the policy for single erasures.
		if after, _ := env.store.RatingsByRound(ctx, p.r2.ID); len(after) != len(ratingsBefore) || len(after) == 0 {
			t.Errorf("ratings: %d before, %d after", len(ratingsBefore), len(after))
		}
		audit, _ := env.store.AuditByStudy(ctx, p.study.ID)
		last := audit[len(audit)-1]
		if last.Action != "erase panel" || last.UserID.Valid || last.NewValue != "4 experts erased" || !strings.Contains(last.Reason, "retention period over") {
			t.Errorf("audit: %+v", last)
		}
		env.app.flow.JobsOnce(ctx) // nothing left to do
		if audit2, _ := env.store.AuditByStudy(ctx, p.study.ID); len(audit2) != len(audit) {
			t.Error("the job erased again")
		}
	})
}

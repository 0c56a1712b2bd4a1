package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/delphi-platform/delphi/internal/store"
)

// Issue #14, researchers and pseudonyms (docs/security.md): a researcher
// ("results and exports only") must not be able to tell which expert gave
// which answer.

// researcherOf gives a new account the researcher role in a study of
// coord@example.org and returns its logged-in browser and API token.
func researcherOf(t *testing.T, env *testEnv, studyID int64) (*browser, string) {
	t.Helper()
	ctx := context.Background()
	b, u := env.coordinator("researcher@example.org", "Rita Researcher")
	owner, err := env.store.UserByEmail(ctx, "coord@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if err := env.store.AddStudyMember(ctx, studyID, owner.ID, u.Email, store.RoleResearcher); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := env.run(&out, "token", "add", "--email", u.Email); err != nil {
		t.Fatal(err)
	}
	return b, strings.TrimSpace(out.String())
}

// privacyPanel is twelve experts whose names and addresses are easy to
// find in a page: Zeta Person 1, zeta.1@panel.example, …
func privacyPanel() []panelist {
	var ps []panelist
	for i := 1; i <= 12; i++ {
		group := "Research"
		if i%2 == 0 {
			group = "Policy"
		}
		ps = append(ps, panelist{fmt.Sprintf("zeta.%d@panel.example", i), fmt.Sprintf("Zeta Person %d", i), group, "en"})
	}
	return ps
}

// namesNobody fails if body shows any expert's name or e-mail address.
func namesNobody(t *testing.T, what, body string, panel []panelist) {
	t.Helper()
	text := html.UnescapeString(body)
	for _, p := range panel {
		if strings.Contains(text, p.name) || strings.Contains(text, p.email) {
			t.Errorf("%s shows %s <%s>", what, p.name, p.email)
			return
		}
	}
	if strings.Contains(text, "panel.example") || strings.Contains(text, "Zeta Person") {
		t.Errorf("%s shows an expert's name or address", what)
	}
}

// pseudonymsOf reads each expert's stored pseudonym, by e-mail address.
func pseudonymsOf(t *testing.T, env *testEnv, studyID int64) map[string]store.Expert {
	t.Helper()
	es, err := env.store.ExpertsByStudy(context.Background(), studyID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.Expert{}
	codes := map[string]bool{}
	for _, e := range es {
		if e.PseudonymNumber <= 0 || codes[e.Pseudonym()] {
			t.Fatalf("expert %d has the pseudonym %q (missing or not unique)", e.ID, e.Pseudonym())
		}
		codes[e.Pseudonym()] = true
		out[e.Email] = e
	}
	return out
}

// TestResearcherSeesPseudonymsOnly: the panel page and API give a
// researcher counts only; the round page names experts by pseudonym; the
// outbox is closed to them (page and message); round 0's page lists no
// e-mails; raw.csv carries each expert's stored pseudonym (found by the
// comment only they wrote), rows in pseudonym order, never a name.
func TestResearcherSeesPseudonymsOnly(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		panel := privacyPanel()
		s := newPanelStudy(t, env, nil, []string{"First", "Second"}, panel, "")
		s.ideaRoundLaunched(t)
		if r := s.call(t, "POST", s.path+"/ideas/close", ""); r.status != http.StatusOK {
			t.Fatalf("close round 0: %d %s", r.status, r.body)
		}
		s.launch(t, `{"deadline":"2099-06-04T17:00:00Z"}`, len(panel))
		for i, p := range panel {
			s.rate(t, s.expert(t, p.email), map[int]string{0: itoa(int64(1 + i%5)), 1: "3"}, map[int]string{0: fmt.Sprintf("note %d", i+1)}, true)
		}
		r1 := s.close(t)
		b, token := researcherOf(t, env, s.id)
		page := fmt.Sprintf("/studies/%d", s.id)
		byEmail := pseudonymsOf(t, env, s.id)

		// The panel: counts by group and country, no list.
		r := b.get(page + "/panel")
		if r.status != http.StatusOK {
			t.Fatalf("panel page: %d", r.status)
		}
		mustContain(t, "researcher's panel page", r.body, "(12 experts)", "By stakeholder group", "Research", "Policy", "Netherlands (NL)")
		namesNobody(t, "researcher's panel page", r.body, panel)
		api := env.api("GET", "/api/v1/studies/"+itoa(s.id)+"/panel", token, "", "")
		var counts panelCountsJSON
		decodeInto(t, api, &counts)
		if counts.Experts != 12 || !slices.Equal(counts.ByGroup, []store.Count{{Label: "Policy", N: 6}, {Label: "Research", N: 6}}) ||
			!slices.Equal(counts.ByCountry, []store.Count{{Label: "NL", N: 12}}) || strings.Contains(api.body, `"id"`) {
			t.Errorf("researcher's panel API: %s", api.body)
		}
		namesNobody(t, "researcher's panel API", api.body, panel)
		// (The coordinator still gets the list.)
		mustContain(t, "coordinator's panel API", s.call(t, "GET", s.path+"/panel", "").body, "zeta.1@panel.example")

		// The round page: pseudonyms, in their order; no names, addresses
		// or link to the outbox.
		r = b.get(fmt.Sprintf("%s/rounds/%d", page, r1.ID))
		if r.status != http.StatusOK {
			t.Fatalf("round page: %d", r.status)
		}
		namesNobody(t, "researcher's round page", r.body, panel)
		var codes []store.Expert
		for _, e := range byEmail {
			codes = append(codes, e)
		}
		slices.SortFunc(codes, func(x, y store.Expert) int { return x.PseudonymNumber - y.PseudonymNumber })
		at := -1
		for _, e := range codes {
			i := strings.Index(r.body, "<td>"+e.Pseudonym()+"</td>")
			if i < at {
				t.Errorf("round page: %s is not listed after the pseudonyms before it (or not at all)", e.Pseudonym())
			}
			at = i
		}
		if strings.Contains(r.body, "/outbox") {
			t.Error("the researcher's round page links to the outbox")
		}
		namesNobody(t, "researcher's round API", env.api("GET", "/api/v1/rounds/"+itoa(r1.ID), token, "", "").body, panel)

		// The outbox: not for researchers, page nor message.
		msgs, err := env.store.OutboxByRound(ctx, r1.ID)
		if err != nil || len(msgs) == 0 {
			t.Fatalf("outbox: %v", err)
		}
		for _, path := range []string{fmt.Sprintf("%s/rounds/%d/outbox", page, r1.ID), fmt.Sprintf("%s/outbox/%d", page, msgs[0].ID)} {
			if r := b.get(path); r.status != http.StatusForbidden {
				t.Errorf("%s for a researcher: %d", path, r.status)
			}
		}
		// Round 0's page lists no e-mails to a researcher.
		r = b.get(page + "/ideas")
		if r.status != http.StatusOK {
			t.Fatalf("round 0 page: %d", r.status)
		}
		namesNobody(t, "researcher's round 0 page", r.body, panel)

		// raw.csv, by page and API: each expert's stored pseudonym, rows
		// of a statement in pseudonym order.
		for _, raw := range []response{b.get(page + "/raw.csv"), env.api("GET", "/api/v1/studies/"+itoa(s.id)+"/raw.csv", token, "", "")} {
			namesNobody(t, "raw.csv", raw.body, panel)
			rows, err := csv.NewReader(strings.NewReader(raw.body)).ReadAll()
			if err != nil || len(rows) != 1+2*len(panel) {
				t.Fatalf("raw.csv: %d rows, %v: %.300s", len(rows), err, raw.body)
			}
			var order []string
			for _, row := range rows[1:] {
				if row[4] != rows[1][4] {
					continue // the first statement's rows
				}
				order = append(order, row[0])
				var n int
				fmt.Sscanf(row[9], "note %d", &n)
				if want := byEmail[panel[n-1].email].Pseudonym(); row[0] != want {
					t.Errorf("raw.csv: the answer with %q is under %s; the expert's pseudonym is %s", row[9], row[0], want)
				}
			}
			var want []string
			for _, e := range codes {
				want = append(want, e.Pseudonym())
			}
			if !slices.Equal(order, want) {
				t.Errorf("raw.csv rows in the order %v; want the pseudonyms' %v", order, want)
			}
		}

		// The audit log names experts by pseudonym to a researcher (the
		// id would tie the pseudonym to when the expert was added).
		coord := loginAs(t, env, "coord@example.org")
		coord.post(page+"/panel/experts", url.Values{"email": {"late@panel.example"}, "name": {"Late"}, "language": {"en"}})
		late := pseudonymsOf(t, env, s.id)["late@panel.example"]
		mustContain(t, "coordinator's audit page", coord.get(page+"/audit").body, fmt.Sprintf("<td>expert %d</td>", late.ID))
		r = b.get(page + "/audit")
		mustContain(t, "researcher's audit page", r.body, "<td>expert "+late.Pseudonym()+"</td>")
		if strings.Contains(r.body, fmt.Sprintf("expert %d<", late.ID)) {
			t.Error("the researcher's audit page names an expert by id")
		}
	})
}

// TestRealtimeExportUsesPseudonyms: GET …/realtime/ratings.csv names each
// expert by their stored pseudonym (found by the ratings only they gave),
// in pseudonym order, never by name or database id; the researcher's
// round page of the open real-time round shows pseudonyms only.
func TestRealtimeExportUsesPseudonyms(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s, _ := ratedRealtimeStudy(t, env)
		b, token := researcherOf(t, env, s.id)
		byEmail := pseudonymsOf(t, env, s.id)
		raw := env.api("GET", s.path+"/realtime/ratings.csv", token, "", "")
		if raw.status != http.StatusOK {
			t.Fatalf("ratings.csv: %d %s", raw.status, raw.body)
		}
		namesNobody(t, "realtime ratings.csv", raw.body, defaultPanel)
		rows, err := csv.NewReader(strings.NewReader(raw.body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		// ratedRealtimeStudy: expert i rates statement j 1+(i+j)%5; the
		// first statement of the first moment tells i from the rating.
		var order []string
		for _, row := range rows[1:] {
			if row[1] != "1" || row[2] != rows[1][2] {
				continue
			}
			order = append(order, row[0])
			i := (int(row[3][0]-'0') - 1) % 5
			if want := byEmail[defaultPanel[i].email].Pseudonym(); row[0] != want {
				t.Errorf("the ratings of %s are under %s; their pseudonym is %s", defaultPanel[i].email, row[0], want)
			}
			if e := byEmail[defaultPanel[i].email]; row[0] == "E"+itoa(e.ID) {
				t.Errorf("ratings.csv names an expert by database id: %s", row[0])
			}
		}
		if len(order) != len(defaultPanel) || !slices.IsSortedFunc(order, func(x, y string) int {
			var a, b int
			fmt.Sscanf(x, "E%d", &a)
			fmt.Sscanf(y, "E%d", &b)
			return a - b
		}) {
			t.Errorf("ratings.csv lists experts as %v; want each once, by pseudonym", order)
		}
		r := b.get(fmt.Sprintf("/studies/%d/rounds/%d", s.id, s.round.ID))
		if r.status != http.StatusOK {
			t.Fatalf("round page: %d", r.status)
		}
		namesNobody(t, "researcher's real-time round page", r.body, defaultPanel)
		mustContain(t, "researcher's real-time round page", r.body, "<td>"+byEmail[defaultPanel[0].email].Pseudonym()+"</td>")
	})
}

// TestPseudonymsAreNotIDOrder: the pseudonyms a panel import draws are
// unique and do not follow the order of the experts' ids (for 200
// experts, by chance with probability 1/200!); experts added later get
// numbers the panel does not use.
func TestPseudonymsAreNotIDOrder(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		token := tokenFor(t, env, "coord@example.org")
		var st studyJSON
		decodeInto(t, env.api("POST", "/api/v1/studies", token, "application/json", `{"title":"Many","scale_min":1,"scale_max":5}`), &st)
		csvText := "email,name,stakeholder_group,country,language\n"
		for i := range 200 {
			csvText += fmt.Sprintf("x%d@panel.example,X %d,,,en\n", i, i)
		}
		if r := env.api("POST", "/api/v1/studies/"+itoa(st.ID)+"/panel", token, "text/csv", csvText); r.status != http.StatusOK {
			t.Fatalf("import: %d %s", r.status, r.body)
		}
		b := loginAs(t, env, "coord@example.org")
		b.post(fmt.Sprintf("/studies/%d/panel/experts", st.ID), url.Values{"email": {"late@panel.example"}, "name": {"Late"}, "language": {"en"}})
		es, err := env.store.ExpertsByStudy(context.Background(), st.ID)
		if err != nil || len(es) != 201 {
			t.Fatalf("%d experts, %v", len(es), err)
		}
		seen := map[int]bool{}
		for _, e := range es { // by id
			if e.PseudonymNumber < 1 || e.PseudonymNumber > 999 || seen[e.PseudonymNumber] {
				t.Fatalf("expert %d: pseudonym number %d (out of 1–999 or used twice)", e.ID, e.PseudonymNumber)
			}
			seen[e.PseudonymNumber] = true
		}
		if slices.IsSortedFunc(es, func(x, y store.Expert) int { return x.PseudonymNumber - y.PseudonymNumber }) {
			t.Error("the pseudonyms follow the order of the ids")
		}
	})
}

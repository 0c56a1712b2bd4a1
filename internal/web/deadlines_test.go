package web

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/delphi-platform/delphi/internal/store"
)

// Issue #15, item 11: an open round's deadline moves (reminders planned
// again, the experts who have not submitted told if asked, audit-logged),
// and deadlines are entered and shown in the study's time zone.

// deadlineWay changes an open round's deadline through the page's form or
// through PATCH /api/v1/rounds/{id}; both call workflow.UpdateRound.
type deadlineWay struct {
	name   string
	change func(t *testing.T, s *expertStudy, roundID int64, deadline, days string, notify bool) response
}

var deadlineWays = []deadlineWay{
	{"page", func(t *testing.T, s *expertStudy, roundID int64, deadline, days string, notify bool) response {
		form := url.Values{"deadline": {deadline}, "reminder_days": {days}, "notify_experts": {"off"}}
		if notify {
			form["notify_experts"] = []string{"on", "off"}
		}
		return s.env.loggedIn("coord@example.org").post("/studies/"+itoa(s.id)+"/rounds/"+itoa(roundID)+"/settings", form)
	}},
	{"api", func(t *testing.T, s *expertStudy, roundID int64, deadline, days string, notify bool) response {
		body, _ := json.Marshal(map[string]any{"deadline": deadline, "reminder_days": days, "notify_experts": notify})
		return s.call(t, "PATCH", "/api/v1/rounds/"+itoa(roundID), string(body))
	}},
}

// athensStudy is a study in Europe/Athens with round 1 open: its
// deadline entered as 18:00 Athens time on 10 January 2099 (16:00 UTC in
// winter), reminders 7 and 2 days before; e1 has submitted, the others
// have not.
func athensStudy(t *testing.T, env *testEnv) *expertStudy {
	t.Helper()
	s := newPanelStudy(t, env, nil, []string{"First statement", "Second statement"}, defaultPanel, `,"time_zone":"Europe/Athens"`+panelLanguages)
	s.launch(t, `{"deadline":"2099-01-10T18:00","reminder_days":"7, 2"}`, len(defaultPanel))
	s.rate(t, s.expert(t, "e1@example.org"), map[int]string{0: "4", 1: "5"}, nil, true)
	return s
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func pendingReminders(t *testing.T, env *testEnv, roundID int64) []time.Time {
	t.Helper()
	ts, err := env.store.PendingReminders(context.Background(), roundID)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ts {
		ts[i] = ts[i].UTC()
	}
	return ts
}

func sameTimes(a, b []time.Time) bool {
	return slices.EqualFunc(a, b, func(x, y time.Time) bool { return x.Equal(y) })
}

func auditOf(t *testing.T, env *testEnv, studyID int64, action string) []store.AuditEntry {
	t.Helper()
	all, err := env.store.AuditByStudy(context.Background(), studyID)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.AuditEntry
	for _, e := range all {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// TestChangeOpenDeadline: through the page and the API alike, an open
// round's deadline moves to a later time entered in the study's zone; the
// reminders not yet sent are planned from it, the experts who have not
// submitted are told by e-mail (in their language and the study's zone),
// the one who submitted is not, and the change is audit-logged. The
// coordinator sees it in the study's zone, experts with its UTC offset.
func TestChangeOpenDeadline(t *testing.T) {
	for _, way := range deadlineWays {
		t.Run(way.name, func(t *testing.T) {
			enginesInTurn(t, func(t *testing.T, env *testEnv) {
				ctx := context.Background()
				s := athensStudy(t, env)
				r := s.round
				if got := pendingReminders(t, env, r.ID); !sameTimes(got, []time.Time{utc("2099-01-03T16:00:00Z"), utc("2099-01-08T16:00:00Z")}) {
					t.Fatalf("reminders at launch: %v", got)
				}
				before, _ := env.store.OutboxByRound(ctx, r.ID)

				res := way.change(t, s, r.ID, "2099-01-20T18:00", "3", true)
				if res.status != http.StatusOK {
					t.Fatalf("change: %d %s", res.status, res.body)
				}
				stored, _ := env.store.RoundByID(ctx, r.ID)
				if !stored.Deadline.Time.Equal(utc("2099-01-20T16:00:00Z")) || stored.ReminderDays != "3" {
					t.Errorf("stored: %v %q; want 16:00 UTC (18:00 in Athens), 3", stored.Deadline.Time, stored.ReminderDays)
				}
				if got := pendingReminders(t, env, r.ID); !sameTimes(got, []time.Time{utc("2099-01-17T16:00:00Z")}) {
					t.Errorf("reminders planned again: %v; want 3 days before the new deadline only", got)
				}

				after, _ := env.store.OutboxByRound(ctx, r.ID)
				told := map[string]store.OutboxMessage{}
				for _, m := range after[:len(after)-len(before)] { // newest first
					told[m.ToAddress] = m
				}
				if len(told) != 4 || told["e1@example.org"].ID != 0 {
					t.Errorf("told %d experts (e1 submitted): %v", len(told), slices.Collect(maps.Keys(told)))
				}
				nl := told["e2@example.org"]
				if !strings.HasPrefix(nl.Subject, "Nieuwe deadline") || !strings.Contains(nl.TextBody, "20 januari 2099, 18:00 (UTC+2)") ||
					!strings.Contains(nl.TextBody, "10 januari 2099, 18:00 (UTC+2)") || !linkRE.MatchString(nl.TextBody) {
					t.Errorf("the Dutch expert's e-mail: %q\n%s", nl.Subject, nl.TextBody)
				}
				// Its fresh link works.
				if page := env.browser().get(mustPath(t, linkRE.FindString(nl.TextBody))); page.url != "/e" {
					t.Errorf("the e-mailed link lands at %s", page.url)
				}

				changes := auditOf(t, env, s.id, "change deadline")
				if len(changes) != 2 || changes[0].Field != "round 1 deadline" || changes[0].OldValue != "2099-01-10T16:00:00Z" ||
					changes[0].NewValue != "2099-01-20T16:00:00Z" || changes[1].Field != "round 1 reminder days" || changes[1].NewValue != "3" {
					t.Errorf("audit: %+v", changes)
				}

				coord := env.loggedIn("coord@example.org").get("/studies/" + itoa(s.id) + "/rounds/" + itoa(r.ID))
				mustContain(t, "coordinator's round page", coord.body, "20 January 2099, 18:00 (Europe/Athens)",
					`value="2099-01-20T18:00"`, "Reminders planned: 17 January 2099, 18:00 (Europe/Athens)")
				expert := s.expert(t, "e4@example.org").get("/e")
				mustContain(t, "expert's page", expert.body, "Dienstag, 20. Januar 2099, 18:00 (UTC&#43;2)")

				// Unticked, nobody is e-mailed.
				if res := way.change(t, s, r.ID, "2099-01-25T18:00", "3", false); res.status != http.StatusOK {
					t.Fatalf("second change: %d %s", res.status, res.body)
				}
				if again, _ := env.store.OutboxByRound(ctx, r.ID); len(again) != len(after) {
					t.Errorf("e-mails without the box ticked: %d more", len(again)-len(after))
				}
			})
		})
	}
}

// TestChangeOpenDeadlineRefused: a deadline in the past, or unreadable, is
// refused with a field error, through the page and the API, and changes
// nothing: not the deadline, not the reminders, no e-mail, no audit entry.
func TestChangeOpenDeadlineRefused(t *testing.T) {
	for _, way := range deadlineWays {
		t.Run(way.name, func(t *testing.T) {
			enginesInTurn(t, func(t *testing.T, env *testEnv) {
				ctx := context.Background()
				s := athensStudy(t, env)
				r := s.round
				mails, _ := env.store.OutboxByRound(ctx, r.ID)
				for _, bad := range []struct{ deadline, message string }{
					{"2000-01-01T10:00", "the deadline must be in the future"},
					{"next week", "give the deadline as a date and time in the study"},
				} {
					res := way.change(t, s, r.ID, bad.deadline, "1", true)
					if res.status != http.StatusUnprocessableEntity {
						t.Errorf("%s: %d", bad.deadline, res.status)
					}
					if way.name == "api" {
						mustContain(t, "API refusal", res.body, `"field":"deadline","message":"`+bad.message)
					} else {
						mustContain(t, "page refusal", res.body, "were not saved", strings.ReplaceAll(bad.message, "'", "&#39;"), `value="`+bad.deadline+`"`)
					}
				}
				stored, _ := env.store.RoundByID(ctx, r.ID)
				if !stored.Deadline.Time.Equal(utc("2099-01-10T16:00:00Z")) || stored.ReminderDays != "7,2" {
					t.Errorf("a refused change changed the round: %v %q", stored.Deadline.Time, stored.ReminderDays)
				}
				if got := pendingReminders(t, env, r.ID); len(got) != 2 {
					t.Errorf("reminders after a refusal: %v", got)
				}
				if again, _ := env.store.OutboxByRound(ctx, r.ID); len(again) != len(mails) {
					t.Errorf("a refused change sent %d e-mails", len(again)-len(mails))
				}
				if a := auditOf(t, env, s.id, "change deadline"); len(a) != 0 {
					t.Errorf("a refused change was audit-logged: %+v", a)
				}
			})
		})
	}
}

// TestRoundZeroDeadlineChange: an open round 0's deadline moves the same
// way, from its page and through PATCH /api/v1/studies/{id}/ideas.
func TestRoundZeroDeadlineChange(t *testing.T) {
	for _, way := range []string{"page", "api"} {
		t.Run(way, func(t *testing.T) {
			enginesInTurn(t, func(t *testing.T, env *testEnv) {
				ctx := context.Background()
				s := newPanelStudy(t, env, nil, nil, defaultPanel, `,"time_zone":"Europe/Athens"`)
				if r := s.call(t, "POST", s.path+"/ideas", `{"deadline":"2099-01-10T18:00","reminder_days":"2","questions":[{"text":"What would help most?"}]}`); r.status != http.StatusCreated {
					t.Fatalf("create round 0: %d %s", r.status, r.body)
				}
				if r := s.call(t, "POST", s.path+"/ideas/launch", ""); r.status != http.StatusOK {
					t.Fatalf("launch round 0: %d %s", r.status, r.body)
				}
				ir, _ := env.store.IdeaRoundByStudy(ctx, s.id)
				sent, _ := env.store.IdeaOutbox(ctx, s.id)
				change := func(deadline string) response {
					if way == "page" {
						return env.loggedIn("coord@example.org").post("/studies/"+itoa(s.id)+"/ideas/deadline",
							url.Values{"deadline": {deadline}, "reminder_days": {"1"}, "notify_experts": {"on"}})
					}
					return s.call(t, "PATCH", s.path+"/ideas", `{"deadline":"`+deadline+`","reminder_days":"1","notify_experts":true}`)
				}
				if res := change("2000-01-01T10:00"); res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "deadline must be in the future") {
					t.Errorf("past deadline: %d", res.status)
				}
				if res := change("2099-01-20T18:00"); res.status != http.StatusOK {
					t.Fatalf("change: %d %s", res.status, res.body)
				}
				stored, _ := env.store.IdeaRoundByStudy(ctx, s.id)
				if !stored.Deadline.Time.Equal(utc("2099-01-20T16:00:00Z")) || stored.ReminderDays != "1" {
					t.Errorf("stored: %v %q", stored.Deadline.Time, stored.ReminderDays)
				}
				due, _ := env.store.PendingIdeaReminders(ctx, ir.ID)
				for i := range due {
					due[i] = due[i].UTC()
				}
				if !sameTimes(due, []time.Time{utc("2099-01-19T16:00:00Z")}) {
					t.Errorf("round 0 reminders: %v", due)
				}
				now, _ := env.store.IdeaOutbox(ctx, s.id)
				if len(now)-len(sent) != len(defaultPanel) || !strings.Contains(now[len(now)-1].TextBody, "UTC+2") {
					t.Errorf("round 0: %d e-mails of the new deadline; want %d", len(now)-len(sent), len(defaultPanel))
				}
				if a := auditOf(t, env, s.id, "change deadline"); len(a) != 2 || a[0].Field != "round 0 deadline" {
					t.Errorf("audit: %+v", a)
				}
			})
		})
	}
}

// TestStudyTimeZone: the zone is set at creation and on the settings
// page (page and API alike), an unknown name is refused with a field
// error and changes nothing, and a deadline without a zone is read in it.
func TestStudyTimeZone(t *testing.T) {
	enginesInTurn(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		token := tokenFor(t, env, "coord@example.org")
		b := env.loggedIn("coord@example.org")
		count := func() int {
			u, _ := env.store.UserByEmail(ctx, "coord@example.org")
			sts, _ := env.store.StudiesForUser(ctx, u.ID)
			return len(sts)
		}

		// Unknown zones: refused on the create form and in the API, nothing made.
		r := b.post("/studies", url.Values{"title": {"Zoned"}, "scale": {"1-9"}, "time_zone": {"Mars/Olympus_Mons"}})
		mustContain(t, "create form", r.body, "&#34;Mars/Olympus_Mons&#34; is not a time zone name", `value="Mars/Olympus_Mons"`)
		api := env.api("POST", "/api/v1/studies", token, "application/json", `{"title":"Zoned","scale_min":1,"scale_max":9,"time_zone":"Europe/Atlantis"}`)
		mustContain(t, "API create", api.body, `"field":"time_zone","message":"\"Europe/Atlantis\" is not a time zone name`)
		if r.status != http.StatusUnprocessableEntity || api.status != http.StatusUnprocessableEntity || count() != 0 {
			t.Fatalf("unknown zones: page %d, API %d, %d studies made", r.status, api.status, count())
		}

		// Created with a zone; without one, Europe/Brussels.
		r = b.post("/studies", url.Values{"title": {"Zoned"}, "scale": {"1-9"}, "time_zone": {"Europe/Athens"}})
		var sts []store.StudyWithRole
		if u, err := env.store.UserByEmail(ctx, "coord@example.org"); err == nil {
			sts, _ = env.store.StudiesForUser(ctx, u.ID)
		}
		if len(sts) != 1 || sts[0].TimeZone != "Europe/Athens" {
			t.Fatalf("page create: %d %+v", r.status, sts)
		}
		api = env.api("POST", "/api/v1/studies", token, "application/json", `{"title":"Default","scale_min":1,"scale_max":9}`)
		var created studyJSON
		if err := json.Unmarshal([]byte(api.body), &created); err != nil || created.TimeZone != "Europe/Brussels" {
			t.Errorf("API create without a zone: %s", api.body)
		}
		st := sts[0].Study
		path := "/api/v1/studies/" + itoa(st.ID)

		// Settings: refused, then saved, by the page and the API.
		info := url.Values{"title": {"Zoned"}, "languages": {"en"}, "max_rounds": {"3"}, "time_zone": {"Moon/Tranquility"}}
		r = b.post("/studies/"+itoa(st.ID)+"/info", info)
		mustContain(t, "settings page", r.body, "&#34;Moon/Tranquility&#34; is not a time zone name", `value="Moon/Tranquility"`)
		api = env.api("PATCH", path, token, "application/json", `{"time_zone":"Local"}`)
		if r.status != http.StatusUnprocessableEntity || api.status != http.StatusUnprocessableEntity || !strings.Contains(api.body, `"field":"time_zone"`) {
			t.Errorf("refused zone: page %d, API %d %s", r.status, api.status, api.body)
		}
		if got, _ := env.store.StudyByID(ctx, st.ID); got.TimeZone != "Europe/Athens" {
			t.Errorf("a refused zone was stored: %q", got.TimeZone)
		}
		info.Set("time_zone", "Europe/Lisbon")
		if r = b.post("/studies/"+itoa(st.ID)+"/info", info); r.status != http.StatusOK || !strings.Contains(r.body, `value="Europe/Lisbon"`) {
			t.Errorf("settings page: %d", r.status)
		}
		if api = env.api("PATCH", path, token, "application/json", `{"time_zone":"Europe/Athens"}`); !strings.Contains(api.body, `"time_zone":"Europe/Athens"`) {
			t.Errorf("API PATCH: %d %s", api.status, api.body)
		}
		if a := auditOf(t, env, st.ID, "edit study"); len(a) < 2 || a[len(a)-1].Field != "time_zone" || a[len(a)-1].OldValue != "Europe/Lisbon" {
			t.Errorf("audit of the zone: %+v", a)
		}

		// The round trip: 18:00 entered in Athens in winter is 16:00 UTC,
		// shown back as 18:00; the same through the API.
		if r = b.post("/studies/"+itoa(st.ID)+"/rounds", url.Values{}); r.status != http.StatusOK {
			t.Fatalf("prepare round 1: %d", r.status)
		}
		rs, _ := env.store.RoundsByStudy(ctx, st.ID)
		roundPath := "/studies/" + itoa(st.ID) + "/rounds/" + itoa(rs[0].ID)
		r = b.post(roundPath+"/settings", url.Values{"deadline": {"2099-01-10T18:00"}, "reminder_days": {"2"}})
		stored, _ := env.store.RoundByID(ctx, rs[0].ID)
		if !stored.Deadline.Time.Equal(utc("2099-01-10T16:00:00Z")) {
			t.Errorf("page: 18:00 in Athens stored as %v", stored.Deadline.Time.UTC())
		}
		mustContain(t, "draft page", r.body, `value="2099-01-10T18:00"`, "Deadline (Europe/Athens time)")
		api = env.api("PATCH", "/api/v1/rounds/"+itoa(rs[0].ID), token, "application/json", `{"deadline":"2099-07-10T18:00"}`)
		var rj roundJSON
		if err := json.Unmarshal([]byte(api.body), &rj); err != nil || rj.Deadline == nil || !rj.Deadline.Equal(utc("2099-07-10T15:00:00Z")) { // summer: UTC+3
			t.Errorf("API: 18:00 in Athens in July: %d %s", api.status, api.body)
		}
	})
}

// TestDeadlinesInBrowser: the create form fills in the browser's time
// zone (Chromium set to Asia/Tokyo) and the study gets it; an open
// round's deadline form is used as a coordinator clicks it. axe-core
// checks both pages, the round page at 375 px and 1280 px.
func TestDeadlinesInBrowser(t *testing.T) {
	t.Parallel() // waits on a browser: overlaps with the other such tests
	chromium := chromiumPath(t)
	env := newTestEnv(t, "sqlite")
	s := athensStudy(t, env) // makes the coordinator's account
	b := newChromium(t, chromium)
	if _, err := chromedp.Call(b, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Tokyo"}); err != nil {
		t.Fatal(err)
	}
	chromiumLogin(t, b, env.srv.URL, "coord@example.org")
	waitFor(t, b, "the browser's zone in the form", `document.querySelector("#time_zone").value === "Asia/Tokyo"`)
	axeCheck(t, b, "studies page with the create form")
	if err := chromedp.Do(b, chromedp.SendKeys(`#title`, "Tokyo study"), chromedp.Submit(`#title`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the new study's settings", `location.pathname.endsWith("/settings") && document.readyState === "complete"`)
	if got := eval[string](t, b, `document.querySelector("#time_zone").value`); got != "Asia/Tokyo" {
		t.Errorf("the study's zone on its settings page: %q", got)
	}

	if err := chromedp.Do(b, chromedp.Navigate(env.srv.URL+"/studies/"+itoa(s.id)+"/rounds/"+itoa(s.round.ID)), chromedp.WaitVisible(`#deadline`)); err != nil {
		t.Fatal(err)
	}
	for _, w := range []int64{375, 1280} {
		if err := chromedp.Do(b, chromedp.EmulateViewport(w, 900)); err != nil {
			t.Fatal(err)
		}
		axeCheck(t, b, "open round page at "+itoa(w)+" px")
	}
	if err := chromedp.Do(b, chromedp.SetValue(`#deadline`, "2099-01-24T09:30"), chromedp.Click(`form.deadline-change button`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the changed deadline", `document.readyState === "complete" && document.body.innerText.includes("now closes on 24 January 2099, 09:30 (Europe/Athens)")`)
	if r, _ := env.store.RoundByID(context.Background(), s.round.ID); !r.Deadline.Time.Equal(utc("2099-01-24T07:30:00Z")) {
		t.Errorf("stored: %v", r.Deadline.Time)
	}
}

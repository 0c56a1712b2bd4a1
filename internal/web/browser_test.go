package web

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/delphi-platform/delphi/internal/mail/smtptest"
)

// The browser test drives Debian's Chromium headless through the expert's
// journey, with JavaScript on: the autosave, a reload, a second browser
// profile, the keyboard alone, a 320 px screen, and axe-core on every
// page. `.ci/run` installs chromium; elsewhere the test is skipped when
// it is missing, but never in CI.
//
// DELPHI_SCREENSHOTS=1 go test -run TestExpertInBrowser ./internal/web/
// writes the pages into docs/screenshots/.

//go:embed testdata/axe.min.js
var axeSource string

func chromiumPath(t *testing.T) string {
	for _, p := range []string{os.Getenv("DELPHI_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed; .ci/run installs Debian's chromium package")
	}
	t.Skip("chromium not installed (apt-get install chromium); CI runs this test")
	return ""
}

// newChromium starts a headless Chromium with a fresh profile.
func newChromium(t *testing.T, path string) context.Context {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.WindowSize(390, 844))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute) // a loaded CI machine is slow
	t.Cleanup(func() { cancelT(); cancel(); cancelA() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// chromiumLogin logs Chromium in to an account made by the tests.
func chromiumLogin(t *testing.T, b context.Context, base, email string) {
	t.Helper()
	if err := chromedp.Do(b, chromedp.Navigate(base+"/login"), chromedp.WaitVisible(`#email`),
		chromedp.SendKeys(`#email`, email), chromedp.SendKeys(`#password`, "a long test password"),
		chromedp.Submit(`#password`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the studies page", `location.pathname === "/studies" && document.readyState === "complete"`)
}

type axeViolation struct {
	ID    string `json:"id"`
	Help  string `json:"help"`
	Nodes []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

// axeCheck loads axe-core into the page (through DevTools, so the page's
// CSP does not apply) and fails the test on any WCAG 2.x A/AA violation.
func axeCheck(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axeSource+";true")); err != nil {
		t.Fatalf("%s: load axe: %v", page, err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}).then(r => JSON.stringify(r.violations))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: axe: %v", page, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprint(n.Target...))
		}
		t.Errorf("%s: axe %s (%s) at %v", page, v.ID, v.Help, where)
	}
}

func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if os.Getenv("DELPHI_SCREENSHOTS") == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("..", "..", "docs", "screenshots", name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it holds.
func waitFor(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	for i := 0; i < 100; i++ {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s (%s)", what, js)
}

// tabTo presses Tab until the element matching sel has the focus: the
// element can be reached with the keyboard.
func tabTo(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if eval[bool](t, ctx, fmt.Sprintf(`document.activeElement && document.activeElement.matches(%q)`, sel)) {
			return
		}
		if err := chromedp.Do(ctx, chromedp.KeyEvent("\t")); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatalf("%s cannot be reached with Tab", sel)
}

func key(t *testing.T, ctx context.Context, k string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.KeyEvent(k)); err != nil {
		t.Fatal(err)
	}
}

func TestExpertInBrowser(t *testing.T) {
	t.Parallel() // waits on a browser or on timers: overlaps with the other such tests
	chromium := chromiumPath(t)
	smtp := smtptest.Start(t)
	env := newTestEnvWith(t, "sqlite", map[string]string{"DELPHI_SMTP_URL": smtp.URL(), "DELPHI_SMTP_FROM": "Study team <study@example.org>"})
	mctx, stop := context.WithCancel(context.Background())
	defer stop()
	go env.app.mailer.Run(mctx)
	s := newExpertStudy(t, env, smtp, fourStatements, defaultPanel)
	rs := s.round.Statements
	link := env.srv.URL + s.links["e1@example.org"] // from the e-mail the SMTP server received

	// Browser 1: the link, the information sheet, consent with the keyboard.
	ctx := newChromium(t, chromium)
	if err := chromedp.Do(ctx, chromedp.Navigate(link), chromedp.WaitVisible(`input[name=agree]`)); err != nil {
		t.Fatal(err)
	}
	if loc := eval[string](t, ctx, `location.pathname`); loc != "/e" {
		t.Errorf("the token stays in the address bar: %s", loc)
	}
	axeCheck(t, ctx, "consent page")
	shot(t, ctx, "1-consent")
	tabTo(t, ctx, `input[name=agree]`)
	key(t, ctx, " ")
	tabTo(t, ctx, `form[action="/e/consent"] button`)
	key(t, ctx, "\r")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(`#rate`)); err != nil {
		t.Fatal(err)
	}
	axeCheck(t, ctx, "rating page")

	// Half the statements with the keyboard: Tab into a scale, arrow keys
	// move the choice, and each change saves itself.
	for _, i := range []int{0, 1} {
		id := itoa(rs[i].ID)
		tabTo(t, ctx, `input[name=r`+id+`]`)
		key(t, ctx, " ") // selects the focused first point
		for range 3 {
			key(t, ctx, kb.ArrowRight) // → 4
		}
		waitFor(t, ctx, "saved 4 for "+id, `document.querySelector("#s`+id+` .st").textContent === "Saved" && `+
			`document.querySelector("input[name=r`+id+`]:checked").value === "4"`)
	}
	// Typing a comment: the page says "Saving…" at once, "Saved" once
	// the server has it.
	tabTo(t, ctx, `#c`+itoa(rs[1].ID))
	if err := chromedp.Do(ctx, chromedp.SendKeys(`#c`+itoa(rs[1].ID), "Only in large cities.")); err != nil {
		t.Fatal(err)
	}
	if st := eval[string](t, ctx, `document.querySelector("#s`+itoa(rs[1].ID)+` .st").textContent`); st != "Saving…" {
		t.Errorf("while typing the status says %q", st)
	}
	waitFor(t, ctx, "comment saved", `document.querySelector("#s`+itoa(rs[1].ID)+` .st").textContent === "Saved"`)
	if p := eval[string](t, ctx, `document.getElementById("progress").textContent`); p != "2 of 4 statements rated" {
		t.Errorf("progress after two answers: %q", p)
	}
	shot(t, ctx, "2-rating")

	// A reload keeps the answers (they are on the server, not the page).
	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(`#rate`)); err != nil {
		t.Fatal(err)
	}
	checked := `Array.from(document.querySelectorAll("input[type=radio]:checked")).map(e => e.name + "=" + e.value).join(",")`
	want := fmt.Sprintf("r%d=4,r%d=4", rs[0].ID, rs[1].ID)
	if got := eval[string](t, ctx, checked); got != want {
		t.Errorf("after reload: %s; want %s", got, want)
	}
	if c := eval[string](t, ctx, `document.getElementById("c`+itoa(rs[1].ID)+`").value`); c != "Only in large cities." {
		t.Errorf("comment after reload: %q", c)
	}

	// 320 px wide: nothing wider than the screen.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(320, 640)); err != nil {
		t.Fatal(err)
	}
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 320 {
		t.Errorf("at 320 px the page is %d px wide", w)
	}
	shot(t, ctx, "3-rating-320px")

	// Browser 2, a fresh profile with the same link: the answers are
	// there; it finishes (clicks) and submits.
	ctx2 := newChromium(t, chromium)
	if err := chromedp.Do(ctx2, chromedp.Navigate(link), chromedp.WaitVisible(`#rate`)); err != nil {
		t.Fatal(err)
	}
	if got := eval[string](t, ctx2, checked); got != want {
		t.Errorf("second browser sees %s; want %s", got, want)
	}
	for _, i := range []int{2, 3} {
		id := itoa(rs[i].ID)
		if err := chromedp.Do(ctx2, chromedp.Click(`input[name=r`+id+`][value="2"]`)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx2, "saved "+id, `document.querySelector("#s`+id+` .st").textContent === "Saved"`)
	}
	if err := chromedp.Do(ctx2, chromedp.Click(`button[formaction="/e/submit"]`), chromedp.WaitVisible(`dl.answers`)); err != nil {
		t.Fatal(err)
	}
	if body := eval[string](t, ctx2, `document.body.innerText`); !strings.Contains(body, "Your answers for round 1 are submitted.") {
		t.Errorf("thank-you page: %s", body)
	}
	axeCheck(t, ctx2, "thank-you page")
	shot(t, ctx2, "4-thanks")

	// The rest of the panel rates (plain HTTP), the round closes, round 2
	// opens with the reworded statement and group figures.
	s.rate(t, s.expert(t, "e2@example.org"), map[int]string{0: "5", 1: "3", 2: "2", 3: "1"}, nil, true)
	s.rate(t, s.expert(t, "e3@example.org"), map[int]string{0: "4", 1: "4", 2: "4", 3: "2"}, map[int]string{2: "Depends on the country."}, true)
	s.rate(t, s.expert(t, "e4@example.org"), map[int]string{0: "5", 1: "2", 2: "5", 3: "1"}, nil, true)
	s.rate(t, s.expert(t, "e5@example.org"), map[int]string{0: "4", 1: "5", 2: "3", 3: "1"}, nil, true)
	inv, _ := env.store.InvitationFor(context.Background(), s.round.ID, expertID(t, env, s.id, "e3@example.org"))
	if err := env.store.SetCommentShown(context.Background(), inv.ID, rs[2].ID, true); err != nil {
		t.Fatal(err)
	}
	s.close(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844), chromedp.Reload(), chromedp.WaitVisible(`dl.answers`)); err != nil {
		t.Fatal(err)
	}
	axeCheck(t, ctx, "closed round page")
	if r := s.call(t, "POST", s.path+"/statements/"+itoa(rs[1].StatementID)+"/reword", `{"text":"Divided, now reworded","reason":"ambiguous"}`); r.status != 201 {
		t.Fatalf("reword: %d %s", r.status, r.body)
	}
	s.launch(t, `{"show_groups":true}`, 5)
	if err := chromedp.Do(ctx, chromedp.Navigate(env.srv.URL+s.links["e1@example.org"]), chromedp.WaitVisible(`.fb svg`)); err != nil {
		t.Fatal(err)
	}
	body := eval[string](t, ctx, `document.body.innerText`)
	for _, w := range []string{"Panel result, round 1", "Your rating in round 1: 4 · Agree", "Changed since you rated", "Depends on the country."} {
		if !strings.Contains(body, w) {
			t.Errorf("round 2 page lacks %q", w)
		}
	}
	if n := eval[int](t, ctx, `document.querySelectorAll(".fb svg path.m").length`); n != 2 {
		t.Errorf("%d charts mark the expert's own rating; want 2", n)
	}
	axeCheck(t, ctx, "feedback page")
	shot(t, ctx, "5-feedback")
}

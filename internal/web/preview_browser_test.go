package web

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestPreviewInBrowser: the preview of a draft round 2 with its feedback,
// in Dutch, at 375 and 1280 px (axe-core, no horizontal scroll at 320
// px, every control disabled); and the translations upload on the
// Statements page, whose refused file lists its errors, also checked by
// axe-core.
func TestPreviewInBrowser(t *testing.T) {
	t.Parallel() // waits on a browser: overlaps with the other such tests
	chromium := chromiumPath(t)
	env := newTestEnv(t, "sqlite")
	s := newExpertStudyWith(t, env, nil, []string{"Identity documents", "Peer navigators"}, defaultPanel, `,"languages":["en","nl"]`)
	for i, p := range defaultPanel {
		s.rate(t, s.expert(t, p.email), map[int]string{0: []string{"1", "5", "1", "5", "3"}[i], 1: "4"}, map[int]string{0: "Depends."}, true)
	}
	s.close(t)
	if r := s.call(t, "POST", s.path+"/rounds", ""); r.status != 201 {
		t.Fatalf("round 2: %d %s", r.status, r.body)
	}

	if r := env.loggedIn("coord@example.org").get("/studies/" + itoa(s.id) + "/preview?lang=nl"); r.status != 200 {
		t.Fatalf("preview: %d %s", r.status, r.body)
	}
	b := newChromium(t, chromium)
	chromiumLogin(t, b, env.srv.URL, "coord@example.org")
	preview := env.srv.URL + "/studies/" + itoa(s.id) + "/preview?lang=nl"
	if err := chromedp.Do(b, chromedp.Navigate(preview), chromedp.WaitVisible(`.preview-banner`)); err != nil {
		t.Fatal(err)
	}
	if !eval[bool](t, b, `document.documentElement.lang === "nl" && document.querySelector("#rate button").matches(":disabled") && document.querySelector("input[type=radio]").matches(":disabled") && !!document.querySelector(".fb svg")`) {
		t.Error("the preview is not in Dutch, has enabled controls, or shows no feedback")
	}
	for _, w := range []int64{375, 1280} {
		if err := chromedp.Do(b, chromedp.EmulateViewport(w, 900)); err != nil {
			t.Fatal(err)
		}
		axeCheck(t, b, "expert preview at "+itoa(w)+" px")
		shot(t, b, "expert-preview-"+itoa(w))
	}
	if err := chromedp.Do(b, chromedp.EmulateViewport(320, 640)); err != nil {
		t.Fatal(err)
	}
	if eval[bool](t, b, `document.documentElement.scrollWidth > window.innerWidth`) {
		t.Error("the preview scrolls sideways at 320 px")
	}

	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("key,nl\nno.such.key,x\nemail.invitation.body,Geen link\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(env.srv.URL+"/studies/"+itoa(s.id)+"/statements"),
		chromedp.WaitVisible(`#trfile`), chromedp.SetUploadFiles(`#trfile`, []string{bad}), chromedp.Submit(`#trfile`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the refused file", `document.readyState === "complete" && !!document.querySelector("#translation-errors")`)
	errs := eval[string](t, b, `document.querySelector("#translation-errors").innerText`)
	for _, want := range []string{`row 2, column key: unknown key "no.such.key"`, "row 3, column nl: The e-mail text must contain {{link}}"} {
		if !strings.Contains(errs, want) {
			t.Errorf("the page's errors %q lack %q", errs, want)
		}
	}
	for _, w := range []int64{375, 1280} {
		if err := chromedp.Do(b, chromedp.EmulateViewport(w, 900)); err != nil {
			t.Fatal(err)
		}
		axeCheck(t, b, "statements page with a refused translation file at "+itoa(w)+" px")
	}
}

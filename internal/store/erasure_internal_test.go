package store

import "testing"

func TestScrubber(t *testing.T) {
	scrub := scrubber(Expert{Name: "Ana Silva", Email: "ana@example.org"})
	for in, want := range map[string]string{
		"I am Ana Silva.":                         "I am [removed].",
		"ANA SILVA wrote to ana@example.org":      "[removed] wrote to [removed]",
		`{"comments":["Ana Silva: yes"]}`:         `{"comments":["[removed]: yes"]}`,
		"Ana Silvasson is someone else":           "Ana Silvasson is someone else",
		"Mariana Silva too":                       "Mariana Silva too",
		"banana@example.org is not ana@example.o": "banana@example.org is not ana@example.o",
		"no mention":                              "no mention",
	} {
		if got := scrub(in); got != want {
			t.Errorf("scrub(%q) = %q; want %q", in, got, want)
		}
	}
	quoted := scrubber(Expert{Name: `Jo "JJ" Ng`, Email: "x"})
	if got := quoted(`{"c":"by Jo \"JJ\" Ng"}`); got != `{"c":"by [removed]"}` {
		t.Errorf("JSON-escaped name: %q", got)
	}
	if got := scrubber(Expert{Name: "Al", Email: ""})("Al and Alice"); got != "Al and Alice" {
		t.Errorf("a two-letter name is not scrubbed: %q", got)
	}
}

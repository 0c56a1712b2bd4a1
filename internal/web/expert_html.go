package web

import (
	"fmt"
	"html"
	"html/template"
	"strconv"
	"strings"
)

// The two parts of the rating page that repeat for every statement, the
// scale's radios and the feedback chart, are written here rather than in
// the template: a round of 100 statements would otherwise run some 8,000
// template actions, each through html/template's escapers, and the page
// must render in a few milliseconds. Every text that comes from a user is
// escaped with html.EscapeString; everything else is a number.

// scaleHTML writes one statement's radios: a labelled radio per scale
// point and, when offered, "unable to rate"; value is the checked one.
// Each point shows its number once, with its words (if any) under it.
type scaleHTML struct {
	points []string // per point: the label's inside after the radio
	values []string
	unable string // the escaped "unable to rate" label, "" when not offered
	suffix string // after the radios' name r<id>: "_2" for criterion 2 (expert_criteria.go)
}

func newScaleHTML(points []scalePoint, unable string) scaleHTML {
	s := scaleHTML{}
	for _, p := range points {
		s.values = append(s.values, p.Str)
		in := `<span class=n>` + p.Str + `</span>`
		if words := pointWords(p.Str, p.Label); words != "" {
			in += ` <span class=l>` + html.EscapeString(words) + `</span>`
		}
		s.points = append(s.points, in)
	}
	if unable != "" {
		s.unable = `<span class=l>` + html.EscapeString(unable) + `</span>`
	}
	return s
}

// pointWords is a scale point's label without its number: labels such as
// "7 Critical" or "2" (the 1–9 scale's) repeat the number the page
// already shows.
func pointWords(number, label string) string {
	label = strings.TrimSpace(label)
	if rest, ok := strings.CutPrefix(label, number); ok && (rest == "" || rest[0] == ' ') {
		return strings.TrimSpace(rest)
	}
	return label
}

// pointText is a scale point in words, its number once: "7 · Critical",
// "2", "4 · Agree".
func pointText(number, label string) string {
	if words := pointWords(number, label); words != "" {
		return number + " · " + words
	}
	return number
}

func (s scaleHTML) render(id int64, value string) template.HTML {
	var b strings.Builder
	name := "r" + strconv.FormatInt(id, 10) + s.suffix
	radio := func(v, label, class string) {
		b.WriteString(`<label`)
		b.WriteString(class)
		b.WriteString(`><input type=radio name=`)
		b.WriteString(name)
		b.WriteString(` value=`)
		b.WriteString(v)
		if v == value {
			b.WriteString(` checked`)
		}
		b.WriteString(`>`)
		b.WriteString(label)
		b.WriteString(`</label>`)
	}
	for i, v := range s.values {
		radio(v, s.points[i], "")
	}
	if s.unable != "" {
		radio("unable", s.unable, ` class=unable`)
	}
	return template.HTML(b.String())
}

// chartHTML draws the distribution as an SVG bar chart: the expert's own
// earlier rating as a separate, labelled bar (not told by colour alone),
// the count above each bar, the scale point below. Its accessible name is
// the same figures in words, the chart's text equivalent.
func chartHTML(c chart, description string) template.HTML {
	var b strings.Builder
	b.WriteString(`<svg viewBox="0 0 `)
	b.WriteString(strconv.Itoa(c.Width))
	b.WriteString(" ")
	b.WriteString(strconv.Itoa(c.Height))
	// Drawn at 0.7 px a unit where there is room (15 px text), narrower
	// on a phone (CSS max-width), where a 1–9 chart keeps 13 px text.
	b.WriteString(`" width=`)
	b.WriteString(strconv.Itoa(c.Width * 7 / 10))
	b.WriteString(` role=img aria-label="`)
	b.WriteString(html.EscapeString(description))
	b.WriteString(`">`)
	if c.BandW > 0 {
		fmt.Fprintf(&b, `<rect class=ag x="%d" y="%d" width="%d" height="%d"/>`, c.BandX, c.PlotTop, c.BandW, c.Base-c.PlotTop)
	}
	if c.MedianX > 0 { // behind the bars and the counts, which stay legible over it
		fmt.Fprintf(&b, `<path class=md d="M%d %dV%d"/>`, c.MedianX, c.PlotTop, c.Base)
	}
	b.WriteString(`<path class=b d="`)
	b.WriteString(c.Others)
	b.WriteString(`"/>`)
	if c.Mine != "" {
		b.WriteString(`<path class=m d="`)
		b.WriteString(c.Mine)
		b.WriteString(`"/>`)
	}
	for _, l := range c.Labels {
		b.WriteString(`<text x=`)
		b.WriteString(strconv.Itoa(l.X))
		b.WriteString(` y=`)
		b.WriteString(strconv.Itoa(l.Y))
		if l.Class != "" {
			b.WriteString(` class=`)
			b.WriteString(l.Class)
		}
		b.WriteString(`>`)
		b.WriteString(html.EscapeString(l.Text))
		b.WriteString(`</text>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// feedbackHTML writes a statement's feedback block (see feedbackView):
// what partials/feedback.html would, without the template's cost per
// action. Texts from people (comments, group names, wordings, labels) are
// escaped; the rest are the catalogue's messages, escaped as well.
func feedbackHTML(v *feedbackView, title, changed, previous, groups, group, median, agree, comments string) template.HTML {
	var b strings.Builder
	esc := func(s string) { b.WriteString(html.EscapeString(s)) }
	b.WriteString(`<div class=fb><p class=fbh>`)
	esc(title)
	b.WriteString(`</p>`)
	if v.Changed {
		b.WriteString(`<p class=changed><strong>`)
		esc(changed)
		b.WriteString(`.</strong> `)
		esc(previous)
		b.WriteString(` <q>`)
		esc(v.Previous)
		b.WriteString(`</q></p>`)
	}
	b.WriteString(string(v.Chart))
	if v.Band != "" {
		b.WriteString(`<p class=legend><span class="key ag"></span>`)
		esc(v.Band)
		b.WriteString(`</p>`)
	}
	if v.Yours != "" {
		b.WriteString(`<p class=yours>`)
		esc(v.Yours)
		b.WriteString(`</p>`)
	}
	b.WriteString(`<p>`)
	esc(v.Summary)
	if v.Unable != "" {
		b.WriteString(` · `)
		esc(v.Unable)
	}
	b.WriteString(`</p>`)
	if len(v.Groups) > 0 {
		b.WriteString(`<details><summary>`)
		esc(groups)
		b.WriteString(`</summary><table><tr><th>`)
		esc(group)
		b.WriteString(`<th>n<th>`)
		esc(median)
		b.WriteString(`<th>`)
		esc(agree)
		for _, g := range v.Groups {
			b.WriteString(`<tr><td>`)
			esc(g.Name)
			b.WriteString(`<td>`)
			esc(g.N)
			b.WriteString(`<td>`)
			esc(g.Median)
			b.WriteString(`<td>`)
			esc(g.Agree)
		}
		b.WriteString(`</table></details>`)
	}
	if len(v.Comments) > 0 {
		b.WriteString(`<p class=fbh>`)
		esc(comments)
		b.WriteString(`</p><ul class=comments>`)
		for _, c := range v.Comments {
			b.WriteString(`<li>`)
			esc(c)
		}
		b.WriteString(`</ul>`)
	}
	b.WriteString(`</div>`)
	return template.HTML(b.String())
}

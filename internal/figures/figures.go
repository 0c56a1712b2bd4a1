// Package figures draws the results figures on the server with gonum
// plot: the participant flow, the statement flow and one statement's
// rating distribution across rounds. Each renders as SVG or PNG from the
// same plot, so the two downloads show the same thing.
package figures

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/results"
)

// Format is an output format: "svg" or "png".
type Format string

// The formats.
const (
	SVG Format = "svg"
	PNG Format = "png"
)

// ParseFormat checks a format name.
func ParseFormat(s string) (Format, error) {
	switch Format(s) {
	case SVG, PNG:
		return Format(s), nil
	}
	return "", fmt.Errorf("figures: format %q: want svg or png", s)
}

// ContentType is the MIME type of a format.
func (f Format) ContentType() string {
	if f == PNG {
		return "image/png"
	}
	return "image/svg+xml"
}

// palette is colour-blind safe (Okabe–Ito).
var palette = []color.RGBA{
	{0, 114, 178, 255}, {230, 159, 0, 255}, {0, 158, 115, 255}, {213, 94, 0, 255},
	{86, 180, 233, 255}, {204, 121, 167, 255}, {240, 228, 66, 255}, {0, 0, 0, 255},
}

// series is one set of bars.
type series struct {
	name   string
	values []float64
}

// bars draws grouped bars: one group per category, one bar per series.
func bars(title, ylabel string, categories []string, ss []series, w io.Writer, f Format) error {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = ylabel
	p.Y.Min = 0
	p.Legend.Top = true
	width := vg.Points(min(18, 160/float64(max(1, len(ss)*len(categories)))*3))
	for i, s := range ss {
		b, err := plotter.NewBarChart(plotter.Values(s.values), width)
		if err != nil {
			return fmt.Errorf("figures: %w", err)
		}
		b.Color = palette[i%len(palette)]
		b.LineStyle.Width = 0
		b.Offset = width * vg.Length(float64(i)-float64(len(ss)-1)/2)
		p.Add(b)
		p.Legend.Add(s.name, b)
	}
	p.NominalX(categories...)
	// Room at the sides for the outer bars, and above the bars for the legend.
	p.X.Min, p.X.Max = -0.5, float64(len(categories))-0.5
	top := 0.0
	for _, s := range ss {
		for _, v := range s.values {
			top = max(top, v)
		}
	}
	if top > 0 {
		p.Y.Max = top * (1.15 + 0.08*float64(len(ss)))
	}
	wt, err := p.WriterTo(7*vg.Inch, 4*vg.Inch, string(f))
	if err != nil {
		return fmt.Errorf("figures: %w", err)
	}
	if _, err := wt.WriteTo(w); err != nil {
		return fmt.Errorf("figures: %w", err)
	}
	return nil
}

func roundNames(n []int) []string {
	out := make([]string, len(n))
	for i, r := range n {
		out[i] = "Round " + strconv.Itoa(r)
	}
	return out
}

// ParticipantFlow draws invited, responded and dropped out per round.
func ParticipantFlow(flow []analysis.FlowRound, w io.Writer, f Format) error {
	if len(flow) == 0 {
		return errors.New("figures: participant flow: no rounds")
	}
	var rs []int
	inv, resp, drop := series{name: "invited"}, series{name: "responded"}, series{name: "dropped since previous round"}
	for _, r := range flow {
		rs = append(rs, r.Round)
		inv.values = append(inv.values, float64(r.Invited))
		resp.values = append(resp.values, float64(r.Responded))
		drop.values = append(drop.values, float64(r.DroppedSincePreviousRound.Or(0)))
	}
	return bars("Participant flow", "experts", roundNames(rs), []series{inv, resp, drop}, w, f)
}

// StatementFlow draws what happened to statements in each round.
func StatementFlow(sf []results.StatementFlow, w io.Writer, f Format) error {
	if len(sf) == 0 {
		return errors.New("figures: statement flow: no rounds")
	}
	names := []string{"presented", "consensus in", "consensus out", "no consensus (carried)", "carried from before", "reworded", "added"}
	ss := make([]series, len(names))
	for i, n := range names {
		ss[i].name = n
	}
	var rs []int
	for _, r := range sf {
		rs = append(rs, r.Round)
		for i, v := range []int{r.Presented, r.In, r.Out, r.None, r.Carried, r.Reworded, r.Added} {
			ss[i].values = append(ss[i].values, float64(v))
		}
	}
	return bars("Statement flow", "statements", roundNames(rs), ss, w, f)
}

// Distribution draws one statement's ratings per scale point, as a
// percentage of the round's valid ratings, one series per round.
func Distribution(title string, scaleMin int, rounds []int, freqs [][]int, w io.Writer, f Format) error {
	if len(rounds) == 0 || len(rounds) != len(freqs) {
		return errors.New("figures: distribution: no rounds for this statement")
	}
	var cats []string
	for i := range freqs[0] {
		cats = append(cats, strconv.Itoa(scaleMin+i))
	}
	ss := make([]series, len(rounds))
	for i, fr := range freqs {
		n := 0
		for _, c := range fr {
			n += c
		}
		ss[i].name = fmt.Sprintf("Round %d (n = %d)", rounds[i], n)
		for _, c := range fr {
			v := 0.0
			if n > 0 {
				v = 100 * float64(c) / float64(n)
			}
			ss[i].values = append(ss[i].values, v)
		}
	}
	return bars(title, "% of valid ratings", cats, ss, w, f)
}

// Estimates draws one numeric statement's estimates as a box plot per
// round (median, quartiles, whiskers to the furthest estimate within 1.5
// IQR, outliers as points), to show the panel converging.
func Estimates(title, unit string, rounds []int, values [][]float64, w io.Writer, f Format) error {
	if len(rounds) == 0 || len(rounds) != len(values) {
		return errors.New("figures: estimates: no numeric rounds for this statement")
	}
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = "Estimate"
	if unit != "" {
		p.Y.Label.Text += " (" + unit + ")"
	}
	names := make([]string, len(rounds))
	for i, r := range rounds {
		names[i] = fmt.Sprintf("Round %d (n = %d)", r, len(values[i]))
		if len(values[i]) == 0 {
			continue
		}
		b, err := plotter.NewBoxPlot(vg.Points(40), float64(i), plotter.Values(values[i]))
		if err != nil {
			return fmt.Errorf("figures: %w", err)
		}
		b.FillColor = color.RGBA{R: palette[0].R, G: palette[0].G, B: palette[0].B, A: 90}
		p.Add(b)
	}
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.5, float64(len(rounds))-0.5
	wt, err := p.WriterTo(7*vg.Inch, 4*vg.Inch, string(f))
	if err != nil {
		return fmt.Errorf("figures: %w", err)
	}
	if _, err := wt.WriteTo(w); err != nil {
		return fmt.Errorf("figures: %w", err)
	}
	return nil
}

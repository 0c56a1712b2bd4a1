package figures

import (
	"bytes"
	"image/png"
	"strings"
	"testing"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/results"
)

func TestFigures(t *testing.T) {
	flow := []analysis.FlowRound{{Round: 1, Invited: 57, Responded: 52}, {Round: 2, Invited: 52, Responded: 46, DroppedSincePreviousRound: analysis.Some(6)}}
	sf := []results.StatementFlow{{Round: 1, Presented: 30, New: 30, In: 23, Out: 1, None: 6}, {Round: 2, Presented: 7, Carried: 5, Reworded: 1, Added: 1}}
	draw := map[string]func(f Format, b *bytes.Buffer) error{
		"participant": func(f Format, b *bytes.Buffer) error { return ParticipantFlow(flow, b, f) },
		"statement":   func(f Format, b *bytes.Buffer) error { return StatementFlow(sf, b, f) },
		"distribution": func(f Format, b *bytes.Buffer) error {
			return Distribution("S1", 1, []int{1, 2}, [][]int{{1, 2, 3, 4, 5}, {0, 1, 2, 6, 6}}, b, f)
		},
	}
	for name, fn := range draw {
		t.Run(name, func(t *testing.T) {
			var svg, pngBuf bytes.Buffer
			if err := fn(SVG, &svg); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(svg.String(), "<svg") || !strings.Contains(svg.String(), "Round 2") {
				t.Errorf("SVG without the round labels: %.200s", svg.String())
			}
			if err := fn(PNG, &pngBuf); err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(&pngBuf)
			if err != nil || img.Bounds().Dx() < 300 {
				t.Errorf("PNG: %v", err)
			}
		})
	}
	if _, err := ParseFormat("gif"); err == nil {
		t.Error("gif accepted")
	}
	if err := ParticipantFlow(nil, &bytes.Buffer{}, SVG); err == nil {
		t.Error("no rounds accepted")
	}
}

func TestEstimatesBoxPlot(t *testing.T) {
	var svg bytes.Buffer
	if err := Estimates("Statement S1", "year", []int{1, 2}, [][]float64{{2030, 2040, 2050, 2060, 2070}, {2045, 2048, 2050}}, &svg, SVG); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "Round 1 (n = 5)", "Round 2 (n = 3)", "Estimate (year)"} {
		if !strings.Contains(svg.String(), want) {
			t.Errorf("the SVG lacks %q", want)
		}
	}
	if err := Estimates("x", "", nil, nil, &svg, SVG); err == nil {
		t.Error("no rounds drew a figure")
	}
}

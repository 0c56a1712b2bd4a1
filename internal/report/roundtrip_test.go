package report

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/delphi-platform/delphi/analysis"
)

// TestReportJSONRoundTrip checks that a report read back from its JSON
// (the platform stores round results that way) writes the same JSON again,
// for the full d20 panel with subgroups and stability under both quantile
// definitions.
func TestReportJSONRoundTrip(t *testing.T) {
	p := loadPanel(t)
	sc := analysis.Scale{Min: 1, Max: 9}
	ratings, err := ParseRatings(panelCSV(p), sc)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []analysis.QuantileType{analysis.Type6, analysis.Type7} {
		set := analysis.DefaultSettings(sc)
		set.Quantile = q
		rep, err := Build(context.Background(), ratings, set)
		if err != nil {
			t.Fatal(err)
		}
		first, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		var back Report
		if err := json.Unmarshal(first, &back); err != nil {
			t.Fatalf("%s: reading the report back: %v", q, err)
		}
		second, err := json.Marshal(&back)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, second) {
			t.Errorf("%s: the report changed through a JSON round trip", q)
		}
	}
}

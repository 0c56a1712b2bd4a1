package export

import (
	"encoding/json"
	"testing"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/report"
	"github.com/delphi-platform/delphi/internal/results"
)

// results.json lists the closed numeric rounds' stored results under
// "estimates", [] when the study has none.
func TestDocumentEstimates(t *testing.T) {
	key := func(res *results.Results) json.RawMessage {
		b, err := json.Marshal(NewDocument(res, nil))
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		return doc["estimates"]
	}
	if got := string(key(&results.Results{Report: &report.Report{}, Input: &results.Input{}})); got != "[]" {
		t.Errorf("no numeric round: estimates %s", got)
	}
	sum, err := analysis.SummarizeEstimates([]analysis.Opt[float64]{analysis.Some(2030.0), analysis.Some(2050.0), analysis.Some(2070.0)})
	if err != nil {
		t.Fatal(err)
	}
	nr := results.NumericResults{Round: 1, Unit: "year", Quantile: "type6", OtherQuantile: "type7", Statements: []results.NumericStatement{{
		RoundStatementID: 3, StatementID: 2, Text: "In which year?",
		Report:        report.NewEstimateReport("In which year?", sum, nil, 0, analysis.Type6),
		OtherQuantile: report.NewEstimateReport("In which year?", sum, nil, 0, analysis.Type7)}}}
	res := &results.Results{Report: &report.Report{}, Input: &results.Input{Estimates: []results.NumericResults{nr}}}
	var got []map[string]any
	if err := json.Unmarshal(key(res), &got); err != nil || len(got) != 1 {
		t.Fatalf("estimates: %v %v", got, err)
	}
	st := got[0]["statements"].([]any)[0].(map[string]any)
	rep := st["report"].(map[string]any)
	if got[0]["unit"] != "year" || st["text"] != "In which year?" || rep["median"] != 2050.0 || rep["n_total"] != 3.0 || rep["change"] != nil {
		t.Errorf("estimates: %v", got)
	}
}

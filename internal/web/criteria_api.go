package web

import "github.com/delphi-platform/delphi/rounds"

// criterionJSON is criterion 2 or 3 as the API shows it: the fields of
// workflow.CriterionInput, which PATCH takes back unchanged.
type criterionJSON struct {
	Name          string   `json:"name"`
	ScaleMin      int      `json:"scale_min"`
	ScaleMax      int      `json:"scale_max"`
	ScaleLabels   []string `json:"scale_labels"`
	Bands         string   `json:"bands"`
	ConsensusRule string   `json:"consensus_rule"`
}

// criteriaJSON lists criteria 2 and 3 ([] for none).
func criteriaJSON(sc rounds.Scale) []criterionJSON {
	out := []criterionJSON{}
	for _, c := range sc.More {
		out = append(out, criterionJSON{Name: c.Name, ScaleMin: c.Min, ScaleMax: c.Max, ScaleLabels: c.Labels,
			Bands: c.Bands.String(), ConsensusRule: c.Rule.String()})
	}
	return out
}

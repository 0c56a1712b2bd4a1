package report

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/delphi-platform/delphi/analysis"
)

// The Report types are the JSON schema of `delphi analyze --format json` and
// of the platform's researcher exports (docs/analyze.md). Field names are
// part of the public interface: add fields, never rename them. Undefined
// values are analysis.Opt and marshal to null.

// Report is the analysis of every round of a study.
type Report struct {
	Settings SettingsInfo  `json:"settings"`
	Rounds   []RoundReport `json:"rounds"`
}

// SettingsInfo records the settings behind every number, as exports must
// state them (SPEC §7.2).
type SettingsInfo struct {
	Scale           ScaleInfo `json:"scale"`
	Bands           BandsInfo `json:"bands"`
	Quantile        string    `json:"quantile"`
	QuantileLabel   string    `json:"quantile_label"`
	Rule            string    `json:"rule"`
	RuleDescription string    `json:"rule_description"`
	// DecisionRules names the rule behind each "decisions" column; iqr and
	// rand are null where the scale does not support them.
	DecisionRules DecisionRulesInfo `json:"decision_rules"`
	// Denominator of every percentage: "valid" ratings only (SPEC §0.1).
	Denominator string `json:"denominator"`
}

// ScaleInfo is the rating scale.
type ScaleInfo struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

// BandsInfo are the bands as [lo, hi]; neutral is null when the scale has
// no neutral band.
type BandsInfo struct {
	Disagree analysis.Band `json:"disagree"`
	Neutral  analysis.Band `json:"neutral"`
	Agree    analysis.Band `json:"agree"`
}

// DecisionRulesInfo names the rule of each decisions column.
type DecisionRulesInfo struct {
	Percent string               `json:"percent"`
	COMET   string               `json:"comet"`
	IQR     analysis.Opt[string] `json:"iqr"`
	RAND    analysis.Opt[string] `json:"rand"`
}

// RoundReport is one round.
type RoundReport struct {
	Round int `json:"round"`
	// Respondents are the experts with at least one answer (a rating or
	// "unable") in the round.
	Respondents         int `json:"respondents"`
	StatementsPresented int `json:"statements_presented"`
	// Decisions under the primary rule.
	ConsensusIn  int `json:"consensus_in"`
	ConsensusOut int `json:"consensus_out"`
	NoConsensus  int `json:"no_consensus"`
	Insufficient int `json:"insufficient"`
	// NUnable counts "unable" answers; NSkipped counts statements that
	// respondents left without an answer.
	NUnable  int `json:"n_unable"`
	NSkipped int `json:"n_skipped"`
	// KendallW drops experts with any unable or missing answer, as SPSS
	// does; KendallWDropStatements drops statements instead, as R irr does.
	KendallW               KendallReport     `json:"kendall_w"`
	KendallWDropStatements KendallReport     `json:"kendall_w_drop_statements"`
	Statements             []StatementReport `json:"statements"`
}

// KendallReport is Kendall's W for one round under one missing-data policy.
type KendallReport struct {
	W             analysis.Opt[float64] `json:"w"`
	WTieCorrected analysis.Opt[float64] `json:"w_tie_corrected"`
	Chi2          analysis.Opt[float64] `json:"chi2"`
	DF            analysis.Opt[int]     `json:"df"`
	P             analysis.Opt[float64] `json:"p"`
	// Band is Schmidt's reading of the tie-corrected W.
	Band              analysis.Opt[string] `json:"band"`
	ExpertsUsed       int                  `json:"experts_used"`
	ExpertsDropped    int                  `json:"experts_dropped"`
	StatementsUsed    int                  `json:"statements_used"`
	StatementsDropped int                  `json:"statements_dropped"`
	// Note explains an undefined W, or warns that χ² is poor for ≤ 7 statements.
	Note string `json:"note,omitempty"`
}

// StatementReport is one statement in one round. q1, q3, iqr, p30 and p70
// follow the quantile setting; decision follows the primary rule (on the
// platform: the decision recorded after the round, see Proposal).
type StatementReport struct {
	Statement string `json:"statement"`
	// Label is the column header a wide file gave the statement where it
	// differs from the ID; absent otherwise.
	Label       string                            `json:"label,omitempty"`
	N           int                               `json:"n"`
	NUnable     int                               `json:"n_unable"`
	NMissing    int                               `json:"n_missing"`
	Mean        analysis.Opt[float64]             `json:"mean"`
	SD          analysis.Opt[float64]             `json:"sd"`
	CV          analysis.Opt[float64]             `json:"cv"`
	Min         analysis.Opt[int]                 `json:"min"`
	Max         analysis.Opt[int]                 `json:"max"`
	Median      analysis.Opt[analysis.Hundredths] `json:"median"`
	Q1          analysis.Opt[analysis.Hundredths] `json:"q1"`
	Q3          analysis.Opt[analysis.Hundredths] `json:"q3"`
	IQR         analysis.Opt[analysis.Hundredths] `json:"iqr"`
	P30         analysis.Opt[analysis.Hundredths] `json:"p30"`
	P70         analysis.Opt[analysis.Hundredths] `json:"p70"`
	Modes       []int                             `json:"modes"`
	Freq        Freq                              `json:"freq"`
	PctAgree    analysis.Opt[float64]             `json:"pct_agree"`
	PctNeutral  analysis.Opt[float64]             `json:"pct_neutral"`
	PctDisagree analysis.Opt[float64]             `json:"pct_disagree"`
	Decision    analysis.Decision                 `json:"decision"`
	// Proposal and DecisionReason are set by the platform (package
	// results), where Decision is the decision recorded after the round:
	// Proposal is then the primary rule's own decision, and DecisionReason
	// the coordinator's reason for departing from it. `delphi analyze`
	// leaves both out.
	Proposal       *analysis.Decision `json:"proposal,omitempty"`
	DecisionReason string             `json:"decision_reason,omitempty"`
	Decisions      DecisionsReport    `json:"decisions"`
	// RAND is the RAND/UCLA class (IPRAS under the quantile setting) on a
	// 1–9 scale, else null.
	RAND analysis.Opt[analysis.Appropriateness] `json:"rand_class"`
	// Stability compares with the most recent earlier round that presented
	// the statement; null in its first round.
	Stability *StabilityReport `json:"stability"`
	// Subgroups is present when the ratings have a group or country column.
	Subgroups *SubgroupsReport `json:"subgroups,omitempty"`
}

// DecisionsReport is every rule's decision (sensitivity columns).
type DecisionsReport struct {
	Percent analysis.Decision               `json:"percent"`
	COMET   analysis.Decision               `json:"comet"`
	IQR     analysis.Opt[analysis.Decision] `json:"iqr"`
	RAND    analysis.Opt[analysis.Decision] `json:"rand"`
}

// StabilityReport compares a statement with its previous round.
type StabilityReport struct {
	PreviousRound  int                   `json:"previous_round"`
	NPairs         int                   `json:"n_pairs"`
	PctChanged     analysis.Opt[float64] `json:"pct_changed"`
	PctChangedBand analysis.Opt[float64] `json:"pct_changed_band"`
	MeanChange     analysis.Opt[float64] `json:"mean_change"`
	MeanAbsChange  analysis.Opt[float64] `json:"mean_abs_change"`
	// Wilcoxon signed-rank on d = this round − previous round.
	WilcoxonWPlus    analysis.Opt[float64] `json:"wilcoxon_w_plus"`
	WilcoxonWMinus   analysis.Opt[float64] `json:"wilcoxon_w_minus"`
	WilcoxonNNonzero int                   `json:"wilcoxon_n_nonzero"`
	WilcoxonZ        analysis.Opt[float64] `json:"wilcoxon_z"`
	WilcoxonP        analysis.Opt[float64] `json:"wilcoxon_p"`
	WilcoxonPExact   analysis.Opt[float64] `json:"wilcoxon_p_exact"`
	// McNemar on agree / not agree: b agreed only before, c only now.
	McNemarB              int                   `json:"mcnemar_b"`
	McNemarC              int                   `json:"mcnemar_c"`
	McNemarP              analysis.Opt[float64] `json:"mcnemar_p"`
	DistributionChangePct analysis.Opt[float64] `json:"distribution_change_pct"`
	DeltaCV               analysis.Opt[float64] `json:"delta_cv"`
}

// SubgroupsReport holds the analyses by group and by country.
type SubgroupsReport struct {
	Group   *GroupingReport `json:"group,omitempty"`
	Country *GroupingReport `json:"country,omitempty"`
}

// GroupingReport is one grouping: each group, and Kruskal–Wallis across them.
type GroupingReport struct {
	Groups        []GroupReport `json:"groups"`
	KruskalWallis KWReport      `json:"kruskal_wallis"`
}

// GroupReport summarises one group; decision applies the primary rule
// within the group.
type GroupReport struct {
	Name        string                            `json:"name"`
	N           int                               `json:"n"`
	NUnable     int                               `json:"n_unable"`
	NMissing    int                               `json:"n_missing"`
	Mean        analysis.Opt[float64]             `json:"mean"`
	SD          analysis.Opt[float64]             `json:"sd"`
	Median      analysis.Opt[analysis.Hundredths] `json:"median"`
	Q1          analysis.Opt[analysis.Hundredths] `json:"q1"`
	Q3          analysis.Opt[analysis.Hundredths] `json:"q3"`
	IQR         analysis.Opt[analysis.Hundredths] `json:"iqr"`
	PctAgree    analysis.Opt[float64]             `json:"pct_agree"`
	PctNeutral  analysis.Opt[float64]             `json:"pct_neutral"`
	PctDisagree analysis.Opt[float64]             `json:"pct_disagree"`
	Decision    analysis.Decision                 `json:"decision"`
}

// KWReport is the Kruskal–Wallis test across groups with ratings.
type KWReport struct {
	K              int                   `json:"k"`
	N              int                   `json:"n"`
	H              analysis.Opt[float64] `json:"h"`
	DF             analysis.Opt[int]     `json:"df"`
	P              analysis.Opt[float64] `json:"p"`
	EpsilonSquared analysis.Opt[float64] `json:"epsilon_squared"`
}

// Freq counts ratings per scale point. It marshals as an object keyed by
// the scale point in scale order ({"1": 0, "2": 3, …}), which a map would
// not keep for scales past 9.
type Freq struct {
	Min    int
	Counts []int
}

// MarshalJSON writes the counts in scale order.
func (f Freq) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 8*len(f.Counts)+2)
	b = append(b, '{')
	for i, c := range f.Counts {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = strconv.AppendInt(b, int64(f.Min+i), 10)
		b = append(b, '"', ':')
		b = strconv.AppendInt(b, int64(c), 10)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads the object MarshalJSON writes, so stored reports
// can be read back. The scale points must be consecutive.
func (f *Freq) UnmarshalJSON(b []byte) error {
	var m map[string]int
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*f = Freq{}
	if len(m) == 0 {
		return nil
	}
	f.Min = math.MaxInt
	for k := range m {
		v, err := strconv.Atoi(k)
		if err != nil {
			return fmt.Errorf("report: freq key %q is not a scale point", k)
		}
		f.Min = min(f.Min, v)
	}
	f.Counts = make([]int, len(m))
	for k, c := range m {
		v, _ := strconv.Atoi(k)
		if v-f.Min >= len(m) {
			return fmt.Errorf("report: freq keys are not consecutive scale points")
		}
		f.Counts[v-f.Min] = c
	}
	return nil
}

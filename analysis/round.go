package analysis

import "fmt"

// RoundResult is the analysis of one round: every statement, and Kendall's W
// under both missing-data policies (the platform reports DropExperts).
type RoundResult struct {
	// Statements are in the order of the columns given.
	Statements []StatementResult
	Kendall    KendallResult // DropExperts (SPSS), the platform default
	// KendallDropStatements is the irr policy, exported so a report can
	// explain a difference (SPEC §4).
	KendallDropStatements KendallResult
}

// AnalyzeRound analyses one round. columns[j][i] is expert i's response to
// statement j; every column has one entry per expert, in the same expert
// order, because Kendall's W ranks each expert's ratings across statements.
// Pass the round's respondents (not every invited expert), so that
// NMissing counts skipped items and Kendall's dropped experts are real.
func AnalyzeRound(columns [][]Response, s Settings) (RoundResult, error) {
	a, err := NewAnalyzer(s)
	if err != nil {
		return RoundResult{}, err
	}
	return a.Round(columns)
}

// Round is AnalyzeRound with the analyzer's settings.
func (a *Analyzer) Round(columns [][]Response) (RoundResult, error) {
	out := RoundResult{Statements: make([]StatementResult, len(columns))}
	for j, c := range columns {
		r, err := a.Statement(c)
		if err != nil {
			return RoundResult{}, fmt.Errorf("statement %d: %w", j, err)
		}
		out.Statements[j] = r
	}
	var err error
	if out.Kendall, err = a.Kendall(columns, DropExperts); err != nil {
		return RoundResult{}, err
	}
	if out.KendallDropStatements, err = a.Kendall(columns, DropStatements); err != nil {
		return RoundResult{}, err
	}
	return out, nil
}

// Kendall is KendallW on the analyzer's scale.
func (a *Analyzer) Kendall(columns [][]Response, policy KendallPolicy) (KendallResult, error) {
	return KendallW(columns, a.s.Scale, policy)
}

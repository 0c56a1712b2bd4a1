package analysis

// StatementResult is everything the platform reports for one statement in
// one round (SPEC §1–§3): descriptives, quantiles under both definitions,
// every consensus rule, and the decisions under the study's settings.
type StatementResult struct {
	Descriptives
	Type6, Type7 Quantiles
	Percent      PercentAgreement
	IQRRule      IQRRule
	COMET        COMETRule
	CVBand       Opt[CVBand]
	// RAND is nil unless the scale is 1–9.
	RAND *RANDResult
	// Decision is the primary rule's result; Decisions holds every rule's.
	Decision  Decision
	Decisions Decisions
}

// Quantiles returns the quantiles under definition t (the study's setting
// decides which ones the platform shows).
func (r *StatementResult) Quantiles(t QuantileType) *Quantiles {
	if t == Type7 {
		return &r.Type7
	}
	return &r.Type6
}

// Insufficient reports that the statement has no valid rating, so no rule
// can decide (SPEC §3: insufficient_data).
func (r *StatementResult) Insufficient() bool { return r.N == 0 }

// Analyzer applies one study's validated settings. Validating once and then
// analysing many statements keeps validation out of the hot path. An
// Analyzer is immutable and safe for concurrent use.
type Analyzer struct {
	s Settings
}

// NewAnalyzer validates the settings.
func NewAnalyzer(s Settings) (*Analyzer, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &Analyzer{s: s}, nil
}

// Settings returns the analyzer's settings.
func (a *Analyzer) Settings() Settings { return a.s }

// AnalyzeStatement analyses one statement's responses in one round under the
// settings. It is NewAnalyzer(s) followed by Statement; use an Analyzer to
// analyse many statements.
func AnalyzeStatement(responses []Response, s Settings) (StatementResult, error) {
	a, err := NewAnalyzer(s)
	if err != nil {
		return StatementResult{}, err
	}
	return a.Statement(responses)
}

// Statement analyses one statement's responses in one round. The order of
// responses does not matter here. It fails only on a rating off the scale.
func (a *Analyzer) Statement(responses []Response) (StatementResult, error) {
	freq := make([]int, a.s.Scale.Points())
	f := freqTable{counts: freq}
	if err := f.count(responses, a.s.Scale); err != nil {
		return StatementResult{}, err
	}
	return a.fromFreq(&f), nil
}

// fromFreq computes the StatementResult from a filled frequency table; the
// table's counts become the result's Freq.
func (a *Analyzer) fromFreq(f *freqTable) StatementResult {
	s := a.s
	r := StatementResult{Descriptives: describe(f, s.Scale, s.Bands, f.counts)}
	r.Type6 = f.quantiles(Type6)
	r.Type7 = f.quantiles(Type7)
	r.Percent = percentAgreement(r.BandCount, r.N, s.percentThreshold())
	r.COMET = comet(r.BandCount, r.N)
	limit, hasLimit := s.iqrLimit()
	r.IQRRule = iqrRule(r.Median, &r.Type6, &r.Type7, s.Bands, limit, hasLimit)
	if r.CV.Valid {
		r.CVBand = Some(cvBand(r.CV.Value))
	}
	if isRANDScale(s.Scale) {
		rr := randAnalysis(f, r.Median, &r.Type6, &r.Type7)
		r.RAND = &rr
	}

	if r.N == 0 {
		r.Decision = DecisionInsufficient
		r.Decisions = Decisions{Percent: DecisionInsufficient, COMET: DecisionInsufficient}
		if hasLimit {
			r.Decisions.IQR = Some(DecisionInsufficient)
		}
		if r.RAND != nil {
			r.Decisions.RAND = Some(DecisionInsufficient)
		}
		return r
	}
	r.Decisions.Percent = r.Percent.Decision
	r.Decisions.COMET = r.COMET.Strict
	if s.cometInclusive() {
		r.Decisions.COMET = r.COMET.Inclusive
	}
	if hasLimit {
		r.Decisions.IQR = Some(r.IQRRule.Of(s.Quantile).Decision)
	}
	if r.RAND != nil {
		r.Decisions.RAND = Some(r.RAND.Classification(s.Quantile).Value.Decision())
	}
	switch s.Rule.Kind {
	case RulePercent:
		r.Decision = r.Decisions.Percent
	case RuleCOMET:
		r.Decision = r.Decisions.COMET
	case RuleIQR:
		r.Decision = r.Decisions.IQR.Value
	case RuleRAND:
		r.Decision = r.Decisions.RAND.Value
	}
	return r
}

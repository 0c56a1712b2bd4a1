package rounds

import (
	"errors"
	"testing"

	"github.com/delphi-platform/delphi/analysis"
)

func TestParseEstimate(t *testing.T) {
	year := NumericSettings{Unit: "year", Min: 2020, Max: 2100}
	share := NumericSettings{Unit: "%", Min: 0, Max: 100, Decimals: 2}
	for _, tc := range []struct {
		set  NumericSettings
		in   string
		want float64
		err  error
		none bool
	}{
		{set: year, in: "2040", want: 2040},
		{set: year, in: " 2 040 ", want: 2040},
		{set: year, in: "", none: true},
		{set: year, in: "2040.0", want: 2040}, // trailing zeros are not decimals
		{set: year, in: "2040.5", err: ErrEstimateDecimals},
		{set: year, in: "2101", err: ErrEstimateOutOfRange},
		{set: year, in: "2019", err: ErrEstimateOutOfRange},
		{set: year, in: "soon", err: ErrEstimateNotNumber},
		{set: year, in: "2e3", err: ErrEstimateNotNumber},
		{set: year, in: "Inf", err: ErrEstimateNotNumber},
		{set: share, in: "12,5", want: 12.5}, // a decimal comma
		{set: share, in: "12.25", want: 12.25},
		{set: share, in: "12.255", err: ErrEstimateDecimals},
		{set: share, in: "1.2.3", err: ErrEstimateNotNumber},
		{set: share, in: "-0", want: 0},
		{set: share, in: "\u22121", err: ErrEstimateOutOfRange}, // U+2212 read as a minus
		{set: share, in: "100", want: 100},
	} {
		got, err := tc.set.ParseEstimate(tc.in)
		switch {
		case tc.err != nil:
			if !errors.Is(err, tc.err) {
				t.Errorf("%q: error %v; want %v", tc.in, err, tc.err)
			}
		case err != nil:
			t.Errorf("%q: %v", tc.in, err)
		case tc.none:
			if got != nil {
				t.Errorf("%q: %v; want no estimate", tc.in, *got)
			}
		case got == nil || *got != tc.want:
			t.Errorf("%q: %v; want %v", tc.in, got, tc.want)
		}
	}
}

func TestNumericSettingsCheck(t *testing.T) {
	for _, tc := range []struct {
		set    NumericSettings
		fields []string
	}{
		{DefaultNumericSettings(), nil},
		{NumericSettings{Min: 5, Max: 5}, []string{"numeric.max"}},
		{NumericSettings{Min: 0, Max: 1, Decimals: 5}, []string{"numeric.decimals"}},
		{NumericSettings{Min: 0, Max: 1, Decimals: -1}, []string{"numeric.decimals"}},
		{NumericSettings{Unit: "a very long unit name indeed", Min: 0, Max: 1}, []string{"numeric.unit"}},
		{NumericSettings{Min: -1e13, Max: 1}, []string{"numeric.min"}},
	} {
		fe := tc.set.Check()
		if len(fe) != len(tc.fields) {
			t.Errorf("%+v: %v; want fields %v", tc.set, fe, tc.fields)
			continue
		}
		for i, f := range tc.fields {
			if fe[i].Field != f {
				t.Errorf("%+v: field %q; want %q", tc.set, fe[i].Field, f)
			}
		}
	}
	back, err := DecodeNumeric(EncodeNumeric(NumericSettings{Unit: "%", Min: 0, Max: 100, Decimals: 1, Confidence: true}))
	if err != nil || back != (NumericSettings{Unit: "%", Min: 0, Max: 100, Decimals: 1, Confidence: true}) {
		t.Errorf("round trip: %+v %v", back, err)
	}
}

// The frozen feedback is the panel's median and quartiles of the study's
// type over the estimates given (R: quantile(c(2030,2040,2050,2060,2070),
// c(.25,.5,.75), type=6) is 2035 2050 2065; type 7: 2040 2050 2060).
func TestBuildNumericFeedback(t *testing.T) {
	xs := []analysis.Opt[float64]{analysis.Some(2030.0), analysis.Some(2040.0), {}, analysis.Some(2050.0), analysis.Some(2060.0), analysis.Some(2070.0)}
	for _, tc := range []struct {
		q      analysis.QuantileType
		q1, q3 float64
	}{{analysis.Type6, 2035, 2065}, {analysis.Type7, 2040, 2060}} {
		f, err := BuildNumericFeedback(1, "year", xs, tc.q, nil, "")
		if err != nil || f.N != 5 || *f.Median != 2050 || *f.Q1 != tc.q1 || *f.Q3 != tc.q3 || f.Kind != KindNumeric {
			t.Errorf("%v: %+v %v", tc.q, f, err)
		}
	}
	f, _ := BuildNumericFeedback(1, "", nil, analysis.Type6, nil, "")
	if f.N != 0 || f.Median != nil {
		t.Errorf("no estimates: %+v", f)
	}
	if !IsNumericFeedback(`{"kind":"numeric","n":0}`) || IsNumericFeedback(`{"round":1}`) || IsNumericFeedback("") {
		t.Error("IsNumericFeedback")
	}
}

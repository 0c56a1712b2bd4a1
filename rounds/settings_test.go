package rounds

import (
	"strings"
	"testing"
)

func TestParseBands(t *testing.T) {
	tests := []struct {
		in       string
		min, max int
		want     string // Bands.String(), or "" when an error is wanted
		errHas   string
	}{
		{"1-3,4-6,7-9", 1, 9, "1-3,4-6,7-9", ""},
		{" 1-2 , 3 , 4-5 ", 1, 5, "1-2,3,4-5", ""},
		{"1-2,,3-4", 1, 4, "1-2,,3-4", ""},
		{"1-3,3-6,7-9", 1, 9, "", "overlaps"},
		{"1-3,5-6,7-9", 1, 9, "", "gap: scale point 4"},
		{"1-3,4-6,7-8", 1, 9, "", "must end at the highest"},
		{"2-3,4-6,7-9", 1, 9, "", "must start at the lowest"},
		{"1-3,4-6", 1, 9, "", "three bands"},
		{"1-3,6-4,7-9", 1, 9, "", "not a range"},
		{"1-2,,4-5", 1, 5, "", "gap: scale point 3"},
	}
	for _, tt := range tests {
		b, err := ParseBands(tt.in, tt.min, tt.max)
		if tt.want != "" {
			if err != nil || b.String() != tt.want {
				t.Errorf("ParseBands(%q) = %q, %v; want %q", tt.in, b, err, tt.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.errHas) {
			t.Errorf("ParseBands(%q) error %v; want one containing %q", tt.in, err, tt.errHas)
		}
	}
}

func TestDefaultBandsCoverEveryScale(t *testing.T) {
	for min := 0; min <= 1; min++ {
		for n := 2; n <= 11; n++ {
			max := min + n - 1
			b := DefaultBands(min, max)
			if _, err := ParseBands(b.String(), min, max); err != nil {
				t.Errorf("DefaultBands(%d,%d) = %s: %v", min, max, b, err)
			}
		}
	}
	if got := DefaultBands(1, 9).String(); got != "1-3,4-6,7-9" {
		t.Errorf("1-9: %s", got)
	}
	if got := DefaultBands(1, 7).String(); got != "1-3,4,5-7" {
		t.Errorf("1-7: %s", got)
	}
	if got := DefaultBands(1, 5).String(); got != "1-2,3,4-5" {
		t.Errorf("1-5: %s", got)
	}
}

func TestParseRule(t *testing.T) {
	good := map[string]string{"percent:75": "percent:75", "PERCENT:70.5": "percent:70.5", "comet": "comet", "comet-inclusive": "comet-inclusive", "iqr:2": "iqr:2", "rand": "rand"}
	for in, want := range good {
		r, err := ParseRule(in, 1, 9)
		if err != nil || r.String() != want {
			t.Errorf("ParseRule(%q) = %v, %v; want %s", in, r, err, want)
		}
	}
	bad := []struct{ in, errHas string }{
		{"percent:120", "outside 0–100"},
		{"percent:-5", "outside 0–100"},
		{"percent:50", "above 50"},
		{"percent", "threshold"},
		{"iqr:0", "above 0"},
		{"median", "not a rule"},
		{"comet:70", "takes no number"},
		// Numbers the analysis cannot read would fail the round's close.
		{"percent:NaN", "not a number with at most two decimals"},
		{"iqr:NaN", "not a number with at most two decimals"},
		{"percent:75.125", "not a number with at most two decimals"},
		{"percent:Inf", "not a number with at most two decimals"},
		{"iqr:1e0", "not a number with at most two decimals"},
		{"percent:0x4b", "not a number with at most two decimals"},
	}
	for _, tt := range bad {
		if _, err := ParseRule(tt.in, 1, 9); err == nil || !strings.Contains(err.Error(), tt.errHas) {
			t.Errorf("ParseRule(%q): %v; want %q", tt.in, err, tt.errHas)
		}
	}
	if _, err := ParseRule("comet", 1, 5); err == nil {
		t.Error("COMET accepted on a 1-5 scale")
	}
}

func TestScaleValidate(t *testing.T) {
	s := DefaultScale(1, 9)
	if fe := s.Validate(); len(fe) != 0 {
		t.Fatalf("default scale invalid: %v", fe)
	}
	s.Labels = s.Labels[:3]
	s.Quantile = "type5"
	s.Bands.Neutral.Min = 5
	fe := s.Validate()
	for _, f := range []string{"labels", "bands", "quantile"} {
		if fe.For(f) == "" {
			t.Errorf("no error for %s in %v", f, fe)
		}
	}
	if err := CheckScale(1, 12); err == nil {
		t.Error("12-point scale accepted")
	}
	if err := CheckScale(1, 11); err != nil {
		t.Error(err)
	}
}

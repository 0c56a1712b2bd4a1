package rounds

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckText(t *testing.T) {
	if got, err := CheckText("q", "  Why?  "); err != nil || got != "Why?" {
		t.Errorf("%q %v", got, err)
	}
	for _, bad := range []string{"", "   ", strings.Repeat("é", MaxProposal+1)} {
		if _, err := CheckText("proposal", bad); err == nil || !strings.HasPrefix(err.Error(), "proposal: ") {
			t.Errorf("%.10q: %v", bad, err)
		}
	}
	if _, err := CheckText("p", strings.Repeat("é", MaxProposal)); err != nil {
		t.Errorf("exactly the maximum: %v", err)
	}
}

func TestCheckMerge(t *testing.T) {
	merged := map[int64]int64{3: 1}
	for _, tc := range []struct {
		into int64
		dups []int64
		want error
	}{
		{1, []int64{2}, nil},
		{1, nil, ErrNoProposals},
		{1, []int64{2, 1}, ErrMergeSelf},
		{3, []int64{2}, ErrMergeMerged},
	} {
		if err := CheckMerge(tc.into, tc.dups, merged); !errors.Is(err, tc.want) && !(err == nil && tc.want == nil) {
			t.Errorf("CheckMerge(%d, %v) = %v; want %v", tc.into, tc.dups, err, tc.want)
		}
	}
}

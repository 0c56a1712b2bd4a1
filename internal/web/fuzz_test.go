package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/rounds"
)

// FuzzStudyInput feeds arbitrary JSON to the study settings path of the
// API. It must never panic, and whatever it accepts must be a valid study
// that the analysis package accepts too, so a round can always be analysed.
func FuzzStudyInput(f *testing.F) {
	for _, seed := range []string{
		`{"title":"x","scale_min":1,"scale_max":9}`,
		`{"title":"x","scale_min":1,"scale_max":5,"bands":"1-2,3,4-5","consensus_rule":"percent:80","quantile":"type7"}`,
		`{"title":"x","scale_min":1,"scale_max":4,"bands":"1-2,,3-4","consensus_rule":"iqr:1"}`,
		`{"title":"x","scale_min":0,"scale_max":10,"consensus_rule":"comet"}`,
		`{"title":"x","scale_min":1,"scale_max":9,"scale_labels":["a"],"bands":"9-1,,","languages":["xx"]}`,
		`{"title":"","scale_min":5,"scale_max":1,"max_rounds":0}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in workflow.StudyInput
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if dec.Decode(&in) != nil {
			return
		}
		min, max := 1, 9
		if in.ScaleMin != nil && in.ScaleMax != nil && rounds.CheckScale(*in.ScaleMin, *in.ScaleMax) == nil {
			min, max = *in.ScaleMin, *in.ScaleMax
		}
		_, sc, fe := in.Apply(workflow.DefaultStudyInfo(), rounds.DefaultScale(min, max))
		if len(fe) > 0 {
			return
		}
		if v := sc.Validate(); len(v) > 0 {
			t.Fatalf("accepted settings fail validation: %v", v)
		}
		if _, err := sc.AnalysisSettings(); err != nil {
			t.Fatalf("accepted settings %+v are refused by the analysis: %v", sc, err)
		}
	})
}

// FuzzAnswer feeds arbitrary form values to the answer reader: a value is
// accepted only as an exact scale point, or "unable" where offered; a
// comment comes back as valid UTF-8 without NUL (what PostgreSQL can
// store), unchanged apart from trimming when it already was.
func FuzzAnswer(f *testing.F) {
	for _, seed := range []string{"", "1", "9", "10", "0", "-1", "unable", "UNABLE", "07", "+3", "3.0", " 3", "99999999999999999999"} {
		f.Add(seed, true, " a comment\n")
	}
	f.Add("3", false, "nul \x00 and \xff broken")
	f.Fuzz(func(t *testing.T, val string, allowUnable bool, comment string) {
		sc := rounds.DefaultScale(1, 9)
		sc.AllowUnable = allowUnable
		x, err := readAnswer(1, val, comment, sc)
		if err == nil || errors.Is(err, errNotOnScale) {
			if !utf8.ValidString(x.Comment) || strings.ContainsRune(x.Comment, 0) {
				t.Fatalf("comment %q kept as %q", comment, x.Comment)
			}
			if utf8.ValidString(comment) && !strings.ContainsRune(comment, 0) && x.Comment != strings.TrimSpace(comment) {
				t.Fatalf("comment %q changed to %q", comment, x.Comment)
			}
		}
		if errors.Is(err, errCommentTooLong) {
			return
		}
		rating, unable := x.Rating, x.Unable
		switch {
		case err != nil:
			if rating != nil || unable {
				t.Fatalf("%q: an error with a value", val)
			}
		case unable:
			if val != "unable" || !allowUnable || rating != nil {
				t.Fatalf("%q accepted as unable (allowed %v)", val, allowUnable)
			}
		case rating != nil:
			if *rating < 1 || *rating > 9 || strconv.Itoa(*rating) != val {
				t.Fatalf("%q accepted as %d", val, *rating)
			}
		default:
			if val != "" {
				t.Fatalf("%q accepted as no answer", val)
			}
		}
	})
}

package workflow

import (
	"database/sql"
	"fmt"

	"github.com/delphi-platform/delphi/internal/fault"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// RatesCriteria tells whether a round's statements are rated on the
// study's criteria 2 and 3 too: in rating rounds of a study with several
// (a ranking or numeric round asks one thing).
func RatesCriteria(sc rounds.Scale, r store.Round) bool {
	return sc.Several() && (r.Kind == "" || r.Kind == rounds.KindRating)
}

// CriterionAnswerError refuses an answer whose rating on criterion 2 or
// 3 is not a point of that criterion's scale (or is "unable to rate"
// where the study does not offer it), or that rates a criterion the
// round does not ask.
type CriterionAnswerError struct {
	Criterion int // 2 or 3
	Name      string
}

func (e CriterionAnswerError) Error() string {
	return fmt.Sprintf("the rating on criterion %d (%s) is not a point of its scale", e.Criterion, e.Name)
}

// FaultKind makes it invalid input (package fault).
func (CriterionAnswerError) FaultKind() fault.Kind { return fault.Invalid }

// CheckCriteria checks an answer's ratings on criteria 2 and 3 against
// their own scales (criterion 1's is checked as the page reads it). The
// page, its autosave and every other writer of answers call it.
func CheckCriteria(v store.Visit, x Answer) error {
	e := x.Extra
	if !e.Rating2.Valid && !e.Unable2 && !e.Rating3.Valid && !e.Unable3 {
		return nil
	}
	sc, err := v.Study.Scale()
	if err != nil {
		return err
	}
	asked := 0
	if RatesCriteria(sc, v.Round) {
		asked = len(sc.More)
	}
	for i, got := range []struct {
		rating sql.NullInt64
		unable bool
	}{{e.Rating2, e.Unable2}, {e.Rating3, e.Unable3}} {
		if !got.rating.Valid && !got.unable {
			continue
		}
		k := i + 2
		if i >= asked {
			return CriterionAnswerError{Criterion: k}
		}
		c := sc.More[i]
		if got.unable && (!sc.AllowUnable || got.rating.Valid) {
			return CriterionAnswerError{Criterion: k, Name: c.Name}
		}
		if got.rating.Valid && (got.rating.Int64 < int64(c.Min) || got.rating.Int64 > int64(c.Max)) {
			return CriterionAnswerError{Criterion: k, Name: c.Name}
		}
	}
	return nil
}

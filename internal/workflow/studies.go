package workflow

import (
	"context"
	"strings"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// CreateStudy checks a new study's settings (StudyInput.Apply, every
// problem by field) and stores it, mode included, all or nothing. The
// "new study" form and POST /api/v1/studies call it.
func (w *Service) CreateStudy(ctx context.Context, userID int64, in StudyInput) (store.Study, error) {
	min, max := 1, 9
	if in.ScaleMin != nil && in.ScaleMax != nil && rounds.CheckScale(*in.ScaleMin, *in.ScaleMax) == nil {
		min, max = *in.ScaleMin, *in.ScaleMax
	}
	info, sc, fe := in.Apply(DefaultStudyInfo(), rounds.DefaultScale(min, max))
	mode := string(rounds.ModeClassic)
	if in.Mode != nil {
		mode = *in.Mode
	}
	fe = append(fe, criteriaProblems(nil, mode, sc, sc)...)
	if len(fe) > 0 {
		return store.Study{}, fe
	}
	var st store.Study
	err := w.store.Transact(ctx, func(tx *store.Store) error {
		var err error
		if st, err = tx.CreateStudy(ctx, userID, info, sc); err != nil {
			return err
		}
		zone := DefaultTimeZone
		if in.TimeZone != nil {
			zone = strings.TrimSpace(*in.TimeZone) // checked by Apply
		}
		if err := tx.SetStudyTimeZone(ctx, st.ID, userID, zone); err != nil {
			return err
		}
		if in.Mode != nil {
			mode, _ := rounds.ParseMode(*in.Mode) // checked by Apply
			if err := tx.SetStudyMode(ctx, st.ID, userID, mode); err != nil {
				return err
			}
		}
		st, err = tx.StudyByID(ctx, st.ID) // as stored: the mode's default ("classic") too
		if err != nil {
			return err
		}
		return addBackgroundFields(ctx, tx, st, userID, in.BackgroundFields)
	})
	return st, err
}

// UpdateStudy applies the settings given (nil fields keep their value):
// details, privacy, mode, scale and consensus definition, all or none.
// After round 1 launched, a change to the scale or the consensus
// definition is a protocol amendment and needs a reason (a field error
// when missing, on the settings page and through the API alike). Each
// settings form sends its part; PATCH /api/v1/studies/{id} any of them.
func (w *Service) UpdateStudy(ctx context.Context, st store.Study, userID int64, in StudyInput) (store.Study, error) {
	cur, err := st.Scale()
	if err != nil {
		return st, err
	}
	info, sc, fe := in.Apply(StudyInfoOf(st), cur)
	mode := st.Mode
	if in.Mode != nil {
		mode = *in.Mode
	}
	if len(fe) == 0 {
		fe = append(fe, criteriaProblems(&st, mode, cur, sc)...)
	}
	if in.touchesScale() && st.Locked() && strings.TrimSpace(in.AmendmentReason) == "" && fe.For("amendment_reason") == "" {
		fe = append(fe, rounds.FieldError{Field: "amendment_reason", Message: "the settings are locked since round 1; give the reason for this protocol amendment"})
	}
	if in.BackgroundFields != nil {
		fe = append(fe, rounds.FieldError{Field: "background_fields", Message: "background fields are given only when a study is created; change them through /background-fields"})
	}
	if len(fe) > 0 {
		return st, fe
	}
	err = w.store.Transact(ctx, func(tx *store.Store) error {
		if in.Mode != nil {
			mode, _ := rounds.ParseMode(*in.Mode) // checked by Apply
			if err := tx.SetStudyMode(ctx, st.ID, userID, mode); err != nil {
				return err
			}
		}
		if in.TimeZone != nil {
			if err := tx.SetStudyTimeZone(ctx, st.ID, userID, strings.TrimSpace(*in.TimeZone)); err != nil { // checked by Apply
				return err
			}
		}
		if in.touchesScale() {
			if err := tx.UpdateStudyScale(ctx, st.ID, userID, sc, in.AmendmentReason); err != nil {
				return err
			}
		}
		if !in.touchesInfo() { // a mode or scale form: the details are not written again
			return nil
		}
		return tx.UpdateStudyInfo(ctx, st.ID, userID, info)
	})
	if err != nil {
		return st, err
	}
	return w.store.StudyByID(ctx, st.ID)
}

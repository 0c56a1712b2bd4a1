package workflow

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // the zones are known whatever the machine has installed
	"unicode"
	"unicode/utf8"

	"github.com/delphi-platform/delphi/internal/i18n"
	"github.com/delphi-platform/delphi/internal/panelcsv"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// StudyInput is a study's settings as submitted, from the JSON API or from
// the settings forms. A nil field keeps the current (or default) value, so
// the form and the API apply exactly the same rules.
type StudyInput struct {
	Title            *string  `json:"title"`
	Description      *string  `json:"description"`
	Languages        []string `json:"languages"`
	ContactEmail     *string  `json:"contact_email"`
	MaxRounds        *int     `json:"max_rounds"`
	RequireAll       *bool    `json:"require_all"`
	ScaleMin         *int     `json:"scale_min"`
	ScaleMax         *int     `json:"scale_max"`
	ScaleLabels      []string `json:"scale_labels"`
	Bands            *string  `json:"bands"`
	AllowUnable      *bool    `json:"allow_unable"`
	ConsensusRule    *string  `json:"consensus_rule"`
	Quantile         *string  `json:"quantile"`
	FinalNoConsensus *string  `json:"final_no_consensus"`
	AmendmentReason  string   `json:"amendment_reason"`
	// Privacy (docs/privacy.md): what erasing an expert does to their
	// answers, and how many days after the study ends the panel's personal
	// data is erased (0: kept until a coordinator erases it).
	ErasurePolicy *string `json:"erasure_policy"`
	RetentionDays *int    `json:"retention_days"`
	Mode          *string `json:"mode"` // classic or realtime (issue #8)
	// TimeZone is the IANA name of the zone deadlines are entered and
	// shown in ("Europe/Athens"); a new study without one gets
	// DefaultTimeZone.
	TimeZone *string `json:"time_zone"`
	// BackgroundFields, on creation only, are the background form's
	// fields (workflow/background.go); later, use the fields' own actions.
	BackgroundFields []BackgroundFieldInput `json:"background_fields"`
	// Criteria (issue 17, criteriainput.go): criterion 1's name (the
	// study's scale above), criteria 2 and 3 (an empty list removes them)
	// and when a statement rated on several is in: all or any.
	CriterionName *string           `json:"criterion_name"`
	Criteria      *[]CriterionInput `json:"criteria"`
	Combine       *string           `json:"combine"`
}

// DefaultTimeZone is a new study's zone when none is given (the create
// form gives the browser's).
const DefaultTimeZone = "Europe/Brussels"

// CheckTimeZone reads an IANA time zone name ("Europe/Athens", "UTC"),
// with an error that says what to give instead.
func CheckTimeZone(name string) (*time.Location, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, fmt.Errorf("give the time zone deadlines are set in, as an IANA name such as Europe/Athens or UTC")
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" { // "Local" is the server's zone, not a place
		return nil, fmt.Errorf("%q is not a time zone name: give an IANA name such as Europe/Athens, America/New_York or UTC", name)
	}
	return loc, nil
}

// touchesInfo tells whether the input changes any of the study's details
// (store.StudyInfo).
func (in StudyInput) touchesInfo() bool {
	return in.Title != nil || in.Description != nil || in.Languages != nil || in.ContactEmail != nil ||
		in.MaxRounds != nil || in.RequireAll != nil || in.ErasurePolicy != nil || in.RetentionDays != nil
}

// touchesScale tells whether the input changes any locked setting.
func (in StudyInput) touchesScale() bool {
	return in.ScaleMin != nil || in.ScaleMax != nil || in.ScaleLabels != nil || in.Bands != nil ||
		in.AllowUnable != nil || in.ConsensusRule != nil || in.Quantile != nil || in.FinalNoConsensus != nil ||
		in.touchesCriteria()
}

// DefaultStudyInfo is what a new study starts with.
func DefaultStudyInfo() store.StudyInfo {
	return store.StudyInfo{Languages: []string{"en"}, MaxRounds: 3, ErasurePolicy: store.ErasureAnonymise}
}

// apply merges the input over current settings and validates the result,
// reporting every problem by field. When the scale's range changes and no
// labels or bands are given, the defaults of the new range are used.
func (in StudyInput) Apply(info store.StudyInfo, sc rounds.Scale) (store.StudyInfo, rounds.Scale, rounds.FieldErrors) {
	var fe rounds.FieldErrors
	if in.Title != nil {
		info.Title = strings.TrimSpace(*in.Title)
	}
	if info.Title == "" {
		fe = append(fe, rounds.FieldError{Field: "title", Message: "give the study a title"})
	} else if msg := badText(info.Title, false); msg != "" {
		fe = append(fe, rounds.FieldError{Field: "title", Message: "the title " + msg})
	} else if len([]rune(info.Title)) > 300 {
		fe = append(fe, rounds.FieldError{Field: "title", Message: "the title is longer than 300 characters"})
	}
	if in.Description != nil {
		info.Description = *in.Description
		if msg := badText(info.Description, true); msg != "" {
			fe = append(fe, rounds.FieldError{Field: "description", Message: "the description " + msg})
		}
	}
	if in.Languages != nil {
		info.Languages = nil
		seen := map[string]bool{}
		for _, l := range in.Languages {
			l = strings.ToLower(strings.TrimSpace(l))
			if l == "" || seen[l] {
				continue
			}
			seen[l] = true
			// Only languages the platform's pages are written in: an
			// expert must never get pages in a language other than the one
			// the study promised them.
			if !i18n.Supported(l) {
				fe = append(fe, rounds.FieldError{Field: "languages", Message: fmt.Sprintf("%q is not a language the platform's pages are written in; offer languages among %s", l, strings.Join(i18n.Languages, ", "))})
			}
			info.Languages = append(info.Languages, l)
		}
		if len(info.Languages) == 0 {
			fe = append(fe, rounds.FieldError{Field: "languages", Message: "offer at least one language"})
		}
	}
	if in.ContactEmail != nil {
		info.ContactEmail = strings.TrimSpace(*in.ContactEmail)
		if info.ContactEmail != "" {
			if err := panelcsv.ValidateEmail(info.ContactEmail); err != nil {
				fe = append(fe, rounds.FieldError{Field: "contact_email", Message: err.Error()})
			}
		}
	}
	if in.MaxRounds != nil {
		info.MaxRounds = *in.MaxRounds
	}
	if info.MaxRounds < 1 || info.MaxRounds > 10 {
		fe = append(fe, rounds.FieldError{Field: "max_rounds", Message: "plan between 1 and 10 rounds"})
	}
	if in.RequireAll != nil {
		info.RequireAll = *in.RequireAll
	}
	if in.ErasurePolicy != nil {
		info.ErasurePolicy = strings.TrimSpace(*in.ErasurePolicy)
		if info.ErasurePolicy != store.ErasureAnonymise && info.ErasurePolicy != store.ErasureDelete {
			fe = append(fe, rounds.FieldError{Field: "erasure_policy", Message: fmt.Sprintf("%q is not a policy: choose %s or %s (docs/privacy.md)",
				info.ErasurePolicy, store.ErasureAnonymise, store.ErasureDelete)})
		}
	}
	if in.RetentionDays != nil {
		info.RetentionDays = *in.RetentionDays
		if info.RetentionDays < 0 || info.RetentionDays > MaxRetentionDays {
			fe = append(fe, rounds.FieldError{Field: "retention_days", Message: fmt.Sprintf("give a number of days from 1 to %d after the study ends, or 0 to keep personal data until you erase it", MaxRetentionDays)})
		}
	}

	rangeChanged := false
	if in.ScaleMin != nil && *in.ScaleMin != sc.Min {
		sc.Min, rangeChanged = *in.ScaleMin, true
	}
	if in.ScaleMax != nil && *in.ScaleMax != sc.Max {
		sc.Max, rangeChanged = *in.ScaleMax, true
	}
	if err := rounds.CheckScale(sc.Min, sc.Max); err != nil {
		return info, sc, append(fe, rounds.FieldError{Field: "scale", Message: err.Error()})
	}
	if rangeChanged {
		def := rounds.DefaultScale(sc.Min, sc.Max)
		sc.Labels, sc.Bands = def.Labels, def.Bands
		if sc.Rule.Kind != rounds.RulePercent && sc.Rule.Kind != rounds.RuleIQR && (sc.Min != 1 || sc.Max != 9) {
			sc.Rule = rounds.DefaultRule // COMET and RAND need 1–9
		}
		if sc.Rule.Kind == rounds.RuleIQR {
			sc.Rule.Threshold = rounds.DefaultIQRLimit(sc.Min, sc.Max)
		}
	}
	if in.ScaleLabels != nil {
		sc.Labels = make([]string, len(in.ScaleLabels))
		for i, l := range in.ScaleLabels {
			sc.Labels[i] = strings.TrimSpace(l)
		}
	}
	if in.Bands != nil {
		b, err := rounds.ParseBands(*in.Bands, sc.Min, sc.Max)
		if err != nil {
			fe = append(fe, rounds.FieldError{Field: "bands", Message: err.Error()})
		} else {
			sc.Bands = b
		}
	}
	if in.AllowUnable != nil {
		sc.AllowUnable = *in.AllowUnable
	}
	if in.ConsensusRule != nil {
		r, err := rounds.ParseRule(*in.ConsensusRule, sc.Min, sc.Max)
		if err != nil {
			fe = append(fe, rounds.FieldError{Field: "rule", Message: err.Error()})
		} else {
			sc.Rule = r
		}
	}
	if in.Quantile != nil {
		sc.Quantile = *in.Quantile
	}
	if in.FinalNoConsensus != nil {
		sc.FinalNoConsensus = *in.FinalNoConsensus
	}
	if in.TimeZone != nil {
		if _, err := CheckTimeZone(*in.TimeZone); err != nil {
			fe = append(fe, rounds.FieldError{Field: "time_zone", Message: err.Error()})
		}
	}
	if in.Mode != nil {
		if _, err := rounds.ParseMode(*in.Mode); err != nil {
			fe = append(fe, rounds.FieldError{Field: "mode", Message: err.Error()})
		}
	}
	var cfe rounds.FieldErrors
	sc, cfe = in.applyCriteria(sc)
	fe = append(fe, cfe...)
	for _, e := range sc.Validate() {
		if fe.For(e.Field) == "" {
			fe = append(fe, e)
		}
	}
	return info, sc, fe
}

// MaxRetentionDays is ten years, the CHECK of migration 0005.
const MaxRetentionDays = 3650

// StudyInfoOf returns the editable information of a stored study.
func StudyInfoOf(st store.Study) store.StudyInfo {
	return store.StudyInfo{Title: st.Title, Description: st.Description, Languages: st.LanguageList(),
		ContactEmail: st.ContactEmail, MaxRounds: st.MaxRounds, RequireAll: st.RequireAll,
		ErasurePolicy: st.ErasurePolicy, RetentionDays: int(st.RetentionDays.Int64)}
}

// badText says what is wrong with a text a study shows and e-mails, or "":
// invalid UTF-8 and control characters (NUL, which PostgreSQL refuses)
// never; line breaks only where lines are allowed (a title is one line:
// it goes into e-mail subjects and file names).
func badText(s string, lines bool) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8 text"
	}
	for _, r := range s {
		switch {
		case (r == '\n' || r == '\r') && !lines:
			return "must be one line, without line breaks"
		case r == '\n' || r == '\r' || r == '\t':
		case unicode.IsControl(r):
			return fmt.Sprintf("contains the control character U+%04X; remove it", r)
		}
	}
	return ""
}

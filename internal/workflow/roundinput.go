package workflow

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// RoundInput is a round's options as submitted: from the draft round's
// settings form, from the "Prepare round" button, or from the JSON API
// (POST /studies/{id}/rounds, PATCH /rounds/{id}). A nil field keeps the
// current value, or, for a new round, the default (DefaultRoundOptions),
// so the pages and the API apply the same rules with the same messages.
type RoundInput struct {
	// Deadline is RFC 3339 ("2026-12-04T18:00:00Z"), or a date and time
	// in the study's time zone as a datetime-local field sends it
	// ("2026-12-04T18:00").
	Deadline     *string `json:"deadline"`
	ReminderDays *string `json:"reminder_days"` // days before the deadline: "7, 2"; "" for none
	Scope        *string `json:"invite_scope"`  // panel or respondents; "" keeps the current
	ShowGroups   *bool   `json:"show_groups"`   // feedback per stakeholder group
	// NotifyExperts, when an open round's deadline changes, e-mails the
	// invited experts who have not submitted (nor declined) the new
	// deadline with a fresh personal link; a draft has nobody to tell.
	NotifyExperts *bool `json:"notify_experts"`
	// Questions are the round's open questions, in order, replacing those
	// it has (an empty list removes them all); only a draft's may change.
	Questions *[]store.NewRoundQuestion `json:"questions"`
	// Kind is what the round asks: rating (the default), ranking or
	// numeric (issue 17). Chosen when the round is created.
	Kind *string `json:"kind"`
	// Statements are the ids of the study's statements the round asks
	// about, in order, instead of those the carry-over rules propose
	// (a ranking round ranks a chosen few). Chosen when it is created.
	Statements *[]int64 `json:"statements"`
	// Numeric is a numeric round's options (numeric.go): unit, min, max,
	// decimals, confidence; changeable while the round is a draft.
	Numeric *NumericInput `json:"numeric"`
	// Ranking are a ranking round's options (ranking.go).
	Ranking *RankingInput `json:"ranking"`
}

// RoundOptions are what a coordinator chooses for a round, checked.
type RoundOptions struct {
	Scope        rounds.InviteScope
	Deadline     time.Time
	ReminderDays string // "7,2"
	ShowGroups   bool
	// Questions, when QuestionsSet, replace the round's open questions.
	Questions    []store.NewRoundQuestion
	QuestionsSet bool
	Kind         rounds.Kind
	// Statements, when not nil, are the statements chosen for a new round.
	Statements []int64
	// Numeric is a numeric round's options (nil for another kind).
	Numeric *rounds.NumericSettings
	Ranking rounds.RankingSettings // a ranking round's (ranking.go)
}

// Open questions: at most this many per round, each at most this long
// (characters), so that the questionnaire stays one page to answer.
const (
	maxRoundQuestions = 20
	maxRoundQuestion  = 1000
)

// checkQuestions trims the questions and reports each refused one by its
// number: empty, too long, or one too many.
func checkQuestions(qs []store.NewRoundQuestion) ([]store.NewRoundQuestion, rounds.FieldErrors) {
	var fe rounds.FieldErrors
	if len(qs) > maxRoundQuestions {
		fe = append(fe, rounds.FieldError{Field: "questions", Message: fmt.Sprintf("a round asks at most %d open questions, not %d", maxRoundQuestions, len(qs))})
	}
	out := make([]store.NewRoundQuestion, len(qs))
	for i, q := range qs {
		q.Text = strings.TrimSpace(strings.ToValidUTF8(strings.ReplaceAll(q.Text, "\x00", ""), "\uFFFD"))
		switch n := utf8.RuneCountInString(q.Text); {
		case n == 0:
			fe = append(fe, rounds.FieldError{Field: "questions", Message: fmt.Sprintf("question %d has no text: write the question, or remove it", i+1)})
		case n > maxRoundQuestion:
			fe = append(fe, rounds.FieldError{Field: "questions", Message: fmt.Sprintf("question %d is %d characters long; at most %d", i+1, n, maxRoundQuestion)})
		}
		out[i] = q
	}
	return out, fe
}

// DefaultRoundOptions are a new round's options: the deadline 14 days
// after now (on the hour), one reminder 3 days before it, the usual scope
// for the round's number, no figures per group.
func DefaultRoundOptions(number int, now time.Time) RoundOptions {
	return RoundOptions{Scope: rounds.DefaultScope(number), Deadline: now.UTC().Add(14 * 24 * time.Hour).Truncate(time.Hour), ReminderDays: "3", Kind: rounds.KindRating}
}

// RoundOptionsOf returns a stored round's options.
func RoundOptionsOf(r store.Round) RoundOptions {
	return RoundOptions{Scope: rounds.InviteScope(r.InviteScope), Deadline: r.Deadline.Time, ReminderDays: r.ReminderDays, ShowGroups: r.ShowGroups, Kind: r.Kind, Numeric: numericOf(r), Ranking: RankingOf(r)}
}

// Deadline layouts accepted besides RFC 3339: datetime-local, in the
// study's time zone.
var deadlineLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05"}

// Apply merges the input over opt and checks the result, reporting every
// problem by field: deadline, reminder_days, invite_scope, questions. A deadline
// given must come after now; one without a zone is read in loc, the
// study's time zone.
func (in RoundInput) Apply(opt RoundOptions, now time.Time, loc *time.Location) (RoundOptions, rounds.FieldErrors) {
	var fe rounds.FieldErrors
	if in.Deadline != nil {
		if d, ok := parseDeadline(*in.Deadline, loc); !ok {
			fe = append(fe, rounds.FieldError{Field: "deadline", Message: deadlineFormatMessage(loc)})
		} else if !d.After(now) {
			fe = append(fe, rounds.FieldError{Field: "deadline", Message: rounds.ErrDeadlinePassed.Error()})
		} else {
			opt.Deadline = d
		}
	}
	if in.ReminderDays != nil {
		if days, err := ParseReminderDays(*in.ReminderDays); err != nil {
			fe = append(fe, rounds.FieldError{Field: "reminder_days", Message: err.Error()})
		} else {
			opt.ReminderDays = days
		}
	}
	if in.Scope != nil {
		switch s := rounds.InviteScope(strings.TrimSpace(*in.Scope)); s {
		case "":
		case rounds.InvitePanel, rounds.InviteRespondents:
			opt.Scope = s
		default:
			fe = append(fe, rounds.FieldError{Field: "invite_scope", Message: fmt.Sprintf("%q is not whom a round invites: use panel or respondents", string(s))})
		}
	}
	if in.ShowGroups != nil {
		opt.ShowGroups = *in.ShowGroups
	}
	if in.Questions != nil {
		qs, qfe := checkQuestions(*in.Questions)
		fe = append(fe, qfe...)
		opt.Questions, opt.QuestionsSet = qs, true
	}
	if in.Kind != nil {
		switch k := rounds.Kind(strings.TrimSpace(*in.Kind)); k {
		case "":
		case rounds.KindRating, rounds.KindRanking, rounds.KindNumeric:
			opt.Kind = k
		default:
			fe = append(fe, rounds.FieldError{Field: "kind", Message: fmt.Sprintf("%q is not a kind of round: use rating, ranking or numeric", string(k))})
		}
	}
	if opt.Kind == rounds.KindNumeric { // its options (numeric.go)
		var nfe rounds.FieldErrors
		opt, nfe = in.applyNumeric(opt)
		fe = append(fe, nfe...)
	}
	if in.Statements != nil {
		opt.Statements = *in.Statements
		if opt.Statements == nil {
			opt.Statements = []int64{}
		}
	}
	fe = append(fe, applyRanking(in.Ranking, &opt)...)
	return opt, fe
}

// parseDeadline reads RFC 3339, or a date and time without a zone
// (datetime-local) in loc: "2027-03-14T18:00" in Europe/Athens is 16:00
// UTC. The result is in UTC.
func parseDeadline(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), true
	}
	for _, layout := range deadlineLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// deadlineFormatMessage says how to write a deadline for a study in loc.
func deadlineFormatMessage(loc *time.Location) string {
	return fmt.Sprintf("give the deadline as a date and time in the study's time zone (%s), such as 2026-12-04T18:00", loc)
}

// ParseReminderDays reads "3, 1" (days before the deadline) and writes "3,1".
func ParseReminderDays(s string) (string, error) {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		d, err := strconv.Atoi(f)
		if err != nil || d < 1 || d > 60 {
			return "", fmt.Errorf("%q is not a number of days between 1 and 60", f)
		}
		out = append(out, strconv.Itoa(d))
	}
	return strings.Join(out, ","), nil
}

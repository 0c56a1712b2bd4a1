package web

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/delphi-platform/delphi/internal/fault"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/rounds"
)

// Preview as an expert: a coordinator opens the information page, the
// questionnaire or the thank-you page of a round in any of the study's
// languages, rendered by the expert's own code (questionnaire,
// renderConsent) over a made-up visit: an expert with no id, an
// invitation with no id, the round shown as open. Nothing is written:
// the layout puts the page inside a disabled fieldset, so no field can
// change and no button can post, and the handlers below only read.

// ctxPreview marks a request as a preview; base() then fills the layout's
// banner and leaves out the coordinator's account and study navigation,
// which an expert does not see.
const ctxPreview = "preview"

// previewBanner is the note above a previewed page. It is for the
// coordinator, so it is in English whatever the previewed language.
type previewBanner struct {
	Language string // "Dutch (nl)"
	Note     string // what differs from the expert's page, if anything
	Pages    []previewLink
	Back     previewLink
}

type previewLink struct {
	Label, Href string
	Current     bool
}

// previewPages are the pages a preview can show, in the order an expert
// meets them.
var previewPages = []struct{ key, label string }{
	{"consent", "Information page"},
	{"", "Questionnaire"},
	{"thanks", "Thank-you page"},
}

// showPreview is GET /studies/:id/preview?lang=&round=&page=.
func (a *App) showPreview(c echo.Context) error {
	ctx := c.Request().Context()
	st := study(c)
	lang := c.QueryParam("lang")
	if lang == "" {
		lang = st.MainLanguage()
	}
	if problem := workflow.LanguageProblem(st, lang); problem != "" {
		return fault.New(fault.Invalid, "lang: "+problem)
	}
	page := c.QueryParam("page")
	if page != "" && page != "consent" && page != "thanks" {
		return fault.New(fault.Invalid, `page: use "consent", "thanks" or nothing (the questionnaire)`)
	}
	all, err := a.store.RoundsByStudy(ctx, st.ID)
	if err != nil {
		return err
	}
	round, err := previewRound(all, c.QueryParam("round"))
	if err != nil {
		return err
	}
	var in questionnaireInput
	if round.ID != 0 {
		if in.statements, err = a.store.RoundStatements(ctx, round.ID); err != nil {
			return err
		}
	} else if in.statements, err = a.round1Statements(c, st); err != nil {
		return err
	}
	sc, err := st.Scale()
	if err != nil {
		return err
	}
	in.ratings = map[int64]store.Rating{}
	in.previous = sampleRatings(in.statements, sc)

	now := time.Now()
	shown := round
	shown.Status = rounds.Open // the page as the expert sees it while the round is open
	if shown.Deadline.Valid && !shown.Deadline.Time.After(now) {
		shown.Deadline = sql.NullTime{}
	}
	v := store.Visit{Study: st, Round: shown, Invitation: store.Invitation{RoundID: round.ID},
		Expert: store.Expert{StudyID: st.ID, Language: lang, Status: "active", ConsentedAt: sql.NullTime{Time: now, Valid: true}}}
	c.Set(ctxPreview, a.previewBanner(st, round, lang, page, len(in.previous) > 0))

	switch page {
	case "consent":
		return a.renderConsent(c, a.roundLink, v, http.StatusOK, "", nil)
	case "thanks":
		v.Invitation.SubmittedAt = sql.NullTime{Time: now, Valid: true}
		p, err := a.questionnaire(c, v, in, "")
		if err != nil {
			return err
		}
		return a.render(c, http.StatusOK, "expert_thanks", p)
	}
	p, err := a.questionnaire(c, v, in, "")
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "expert_round", p)
}

// previewRound picks the round to preview: the one numbered number, or
// else the draft or open round with the highest number, or else the last
// round. Before any round exists it is round 1 as it would be made now
// (ID 0).
func previewRound(all []store.Round, number string) (store.Round, error) {
	if number != "" {
		n, err := strconv.Atoi(number)
		if err != nil {
			return store.Round{}, fault.New(fault.Invalid, "round: not a round number")
		}
		for _, r := range all {
			if r.Number == n {
				return r, nil
			}
		}
		if n == 1 && len(all) == 0 {
			return store.Round{Number: 1}, nil
		}
		return store.Round{}, fault.New(fault.NotFound, fmt.Sprintf("the study has no round %d", n))
	}
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Status == rounds.Draft || all[i].Status == rounds.Open {
			return all[i], nil
		}
	}
	if len(all) > 0 {
		return all[len(all)-1], nil
	}
	return store.Round{Number: 1}, nil
}

// round1Statements are the statements round 1 would present if it were
// made now, as round statements (their ids stand in for the round
// statements' own, which do not exist yet).
func (a *App) round1Statements(c echo.Context, st store.Study) ([]store.RoundStatement, error) {
	ctx := c.Request().Context()
	fresh, err := a.store.FreshStatements(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	secs, err := a.store.SectionsByStudy(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	titles := map[int64]string{}
	for _, sec := range secs {
		titles[sec.ID] = sec.Title
	}
	out := make([]store.RoundStatement, len(fresh))
	for i, s := range fresh {
		out[i] = store.RoundStatement{ID: s.ID, StatementID: s.ID, Position: i + 1, SectionTitle: titles[s.SectionID.Int64], Text: s.Text}
	}
	return out, nil
}

// sampleRatings stand in for the expert's own earlier ratings in the
// feedback: the group's median of each statement, rounded, so that the
// preview shows where "your rating" appears. Empty before round 2.
func sampleRatings(rss []store.RoundStatement, sc rounds.Scale) map[int64]store.Rating {
	out := map[int64]store.Rating{}
	for _, rs := range rss {
		if rs.Feedback == "" || !rs.PreviousID.Valid {
			continue
		}
		var f rounds.Feedback
		if json.Unmarshal([]byte(rs.Feedback), &f) != nil || f.Median == nil {
			continue
		}
		x := min(max(int64(math.Round(*f.Median)), int64(sc.Min)), int64(sc.Max))
		r := store.Rating{RoundStatementID: rs.PreviousID.Int64, Rating: sql.NullInt64{Int64: x, Valid: true}}
		sampleCriteria(&r, f)
		out[rs.PreviousID.Int64] = r
	}
	return out
}

// previewBanner writes the banner of a preview.
func (a *App) previewBanner(st store.Study, r store.Round, lang, page string, sample bool) *previewBanner {
	b := &previewBanner{Language: languageName(lang)}
	q := url.Values{"lang": {lang}}
	if r.ID != 0 {
		q.Set("round", strconv.Itoa(r.Number))
	}
	base := "/studies/" + strconv.FormatInt(st.ID, 10)
	for _, p := range previewPages {
		pq := url.Values{}
		for k, v := range q {
			pq[k] = v
		}
		if p.key != "" {
			pq.Set("page", p.key)
		}
		b.Pages = append(b.Pages, previewLink{Label: p.label, Href: base + "/preview?" + pq.Encode(), Current: p.key == page})
	}
	var notes []string
	switch {
	case r.ID == 0:
		notes = append(notes, "No round exists yet: this is round 1 with the study's current statements.")
		b.Back = previewLink{Label: "Back to the statements", Href: base + "/statements"}
	default:
		if r.Status != rounds.Open {
			notes = append(notes, fmt.Sprintf("Round %d is %s; it is shown as experts see it while it is open.", r.Number, r.Status))
		}
		b.Back = previewLink{Label: fmt.Sprintf("Back to round %d", r.Number), Href: base + "/rounds/" + strconv.FormatInt(r.ID, 10)}
	}
	if sample {
		notes = append(notes, "The earlier rating marked as yours in the feedback is a sample: the group median.")
	}
	b.Note = strings.Join(notes, " ")
	return b
}

// languageName is a language's English name with its code: "Dutch (nl)".
func languageName(code string) string {
	tag, err := language.Parse(code)
	if err != nil {
		return code
	}
	if name := display.English.Languages().Name(tag); name != "" {
		return name + " (" + code + ")"
	}
	return code
}

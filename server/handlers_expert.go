package main

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// The expert's side. An expert has no account: the personal link's token
// is exchanged for a cookie holding the same token, and the page moves to
// a clean URL so the token leaves the address bar, history and Referer.

const expertCookie = "delphi_expert"

const ctxInvitation = "invitation"

// expertVisit is what the expert middleware loads for every expert request.
type expertVisit struct {
	Invitation store.Invitation
	Round      store.Round
	Study      store.Study
	Expert     store.Expert
}

// lookupLink finds the invitation of a link token. Unknown tokens are
// rate-limited per address so tokens cannot be guessed (they carry 256
// bits anyway); valid ones never are, so a whole panel behind one address
// is not slowed down.
func (a *app) lookupLink(c echo.Context, token string) (expertVisit, error) {
	var v expertVisit
	key := "link:" + c.RealIP()
	if a.tokenLimiter.Blocked(key) {
		return v, echo.NewHTTPError(http.StatusTooManyRequests, "too many attempts; wait a minute and try again")
	}
	ctx := c.Request().Context()
	inv, err := a.store.InvitationByTokenHash(ctx, auth.HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		a.tokenLimiter.Allow(key) // only unknown links count against the address
	}
	if err != nil {
		return v, err
	}
	v.Invitation = inv
	if v.Round, err = a.store.RoundByID(ctx, inv.RoundID); err != nil {
		return v, err
	}
	if v.Study, err = a.store.StudyByID(ctx, v.Round.StudyID); err != nil {
		return v, err
	}
	v.Expert, err = a.store.ExpertByID(ctx, v.Study.ID, inv.ExpertID)
	return v, err
}

type linkProblemPage struct {
	basePage
	Contact string
}

// linkProblem answers an unknown, revoked or expired link with a friendly
// page that reveals nothing about the study.
func (a *app) linkProblem(c echo.Context, status int, contact string) error {
	p := linkProblemPage{basePage: a.base(c, "This link does not work"), Contact: contact}
	return a.render(c, status, "expert_link_problem", p)
}

// linkFailed answers a failed link lookup: the friendly page when the link
// is unknown or revoked, the error otherwise.
func (a *app) linkFailed(c echo.Context, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return a.linkProblem(c, http.StatusNotFound, "")
	}
	return err
}

func (a *app) enterByLink(c echo.Context) error {
	token := c.Param("token")
	v, err := a.lookupLink(c, token)
	if err != nil {
		return a.linkFailed(c, err)
	}
	if err := a.store.MarkInvitationOpened(c.Request().Context(), v.Invitation.ID); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: expertCookie, Value: token, Path: "/", HttpOnly: true, Secure: a.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: 90 * 24 * 3600})
	return c.Redirect(http.StatusSeeOther, "/e")
}

// requireExpert loads the expert's invitation from the cookie.
func (a *app) requireExpert(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(expertCookie)
		if err != nil || ck.Value == "" {
			return a.linkProblem(c, http.StatusUnauthorized, "")
		}
		v, err := a.lookupLink(c, ck.Value)
		if err != nil {
			return a.linkFailed(c, err)
		}
		c.Set(ctxInvitation, v)
		return next(c)
	}
}

type expertStatement struct {
	store.RoundStatement
	Rating store.Rating
}

type expertRoundPage struct {
	basePage
	Visit      expertVisit
	Scale      rounds.Scale
	Points     []scalePoint
	Statements []expertStatement
	Answered   int
	Open       bool
	Error      string
}

type scalePoint struct {
	Value int
	Label string
}

func (a *app) showExpertRoundPage(c echo.Context) error {
	return a.renderExpertRound(c, http.StatusOK, "")
}

func (a *app) renderExpertRound(c echo.Context, status int, errMsg string) error {
	ctx := c.Request().Context()
	v := c.Get(ctxInvitation).(expertVisit)
	sc, err := v.Study.Scale()
	if err != nil {
		return err
	}
	rss, err := a.store.RoundStatements(ctx, v.Round.ID)
	if err != nil {
		return err
	}
	ratings, err := a.store.RatingsByInvitation(ctx, v.Invitation.ID)
	if err != nil {
		return err
	}
	p := expertRoundPage{basePage: a.base(c, v.Study.Title), Visit: v, Scale: sc, Error: errMsg,
		Open: v.Round.Domain().AcceptsRatings(time.Now()) == nil}
	p.Lang = v.Expert.Language
	for i, l := range sc.Labels {
		p.Points = append(p.Points, scalePoint{sc.Min + i, l})
	}
	for _, rs := range rss {
		r := ratings[rs.ID]
		if r.Answered() {
			p.Answered++
		}
		p.Statements = append(p.Statements, expertStatement{rs, r})
	}
	return a.render(c, status, "expert_round", p)
}

// saveExpertRatings saves every answer of the form at once (the page works
// without JavaScript). Values outside the scale are refused, not clipped.
func (a *app) saveExpertRatings(c echo.Context) error {
	ctx := c.Request().Context()
	v := c.Get(ctxInvitation).(expertVisit)
	if err := v.Round.Domain().AcceptsRatings(time.Now()); err != nil {
		return a.renderExpertRound(c, http.StatusConflict, "This round is closed; your answers can no longer be changed.")
	}
	sc, err := v.Study.Scale()
	if err != nil {
		return err
	}
	rss, err := a.store.RoundStatements(ctx, v.Round.ID)
	if err != nil {
		return err
	}
	// Check every answer first, then save them all in one transaction: a
	// bad value saves nothing, never half of the form.
	type answer struct {
		rsID    int64
		rating  *int
		unable  bool
		comment string
	}
	var answers []answer
	for _, rs := range rss {
		key := strconv.FormatInt(rs.ID, 10)
		comment := strings.TrimSpace(c.FormValue("c" + key))
		if len([]rune(comment)) > 4000 {
			return a.renderExpertRound(c, http.StatusUnprocessableEntity, "A comment is longer than 4,000 characters; please shorten it. Nothing was saved.")
		}
		rating, unable, err := parseAnswer(c.FormValue("r"+key), sc)
		if err != nil {
			return a.renderExpertRound(c, http.StatusUnprocessableEntity, "A rating is not on the scale; nothing was saved.")
		}
		if rating != nil || unable || comment != "" {
			answers = append(answers, answer{rs.ID, rating, unable, comment})
		}
	}
	err = a.store.Transact(ctx, func(tx *store.Store) error {
		for _, x := range answers {
			if err := tx.SaveRating(ctx, v.Invitation.ID, x.rsID, x.rating, x.unable, x.comment); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	setFlash(c, "Your answers are saved. You can come back and change them until the round closes.")
	return c.Redirect(http.StatusSeeOther, "/e")
}

func (a *app) submitExpertRound(c echo.Context) error {
	ctx := c.Request().Context()
	v := c.Get(ctxInvitation).(expertVisit)
	if err := v.Round.Domain().AcceptsRatings(time.Now()); err != nil {
		return a.renderExpertRound(c, http.StatusConflict, "This round is closed.")
	}
	if v.Study.RequireAll {
		rss, err := a.store.RoundStatements(ctx, v.Round.ID)
		if err != nil {
			return err
		}
		ratings, err := a.store.RatingsByInvitation(ctx, v.Invitation.ID)
		if err != nil {
			return err
		}
		for _, rs := range rss {
			if !ratings[rs.ID].Answered() {
				return a.renderExpertRound(c, http.StatusUnprocessableEntity, "Please answer every statement before submitting (you may choose \"unable to rate\").")
			}
		}
	}
	if err := a.store.SubmitInvitation(ctx, v.Invitation.ID); err != nil {
		return err
	}
	setFlash(c, "Thank you: your answers are submitted. You can still change them until the round closes.")
	return c.Redirect(http.StatusSeeOther, "/e")
}

// errNotOnScale is a form value that is neither a scale point nor, where
// offered, "unable".
var errNotOnScale = errors.New("not on the scale")

// parseAnswer reads one form value: "" (no answer), a scale point, or
// "unable" when the study offers it. Anything else is refused, never
// clipped to the scale.
func parseAnswer(val string, sc rounds.Scale) (rating *int, unable bool, err error) {
	switch {
	case val == "":
		return nil, false, nil
	case val == "unable":
		if !sc.AllowUnable {
			return nil, false, errNotOnScale
		}
		return nil, true, nil
	}
	x, err := strconv.Atoi(val)
	if err != nil || x < sc.Min || x > sc.Max || strconv.Itoa(x) != val {
		return nil, false, errNotOnScale
	}
	return &x, false, nil
}

type declinePage struct {
	basePage
	Token      string
	Declined   bool
	StudyTitle string
}

func (a *app) showDeclinePage(c echo.Context) error {
	v, err := a.lookupLink(c, c.Param("token"))
	if err != nil {
		return a.linkFailed(c, err)
	}
	return a.render(c, http.StatusOK, "expert_decline", declinePage{basePage: a.base(c, "Stop taking part"), Token: c.Param("token"), StudyTitle: v.Study.Title, Declined: v.Expert.Status == "declined"})
}

// declineByLink records that the expert wants no more e-mails. It is also
// the target of one-click List-Unsubscribe, which posts without a CSRF
// token; the personal token in the URL is the proof.
func (a *app) declineByLink(c echo.Context) error {
	v, err := a.lookupLink(c, c.Param("token"))
	if err != nil {
		return a.linkFailed(c, err)
	}
	if err := a.store.DeclineExpert(c.Request().Context(), v.Expert.ID); err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "expert_decline", declinePage{basePage: a.base(c, "Stop taking part"), StudyTitle: v.Study.Title, Declined: true})
}

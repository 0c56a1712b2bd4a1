package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/mail"
	"github.com/delphi-platform/delphi/internal/store"
)

// accountLinkLifetime is how long a new collaborator's set-up link works.
// After that (or if it is lost) whoever runs the server sets a password
// with `delphi user password`: a coordinator cannot make a second link,
// which would let them take over an account another study also invited.
const accountLinkLifetime = 7 * 24 * time.Hour

type accountInvitedPage struct {
	basePage
	Invitee store.User
	Role    string
	Link    string // shown only when it was not e-mailed
	Emailed bool
	Expires string
}

// setupMail carries a new collaborator's set-up link to their address;
// the coordinator who invited them never sees it.
func setupMail(st store.Study, by, invitee store.User, role, link, expires string) mail.AccountMessage {
	return mail.AccountMessage{ToAddress: invitee.Email, ToName: invitee.Name,
		Subject: "Your account for the Delphi study " + st.Title,
		Text: fmt.Sprintf("Hello %s,\n\n%s <%s> invites you to the Delphi study %q as %s, and an account was made for you.\n\n"+
			"Choose your password here (the link works once, until %s):\n%s\n\n"+
			"If you do not know this person, ignore this e-mail: nobody can use the account without this link.\n",
			invitee.Name, by.Name, by.Email, st.Title, role, expires, link)}
}

type accountSetupPage struct {
	basePage
	Invitee store.User
	Token   string
	Error   string
}

// showAccountSetup is the page a set-up link opens: choose a password.
func (a *App) showAccountSetup(c echo.Context) error {
	u, err := a.accountLinkUser(c)
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "account_setup", accountSetupPage{basePage: a.base(c, "Set up your account"), Invitee: u, Token: c.Param("token")})
}

// setUpAccount sets the new account's password, uses up the link and
// logs the browser in.
func (a *App) setUpAccount(c echo.Context) error {
	u, err := a.accountLinkUser(c)
	if err != nil {
		return err
	}
	page := accountSetupPage{basePage: a.base(c, "Set up your account"), Invitee: u, Token: c.Param("token")}
	pw := c.FormValue("new")
	if pw != c.FormValue("confirm") {
		page.Error = "The password and its repetition differ."
		return a.render(c, http.StatusUnprocessableEntity, "account_setup", page)
	}
	if err := auth.CheckPasswordStrength(pw); err != nil {
		page.Error = "Not set: " + err.Error() + "."
		return a.render(c, http.StatusUnprocessableEntity, "account_setup", page)
	}
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if u, err = a.store.SetUpAccount(ctx, auth.HashToken(c.Param("token")), hash); err != nil {
		if errors.Is(err, store.ErrNotFound) { // used meanwhile
			return echo.NewHTTPError(http.StatusNotFound, "this set-up link has been used or has expired")
		}
		return err
	}
	if err := a.startSession(c, u.ID); err != nil {
		return err
	}
	a.log.InfoContext(ctx, "account set up", "user_id", u.ID, "request_id", requestID(c))
	setFlash(c, "Your account is ready.")
	return c.Redirect(http.StatusSeeOther, "/studies")
}

// accountLinkUser finds the account of a set-up link.
func (a *App) accountLinkUser(c echo.Context) (store.User, error) {
	return a.linkUser(c, a.store.UserByAccountLink,
		"this set-up link is unknown, has been used or has expired; ask whoever runs the server to set a password for you (delphi user password)")
}

// linkUser finds the account of the one-time link in the address (a
// set-up or reset link) with lookup; unknown tokens count against the
// address's limit, as experts' links do, and answer 404 with unknown.
func (a *App) linkUser(c echo.Context, lookup func(context.Context, string) (store.User, error), unknown string) (store.User, error) {
	key := "ip:" + c.RealIP()
	if a.tokenLimiter.Blocked(key) {
		return store.User{}, echo.NewHTTPError(http.StatusTooManyRequests, "too many unknown links; wait a minute")
	}
	u, err := lookup(c.Request().Context(), auth.HashToken(c.Param("token")))
	if errors.Is(err, store.ErrNotFound) {
		a.tokenLimiter.Allow(key)
		return u, echo.NewHTTPError(http.StatusNotFound, unknown)
	}
	return u, err
}

package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/mail"
	"github.com/delphi-platform/delphi/internal/store"
)

// resetLinkLifetime is how long a forgotten-password link works.
const resetLinkLifetime = time.Hour

type forgotPage struct {
	basePage
	SMTP  bool // without it, only whoever runs the server can set a password
	Email string
	Sent  bool
	Error string
}

// showForgotPage asks for the address to send a reset link to.
func (a *App) showForgotPage(c echo.Context) error {
	return a.render(c, http.StatusOK, "account_forgot", forgotPage{basePage: a.base(c, "Forgot your password?"), SMTP: a.mailer != nil})
}

// requestPasswordReset e-mails a one-time link to the address if it has
// an account. The answer is the same page, status and time whether it
// has one or not: the look-up, the link and the e-mail happen in the
// background, so the page tells nobody which addresses have accounts.
// Requests are limited per address and per e-mail.
func (a *App) requestPasswordReset(c echo.Context) error {
	email := strings.ToLower(strings.TrimSpace(c.FormValue("email")))
	page := forgotPage{basePage: a.base(c, "Forgot your password?"), SMTP: a.mailer != nil, Email: email}
	switch {
	case a.mailer == nil:
		return a.render(c, http.StatusOK, "account_forgot", page)
	case email == "":
		page.Error = "Enter the e-mail address of your account."
		return a.render(c, http.StatusUnprocessableEntity, "account_forgot", page)
	case len(email) > auth.MaxEmailLength: // before it becomes a limiter key
		page.Error = emailTooLong
		page.Email = ""
		return a.render(c, http.StatusUnprocessableEntity, "account_forgot", page)
	case !a.resetLimiter.Allow("ip:"+c.RealIP()) || !a.resetLimiter.Allow("email:"+email):
		page.Error = "Too many requests. Wait a minute and try again."
		return a.render(c, http.StatusTooManyRequests, "account_forgot", page)
	}
	a.accountMail.Add(1)
	go func() {
		defer a.accountMail.Done()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := a.sendResetLink(ctx, email); err != nil {
			a.log.Warn("password reset link not sent", "err", err)
		}
	}()
	page.Sent = true
	return a.render(c, http.StatusOK, "account_forgot", page)
}

// sendResetLink makes a reset link for the account of email, if there is
// one, and e-mails it there.
func (a *App) sendResetLink(ctx context.Context, email string) error {
	u, err := a.store.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	token, hash := auth.NewToken()
	expires := time.Now().Add(resetLinkLifetime)
	if err := a.store.CreateResetLink(ctx, u.ID, hash, expires); err != nil {
		return err
	}
	return a.mailer.SendNow(ctx, mail.AccountMessage{ToAddress: u.Email, ToName: u.Name,
		Subject: "Choose a new password for the Delphi platform",
		Text: fmt.Sprintf("Hello %s,\n\nSomeone (you, we hope) asked for a new password for your account <%s>.\n\n"+
			"Choose it here (the link works once, until %s):\n%s\n\n"+
			"A new password logs your account out everywhere and revokes its API tokens.\n"+
			"If you did not ask for this, ignore this e-mail: your password stays as it is.\n",
			u.Name, u.Email, expires.UTC().Format("2 January 2006, 15:04 UTC"), a.cfg.BaseURL+"/account/reset/"+token)})
}

type resetPage struct {
	basePage
	Account store.User
	Token   string
	Error   string
}

// showResetPage is the page a reset link opens: choose a new password.
func (a *App) showResetPage(c echo.Context) error {
	u, err := a.resetLinkUser(c)
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "account_reset", resetPage{basePage: a.base(c, "Choose a new password"), Account: u, Token: c.Param("token")})
}

// resetPassword sets the new password, uses up the link, and ends every
// session and API token of the account; then the owner logs in (with the
// second factor, if it is on).
func (a *App) resetPassword(c echo.Context) error {
	u, err := a.resetLinkUser(c)
	if err != nil {
		return err
	}
	page := resetPage{basePage: a.base(c, "Choose a new password"), Account: u, Token: c.Param("token")}
	pw := c.FormValue("new")
	if pw != c.FormValue("confirm") {
		page.Error = "The password and its repetition differ; nothing was changed."
		return a.render(c, http.StatusUnprocessableEntity, "account_reset", page)
	}
	if err := auth.CheckPasswordStrength(pw); err != nil {
		page.Error = "Not changed: " + err.Error() + "."
		return a.render(c, http.StatusUnprocessableEntity, "account_reset", page)
	}
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := a.store.ResetPassword(ctx, auth.HashToken(c.Param("token")), hash); err != nil {
		if errors.Is(err, store.ErrNotFound) { // used meanwhile
			return echo.NewHTTPError(http.StatusNotFound, "this link has been used or has expired; ask for a new one")
		}
		return err
	}
	a.log.InfoContext(ctx, "password reset", "user_id", u.ID, "request_id", requestID(c))
	setFlash(c, "Your new password is set. Every session and API token of your account has ended: log in with the new password.")
	return c.Redirect(http.StatusSeeOther, "/login")
}

// resetLinkUser finds the account of a password-reset link.
func (a *App) resetLinkUser(c echo.Context) (store.User, error) {
	return a.linkUser(c, a.store.UserByResetLink,
		"this link is unknown, has been used or has expired; ask for a new one with “Forgot your password?” on the login page")
}

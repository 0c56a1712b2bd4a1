package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/store"
)

// errEmailTooLong is a submitted e-mail address longer than any real one;
// emailTooLong is what the login and forgot-password forms say of it.
var (
	errEmailTooLong = errors.New("web: e-mail address too long")
	emailTooLong    = "An e-mail address has at most " + strconv.Itoa(auth.MaxEmailLength) + " characters."
)

// checkLogin finds the account of email and checks its password through
// the login guard (auth.LoginGuard: limits charged before the argon2
// check, bounded concurrent checks, a dummy check for unknown accounts).
// An over-long address is refused before it is looked up or used as a
// limiter key. Errors: errEmailTooLong, auth.ErrBadPassword,
// auth.ErrThrottled, auth.ErrBusy, or a store error.
func (a *App) checkLogin(c echo.Context, email, password string) (store.User, error) {
	if len(email) > auth.MaxEmailLength {
		return store.User{}, errEmailTooLong
	}
	ctx := c.Request().Context()
	u, err := a.store.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return u, err
	}
	return u, a.logins.Verify(ctx, c.RealIP(), email, u.PasswordHash, password)
}

// loginRefusal is the status and sentence for a failed checkLogin, or
// ok=false for an error that is not the visitor's (a store failure).
func loginRefusal(c echo.Context, err error) (status int, msg string, ok bool) {
	switch {
	case errors.Is(err, errEmailTooLong):
		return http.StatusUnprocessableEntity, emailTooLong, true
	case errors.Is(err, auth.ErrBadPassword):
		return http.StatusUnauthorized, "The e-mail address or password is wrong.", true
	case errors.Is(err, auth.ErrThrottled):
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(auth.PairEvery.Seconds())))
		return http.StatusTooManyRequests, "Too many login attempts. Wait a minute and try again.", true
	case errors.Is(err, auth.ErrBusy):
		c.Response().Header().Set("Retry-After", "5")
		return http.StatusServiceUnavailable, "The server is checking many passwords at once. Try again in a few seconds.", true
	}
	return 0, "", false
}

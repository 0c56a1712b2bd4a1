package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/store"
)

type loginPage struct {
	basePage
	Email string
	Next  string
	Error string
}

func (a *App) showLoginPage(c echo.Context) error {
	if _, ok := c.Get(ctxUser).(store.User); ok {
		return c.Redirect(http.StatusSeeOther, "/studies")
	}
	return a.render(c, http.StatusOK, "login", loginPage{basePage: a.base(c, "Log in"), Next: safeNext(c.QueryParam("next"))})
}

// safeNext keeps post-login redirects on this site: only a clean local
// path is kept. Browsers drop tabs and newlines from a Location and read
// a backslash as a slash, so "/\t/evil.example" or "/\evil.example" would
// leave the site as "//evil.example"; anything with such characters, or
// that parses with a scheme or host, goes to the studies instead.
func safeNext(next string) string {
	const home = "/studies"
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsRune(next, '\\') {
		return home
	}
	for _, r := range next {
		if r < 0x21 || r == 0x7f || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return home
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || strings.HasPrefix(u.Path, "//") {
		return home
	}
	return next
}

func (a *App) login(c echo.Context) error {
	email := strings.ToLower(strings.TrimSpace(c.FormValue("email")))
	page := loginPage{basePage: a.base(c, "Log in"), Email: email, Next: safeNext(c.FormValue("next"))}
	u, err := a.checkLogin(c, email, c.FormValue("password")) // login_check.go
	if status, msg, ok := loginRefusal(c, err); ok {
		if errors.Is(err, errEmailTooLong) {
			page.Email = ""
		}
		page.Error = msg
		return a.render(c, status, "login", page)
	}
	if err != nil {
		return err
	}
	if u.TOTPEnabled { // the password was right; a code is still to come (handlers_twofactor.go)
		return a.startTwoFactor(c, u, page.Next)
	}
	ctx := c.Request().Context()
	if err := a.startSession(c, u.ID); err != nil {
		return err
	}
	a.log.InfoContext(ctx, "login", "user_id", u.ID, "request_id", requestID(c))
	return c.Redirect(http.StatusSeeOther, page.Next)
}

// startSession logs this browser in: a new session and its cookie.
func (a *App) startSession(c echo.Context, userID int64) error {
	token, hash := auth.NewToken()
	if err := a.store.CreateSession(c.Request().Context(), hash, userID, a.cfg.SessionLifetime); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: a.cfg.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: int(a.cfg.SessionLifetime.Seconds())})
	a.rotateCSRF(c)
	return nil
}

func (a *App) logout(c echo.Context) error {
	if ck, err := c.Cookie(sessionCookie); err == nil {
		if err := a.store.DeleteSession(c.Request().Context(), auth.HashToken(ck.Value)); err != nil {
			return err
		}
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: a.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	a.rotateCSRF(c)
	return c.Redirect(http.StatusSeeOther, "/login")
}

// tokensPage is the account page: the password, the second factor and
// the API tokens.
type tokensPage struct {
	basePage
	Tokens         []store.APIToken
	NewToken       string
	PasswordError  string
	TwoFactorError string
	RecoveryLeft   int // unused recovery codes, when the second factor is on
}

func (a *App) showTokensPage(c echo.Context) error {
	return a.renderAccount(c, http.StatusOK, "", "")
}

func (a *App) renderAccount(c echo.Context, status int, passwordError, twoFactorError string) error {
	ctx := c.Request().Context()
	ts, err := a.store.APITokensByUser(ctx, user(c).ID)
	if err != nil {
		return err
	}
	left, err := a.store.RecoveryCodesLeft(ctx, user(c).ID)
	if err != nil {
		return err
	}
	return a.render(c, status, "account_tokens", tokensPage{basePage: a.base(c, "Your account"), Tokens: ts,
		PasswordError: passwordError, TwoFactorError: twoFactorError, RecoveryLeft: left})
}

// changePassword sets a new password after checking the current one
// (through the same guard as logins) and ends every other
// session of the account: whoever else was logged in as this coordinator
// is logged out. Its API tokens are revoked unless "keep my API tokens"
// was ticked.
func (a *App) changePassword(c echo.Context) error {
	u := user(c)
	err := a.logins.Verify(c.Request().Context(), c.RealIP(), u.Email, u.PasswordHash, c.FormValue("current"))
	if errors.Is(err, auth.ErrBadPassword) {
		return a.renderAccount(c, http.StatusUnprocessableEntity, "Your current password is wrong; nothing was changed.", "")
	}
	if status, msg, ok := loginRefusal(c, err); ok {
		return a.renderAccount(c, status, msg, "")
	}
	if err != nil {
		return err
	}
	pw := c.FormValue("new")
	if pw != c.FormValue("confirm") {
		return a.renderAccount(c, http.StatusUnprocessableEntity, "The new password and its repetition differ; nothing was changed.", "")
	}
	if err := auth.CheckPasswordStrength(pw); err != nil {
		return a.renderAccount(c, http.StatusUnprocessableEntity, "Not changed: "+err.Error()+".", "")
	}
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return err
	}
	if err := a.store.SetUserPassword(c.Request().Context(), u.ID, hash); err != nil {
		return err
	}
	// Whoever learnt the old password may have made API tokens with it:
	// they are revoked too, unless the owner chose to keep them.
	msg := "Password changed. Your other sessions were logged out and your API tokens revoked."
	if c.FormValue("keep_tokens") == "on" {
		msg = "Password changed. Your other sessions were logged out; your API tokens still work."
	} else if _, err := a.store.RevokeAPITokens(c.Request().Context(), u.ID); err != nil {
		return err
	}
	if err := a.startSession(c, u.ID); err != nil {
		return err
	}
	a.log.InfoContext(c.Request().Context(), "password changed", "user_id", u.ID, "request_id", requestID(c))
	setFlash(c, msg)
	return c.Redirect(http.StatusSeeOther, "/account")
}

// createToken shows the new token once, on the response page itself,
// rather than after a redirect, so it is never stored anywhere.
func (a *App) createToken(c echo.Context) error {
	ctx := c.Request().Context()
	token, hash := auth.NewToken()
	label := strings.TrimSpace(c.FormValue("label"))
	if label == "" {
		label = "web"
	}
	if _, err := a.store.CreateAPIToken(ctx, user(c).ID, hash, label); err != nil {
		return err
	}
	ts, err := a.store.APITokensByUser(ctx, user(c).ID)
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "account_tokens", tokensPage{basePage: a.base(c, "Your account"), Tokens: ts, NewToken: token})
}

func (a *App) revokeToken(c echo.Context) error {
	id, _ := strconv.ParseInt(c.Param("tid"), 10, 64)
	if err := a.store.RevokeAPIToken(c.Request().Context(), user(c).ID, id); err != nil {
		return err
	}
	setFlash(c, "Token revoked.")
	return c.Redirect(http.StatusSeeOther, "/account/tokens")
}

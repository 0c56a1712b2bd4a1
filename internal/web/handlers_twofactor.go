package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"html/template"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/store"
)

// The optional second factor: codes of an authenticator app (TOTP, RFC
// 6238: 6 digits, 30 seconds, SHA-1, as every app reads them) or one-time
// recovery codes. After the password, login stops at a short-lived
// challenge (its own cookie, no session) until a code is right.
const (
	twoFactorCookie   = "delphi_login"
	twoFactorLifetime = 5 * time.Minute
	twoFactorFailures = 5 // wrong codes before the login starts again from the password
	recoveryCodeCount = 10
	totpIssuer        = "Delphi"
)

var totpOpts = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// startTwoFactor is the login's second step for an account with the
// second factor on: the password was right, a code is still to come.
func (a *App) startTwoFactor(c echo.Context, u store.User, next string) error {
	token, hash := auth.NewToken()
	if err := a.store.CreateLoginChallenge(c.Request().Context(), hash, u.ID, next, twoFactorLifetime); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: twoFactorCookie, Value: token, Path: "/login", HttpOnly: true,
		Secure: a.cfg.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: int(twoFactorLifetime.Seconds())})
	return c.Redirect(http.StatusSeeOther, "/login/code")
}

type codePage struct {
	basePage
	Error string
}

// loginChallenge is the browser's unexpired challenge and its hash.
func (a *App) loginChallenge(c echo.Context) (store.LoginChallenge, string, error) {
	ck, err := c.Cookie(twoFactorCookie)
	if err != nil || ck.Value == "" {
		return store.LoginChallenge{}, "", store.ErrNotFound
	}
	hash := auth.HashToken(ck.Value)
	lc, err := a.store.LoginChallengeByToken(c.Request().Context(), hash)
	return lc, hash, err
}

// loginAgain sends a browser whose challenge is gone back to the password.
func (a *App) loginAgain(c echo.Context, why string) error {
	c.SetCookie(&http.Cookie{Name: twoFactorCookie, Path: "/login", MaxAge: -1, HttpOnly: true, Secure: a.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	setFlash(c, why)
	return c.Redirect(http.StatusSeeOther, "/login")
}

func (a *App) showCodePage(c echo.Context) error {
	_, _, err := a.loginChallenge(c)
	if errors.Is(err, store.ErrNotFound) {
		return a.loginAgain(c, "Your login expired: log in again.")
	}
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "login_code", codePage{basePage: a.base(c, "Two-factor code")})
}

// verifyLoginCode finishes a login with an authenticator code or a
// recovery code. Wrong codes are limited per account and per challenge.
func (a *App) verifyLoginCode(c echo.Context) error {
	ctx := c.Request().Context()
	lc, hash, err := a.loginChallenge(c)
	if errors.Is(err, store.ErrNotFound) {
		return a.loginAgain(c, "Your login expired: log in again.")
	}
	if err != nil {
		return err
	}
	page := codePage{basePage: a.base(c, "Two-factor code")}
	key := "user:" + strconv.FormatInt(lc.UserID, 10)
	if a.codeLimiter.Blocked(key) {
		page.Error = "Too many wrong codes. Wait a minute and try again."
		return a.render(c, http.StatusTooManyRequests, "login_code", page)
	}
	u, err := a.store.UserByID(ctx, lc.UserID)
	if err != nil {
		return err
	}
	ok, err := a.checkSecondFactor(ctx, u, c.FormValue("code"))
	if err != nil {
		return err
	}
	if !ok {
		a.codeLimiter.Allow(key)
		if err := a.store.FailLoginChallenge(ctx, hash, twoFactorFailures); err != nil {
			return err
		}
		if lc.Failures+1 >= twoFactorFailures {
			return a.loginAgain(c, "Too many wrong codes: log in again.")
		}
		page.Error = "The code is wrong (or was used already). Enter the current code of your app, or one of your recovery codes."
		return a.render(c, http.StatusUnauthorized, "login_code", page)
	}
	if err := a.store.DeleteLoginChallenge(ctx, hash); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: twoFactorCookie, Path: "/login", MaxAge: -1, HttpOnly: true, Secure: a.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	if err := a.startSession(c, u.ID); err != nil {
		return err
	}
	a.log.InfoContext(ctx, "login", "user_id", u.ID, "second_factor", true, "request_id", requestID(c))
	return c.Redirect(http.StatusSeeOther, safeNext(lc.NextPath))
}

// checkSecondFactor tells whether code is the account's current
// authenticator code (of a time step not used before) or one of its
// unused recovery codes, and uses it up.
func (a *App) checkSecondFactor(ctx context.Context, u store.User, code string) (bool, error) {
	if !u.TOTPEnabled {
		return false, nil
	}
	code = normalizeCode(code)
	if step, ok := totpStep(u.TOTPSecret, code, time.Now()); ok {
		err := a.store.UseTOTPStep(ctx, u.ID, step)
		if errors.Is(err, store.ErrNotFound) { // replayed
			return false, nil
		}
		return err == nil, err
	}
	if len(code) != 16 {
		return false, nil
	}
	err := a.store.UseRecoveryCode(ctx, u.ID, auth.HashToken(code))
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// normalizeCode drops the spaces and dashes people type or copy.
func normalizeCode(code string) string {
	return strings.ToLower(strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(code)))
}

// totpStep finds the 30-second step, now or one step either side (clocks
// drift), whose code is code.
func totpStep(secret, code string, now time.Time) (int64, bool) {
	if secret == "" || len(code) != 6 {
		return 0, false
	}
	for _, skew := range []int64{0, -1, 1} {
		t := now.Add(time.Duration(skew) * 30 * time.Second)
		want, err := totp.GenerateCodeCustom(secret, t, totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return t.Unix() / 30, true
		}
	}
	return 0, false
}

// totpKey is the account's key as an authenticator app reads it.
func totpKey(u store.User) (*otp.Key, error) {
	q := url.Values{"secret": {u.TOTPSecret}, "issuer": {totpIssuer}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {"30"}}
	return otp.NewKeyFromURL((&url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + totpIssuer + ":" + u.Email, RawQuery: q.Encode()}).String())
}

type twoFactorPage struct {
	basePage
	Secret        string
	URI           template.URL // otpauth: (made here, so safe to link)
	QR            template.URL // a data: PNG (the CSP allows data: images)
	Error         string
	RecoveryCodes []string // shown once, when the second factor was turned on
}

// setUpTwoFactor makes a new key for the account and shows it: secret,
// otpauth URI and QR code. It is not used until a code confirms it.
func (a *App) setUpTwoFactor(c echo.Context) error {
	u := user(c)
	if u.TOTPEnabled {
		setFlash(c, "Two-factor authentication is on already.")
		return c.Redirect(http.StatusSeeOther, "/account")
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: u.Email})
	if err != nil {
		return err
	}
	if err := a.store.SetTOTPSecret(c.Request().Context(), u.ID, key.Secret()); err != nil {
		return err
	}
	u.TOTPSecret = key.Secret()
	return a.renderTwoFactorSetup(c, http.StatusOK, u, "")
}

func (a *App) renderTwoFactorSetup(c echo.Context, status int, u store.User, msg string) error {
	key, err := totpKey(u)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store") // the key: not for the browser's cache
	p := twoFactorPage{basePage: a.base(c, "Two-factor authentication"), Secret: key.Secret(), URI: template.URL(key.URL()), Error: msg}
	if img, err := key.Image(240, 240); err == nil {
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err == nil {
			p.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))
		}
	}
	return a.render(c, status, "account_twofactor", p)
}

// enableTwoFactor turns the second factor on once a code from the new key
// is right, and shows the recovery codes once (only their hashes are kept).
func (a *App) enableTwoFactor(c echo.Context) error {
	ctx := c.Request().Context()
	u := user(c)
	if u.TOTPEnabled || u.TOTPSecret == "" {
		return a.loginAgainOnAccount(c)
	}
	step, ok := totpStep(u.TOTPSecret, normalizeCode(c.FormValue("code")), time.Now())
	if !ok {
		return a.renderTwoFactorSetup(c, http.StatusUnprocessableEntity, u, "The code is wrong; two-factor authentication is still off. Enter the code your app shows now.")
	}
	codes := make([]string, recoveryCodeCount)
	hashes := make([]string, recoveryCodeCount)
	for i := range codes {
		codes[i], hashes[i] = newRecoveryCode()
	}
	if err := a.store.EnableTOTP(ctx, u.ID, step, hashes); err != nil {
		return err
	}
	a.log.InfoContext(ctx, "two-factor on", "user_id", u.ID, "request_id", requestID(c))
	c.Response().Header().Set("Cache-Control", "no-store") // the recovery codes: not for the browser's cache
	p := twoFactorPage{basePage: a.base(c, "Two-factor authentication"), RecoveryCodes: codes}
	p.Flash = "Two-factor authentication is on."
	return a.render(c, http.StatusOK, "account_twofactor", p)
}

// loginAgainOnAccount answers a two-factor form that no longer fits the
// account's state (posted twice, or from an old page).
func (a *App) loginAgainOnAccount(c echo.Context) error {
	setFlash(c, "Nothing changed: the page was out of date.")
	return c.Redirect(http.StatusSeeOther, "/account")
}

// newRecoveryCode is 80 random bits as 16 base32 letters, shown in groups
// of four, and the hash it is stored under.
func newRecoveryCode() (code, hash string) {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		panic("web: no randomness: " + err.Error())
	}
	s := strings.ToLower(base32.StdEncoding.EncodeToString(b))
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16], auth.HashToken(s)
}

// disableTwoFactor turns the second factor off, given the password and a
// code (or a recovery code); failures count as wrong logins do.
func (a *App) disableTwoFactor(c echo.Context) error {
	ctx := c.Request().Context()
	u := user(c)
	if !u.TOTPEnabled {
		return a.loginAgainOnAccount(c)
	}
	key := "user:" + strconv.FormatInt(u.ID, 10)
	if a.codeLimiter.Blocked(key) {
		return a.renderAccount(c, http.StatusTooManyRequests, "", "Too many wrong attempts. Wait a minute and try again.")
	}
	if err := auth.CheckPassword(u.PasswordHash, c.FormValue("password")); err != nil {
		if !errors.Is(err, auth.ErrBadPassword) {
			return err
		}
		a.codeLimiter.Allow(key)
		return a.renderAccount(c, http.StatusUnprocessableEntity, "", "Your password is wrong; two-factor authentication is still on.")
	}
	ok, err := a.checkSecondFactor(ctx, u, c.FormValue("code"))
	if err != nil {
		return err
	}
	if !ok {
		a.codeLimiter.Allow(key)
		return a.renderAccount(c, http.StatusUnprocessableEntity, "", "The code is wrong; two-factor authentication is still on.")
	}
	if err := a.store.DisableTOTP(ctx, u.ID); err != nil {
		return err
	}
	a.log.InfoContext(ctx, "two-factor off", "user_id", u.ID, "request_id", requestID(c))
	setFlash(c, "Two-factor authentication is off.")
	return c.Redirect(http.StatusSeeOther, "/account")
}

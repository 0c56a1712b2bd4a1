package web

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/store"
)

// Keys of values the middleware puts in the echo context.
const (
	ctxUser  = "user"
	ctxCSRF  = "csrf"
	ctxStudy = "study"
	ctxRole  = "role"
	// ctxRoundStudy is the study of a round-addressed API route (:rid).
	ctxRoundStudy = "round_study"
)

const sessionCookie = "delphi_session"

// requestID returns the id the RequestID middleware gave this request.
func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

// logRequests writes one structured line per request, with its id.
func (a *App) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		level := slog.LevelInfo
		if c.Response().Status >= 500 {
			level = slog.LevelError
		}
		a.log.Log(c.Request().Context(), level, "request", "method", c.Request().Method, "path", loggedPath(c),
			"status", c.Response().Status, "duration_ms", float64(time.Since(start).Microseconds())/1000, "request_id", requestID(c))
		return nil
	}
}

// loggedPath is the request's path with a personal link's token (an
// expert's, round 0's or a new collaborator's) replaced: a token in a log
// file would open the link, while the database keeps only its hash. The
// path is the decoded one, and it is redacted by its prefix whether or not
// a route matched (/r/<token>/, /r/<token>/decline/x, //r/…, /R/%5A…).
func loggedPath(c echo.Context) string {
	// The path as the client sent it, decoded: "//r/<token>" would parse
	// as the host "r" and the path "/<token>".
	path := c.Request().URL.Path
	if raw, _, _ := strings.Cut(c.Request().RequestURI, "?"); strings.HasPrefix(raw, "/") {
		if p, err := url.PathUnescape(raw); err == nil {
			path = p
		}
	}
	if tok := c.Param("token"); tok != "" {
		path = strings.ReplaceAll(path, tok, "[token]")
	}
	return redactTokens(path)
}

// tokenPrefixes are the addresses whose next path segment is a secret.
var tokenPrefixes = []string{"/r/", "/i/", "/account/setup/", "/account/reset/"}

// redactTokens replaces the segment after a token prefix (in any case,
// after any number of leading slashes) with [token].
func redactTokens(path string) string {
	clean := "/" + strings.TrimLeft(path, "/")
	for _, p := range tokenPrefixes {
		if len(clean) > len(p) && strings.EqualFold(clean[:len(p)], p) {
			_, after, more := strings.Cut(clean[len(p):], "/")
			if more {
				return p + "[token]/" + after
			}
			return p + "[token]"
		}
	}
	return path
}

// securityHeaders sets the headers every response carries. The CSP allows
// no inline script at all; pages use only /static files.
func (a *App) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		if a.cfg.SecureCookies {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		// Pages carry personal data (names, e-mail addresses, answers, a
		// subject-access export): no browser or proxy cache keeps a copy.
		if !strings.HasPrefix(c.Request().URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}

// csrf protects every form: browsers that send Sec-Fetch-Site are checked
// by it, others by a double-submit token in the form field "csrf". The API
// is exempt: it authenticates with bearer tokens, never cookies.
func (a *App) csrf() echo.MiddlewareFunc {
	return middleware.CSRFWithConfig(middleware.CSRFConfig{
		Skipper: func(c echo.Context) bool {
			path := c.Request().URL.Path
			// One-click List-Unsubscribe (RFC 8058) posts to the decline link
			// from the mail provider, without a token; the link's own
			// 256-bit token is the proof there.
			isDecline := a.roundLink.isDecline(path) || a.ideaLink.isDecline(path)
			return strings.HasPrefix(path, "/api/") || (isDecline && c.Request().Method == http.MethodPost)
		},
		TokenLookup:    "form:csrf,header:X-CSRF-Token",
		ContextKey:     ctxCSRF,
		CookieName:     csrfCookie,
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   a.cfg.SecureCookies,
		CookieSameSite: http.SameSiteLaxMode,
		ErrorHandler: func(err error, c echo.Context) error {
			return echo.NewHTTPError(http.StatusForbidden, "the form expired or came from another site; reload the page and try again")
		},
	})
}

const (
	csrfCookie       = "delphi_csrf"
	csrfCookieMaxAge = 86400 // echo's CSRF default, which the middleware gives its cookie
)

// rotateCSRF gives the browser a new CSRF token when it logs in or out, so
// a token someone read or planted before is worthless afterwards. The
// cookie the CSRF middleware already set on this response is replaced.
func (a *App) rotateCSRF(c echo.Context) {
	h := c.Response().Header()
	var kept []string
	for _, v := range h.Values("Set-Cookie") {
		if !strings.HasPrefix(v, csrfCookie+"=") {
			kept = append(kept, v)
		}
	}
	h.Del("Set-Cookie")
	for _, v := range kept {
		h.Add("Set-Cookie", v)
	}
	token, _ := auth.NewToken()
	c.Set(ctxCSRF, token)
	c.SetCookie(&http.Cookie{Name: csrfCookie, Value: token, Path: "/", HttpOnly: true, Secure: a.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: csrfCookieMaxAge})
}

// loadUser puts the logged-in coordinator, if any, in the context.
func (a *App) loadUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
			u, err := a.store.UserBySession(c.Request().Context(), auth.HashToken(ck.Value))
			switch {
			case err == nil:
				c.Set(ctxUser, u)
			case !errors.Is(err, store.ErrNotFound):
				return err
			}
		}
		return next(c)
	}
}

// requireUser sends visitors without a session to the login page.
func requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, ok := c.Get(ctxUser).(store.User); !ok {
			return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
		}
		return next(c)
	}
}

// requireToken authenticates API calls with "Authorization: Bearer <token>".
func (a *App) requireToken(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(token) == "" {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="delphi"`)
			return echo.NewHTTPError(http.StatusUnauthorized, "send an API token: Authorization: Bearer <token> (create one with `delphi token add`)")
		}
		key := "api:" + c.RealIP()
		if a.tokenLimiter.Blocked(key) {
			return echo.NewHTTPError(http.StatusTooManyRequests, "too many requests with unknown tokens; wait a minute")
		}
		u, err := a.store.UserByAPIToken(c.Request().Context(), auth.HashToken(strings.TrimSpace(token)))
		if errors.Is(err, store.ErrNotFound) {
			a.tokenLimiter.Allow(key) // only unknown tokens count against the address
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="delphi", error="invalid_token"`)
			return echo.NewHTTPError(http.StatusUnauthorized, "the API token is unknown or revoked")
		}
		if err != nil {
			return err
		}
		c.Set(ctxUser, u)
		return next(c)
	}
}

// roleRank orders roles so that a route can ask for "at least" one.
var roleRank = map[string]int{store.RoleResearcher: 1, store.RoleCoordinator: 2, store.RoleOwner: 3}

// studyAccess loads the study named by the :id parameter and checks that
// the user has at least the given role in it. A study the user has no role
// in answers 404, so its existence is not revealed.
func (a *App) studyAccess(minRole string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			u := c.Get(ctxUser).(store.User)
			id, err := strconv.ParseInt(c.Param("id"), 10, 64)
			if rid, ok := c.Get(ctxRoundStudy).(int64); ok {
				id, err = rid, nil
			}
			if err != nil {
				return echo.NewHTTPError(http.StatusNotFound, "no such study")
			}
			ctx := c.Request().Context()
			role, err := a.store.RoleInStudy(ctx, id, u.ID)
			if errors.Is(err, store.ErrNotFound) {
				return echo.NewHTTPError(http.StatusNotFound, "no such study")
			}
			if err != nil {
				return err
			}
			if roleRank[role] < roleRank[minRole] {
				return echo.NewHTTPError(http.StatusForbidden, "your role in this study ("+role+") cannot do this")
			}
			st, err := a.store.StudyByID(ctx, id)
			if err != nil {
				return err
			}
			c.Set(ctxStudy, st)
			c.Set(ctxRole, role)
			return next(c)
		}
	}
}

// roundAccess is studyAccess for routes named by a round (:rid): it finds
// the round's study and checks the role there.
func (a *App) roundAccess(minRole string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		check := a.studyAccess(minRole)(next)
		return func(c echo.Context) error {
			r, err := a.store.RoundByID(c.Request().Context(), paramID(c, "rid"))
			if errors.Is(err, store.ErrNotFound) {
				return echo.NewHTTPError(http.StatusNotFound, "no such round")
			}
			if err != nil {
				return err
			}
			c.Set(ctxRoundStudy, r.StudyID)
			return check(c)
		}
	}
}

// study returns the study loaded by studyAccess.
func study(c echo.Context) store.Study { return c.Get(ctxStudy).(store.Study) }

// user returns the authenticated user.
func user(c echo.Context) store.User { return c.Get(ctxUser).(store.User) }

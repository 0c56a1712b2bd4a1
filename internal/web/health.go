package web

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// readiness is the body of /readyz: each check with its outcome.
type readiness struct {
	Ready  bool              `json:"ready"`
	Checks map[string]string `json:"checks"`
}

// stuckAfter is how long a due e-mail may wait while SMTP is configured
// before the outbox counts as stuck.
const stuckAfter = 15 * time.Minute

// showReadiness answers 200 when the instance can serve: the database
// answers, its schema is current, and (with SMTP configured) no e-mail has
// been due for longer than stuckAfter. Otherwise 503 with the failing checks.
func (a *App) showReadiness(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	r := readiness{Ready: true, Checks: map[string]string{}}
	fail := func(check, msg string) { r.Ready, r.Checks[check] = false, msg }
	if err := a.store.Ping(ctx); err != nil {
		fail("database", err.Error())
	} else {
		r.Checks["database"] = "ok"
		if cur, latest, err := a.store.SchemaVersion(ctx); err != nil {
			fail("migrations", err.Error())
		} else if cur != latest {
			fail("migrations", "schema behind: run `delphi migrate`")
		} else {
			r.Checks["migrations"] = "ok"
		}
		if a.mailer != nil {
			if oldest, err := a.store.OldestDueMessage(ctx); err != nil {
				fail("outbox", err.Error())
			} else if !oldest.IsZero() && time.Since(oldest) > stuckAfter {
				fail("outbox", "e-mails have been due since "+oldest.UTC().Format(time.RFC3339)+"; is the SMTP server reachable?")
			} else {
				r.Checks["outbox"] = "ok"
			}
		}
	}
	status := http.StatusOK
	if !r.Ready {
		status = http.StatusServiceUnavailable
	}
	return c.JSON(status, r)
}

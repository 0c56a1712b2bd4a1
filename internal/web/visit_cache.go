package web

import (
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// visitCache keeps, for two seconds, the visit (invitation, round, study,
// expert) behind an expert's cookie, for the autosave alone: a panelist
// choosing answers sends a save every few seconds, and reading the visit
// was the largest part of a save's CPU. Two seconds of staleness is safe
// there because the save itself checks, in the statement that writes,
// that the link is not revoked, the round is open and the statement is
// the round's (store.SaveRating); only consented visits of classic
// studies are kept (real-time saves and everything else read afresh).
type visitCache struct {
	mu      sync.Mutex
	entries map[string]cachedVisit
}

type cachedVisit struct {
	visit expertVisit
	until time.Time
}

const (
	visitTTL        = 2 * time.Second
	visitCacheLimit = 20000 // entries before expired ones are swept
)

func (vc *visitCache) get(token string, now time.Time) (expertVisit, bool) {
	vc.mu.Lock()
	defer vc.mu.Unlock()
	e, ok := vc.entries[token]
	if !ok || now.After(e.until) {
		return expertVisit{}, false
	}
	return e.visit, true
}

func (vc *visitCache) put(token string, v expertVisit, now time.Time) {
	vc.mu.Lock()
	defer vc.mu.Unlock()
	if vc.entries == nil {
		vc.entries = map[string]cachedVisit{}
	}
	if len(vc.entries) >= visitCacheLimit {
		for k, e := range vc.entries {
			if now.After(e.until) {
				delete(vc.entries, k)
			}
		}
		if len(vc.entries) >= visitCacheLimit {
			return // all fresh: do not grow further
		}
	}
	vc.entries[token] = cachedVisit{v, now.Add(visitTTL)}
}

// requireExpertForSave is requireExpert for the autosave, with the cache.
func (a *App) requireExpertForSave(next echo.HandlerFunc) echo.HandlerFunc {
	// On a miss, requireExpert loads the visit; remember keeps it.
	load := a.requireExpert(a.roundLink)(func(c echo.Context) error {
		v := c.Get(ctxInvitation).(expertVisit)
		if ck, err := c.Cookie(expertCookie); err == nil && v.Expert.ConsentedAt.Valid && !v.Study.Realtime() {
			a.visits.put(ck.Value, v, time.Now())
		}
		return next(c)
	})
	return func(c echo.Context) error {
		if ck, err := c.Cookie(expertCookie); err == nil {
			if v, ok := a.visits.get(ck.Value, time.Now()); ok {
				c.Set(ctxInvitation, v)
				return next(c)
			}
		}
		return load(c)
	}
}

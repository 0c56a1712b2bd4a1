// Package workflow is what the platform does, one function per action:
// create, launch, remind and close a round, carry statements over, run
// round 0, take real-time snapshots, load a study's answers for analysis,
// run the background jobs. The coordinator pages, the JSON API, the jobs
// and the demo all call these same functions, so they cannot drift apart.
// It knows nothing of HTTP: errors carry a kind and a sentence for the
// user (package fault), and internal/web turns them into responses.
package workflow

import (
	"log/slog"
	"sync"

	"github.com/delphi-platform/delphi/internal/i18n"
	"github.com/delphi-platform/delphi/internal/store"
)

// Service runs the workflows over one store.
type Service struct {
	store   *store.Store
	baseURL string // the start of every personal link
	log     *slog.Logger
	// notify wakes the e-mail dispatcher after messages were queued; nil
	// when no SMTP server is configured.
	wake func()
	// results keeps the studies' computed results (StudyResults); shared
	// with the copies that run inside a transaction (withStore).
	results *resultsCache
	// catalog translates the few sentences of the e-mails that are not
	// in their templates (button labels); built on first use unless the
	// application shares its own (UseCatalog).
	catalog func() (*i18n.Catalog, error)
}

// New returns the workflows over s. wake (may be nil) is called after
// e-mails were queued.
func New(s *store.Store, baseURL string, log *slog.Logger, wake func()) *Service {
	return &Service{store: s, baseURL: baseURL, log: log, wake: wake, results: &resultsCache{}, catalog: sync.OnceValues(i18n.New)}
}

// UseCatalog shares the application's message catalogue with the
// workflows, instead of building a second one.
func (w *Service) UseCatalog(c *i18n.Catalog) {
	w.catalog = func() (*i18n.Catalog, error) { return c, nil }
}

// notify wakes the e-mail dispatcher.
func (w *Service) notify() {
	if w.wake != nil {
		w.wake()
	}
}

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

	"github.com/delphi-platform/delphi/internal/i18n"
	"github.com/delphi-platform/delphi/internal/store"
)

// Service runs the workflows over one store.
type Service struct {
	store   *store.Store
	baseURL string        // the start of every personal link
	i18n    *i18n.Catalog // e-mails in the expert's language
	log     *slog.Logger
	// notify wakes the e-mail dispatcher after messages were queued; nil
	// when no SMTP server is configured.
	wake func()
	// results keeps the studies' computed results (StudyResults).
	results resultsCache
}

// New returns the workflows over s. wake (may be nil) is called after
// e-mails were queued.
func New(s *store.Store, baseURL string, cat *i18n.Catalog, log *slog.Logger, wake func()) *Service {
	return &Service{store: s, baseURL: baseURL, i18n: cat, log: log, wake: wake}
}

// notify wakes the e-mail dispatcher.
func (w *Service) notify() {
	if w.wake != nil {
		w.wake()
	}
}

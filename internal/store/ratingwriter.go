package store

import (
	"context"
	"errors"
	"sync"

	"github.com/delphi-platform/delphi/rounds"
)

// RatingWriter saves experts' answers with group commit: answers that
// arrive while a transaction is being committed wait and are written
// together in the next one, so a round's busiest minutes cost one commit
// (one fsync) per batch instead of one per answer. Each caller returns
// only after the transaction holding its answer committed, so an
// acknowledged answer is as durable as with SaveRating.
//
// An answer that SaveRating refuses (closed round, foreign statement)
// gets its own error without failing the others; a batch whose
// transaction fails as a whole is retried one answer at a time.
type RatingWriter struct {
	s      *Store
	in     chan *ratingSave
	stop   chan struct{} // closed by Close
	exited chan struct{} // closed when the writer has stopped
	wg     sync.WaitGroup
	once   sync.Once
}

type ratingSave struct {
	invitationID, roundStatementID int64
	rating                         *int
	unable                         bool
	comment                        string
	done                           chan saved
}

// saved is a save's outcome: its error, or how many statements the
// invitation has answered once it committed.
type saved struct {
	answered int
	err      error
}

// maxBatch bounds a transaction's size, so one commit never holds the
// write lock for long.
const maxBatch = 256

// NewRatingWriter starts a writer; Close stops it after the answers
// already handed to it are written.
func NewRatingWriter(s *Store) *RatingWriter {
	w := &RatingWriter{s: s, in: make(chan *ratingSave, maxBatch), stop: make(chan struct{}), exited: make(chan struct{})}
	w.wg.Add(1)
	go func() {
		defer close(w.exited)
		w.run()
	}()
	return w
}

// ErrWriterClosed is returned for answers handed to a closed writer.
var ErrWriterClosed = errors.New("store: rating writer closed")

// Save writes one answer (see SaveRating) and returns once it is
// committed, with how many statements the invitation has now answered (a
// rating or "unable"; counted for the whole batch in one query). If ctx
// ends first Save returns its error; the answer may still be written.
func (w *RatingWriter) Save(ctx context.Context, invitationID, roundStatementID int64, rating *int, unable bool, comment string) (answered int, err error) {
	req := &ratingSave{invitationID, roundStatementID, rating, unable, comment, make(chan saved, 1)}
	select {
	case <-w.stop:
		return 0, ErrWriterClosed
	default:
	}
	select {
	case w.in <- req:
	case <-w.stop:
		return 0, ErrWriterClosed
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	select {
	case r := <-req.done:
		return r.answered, r.err
	case <-w.exited:
		select { // written in the writer's last batch, or left behind
		case r := <-req.done:
			return r.answered, r.err
		default:
			return 0, ErrWriterClosed
		}
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// Close writes what is queued and stops the writer.
func (w *RatingWriter) Close() {
	w.once.Do(func() { close(w.stop) })
	w.wg.Wait()
}

func (w *RatingWriter) run() {
	defer w.wg.Done()
	for {
		var first *ratingSave
		select {
		case first = <-w.in:
		case <-w.stop:
			// Answers already queued are written before stopping.
			for {
				select {
				case req := <-w.in:
					w.write([]*ratingSave{req})
				default:
					return
				}
			}
		}
		batch := []*ratingSave{first}
	fill:
		for len(batch) < maxBatch {
			select {
			case req := <-w.in:
				batch = append(batch, req)
			default:
				break fill
			}
		}
		w.write(batch)
	}
}

// write commits a batch in one transaction. Answers the store refuses
// keep their own error; the rest commit together, and their callers learn
// how many statements their invitation has answered.
func (w *RatingWriter) write(batch []*ratingSave) {
	ctx := context.Background() // the batch outlives any one request
	errs := make([]error, len(batch))
	err := w.s.Transact(ctx, func(tx *Store) error {
		for i, r := range batch {
			errs[i] = tx.SaveRating(ctx, r.invitationID, r.roundStatementID, r.rating, r.unable, r.comment)
			if errs[i] != nil && !errors.Is(errs[i], ErrNotFound) && !isRefusal(errs[i]) {
				return errs[i] // a database error: the transaction is lost
			}
		}
		return nil
	})
	if err != nil && len(batch) > 1 {
		for _, r := range batch { // find the one that broke the batch
			w.write([]*ratingSave{r})
		}
		return
	}
	var counts map[int64]int
	if err == nil {
		var invs []int64
		for i, r := range batch {
			if errs[i] == nil {
				invs = append(invs, r.invitationID)
			}
		}
		// The counts are read after the commit; an answer saved meanwhile
		// by the same expert's other device may be counted too.
		counts, err = w.s.answeredCounts(ctx, invs)
	}
	for i, r := range batch {
		switch {
		case err != nil:
			r.done <- saved{err: err}
		case errs[i] != nil:
			r.done <- saved{err: errs[i]}
		default:
			r.done <- saved{answered: counts[r.invitationID]}
		}
	}
}

// isRefusal tells an answer the rules refuse from a database failure.
func isRefusal(err error) bool { return errors.Is(err, rounds.ErrRoundClosed) }

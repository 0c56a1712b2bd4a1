package store

import (
	"context"
	"errors"
	"sync"
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
	extra                          Extra
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
func (w *RatingWriter) Save(ctx context.Context, invitationID, roundStatementID int64, rating *int, unable bool, comment string, extra Extra) (answered int, err error) {
	req := &ratingSave{invitationID, roundStatementID, rating, unable, comment, extra, make(chan saved, 1)}
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

// write commits a batch at once. Answers the store refuses keep their own
// error; the rest commit together, and their callers learn how many
// statements their invitation has answered.
func (w *RatingWriter) write(batch []*ratingSave) {
	ctx := context.Background() // the batch outlives any one request
	// Two saves of the same answer (an expert's two devices, or quick
	// changes) are written as the later one, which would have replaced
	// the earlier within the same commit anyway; both callers get its
	// outcome.
	as := make([]answer, 0, len(batch))
	slot := make([]int, len(batch)) // batch index → index in as
	at := make(map[[2]int64]int, len(batch))
	for i, r := range batch {
		key := [2]int64{r.invitationID, r.roundStatementID}
		j, seen := at[key]
		if !seen {
			j = len(as)
			at[key] = j
			as = append(as, answer{})
		}
		as[j] = newAnswer(r.invitationID, r.roundStatementID, r.rating, r.unable, r.comment, r.extra)
		slot[i] = j
	}
	written, err := w.s.saveAnswers(ctx, as)
	if err != nil && len(batch) > 1 {
		for _, r := range batch { // find the one that broke the batch
			w.write([]*ratingSave{r})
		}
		return
	}
	errs := make([]error, len(as))
	var invs []int64
	for j, a := range as {
		if err != nil {
			errs[j] = err
		} else if !written[j] {
			errs[j] = wrap("save rating", w.s.whyNotSaved(ctx, a.invitationID, a.roundStatementID))
		} else {
			invs = append(invs, a.invitationID)
		}
	}
	// The counts are read after the commit; an answer saved meanwhile by
	// the same expert's other device may be counted too.
	counts, cerr := w.s.AnsweredCounts(ctx, invs)
	for i, r := range batch {
		switch e := errs[slot[i]]; {
		case e != nil:
			r.done <- saved{err: e}
		case cerr != nil:
			r.done <- saved{err: cerr}
		default:
			r.done <- saved{answered: counts[r.invitationID]}
		}
	}
}

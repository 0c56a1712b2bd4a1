package store

// BatchSave is one answer of a batch handed to WriteBatch.
type BatchSave struct {
	InvitationID, RoundStatementID int64
	Rating                         *int
	Unable                         bool
	Comment                        string
}

// BatchSaved is the outcome a caller of Save would have received.
type BatchSaved struct {
	Answered int
	Err      error
}

// WriteBatch writes saves as one batch, as if they had all arrived while
// the writer was committing, so tests choose a batch's make-up instead of
// hoping the scheduler produces it.
func (w *RatingWriter) WriteBatch(saves []BatchSave) []BatchSaved {
	batch := make([]*ratingSave, len(saves))
	for i, x := range saves {
		batch[i] = &ratingSave{x.InvitationID, x.RoundStatementID, x.Rating, x.Unable, x.Comment, Extra{}, make(chan saved, 1)}
	}
	w.write(batch)
	out := make([]BatchSaved, len(batch))
	for i, r := range batch {
		res := <-r.done
		out[i] = BatchSaved{res.answered, res.err}
	}
	return out
}

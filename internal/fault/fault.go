// Package fault gives the platform's errors a kind and a sentence written
// for the person who caused them. The layers below HTTP (rounds, store,
// workflow) return these; one table in internal/web/errors.go turns a kind
// into an HTTP status and the sentence into the page's or the API's
// message, so no Go error text ever reaches a user.
package fault

import "errors"

// Kind says whose move it is after an error.
type Kind int

const (
	// Internal is the platform's own failure: the user is told only that
	// something went wrong, and the cause is logged.
	Internal Kind = iota
	// NotFound: what was asked for does not exist (or is not the user's).
	NotFound
	// Conflict: the request is well formed but the study's state does not
	// allow it now (a closed round, a launched study).
	Conflict
	// Invalid: the input is wrong; field errors say where.
	Invalid
	// Forbidden: the user may not do this.
	Forbidden
	// Unavailable: the platform cannot do this right now; try again.
	Unavailable
)

// Error is an error with a kind and a message for the user.
type Error struct {
	Kind    Kind
	Message string
}

// New makes an error of kind k whose message is shown to the user as it is.
func New(k Kind, message string) *Error { return &Error{Kind: k, Message: message} }

func (e *Error) Error() string { return e.Message }

// FaultKind implements Kinded.
func (e *Error) FaultKind() Kind { return e.Kind }

// Kinded is an error that knows its kind; its Error() text is written for
// the user (rounds.FieldErrors is one).
type Kinded interface {
	error
	FaultKind() Kind
}

// KindOf is the kind of the first kinded error in err's chain, or Internal.
func KindOf(err error) Kind {
	var k Kinded
	if errors.As(err, &k) {
		return k.FaultKind()
	}
	return Internal
}

// Message is the user's sentence of the first kinded error in err's chain,
// without any prefix the layers above added, or "" when there is none
// (an internal error, whose text is not for users).
func Message(err error) string {
	var k Kinded
	if errors.As(err, &k) {
		return k.Error()
	}
	return ""
}

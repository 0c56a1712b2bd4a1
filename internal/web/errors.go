package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/fault"
	"github.com/delphi-platform/delphi/rounds"
)

// apiError is the JSON body of every API error.
type apiError struct {
	Error  string              `json:"error"`
	Fields []rounds.FieldError `json:"fields,omitempty"`
}

// statusOfKind is the one table from the kinds of package fault to HTTP.
var statusOfKind = map[fault.Kind]int{
	fault.NotFound:    http.StatusNotFound,
	fault.Conflict:    http.StatusConflict,
	fault.Invalid:     http.StatusUnprocessableEntity,
	fault.Forbidden:   http.StatusForbidden,
	fault.Unavailable: http.StatusServiceUnavailable,
}

// statusOf chooses the HTTP status and the user's message for an error.
// This is the only place that maps errors to HTTP: the layers below give
// their errors a kind and a sentence (package fault); echo's own errors
// (unknown route, body too large) keep theirs; anything else is internal,
// and its text, which is not for users, is logged instead of shown.
func statusOf(err error) (int, string) {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		msg, _ := he.Message.(string)
		if msg == "" {
			msg = http.StatusText(he.Code)
		}
		return he.Code, msg
	}
	if status, ok := statusOfKind[fault.KindOf(err)]; ok {
		return status, fault.Message(err)
	}
	return http.StatusInternalServerError, "internal error"
}

// userError is statusOf for a page that shows a refused action in place
// (the form kept): ok is false for internal errors, which go to
// handleError instead.
func userError(err error) (status int, msg string, ok bool) {
	if err == nil || fault.KindOf(err) == fault.Internal {
		return 0, "", false
	}
	status, msg = statusOf(err)
	return status, msg, true
}

// handleError is echo's error handler: JSON for the API, a page otherwise.
func (a *App) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, msg := statusOf(err)
	if status >= 500 {
		a.log.ErrorContext(c.Request().Context(), "request failed", "err", err, "path", c.Path(), "request_id", requestID(c))
	}
	if strings.HasPrefix(c.Request().URL.Path, "/api/") {
		body := apiError{Error: msg}
		var fe rounds.FieldErrors
		if errors.As(err, &fe) {
			body.Fields = fe
		}
		_ = c.JSON(status, body)
		return
	}
	page := struct {
		basePage
		Status  int
		Message string
	}{a.base(c, http.StatusText(status)), status, msg}
	if rerr := a.render(c, status, "error", page); rerr != nil {
		_ = c.String(status, msg)
	}
}

// fieldMessages is the messages of field errors as one sentence for a page
// that shows them above its forms (the field names are the API's).
func fieldMessages(fe rounds.FieldErrors) string {
	msgs := make([]string, len(fe))
	for i, e := range fe {
		msgs[i] = e.Message
	}
	s := strings.Join(msgs, "; ")
	if s != "" {
		s = strings.ToUpper(s[:1]) + s[1:] + "."
	}
	return s
}

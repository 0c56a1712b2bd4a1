package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// apiError is the JSON body of every API error.
type apiError struct {
	Error  string              `json:"error"`
	Fields []rounds.FieldError `json:"fields,omitempty"`
}

// statusOf chooses the HTTP status for an error from the layers below.
// This is the only place that maps domain and storage errors to HTTP.
func statusOf(err error) (int, string) {
	var he *echo.HTTPError
	var fe rounds.FieldErrors
	switch {
	case errors.As(err, &he):
		msg, _ := he.Message.(string)
		if msg == "" {
			msg = http.StatusText(he.Code)
		}
		return he.Code, msg
	case errors.As(err, &fe):
		return http.StatusUnprocessableEntity, fe.Error()
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, "not found"
	case errors.Is(err, rounds.ErrSettingsLocked):
		return http.StatusConflict, rounds.ErrSettingsLocked.Error()
	case realtimeStateError(err) != nil:
		return http.StatusConflict, realtimeStateError(err).Error()
	case ideasStateError(err) != nil:
		return ideasStatus(ideasStateError(err)), ideasStateError(err).Error()
	case errors.Is(err, store.ErrStatementInUse):
		return http.StatusConflict, store.ErrStatementInUse.Error()
	case isRoundStateError(err), errors.Is(err, rounds.ErrRoundClosed), errors.Is(err, store.ErrNotReplaceable), errors.Is(err, store.ErrDecisionsFinal):
		return http.StatusConflict, err.Error()
	case errors.Is(err, store.ErrOverrideNeedsReason):
		return http.StatusUnprocessableEntity, err.Error()
	case errors.Is(err, store.ErrAlreadyErased):
		return http.StatusConflict, store.ErrAlreadyErased.Error()
	case errors.Is(err, store.ErrExpertInvited):
		return http.StatusConflict, store.ErrExpertInvited.Error()
	case errors.Is(err, store.ErrConflict):
		return http.StatusConflict, "this conflicts with existing data (already exists)"
	}
	return http.StatusInternalServerError, "internal error"
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

package web

import (
	"context"
	"log/slog"

	"github.com/labstack/echo/v4"
)

// requestIDKey is the context key of the request id.
type requestIDKey struct{}

// withRequestID puts the id the RequestID middleware gave this request into
// the request's context, so that every log line written with that context
// (a.log.InfoContext(ctx, …)) carries it, also from deep in a handler.
func withRequestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if id := requestID(c); id != "" {
			r := c.Request()
			c.SetRequest(r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
		}
		return next(c)
	}
}

// requestIDHandler adds request_id to every record logged with a request's
// context, unless the call gave one itself.
type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id, ok := ctx.Value(requestIDKey{}).(string); ok {
		has := false
		r.Attrs(func(a slog.Attr) bool {
			has = a.Key == "request_id"
			return !has
		})
		if !has {
			r.AddAttrs(slog.String("request_id", id))
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(as)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

package web

import (
	"io"
	"io/fs"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/templates"
)

// serveStatic serves the files of templates/static and nothing else: not
// the pages, partials and e-mails embedded beside them (reachable before
// as /static/../layout.html), and no directory listing.
func serveStatic() echo.HandlerFunc {
	files, err := fs.Sub(templates.FS, "static")
	if err != nil {
		panic("web: no static folder in the embedded templates: " + err.Error()) // fixed at build time
	}
	return func(c echo.Context) error {
		notFound := echo.NewHTTPError(http.StatusNotFound, "no such file")
		name := c.Param("*")
		if !fs.ValidPath(name) || name == "." {
			return notFound
		}
		f, err := files.Open(name)
		if err != nil {
			return notFound
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil || st.IsDir() {
			return notFound
		}
		rs, ok := f.(io.ReadSeeker)
		if !ok {
			return notFound
		}
		http.ServeContent(c.Response(), c.Request(), st.Name(), st.ModTime(), rs)
		return nil
	}
}

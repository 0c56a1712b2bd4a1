package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/sheet"
	"github.com/delphi-platform/delphi/internal/workflow"
)

// Bulk translation (workflow/translations.go): every text of a study as
// one spreadsheet to download, fill and upload back, on the Statements
// page and through the API, with the same workflow functions.

// downloadTranslations is GET …/translations?format=xlsx|csv, for the
// page and the API alike.
func (a *App) downloadTranslations(c echo.Context) error {
	st := study(c)
	format := c.QueryParam("format")
	if format == "" {
		format = "xlsx"
	}
	if format != "xlsx" && format != "csv" {
		return echo.NewHTTPError(http.StatusBadRequest, `format: use "xlsx" or "csv"`)
	}
	sh, err := a.flow.TranslationSheet(c.Request().Context(), st)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	name := fmt.Sprintf("study-%d-translations.%s", st.ID, format)
	if format == "csv" {
		err = sheet.WriteCSV(&buf, sh.Table())
	} else {
		widths := []float64{16, 12, 36}
		for range sh.Languages {
			widths = append(widths, 60)
		}
		err = sheet.WriteXLSX(&buf, "Translations", sh.Table(), widths)
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	ct := "text/csv; charset=utf-8"
	if format == "xlsx" {
		ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return c.Blob(http.StatusOK, ct, buf.Bytes())
}

// importTranslationFile reads an uploaded sheet and imports it; a file
// that cannot be read is refused as its first row's error.
func (a *App) importTranslationFile(c echo.Context, r io.Reader) (workflow.TranslationSummary, error) {
	rows, err := sheet.Read(r)
	var re sheet.ReadError
	if errors.As(err, &re) {
		return workflow.TranslationSummary{}, workflow.TranslationErrors{{Row: max(re.Row, 1), Column: "A", Message: re.Message}}
	}
	if err != nil {
		return workflow.TranslationSummary{}, err
	}
	return a.flow.ImportTranslations(c.Request().Context(), study(c), user(c).ID, rows)
}

// uploadTranslations is the Statements page's upload form: the summary of
// what changed, or every refused cell above the form.
func (a *App) uploadTranslations(c echo.Context) error {
	st := study(c)
	fh, err := c.FormFile("file")
	if err != nil {
		return a.renderStatementsWith(c, http.StatusUnprocessableEntity, func(p *statementsPage) {
			p.TranslationErrors = workflow.TranslationErrors{{Row: 1, Column: "A", Message: "choose a file to upload"}}
		})
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	sum, err := a.importTranslationFile(c, f)
	var te workflow.TranslationErrors
	if errors.As(err, &te) {
		return a.renderStatementsWith(c, http.StatusUnprocessableEntity, func(p *statementsPage) { p.TranslationErrors = te })
	}
	if err != nil {
		return err
	}
	setFlash(c, translationSummaryText(sum))
	return c.Redirect(http.StatusSeeOther, "/studies/"+strconv.FormatInt(st.ID, 10)+"/statements#translations")
}

// translationSummaryText is the summary in a sentence.
func translationSummaryText(sum workflow.TranslationSummary) string {
	switch sum.Total {
	case 0:
		return "Translations uploaded: no text changed."
	case 1:
		return "Translations uploaded: 1 text changed (" + sum.String() + ")."
	}
	return fmt.Sprintf("Translations uploaded: %d texts changed (%s).", sum.Total, sum.String())
}

// apiPutTranslations is PUT …/translations: the file as the body (XLSX or
// CSV) or as the field "file" of a multipart form. Refused cells answer
// 422 with {"error": …, "errors": [{row, column, message}]}.
func (a *App) apiPutTranslations(c echo.Context) error {
	var body io.Reader = c.Request().Body
	if strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm) {
		fh, err := c.FormFile("file")
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, `file: the multipart form has no field "file"`)
		}
		f, err := fh.Open()
		if err != nil {
			return err
		}
		defer f.Close()
		body = f
	}
	sum, err := a.importTranslationFile(c, body)
	var te workflow.TranslationErrors
	if errors.As(err, &te) {
		return c.JSON(http.StatusUnprocessableEntity, struct {
			Error  string                     `json:"error"`
			Errors workflow.TranslationErrors `json:"errors"`
		}{"the file changed nothing: " + strconv.Itoa(len(te)) + " cell(s) refused", te})
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sum)
}

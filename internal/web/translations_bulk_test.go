package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"maps"
	"mime/multipart"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/delphi-platform/delphi/internal/store"
)

// fillColumn sets cells of a language column in an XLSX translation
// sheet, by key; it fails the test on a key or column the sheet lacks.
func fillColumn(t *testing.T, xlsx []byte, lang string, texts map[string]string) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(xlsx))
	if err != nil {
		t.Fatalf("the download is not a workbook: %v", err)
	}
	defer f.Close()
	sheet := f.GetSheetList()[0]
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, h := range rows[0] {
		if h == lang {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("no column %s in %v", lang, rows[0])
	}
	left := maps.Clone(texts)
	for ri, r := range rows {
		if text, ok := texts[r[0]]; ok {
			cell, _ := excelize.CoordinatesToCellName(col+1, ri+1)
			if err := f.SetCellStr(sheet, cell, text); err != nil {
				t.Fatal(err)
			}
			delete(left, r[0])
		}
	}
	if len(left) > 0 {
		t.Fatalf("keys not in the sheet: %v", left)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// translationState is every stored translation and study text of a study.
func translationState(t *testing.T, env *testEnv, studyID int64) []any {
	t.Helper()
	ctx := context.Background()
	a, err := env.store.TranslationsByStudy(ctx, studyID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := env.store.SectionTranslationsByStudy(ctx, studyID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := env.store.StudyTextsByStudy(ctx, studyID)
	if err != nil {
		t.Fatal(err)
	}
	audit, err := env.store.AuditByStudy(ctx, studyID)
	if err != nil {
		t.Fatal(err)
	}
	return []any{a, b, c, len(audit)}
}

// TestBulkTranslations: the sheet down as XLSX, a Dutch column filled in
// and uploaded on the Statements page; then as CSV (formula-looking
// statements inert and read back unchanged) through the API, as the body
// and as a multipart form; the pages show the Dutch texts. A file with
// errors changes nothing and names each row and column, on the page and
// in the API.
func TestBulkTranslations(t *testing.T) {
	engines(t, func(t *testing.T, env *testEnv) {
		s := newPanelStudy(t, env, nil, []string{"Identity documents", "Peer navigators", "=HYPERLINK(\"x\") costs"}, defaultPanel[:2], `,"languages":["en","nl"]`)
		var stmts []statementJSON
		decodeInto(t, s.call(t, "GET", s.path+"/statements", ""), &stmts)
		var secs []sectionJSON
		decodeInto(t, s.call(t, "GET", s.path+"/sections", ""), &secs)
		if len(stmts) != 3 || len(secs) != 2 {
			t.Fatalf("statements %+v, sections %+v", stmts, secs)
		}
		coord := env.loggedIn("coord@example.org")
		base := "/studies/" + itoa(s.id)
		mustContain(t, "statements page", coord.get(base+"/statements").body, `href="`+base+`/translations?format=xlsx"`,
			`action="`+base+`/translations" enctype="multipart/form-data"`)

		// XLSX on the page.
		dl := coord.get(base + "/translations?format=xlsx")
		if dl.status != http.StatusOK || !strings.Contains(dl.header.Get("Content-Disposition"), ".xlsx") {
			t.Fatalf("download: %d %v", dl.status, dl.header)
		}
		filled := fillColumn(t, []byte(dl.body), "nl", map[string]string{
			"statement." + itoa(stmts[0].ID): "Identiteitsbewijzen",
			"topic." + itoa(secs[0].ID):      "Toegang tot zorg",
			"title":                          "Toegang tot zorg voor migranten",
			"email.invitation.body":          "Beste {{expert_name}},\n\nDoe mee: {{link}}\n\nStoppen: {{decline_link}}",
		})
		r := coord.upload(base+"/translations", "file", "translations.xlsx", string(filled))
		if r.status != http.StatusOK || r.url != base+"/statements" {
			t.Fatalf("upload: %d at %s: %s", r.status, r.url, r.body)
		}
		mustContain(t, "statements page after the upload", r.body, "Translations uploaded: 4 texts changed (nl: 4).", `lang="nl" type="text" value="Toegang tot zorg"`)
		ctx := context.Background()
		trs, _ := env.store.TranslationsByStudy(ctx, s.id)
		texts, _ := env.store.StudyTextsByStudy(ctx, s.id)
		if trs[stmts[0].ID]["nl"] != "Identiteitsbewijzen" || texts.Get(store.TextTitle, "nl") != "Toegang tot zorg voor migranten" ||
			!strings.Contains(texts.Get("email.invitation.body", "nl"), "Doe mee: {{link}}") {
			t.Errorf("stored: %v %v", trs, texts)
		}
		mustContain(t, "Dutch preview", coord.get(base+"/preview?lang=nl").body, "<legend>Identiteitsbewijzen</legend>", "<h2>Toegang tot zorg</h2>")
		if audit, _ := env.store.AuditByStudy(ctx, s.id); len(audit) == 0 || audit[len(audit)-1].Action != "import translations" || audit[len(audit)-1].NewValue != "nl: 4" {
			t.Errorf("audit log: %+v", audit)
		}

		// CSV through the API: the formula-looking statement comes out inert.
		dl = env.api("GET", s.path+"/translations?format=csv", s.token, "", "")
		if dl.status != http.StatusOK || !strings.HasPrefix(dl.body, "\uFEFFkey,kind,context,en,nl\r\n") && !strings.HasPrefix(dl.body, "\uFEFFkey,kind,context,en,nl\n") {
			t.Fatalf("CSV download: %d %q", dl.status, dl.body[:min(80, len(dl.body))])
		}
		mustContain(t, "CSV", dl.body, `"'=HYPERLINK(""x"") costs"`, "Identiteitsbewijzen")
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(dl.body, "\uFEFF"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			if row[0] == "statement."+itoa(stmts[1].ID) {
				row[4] = "Ervaringsdeskundigen"
			}
		}
		var out bytes.Buffer
		_ = csv.NewWriter(&out).WriteAll(rows)
		r = env.api("PUT", s.path+"/translations", s.token, "text/csv", out.String())
		if r.status != http.StatusOK || r.body != `{"changed":{"nl":1},"total":1}`+"\n" {
			t.Errorf("API upload: %d %s", r.status, r.body)
		}
		// The same file as a multipart form: nothing left to change.
		var mp bytes.Buffer
		mw := multipart.NewWriter(&mp)
		fw, _ := mw.CreateFormFile("file", "t.csv")
		fw.Write(out.Bytes())
		mw.Close()
		if r := env.api("PUT", s.path+"/translations", s.token, mw.FormDataContentType(), mp.String()); r.status != http.StatusOK || !strings.Contains(r.body, `"total":0`) {
			t.Errorf("multipart upload: %d %s", r.status, r.body)
		}
		mustContain(t, "Dutch preview", coord.get(base+"/preview?lang=nl").body, "<legend>Ervaringsdeskundigen</legend>")

		// A file with errors changes nothing; every error is named.
		before := translationState(t, env, s.id)
		long := strings.Repeat("x", 2001)
		bad := "key,kind,context,en,nl,fr\n" +
			"statement." + itoa(stmts[0].ID) + ",statement,," + "Identity documents," + long + ",\n" +
			"statement.999999,statement,,,Onbekend,\n" +
			"email.reminder.body,e-mail,,,Herinnering zonder link,\n" +
			"statement." + itoa(stmts[1].ID) + ",statement,,Peer navigators changed,,\n" +
			"topic." + itoa(secs[1].ID) + ",topic,,,Diensten,\n" +
			"title,study text,,,\"Twee\nregels\",\n"
		want := []string{
			`row 1, column fr: \"fr\" is not one of the study's languages (en, nl) nor key, kind or context`,
			`row 2, column nl: longer than 2000 characters`,
			`row 3, column key: unknown key \"statement.999999\": no such text in this study`,
			`row 4, column nl: The e-mail text must contain {{link}}, the expert's personal link: without it the expert cannot take part.`,
			`row 5, column en: the main language's text cannot be changed here: edit statements on the Statements page`,
			`row 7, column nl: must be one line`,
		}
		r = env.api("PUT", s.path+"/translations", s.token, "text/csv", bad)
		var got struct {
			Errors []struct {
				Row     int    `json:"row"`
				Column  string `json:"column"`
				Message string `json:"message"`
			} `json:"errors"`
		}
		if r.status != http.StatusUnprocessableEntity || json.Unmarshal([]byte(r.body), &got) != nil || len(got.Errors) != len(want) {
			t.Errorf("bad file by the API: %d %s", r.status, r.body)
		}
		if len(got.Errors) > 0 && (got.Errors[1].Row != 2 || got.Errors[1].Column != "nl") {
			t.Errorf("first cell error: %+v", got.Errors[1])
		}
		r = coord.upload(base+"/translations", "file", "bad.csv", bad)
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("bad file on the page: %d", r.status)
		}
		page := strings.ReplaceAll(strings.ReplaceAll(r.body, "&#34;", `\"`), "&#39;", "'")
		mustContain(t, "the page's errors", page, append([]string{"The file changed nothing"}, want...)...)
		if after := translationState(t, env, s.id); !reflect.DeepEqual(before, after) {
			t.Errorf("a refused file changed something:\nbefore %v\nafter  %v", before, after)
		}
		if r := env.api("PUT", s.path+"/translations", s.token, "text/csv", "not,a\n\"broken"); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `"row":`) {
			t.Errorf("unreadable CSV: %d %s", r.status, r.body)
		}

		// Researchers neither download nor upload.
		res, token := researcherOf(t, env, s.id)
		if r := res.get(base + "/translations?format=csv"); r.status != http.StatusForbidden {
			t.Errorf("researcher download: %d", r.status)
		}
		if r := env.api("PUT", s.path+"/translations", token, "text/csv", "key,nl\n"); r.status != http.StatusForbidden {
			t.Errorf("researcher upload: %d", r.status)
		}
	})
}

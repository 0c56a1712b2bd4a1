// Package panelcsv reads the expert panel of a study from a CSV file.
//
// The file is UTF-8 text (a byte order mark is tolerated) with a header row
// naming the columns email, name, stakeholder_group, country and language in
// any order; header names are matched case-insensitively after trimming
// white space. Any other column is kept, per expert, in Expert.Attributes.
// Fields are separated by commas, or by semicolons as in the CSV files that
// Excel writes in many European locales; the separator is chosen by looking
// at the header line. Values may be quoted and quoted values may contain
// separators and line breaks.
//
// An optional expert_id column gives the number of an expert already in the
// panel (the panel export writes it); columns round_N_status, also from the
// export, are ignored, and a ' the export put before a value that a
// spreadsheet would read as a formula is removed.
//
// Import is all-or-nothing: Parse reports every problem it finds and returns
// experts only when there is none.
//
// The rules for single values (ValidateEmail, ValidateName, ValidateGroup,
// ParseCountry, ParseLanguage) are exported so that the forms that add or
// edit one expert, or set a study's default language, apply exactly the
// rules of the import.
package panelcsv

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Default limits, used when the corresponding Options field is zero or
// negative.
const (
	DefaultMaxBytes = 2 << 20 // 2 MiB
	DefaultMaxRows  = 10000
)

// Limits on the length, in characters, of free-text values.
const (
	MaxNameLen  = 200
	MaxGroupLen = 100
)

// Names of the header columns. All five must be present.
const (
	ColEmail    = "email"
	ColName     = "name"
	ColGroup    = "stakeholder_group"
	ColCountry  = "country"
	ColLanguage = "language"
)

// ColExpertID is an optional column: the number of an expert already in
// the panel, as the panel export writes it. A row with a number updates
// that expert, even their e-mail address; a row without one is matched by
// e-mail address. Columns named round_1_status, round_2_status, … are what
// the panel export adds for information; they are ignored.
const ColExpertID = "expert_id"

// Expert is one valid row of the file.
type Expert struct {
	// Email is the address as written, trimmed. Compare addresses with
	// strings.ToLower(Email).
	Email string
	// Name is the trimmed name, at most MaxNameLen characters.
	Name string
	// Group is the trimmed stakeholder group, possibly empty, at most
	// MaxGroupLen characters.
	Group string
	// Country is an ISO 3166-1 alpha-2 code in upper case, or "".
	Country string
	// Language is an ISO 639-1 code in lower case; the row's value if it has
	// one (a region-qualified tag such as "pt-BR" keeps only "pt"),
	// otherwise Options.DefaultLanguage.
	Language string
	// Attributes holds the trimmed values of the extra columns, keyed by the
	// column name as written in the header. It is nil when the file has no
	// extra column.
	Attributes map[string]string
	// Row is the row number of the expert, see Problem.Row.
	Row int
	// ID is the value of the expert_id column, or 0 when the file has no
	// such column or the cell is empty.
	ID int64
	// LanguageDefaulted is true when the row has no language and Language
	// is Options.DefaultLanguage: an update then keeps the expert's own.
	LanguageDefaulted bool
}

// Problem is one reason why the file cannot be imported.
type Problem struct {
	// Row is the row number as a spreadsheet shows it: the header is row 1
	// (unless blank lines precede it), blank lines count, and a row whose
	// quoted values span several lines counts once. Row is 0 for problems
	// with the file as a whole.
	Row int
	// Column is the name of the column as written in the header, or "" for
	// a problem with a whole row or the whole file.
	Column string
	// Message is a sentence for the study coordinator, without the row and
	// column.
	Message string
}

// Error returns the problem in the form
// `row 7, column email: "bob@" is not a valid e-mail address`.
func (p Problem) Error() string {
	var where []string
	if p.Row > 0 {
		where = append(where, "row "+strconv.Itoa(p.Row))
	}
	if p.Column != "" {
		where = append(where, "column "+p.Column)
	}
	if len(where) == 0 {
		return p.Message
	}
	return strings.Join(where, ", ") + ": " + p.Message
}

// Options configures Parse.
type Options struct {
	// DefaultLanguage is the language of experts whose language is empty,
	// normally the study's language. It is normalised with ParseLanguage;
	// when it is empty or invalid, a row without a language is a problem.
	DefaultLanguage string
	// Existing holds the lower-cased e-mail addresses already in the panel.
	Existing map[string]bool
	// MaxBytes is the largest file accepted; DefaultMaxBytes if <= 0.
	MaxBytes int64
	// MaxRows is the largest number of expert rows accepted (the header and
	// blank rows do not count); DefaultMaxRows if <= 0.
	MaxRows int
}

const utf8BOM = "\xEF\xBB\xBF"

// Parse reads a panel from r, reading at most opt.MaxBytes+1 bytes.
//
// It returns either the experts and no problems, or no experts and every
// problem found, in row order. Rows whose values are all blank are skipped.
// Problems with the file as a whole (empty, too large, too many rows, not
// UTF-8) and problems with the required header columns stop the
// examination, since row-level problems would then be noise.
func Parse(r io.Reader, opt Options) ([]Expert, []Problem) {
	maxBytes := opt.MaxBytes
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	data, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, fileProblem("the file could not be read: " + err.Error())
	}
	if int64(len(data)) > maxBytes {
		return nil, fileProblem("the file is larger than " + formatSize(maxBytes))
	}
	if bytes.HasPrefix(data, []byte("\xFF\xFE")) || bytes.HasPrefix(data, []byte("\xFE\xFF")) {
		return nil, fileProblem("the file is UTF-16 text; save it as CSV UTF-8")
	}
	data = bytes.TrimPrefix(data, []byte(utf8BOM))
	if bytes.IndexByte(data, '\r') >= 0 {
		// A lone CR (classic Mac line ending) is a line break too;
		// encoding/csv recognises only LF and CRLF.
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
		data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	}

	maxRows := opt.MaxRows
	if maxRows <= 0 {
		maxRows = DefaultMaxRows
	}
	p := &parser{
		rows:     newRowReader(data),
		maxRows:  maxRows,
		existing: opt.Existing,
		seen:     make(map[string]int),
		seenIDs:  make(map[int64]int),
	}
	if lang, err := ParseLanguage(opt.DefaultLanguage); err == nil {
		p.defaultLang = lang
	}
	experts, problems := p.parse()
	if len(problems) > 0 {
		slices.SortStableFunc(problems, func(a, b Problem) int { return cmp.Compare(a.Row, b.Row) })
		return nil, problems
	}
	return experts, nil
}

func fileProblem(msg string) []Problem {
	return []Problem{{Message: msg}}
}

// parser holds the state of one call to Parse.
type parser struct {
	rows        *rowReader
	maxRows     int
	existing    map[string]bool
	defaultLang string

	header   header
	seen     map[string]int // lower-cased e-mail → row of first occurrence
	seenIDs  map[int64]int  // expert_id → row of first occurrence
	problems []Problem
}

func (p *parser) add(row int, column, msg string) {
	p.problems = append(p.problems, Problem{Row: row, Column: column, Message: msg})
}

func (p *parser) parse() ([]Expert, []Problem) {
	rec, ok := p.rows.next()
	for ok && rec.err == nil && allBlank(rec.fields) {
		rec, ok = p.rows.next()
	}
	if !ok {
		return nil, fileProblem("the file is empty")
	}
	if rec.err != nil {
		p.add(rec.row, "", rec.err.Error())
		return nil, p.problems
	}
	if !validUTF8(rec.fields) {
		p.add(rec.row, "", notUTF8)
		return nil, p.problems
	}
	if !p.parseHeader(rec) {
		return nil, p.problems
	}

	var experts []Expert
	n := 0
	for {
		rec, ok := p.rows.next()
		if !ok {
			break
		}
		if rec.err == nil && allBlank(rec.fields) {
			continue
		}
		if n++; n > p.maxRows {
			return nil, fileProblem(fmt.Sprintf("the file has more than %d rows", p.maxRows))
		}
		if rec.err != nil {
			p.add(rec.row, "", rec.err.Error())
			continue
		}
		if !validUTF8(rec.fields) {
			p.add(rec.row, "", notUTF8)
			continue
		}
		if e, ok := p.parseRow(rec); ok {
			experts = append(experts, e)
		}
	}
	p.checkUnnamed()
	if n == 0 {
		p.add(0, "", "the file has a header but no experts")
	}
	return experts, p.problems
}

const notUTF8 = "not valid UTF-8 text; save the file as UTF-8"

func validUTF8(fields []string) bool {
	for _, f := range fields {
		if !utf8.ValidString(f) {
			return false
		}
	}
	return true
}

// header describes the columns of the file.
type header struct {
	row   int
	names []string       // trimmed names as written
	index map[string]int // required column → index
	extra []int          // indexes of the other named columns
	id    int            // index of the expert_id column, or -1
	// unnamed maps the index of a column without a name to the first row
	// with a value in it (0 while there is none). Excel writes such columns
	// when cells right of the table were once used; they are harmless
	// while empty.
	unnamed map[int]int
}

// requiredColumns returns the names of the required columns in the order
// of the template.
func requiredColumns() []string {
	return []string{ColEmail, ColName, ColGroup, ColCountry, ColLanguage}
}

// columnAliases are header names spreadsheets and survey tools commonly
// use for the required columns, after canonicalColumn's folding.
var columnAliases = map[string]string{
	"e_mail": ColEmail, "email_address": ColEmail, "e_mail_address": ColEmail, "mail": ColEmail,
	"full_name":   ColName,
	"stakeholder": ColGroup, "group": ColGroup, "stakeholder_group_name": ColGroup,
	"country_code":  ColCountry,
	"language_code": ColLanguage, "lang": ColLanguage,
}

// canonicalColumn folds a header name for matching: case, spaces and
// hyphens do not matter ("Stakeholder group" is stakeholder_group), and a
// few common aliases ("E-mail", "Full name") name the required columns.
func canonicalColumn(name string) string {
	key := strings.ToLower(strings.Join(strings.FieldsFunc(name, func(r rune) bool { return r == ' ' || r == '-' || r == '_' }), "_"))
	if alias, ok := columnAliases[key]; ok {
		return alias
	}
	return key
}

// parseHeader reads the header and reports whether the rows can be
// examined.
func (p *parser) parseHeader(rec record) bool {
	h := header{
		row:     rec.row,
		names:   make([]string, len(rec.fields)),
		index:   make(map[string]int),
		unnamed: make(map[int]int),
		id:      -1,
	}
	required := requiredColumns()
	first := make(map[string]int) // lower-cased name → index
	var dups []string
	usable := true
	for i, f := range rec.fields {
		name := strings.TrimFunc(f, func(r rune) bool { return unicode.IsSpace(r) || r == '\uFEFF' })
		h.names[i] = name
		if name == "" {
			h.unnamed[i] = 0
			continue
		}
		key := canonicalColumn(name)
		isRequired := slices.Contains(required, key)
		if _, dup := first[key]; dup {
			dups = append(dups, name)
			usable = usable && !isRequired
			continue
		}
		first[key] = i
		switch {
		case isRequired:
			h.index[key] = i
		case key == ColExpertID:
			h.id = i
		case isRoundStatus(key):
			// Written by the panel export for information; not an attribute.
		default:
			h.extra = append(h.extra, i)
		}
	}
	var missing []string
	for _, c := range required {
		if _, ok := h.index[c]; !ok {
			missing = append(missing, strconv.Quote(c))
		}
	}
	if len(missing) > 0 {
		// Perhaps not a header at all: other problems would be noise.
		what := "column"
		if len(missing) > 1 {
			what = "columns"
		}
		p.add(h.row, "", fmt.Sprintf("the header is missing the %s %s (expected: %s, in any order)",
			what, strings.Join(missing, ", "), strings.Join(required, ", ")))
		return false
	}
	for _, name := range dups {
		p.add(h.row, "", fmt.Sprintf("the column %q appears more than once", name))
	}
	p.header = h
	return usable
}

// checkUnnamed reports unnamed columns that hold values.
func (p *parser) checkUnnamed() {
	h := &p.header
	for i := range h.names {
		if row := h.unnamed[i]; row > 0 {
			p.add(h.row, "", fmt.Sprintf("column %d (%s) has no name in the header, but row %d has a value in it",
				i+1, columnLetters(i), row))
		}
	}
}

// parseRow validates one row and reports whether it is a valid expert.
func (p *parser) parseRow(rec record) (Expert, bool) {
	h := &p.header
	if len(rec.fields) != len(h.names) {
		msg := fmt.Sprintf("the row has %d values but the header has %d columns", len(rec.fields), len(h.names))
		if len(rec.fields) > len(h.names) {
			msg += fmt.Sprintf("; a value containing %q must be enclosed in double quotes", string(p.rows.comma()))
		}
		p.add(rec.row, "", msg)
		return Expert{}, false
	}
	before := len(p.problems)
	for i, f := range rec.fields {
		rec.fields[i] = unneutralise(f)
	}
	value := func(col string) string { return strings.TrimSpace(rec.fields[h.index[col]]) }
	column := func(col string) string { return h.names[h.index[col]] }
	e := Expert{
		Email: value(ColEmail),
		Name:  value(ColName),
		Group: value(ColGroup),
		Row:   rec.row,
	}

	if err := ValidateEmail(e.Email); err != nil {
		p.add(rec.row, column(ColEmail), err.Error())
	} else {
		key := strings.ToLower(e.Email)
		if first, dup := p.seen[key]; dup {
			p.add(rec.row, column(ColEmail), fmt.Sprintf("%s also appears in row %d", quote(e.Email), first))
		} else {
			p.seen[key] = rec.row
		}
		if p.existing[key] {
			p.add(rec.row, column(ColEmail), quote(e.Email)+" is already in the panel")
		}
	}

	if h.id >= 0 {
		if v := strings.TrimSpace(rec.fields[h.id]); v != "" {
			id, err := strconv.ParseInt(v, 10, 64)
			switch {
			case err != nil || id <= 0:
				p.add(rec.row, h.names[h.id], quote(v)+" is not an expert number; leave the cell empty for a new expert")
			case p.seenIDs[id] > 0:
				p.add(rec.row, h.names[h.id], fmt.Sprintf("expert %d also appears in row %d", id, p.seenIDs[id]))
			default:
				p.seenIDs[id] = rec.row
				e.ID = id
			}
		}
	}

	if err := ValidateName(e.Name); err != nil {
		p.add(rec.row, column(ColName), err.Error())
	}
	if err := ValidateGroup(e.Group); err != nil {
		p.add(rec.row, column(ColGroup), err.Error())
	}

	if c := value(ColCountry); c != "" {
		country, err := ParseCountry(c)
		if err != nil {
			p.add(rec.row, column(ColCountry), err.Error())
		}
		e.Country = country
	}

	if l := value(ColLanguage); l != "" {
		lang, err := ParseLanguage(l)
		if err != nil {
			p.add(rec.row, column(ColLanguage), err.Error())
		}
		e.Language = lang
	} else if p.defaultLang == "" {
		p.add(rec.row, column(ColLanguage), "the language is missing and the study has no default language")
	} else {
		e.Language = p.defaultLang
		e.LanguageDefaulted = true
	}

	if len(h.extra) > 0 {
		e.Attributes = make(map[string]string, len(h.extra))
		for _, i := range h.extra {
			e.Attributes[h.names[i]] = strings.TrimSpace(rec.fields[i])
		}
	}
	for i, first := range h.unnamed {
		if first == 0 && strings.TrimSpace(rec.fields[i]) != "" {
			h.unnamed[i] = rec.row
		}
	}
	return e, len(p.problems) == before
}

// isRoundStatus reports whether a folded column name is one of the
// round_N_status columns of the panel export.
func isRoundStatus(key string) bool {
	n, ok := strings.CutPrefix(key, "round_")
	if !ok {
		return false
	}
	n, ok = strings.CutSuffix(n, "_status")
	if !ok || n == "" {
		return false
	}
	_, err := strconv.Atoi(n)
	return err == nil
}

// unneutralise undoes the ' that exports put before a value a spreadsheet
// would read as a formula (export.Neutralise), so that an exported panel
// imports as it was.
func unneutralise(s string) string {
	if len(s) >= 2 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}

func allBlank(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// quote quotes a value for a message, shortening long values.
func quote(s string) string {
	const limit = 60
	if utf8.RuneCountInString(s) > limit {
		s = string([]rune(s)[:limit]) + "…"
	}
	return strconv.Quote(s)
}

// columnLetters returns the spreadsheet name of the column with index i:
// A, B, …, Z, AA, AB, …
func columnLetters(i int) string {
	var b []byte
	for i++; i > 0; i = (i - 1) / 26 {
		b = append(b, byte('A'+(i-1)%26))
	}
	slices.Reverse(b)
	return string(b)
}

// formatSize formats a number of bytes with binary units: "2 MiB",
// "1.5 KiB", "900 bytes".
func formatSize(n int64) string {
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " bytes"
	}
	v := float64(n)
	units := []string{"bytes", "KiB", "MiB", "GiB", "TiB"}
	u := 0
	for u < len(units)-1 && math.Round(v*10)/10 >= 1024 {
		v /= 1024
		u++
	}
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) + " " + units[u]
}

// record is one record of the file.
type record struct {
	row    int
	fields []string
	err    error // a problem that made the record unreadable
}

// rowReader reads records and numbers them as a spreadsheet numbers rows.
type rowReader struct {
	r       *csv.Reader
	row     int // row of the last record
	endLine int // last line of the last record
}

func newRowReader(data []byte) *rowReader {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = sniffComma(data)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	return &rowReader{r: r}
}

func (rr *rowReader) comma() rune { return rr.r.Comma }

// next returns the next record, or false at the end of the file.
func (rr *rowReader) next() (record, bool) {
	fields, err := rr.r.Read()
	if err == io.EOF {
		return record{}, false
	}
	var start, end int
	if err != nil {
		var pe *csv.ParseError
		if !errors.As(err, &pe) {
			// Cannot happen when reading from memory.
			return record{}, false
		}
		start, end = pe.StartLine, pe.Line
		err = errors.New(csvMessage(pe.Err))
	} else {
		start, _ = rr.r.FieldPos(0)
		last := len(fields) - 1
		line, _ := rr.r.FieldPos(last)
		end = line + strings.Count(fields[last], "\n")
	}
	// Blank lines between the previous record and this one are rows.
	rr.row += start - rr.endLine
	rr.endLine = end
	return record{row: rr.row, fields: fields, err: err}, true
}

func csvMessage(err error) string {
	switch {
	case errors.Is(err, csv.ErrBareQuote):
		return `a value contains a double quote (") but is not enclosed in double quotes; enclose the value in double quotes and double the quotes inside it`
	case errors.Is(err, csv.ErrQuote):
		return `a value enclosed in double quotes (") is not closed, or has text after the closing quote`
	default:
		return "the row cannot be read: " + err.Error()
	}
}

// sniffComma returns ';' if the first line has more semicolons than commas
// outside quotes, and ',' otherwise.
func sniffComma(data []byte) rune {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		data = data[:i]
	}
	commas, semicolons := 0, 0
	quoted := false
	for _, c := range data {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == ',':
			commas++
		case c == ';':
			semicolons++
		}
	}
	if semicolons > commas {
		return ';'
	}
	return ','
}

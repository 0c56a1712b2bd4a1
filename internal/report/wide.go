package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/delphi-platform/delphi/analysis"
)

// WideSource is one wide file: one row per expert, one column per
// statement, as survey tools export their responses.
type WideSource struct {
	// Name is how errors call the file: its path, or "standard input".
	Name string
	R    io.Reader
	// Round is the round of every row; 0 when WideOptions.RoundColumn
	// gives each row's round.
	Round int
}

// WideOptions say how to read wide files.
type WideOptions struct {
	// IDColumn names the expert ID column; "" detects it (idColumns).
	IDColumn string
	// RoundColumn names the column that gives each row's round, for the
	// sources without a Round; "" looks for a column named round.
	RoundColumn string
	// UnableCodes are the cell values that mean "unable to rate", besides
	// the word unable; matched case-insensitively, and numerically for
	// numbers (99 matches 99.0).
	UnableCodes []string
	// StatementColumns, when set, picks the statement columns by their
	// header; otherwise every column that is not the ID, round, group or
	// country column, a comment column or a survey tool's metadata column.
	StatementColumns *regexp.Regexp
}

// RowError is a problem in a wide file, located as a spreadsheet shows it:
// the header is row 1, and a record that spans lines is one row.
type RowError struct {
	Row    int
	Column string // the column's header; "" when the problem is the whole row
	Msg    string
}

func (e *RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("row %d: %s", e.Row, e.Msg)
	}
	return fmt.Sprintf("row %d, column %s: %s", e.Row, e.Column, e.Msg)
}

func rowErrf(row int, column, format string, args ...any) *RowError {
	return &RowError{Row: row, Column: column, Msg: fmt.Sprintf(format, args...)}
}

// idColumns are the expert ID columns detected without --id-column, in
// order of preference: ours, REDCap's record ID, LimeSurvey's participant
// token (the same expert in every round's survey), LimeSurvey's response
// ID, Qualtrics' response ID.
var idColumns = []string{"expert", "record_id", "token", "id", "ResponseId"}

// isMetadata tells whether a header (lower case) names a column that survey
// tools add beside the answers: LimeSurvey, REDCap and Qualtrics.
func isMetadata(h string) bool {
	switch h {
	case "id", "token", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp", "ipaddr", "refurl", "interviewtime", // LimeSurvey
		"record_id", "redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance", "redcap_survey_identifier", "redcap_data_access_group", // REDCap
		"enddate", "status", "ipaddress", "progress", "duration (in seconds)", "finished", "recordeddate", "responseid", "externalreference", // Qualtrics
		"locationlatitude", "locationlongitude", "distributionchannel", "userlanguage":
		return true
	}
	return strings.HasSuffix(h, "_complete") || strings.HasSuffix(h, "_timestamp") || strings.HasPrefix(h, "recipient")
}

// isComment tells whether a header names a statement's comment column:
// S01_comment, or LimeSurvey's Q1[comment].
func isComment(h string) bool {
	l := strings.ToLower(h)
	return strings.HasSuffix(l, "_comment") || strings.HasSuffix(l, "[comment]")
}

// limeSubquestion matches LimeSurvey's array headers, Q1[SQ001] and
// Q1[SQ001][1].
var limeSubquestion = regexp.MustCompile(`^([^\[\]]+)((?:\[[^\[\]]+\])+)$`)

// StatementID is the statement ID a wide file's column header gives:
// spaces trimmed; LimeSurvey's Q1[SQ001] becomes Q1_SQ001, the name its
// expressions use; a final _rating, a REDCap habit (s01_rating beside
// s01_comment), is dropped. Other headers are the ID as they are.
func StatementID(header string) string {
	s := strings.TrimSpace(header)
	if m := limeSubquestion.FindStringSubmatch(s); m != nil {
		s = m[1] + strings.NewReplacer("][", "_", "[", "_", "]", "").Replace(m[2])
	}
	if n := len(s) - len("_rating"); n > 0 && strings.EqualFold(s[n:], "_rating") {
		s = s[:n]
	}
	return s
}

// unableCode is one --unable-code.
type unableCode struct {
	text  string
	num   int
	isNum bool
}

// where is a row of a source, to point back at it.
type where struct {
	src string
	row int
}

// in words the row, naming its file when it is not from, the file of the
// row being read.
func (w where) in(from string) string {
	if w.src == from {
		return fmt.Sprintf("row %d", w.row)
	}
	return fmt.Sprintf("%s row %d", w.src, w.row)
}

// wideReader turns the rows of wide sources into the long records the
// long reader collects, one per expert × round × answered statement, in
// the same merger, so the rest of the analysis cannot tell them apart.
type wideReader struct {
	o      WideOptions
	sc     analysis.Scale
	codes  []unableCode
	m      *merger
	labels map[string]string // statement ID → the header it came from
	seen   map[[2]int32]where
	// groupAt and countryAt: the row that set an expert's group or
	// country, to point at it when another row disagrees.
	groupAt, countryAt map[int32]where
}

// ReadWide reads wide files, one row per expert and one column per
// statement (docs/analyze.md, "Wide files from survey tools"), into the
// Ratings that ReadRatings gives for the same answers in long form.
//
// A cell is a whole number on the scale, the word unable or one of the
// unable codes, or empty or NA for no answer. A statement is presented in a
// round when at least one row of the round answers it, so a column a round
// did not ask, left empty by everyone, does not count as presented.
// Statements are in column order (first source first), experts in row
// order, rounds ascending. Errors name the source, then the row (the header
// is row 1) and the column's header.
func ReadWide(srcs []WideSource, o WideOptions, sc analysis.Scale) (*Ratings, error) {
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	if len(srcs) == 0 {
		return nil, errors.New("report: no wide files to read")
	}
	w := &wideReader{
		o: o, sc: sc, m: newMerger(sc),
		labels: map[string]string{}, seen: map[[2]int32]where{},
		groupAt: map[int32]where{}, countryAt: map[int32]where{},
	}
	for _, c := range o.UnableCodes {
		c = strings.TrimSpace(c)
		u := unableCode{text: c}
		if v, ok := parseRating([]byte(c)); ok {
			if sc.Contains(v) {
				return nil, fmt.Errorf("--unable-code %q is a point on the scale %s; an unable code must differ from every rating", c, sc)
			}
			u.num, u.isNum = v, true
		}
		w.codes = append(w.codes, u)
	}
	for _, src := range srcs {
		if src.Round < 0 || src.Round > maxRound {
			return nil, fmt.Errorf("%s: round %d is not a round number from 1 to %d", src.Name, src.Round, maxRound)
		}
		if err := w.read(src); err != nil {
			return nil, fmt.Errorf("%s: %w", src.Name, err)
		}
	}
	r := w.m.finish()
	keepPresented(r)
	for _, s := range r.Statements {
		if l := w.labels[s]; l != s {
			r.Labels = make([]string, len(r.Statements))
			break
		}
	}
	if r.Labels != nil {
		for i, s := range r.Statements {
			if l := w.labels[s]; l != s {
				r.Labels[i] = l
			}
		}
	}
	return r, nil
}

// keepPresented drops the statements no round presented: columns nobody
// answered in any round.
func keepPresented(r *Ratings) {
	keep := make([]bool, len(r.Statements))
	for _, rd := range r.Rounds {
		for s, col := range rd.Responses {
			keep[s] = keep[s] || col != nil
		}
	}
	if !slices.Contains(keep, false) {
		return
	}
	var stmts []string
	for s, k := range keep {
		if k {
			stmts = append(stmts, r.Statements[s])
		}
	}
	for i := range r.Rounds {
		var cols [][]analysis.Response
		for s, k := range keep {
			if k {
				cols = append(cols, r.Rounds[i].Responses[s])
			}
		}
		r.Rounds[i].Responses = cols
	}
	r.Statements = stmts
}

// wideRecord is one row of a wide file.
type wideRecord struct {
	row    int
	fields []string
}

// records splits a source into rows, numbered as a spreadsheet numbers them.
func records(src io.Reader) ([]wideRecord, error) {
	data, err := io.ReadAll(src)
	if err != nil {
		return nil, fmt.Errorf("report: read ratings: %w", err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	t := tokenizer{d: data, line: 1, delim: detectDelim(data)}
	var out []wideRecord
	for row := 1; ; row++ {
		f, _, ok, err := t.next()
		if err != nil {
			if pe, isPE := err.(*ParseError); isPE {
				return nil, rowErrf(row, "", "%s", pe.Msg)
			}
			return nil, err
		}
		if !ok {
			return out, nil
		}
		if blank(f) {
			continue
		}
		fields := make([]string, len(f))
		for i, b := range f {
			fields[i] = string(bytes.TrimSpace(b))
		}
		out = append(out, wideRecord{row: row, fields: fields})
	}
}

// isImportIDRow tells whether a row is Qualtrics' third header row, the
// JSON column descriptions {"ImportId":"QID1_1"}.
func isImportIDRow(fields []string) bool {
	for _, f := range fields {
		if strings.HasPrefix(f, `{"ImportId"`) {
			return true
		}
	}
	return false
}

// wideColumns is what a wide header tells.
type wideColumns struct {
	n                       int
	names                   []string // the headers
	id, round, group, count int      // -1 when absent
	stmts                   []stmtColumn
}

type stmtColumn struct {
	idx    int
	header string
	s      int32 // global statement ID
}

// columns locates the columns of a header; round is the source's round, 0
// when a column gives it.
func (w *wideReader) columns(hdr wideRecord, round int) (wideColumns, error) {
	c := wideColumns{n: len(hdr.fields), names: hdr.fields, id: -1, round: -1, group: -1, count: -1}
	find := func(name string) int {
		for i, h := range hdr.fields {
			if strings.EqualFold(h, name) {
				return i
			}
		}
		return -1
	}
	header := func() string { return joinNames(hdr.fields) }
	for i, h := range hdr.fields {
		if !utf8.ValidString(h) {
			return c, rowErrf(hdr.row, "", "the header %q is not valid UTF-8; save the file as UTF-8", h)
		}
		if j := find(h); h != "" && j != i {
			return c, rowErrf(hdr.row, h, "the header names this column twice")
		}
	}
	if w.o.IDColumn != "" {
		if c.id = find(w.o.IDColumn); c.id < 0 {
			return c, rowErrf(hdr.row, "", "no ID column %q (the header has: %s)", w.o.IDColumn, header())
		}
	} else {
		for _, name := range idColumns {
			if c.id = find(name); c.id >= 0 {
				break
			}
		}
		if c.id < 0 {
			return c, rowErrf(hdr.row, "", "no expert ID column: none of %s (the header has: %s); name it with --id-column", joinNames(idColumns), header())
		}
	}
	// A column named round is never a statement; it gives the rounds of a
	// file without its own round.
	roundIdx := find(colRound)
	switch {
	case round > 0:
	case w.o.RoundColumn != "":
		if c.round = find(w.o.RoundColumn); c.round < 0 {
			return c, rowErrf(hdr.row, "", "no round column %q (the header has: %s)", w.o.RoundColumn, header())
		}
	case roundIdx >= 0:
		c.round = roundIdx
	default:
		return c, rowErrf(hdr.row, "", "no round column: name the column that gives each row's round with --round-column, or give each round's file with --round N FILE (the header has: %s)", header())
	}
	c.group, c.count = find(colGroup), find(colCountry)
	taken := map[string]string{} // statement ID → header
	for i, h := range hdr.fields {
		if h == "" || i == c.id || i == c.round || i == roundIdx || i == c.group || i == c.count || isComment(h) {
			continue
		}
		if re := w.o.StatementColumns; re != nil {
			if !re.MatchString(h) {
				continue
			}
		} else if isMetadata(strings.ToLower(h)) {
			continue
		}
		id := StatementID(h)
		if other, ok := taken[id]; ok {
			return c, rowErrf(hdr.row, h, "gives the statement ID %q, as column %s does", id, other)
		}
		taken[id] = h
		if l, ok := w.labels[id]; ok && l != h {
			return c, rowErrf(hdr.row, h, "gives the statement ID %q, as column %s of an earlier file does; name the columns alike in every file", id, l)
		}
		w.labels[id] = h
		c.stmts = append(c.stmts, stmtColumn{idx: i, header: h, s: w.m.statement(id)})
	}
	if len(c.stmts) == 0 {
		return c, rowErrf(hdr.row, "", "no statement columns (the header has: %s)", header())
	}
	return c, nil
}

// read adds one source's rows.
func (w *wideReader) read(src WideSource) error {
	recs, err := records(src.R)
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		return rowErrf(1, "", "the file is empty; it needs a header row naming the expert ID column and the statement columns")
	}
	hdr, recs := recs[0], recs[1:]
	cols, err := w.columns(hdr, src.Round)
	if err != nil {
		return err
	}
	// Qualtrics writes two more header rows: the question texts, then the
	// ImportId descriptions.
	switch {
	case len(recs) >= 2 && recs[0].row == hdr.row+1 && recs[1].row == hdr.row+2 && isImportIDRow(recs[1].fields):
		recs = recs[2:]
	case len(recs) >= 1 && recs[0].row == hdr.row+1 && isImportIDRow(recs[0].fields):
		recs = recs[1:]
	}
	if len(recs) == 0 {
		return rowErrf(hdr.row, "", "the file has a header but no rows")
	}
	answers := 0
	for _, rec := range recs {
		n, err := w.row(src, &cols, rec)
		if err != nil {
			return err
		}
		answers += n
	}
	if answers == 0 {
		return rowErrf(hdr.row, "", "no ratings: every statement cell is empty")
	}
	return nil
}

// row adds one expert's answers and returns how many there were.
func (w *wideReader) row(src WideSource, c *wideColumns, rec wideRecord) (int, error) {
	f, row := rec.fields, rec.row
	if len(f) != c.n && (len(f) < c.n || !blankStrings(f[c.n:])) {
		return 0, rowErrf(row, "", "%d fields, but the header has %d", len(f), c.n)
	}
	hdr := func(i int) string { return c.names[i] }
	id := f[c.id]
	if id == "" {
		return 0, rowErrf(row, hdr(c.id), `"" is empty; every row needs an expert ID`)
	}
	if !utf8.ValidString(id) {
		return 0, rowErrf(row, hdr(c.id), "%q is not valid UTF-8; save the file as UTF-8", id)
	}
	rd := src.Round
	if c.round >= 0 {
		v := f[c.round]
		n, ok := roundOf(v)
		if !ok {
			return 0, rowErrf(row, hdr(c.round), "%q is not a round number (want a whole number from 1 to %d, or a name whose first number is the round, such as round_2_arm_1)", v, maxRound)
		}
		rd = n
	}
	e := w.m.expert(id)
	key := [2]int32{int32(rd), e}
	here := where{src: src.Name, row: row}
	if first, ok := w.seen[key]; ok {
		return 0, rowErrf(row, "", "a second row for expert %q in round %d (the first is %s)", id, rd, first.in(src.Name))
	}
	w.seen[key] = here
	for _, a := range []struct {
		idx   int
		at    map[int32]where
		group bool
	}{{c.group, w.groupAt, true}, {c.count, w.countryAt, false}} {
		if a.idx < 0 || f[a.idx] == "" {
			continue
		}
		v, ex := f[a.idx], &w.m.experts[e]
		dst := &ex.Country
		if a.group {
			dst = &ex.Group
			w.m.hasGroup = true
		} else {
			w.m.hasCountry = true
		}
		switch *dst {
		case v:
		case "":
			*dst, a.at[e] = v, here
		default:
			return 0, rowErrf(row, hdr(a.idx), "%q conflicts with %q given for expert %q on %s", v, *dst, id, a.at[e].in(src.Name))
		}
	}
	ri := w.m.round(rd)
	n := 0
	for _, sc := range c.stmts {
		resp, answered, err := w.cell(f[sc.idx])
		if err != nil {
			return 0, rowErrf(row, sc.header, "%s", err.Error())
		}
		if !answered {
			continue
		}
		if err := w.m.store(row, ri, sc.s, e, resp); err != nil {
			return 0, rowErrf(row, sc.header, "%s", err.Error())
		}
		n++
	}
	w.m.rows += n
	return n, nil
}

// roundOf reads a round cell: a whole number, or a name whose first number
// is the round, as REDCap's event names (round_2_arm_1).
func roundOf(v string) (int, bool) {
	if n, ok := parseRating([]byte(v)); ok {
		return n, n >= 1 && n <= maxRound
	}
	i := strings.IndexAny(v, "0123456789")
	if i < 0 {
		return 0, false
	}
	j := i
	for j < len(v) && v[j] >= '0' && v[j] <= '9' {
		j++
	}
	n, ok := parseUint([]byte(v[i:j]))
	return n, ok && n >= 1 && n <= maxRound
}

// cell reads one answer cell; answered is false for no answer.
func (w *wideReader) cell(v string) (resp analysis.Response, answered bool, err error) {
	if v == "" {
		return analysis.Missing, false, nil
	}
	num, isNum := parseRating([]byte(v))
	for _, u := range w.codes {
		if strings.EqualFold(v, u.text) || (isNum && u.isNum && num == u.num) {
			return analysis.Unable, true, nil
		}
	}
	switch {
	case strings.EqualFold(v, "NA"):
		return analysis.Missing, false, nil
	case strings.EqualFold(v, "unable"):
		return analysis.Unable, true, nil
	case isNum && w.sc.Contains(num):
		return analysis.Rating(num), true, nil
	case isNum:
		return 0, false, fmt.Errorf("%q is outside the scale %s%s", v, w.sc, w.codesHint())
	}
	return 0, false, fmt.Errorf("%q is not a rating on the scale %s or an unable code%s", v, w.sc, w.codesHint())
}

// codesHint lists the unable codes for an error message.
func (w *wideReader) codesHint() string {
	if len(w.codes) == 0 {
		return " (no --unable-code given)"
	}
	codes := make([]string, len(w.codes))
	for i, u := range w.codes {
		codes[i] = fmt.Sprintf("%q", u.text)
	}
	return " (unable codes: " + strings.Join(codes, ", ") + ")"
}

func blankStrings(fs []string) bool {
	for _, f := range fs {
		if f != "" {
			return false
		}
	}
	return true
}

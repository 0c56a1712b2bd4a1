package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Columns of long files with several criteria or kinds of question.
const (
	colCriterion = "criterion"
	colKind      = "kind"
)

// Kinds of question.
const (
	KindRating  = "rating"
	KindRanking = "ranking"
	KindNumeric = "numeric"
	// KindOpen rows of the platform's raw export are answers to open
	// questions: free text, no rating; every reader skips them.
	KindOpen = "open"
)

// sniffLen bounds the bytes read to find the header row.
const sniffLen = 64 << 10

// sniffHeader reads the header row of a long file and returns a reader
// that still yields the whole file: a seekable input is read and rewound
// (so that ReadRatings can still read it again to locate duplicates),
// any other is wrapped in a buffer. The names are lower-cased and trimmed;
// nil when no header could be read (the reader then reports the problem).
func sniffHeader(r io.Reader) (io.Reader, []string, error) {
	var buf []byte
	if rs, ok := r.(io.ReadSeeker); ok {
		if pos, err := rs.Seek(0, io.SeekCurrent); err == nil {
			buf = make([]byte, sniffLen)
			n, err := io.ReadFull(rs, buf)
			if err != nil && err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, nil, fmt.Errorf("report: read ratings: %w", err)
			}
			buf = buf[:n]
			if _, err := rs.Seek(pos, io.SeekStart); err != nil {
				return nil, nil, fmt.Errorf("report: read ratings: %w", err)
			}
			return rs, headerNames(buf), nil
		}
	}
	br := bufio.NewReaderSize(r, sniffLen)
	buf, err := br.Peek(sniffLen)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, nil, fmt.Errorf("report: read ratings: %w", err)
	}
	return br, headerNames(buf), nil
}

// headerNames returns the header row's names, lower-cased and trimmed.
func headerNames(d []byte) []string {
	d = bytes.TrimPrefix(d, []byte("\xef\xbb\xbf"))
	cr := csv.NewReader(bytes.NewReader(d))
	cr.Comma = rune(detectDelim(d))
	cr.FieldsPerRecord = -1
	for {
		rec, err := cr.Read()
		if err != nil {
			return nil
		}
		if allBlank(rec) {
			continue
		}
		names := make([]string, len(rec))
		for i, f := range rec {
			names[i] = strings.ToLower(strings.TrimSpace(f))
		}
		return names
	}
}

func allBlank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// longRow is one row of a long file read by readLong; value is the rating
// cell as written, to be read by kind (a rating, a rank, an estimate).
type longRow struct {
	line                                int
	round                               int
	expert, statement, criterion, value string
	group, country                      string
	expertIdx, stmtIdx                  int
}

// longFile is a long file with its optional criterion and kind columns,
// held in memory.
type longFile struct {
	data                  []byte // the file, for ReadRatings when it turns out plain
	rows                  []longRow
	experts               []Expert
	statements            []string
	criteria              []string // in order of first appearance; nil without the column
	hasGroup, hasCountry  bool
	hasCriterion, hasKind bool
	kind                  string // the kind column's kind, "" when the file has none
}

// readLong reads a long file as ReadRatings does (same dialects, same
// checks of expert, round, statement, group and country, errors naming the
// line and the column), and also its criterion and kind columns; the
// rating cells are left as text. wantKind is --kind ("" when not given):
// a kind column must agree with it, and with itself on every row.
func readLong(r io.Reader, wantKind string) (*longFile, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("report: read ratings: %w", err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = rune(detectDelim(data))
	cr.FieldsPerRecord = -1
	read := func() ([]string, int, error) {
		for {
			rec, err := cr.Read()
			if err != nil {
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					return nil, 0, parseErrf(pe.StartLine, "", "%v", pe.Err)
				}
				return nil, 0, err
			}
			line, _ := cr.FieldPos(0)
			for i := range rec {
				rec[i] = strings.TrimSpace(rec[i])
			}
			if !allBlank(rec) {
				return rec, line, nil
			}
		}
	}
	head, hline, err := read()
	if err == io.EOF {
		return nil, parseErrf(1, "", "the file is empty; it needs a header row with the columns expert, round, statement, rating")
	}
	if err != nil {
		return nil, err
	}
	col := map[string]int{}
	names := make([]string, len(head))
	for i, f := range head {
		name := strings.ToLower(f)
		names[i] = name
		switch name {
		case colExpert, colRound, colStatement, colRating, colGroup, colCountry, colCriterion, colKind:
			if _, dup := col[name]; dup {
				return nil, parseErrf(hline, name, "the header names this column twice")
			}
			col[name] = i
		}
	}
	for _, req := range []string{colExpert, colRound, colStatement, colRating} {
		if _, ok := col[req]; !ok {
			return nil, parseErrf(hline, "", "missing required column %q (the header has: %s)", req, joinNames(names))
		}
	}
	f := &longFile{data: data}
	_, f.hasCriterion = col[colCriterion]
	_, f.hasKind = col[colKind]
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok {
			return rec[i]
		}
		return ""
	}
	expertIdx, stmtIdx, critSeen := map[string]int{}, map[string]int{}, map[string]bool{}
	attrLine := map[string]int{} // "group\x00E1" → line that set it
	kindLine := 0
	for {
		rec, line, err := read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(rec) != len(head) && (len(rec) < len(head) || !allBlank(rec[len(head):])) {
			return nil, parseErrf(line, "", "%d fields, but the header has %d", len(rec), len(head))
		}
		if f.hasKind && strings.EqualFold(get(rec, colKind), KindOpen) {
			continue // an answer to an open question: no criterion, no rating
		}
		row := longRow{line: line, expert: get(rec, colExpert), statement: get(rec, colStatement),
			criterion: get(rec, colCriterion), value: get(rec, colRating), group: get(rec, colGroup), country: get(rec, colCountry)}
		for _, c := range []struct{ name, what, v string }{
			{colExpert, "expert", row.expert}, {colStatement, "statement", row.statement}, {colCriterion, "criterion", row.criterion},
		} {
			if c.name == colCriterion && !f.hasCriterion {
				continue
			}
			if c.v == "" {
				return nil, parseErrf(line, c.name, `"" is empty; every row needs %s %s`, article(c.what), c.what)
			}
			if !utf8.ValidString(c.v) {
				return nil, parseErrf(line, c.name, "%q is not valid UTF-8; save the file as UTF-8", c.v)
			}
		}
		rd, ok := parseUint([]byte(get(rec, colRound)))
		if !ok || rd < 1 || rd > maxRound {
			return nil, parseErrf(line, colRound, "%q is not a round number (want a whole number from 1 to %d)", get(rec, colRound), maxRound)
		}
		row.round = rd
		if f.hasKind {
			k := strings.ToLower(get(rec, colKind))
			switch k {
			case "":
			case KindOpen:
				continue
			case KindRating, KindRanking, KindNumeric:
				switch {
				case wantKind != "" && k != wantKind:
					return nil, parseErrf(line, colKind, "%q differs from --kind %s", get(rec, colKind), wantKind)
				case f.kind != "" && k != f.kind:
					return nil, parseErrf(line, colKind, "%q differs from %q on line %d: one file holds one kind of question (run delphi analyze once per kind)", get(rec, colKind), f.kind, kindLine)
				case f.kind == "":
					f.kind, kindLine = k, line
				}
			default:
				return nil, parseErrf(line, colKind, "%q is not a kind of question (want rating, ranking or numeric)", get(rec, colKind))
			}
		}
		e, ok := expertIdx[row.expert]
		if !ok {
			e = len(f.experts)
			expertIdx[row.expert] = e
			f.experts = append(f.experts, Expert{ID: row.expert})
		}
		row.expertIdx = e
		s, ok := stmtIdx[row.statement]
		if !ok {
			s = len(f.statements)
			stmtIdx[row.statement] = s
			f.statements = append(f.statements, row.statement)
		}
		row.stmtIdx = s
		if f.hasCriterion && !critSeen[row.criterion] {
			critSeen[row.criterion] = true
			f.criteria = append(f.criteria, row.criterion)
		}
		for _, a := range []struct {
			name string
			v    string
			dst  *string
		}{{colGroup, row.group, &f.experts[e].Group}, {colCountry, row.country, &f.experts[e].Country}} {
			if a.v == "" {
				continue
			}
			if a.name == colGroup {
				f.hasGroup = true
			} else {
				f.hasCountry = true
			}
			switch *a.dst {
			case a.v:
			case "":
				*a.dst = a.v
				attrLine[a.name+"\x00"+row.expert] = line
			default:
				return nil, parseErrf(line, a.name, "%q conflicts with %q given for expert %q on line %d", a.v, *a.dst, row.expert, attrLine[a.name+"\x00"+row.expert])
			}
		}
		f.rows = append(f.rows, row)
	}
	if len(f.rows) == 0 {
		return nil, parseErrf(hline+1, "", "the file has a header but no ratings")
	}
	return f, nil
}

// cellKey identifies one answer: a second row for it is an error.
type cellKey struct {
	expert, stmt, round int
	criterion           string
}

// checkDuplicates reports the first second answer to one cell, naming
// both lines.
func (f *longFile) checkDuplicates() error {
	first := make(map[cellKey]int, len(f.rows))
	for _, r := range f.rows {
		k := cellKey{r.expertIdx, r.stmtIdx, r.round, r.criterion}
		if l, dup := first[k]; dup {
			on := ""
			if f.hasCriterion {
				on = fmt.Sprintf(" on criterion %q", r.criterion)
			}
			return parseErrf(r.line, "", "a second answer from expert %q to statement %q%s in round %d (the first is on line %d)", r.expert, r.statement, on, r.round, l)
		}
		first[k] = r.line
	}
	return nil
}

// missingCell is an empty or NA cell: no answer.
func missingCell(v string) bool {
	return v == "" || strings.EqualFold(v, "na")
}

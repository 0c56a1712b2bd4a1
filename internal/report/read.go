package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/delphi-platform/delphi/analysis"
)

// Column names of a ratings file, matched case-insensitively.
const (
	colExpert    = "expert"
	colRound     = "round"
	colStatement = "statement"
	colRating    = "rating"
	colGroup     = "group"
	colCountry   = "country"
)

// maxRound bounds round numbers; a Delphi study has a handful of rounds, and
// a bound keeps a typo such as 20240611 from creating a huge round index.
const maxRound = 1000

// ParseError is a problem in a ratings file, located by line and column.
type ParseError struct {
	Line   int    // 1-based line where the record starts
	Column string // column name; "" when the problem is the whole record
	Msg    string
}

func (e *ParseError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return fmt.Sprintf("line %d, column %s: %s", e.Line, e.Column, e.Msg)
}

func parseErrf(line int, column, format string, args ...any) *ParseError {
	return &ParseError{Line: line, Column: column, Msg: fmt.Sprintf(format, args...)}
}

// ReadRatings reads a ratings file in long form: a header row, then one row
// per expert × round × statement.
//
//   - UTF-8 text, a byte order mark tolerated; comma-separated, or
//     semicolon- or tab-separated (detected from the header line); fields
//     may be quoted as in RFC 4180; blank lines are skipped;
//   - a header row with the columns expert, round, statement and rating in
//     any order, and optionally group and country; names are matched
//     case-insensitively and other columns are ignored, but for kind: a
//     row whose kind is neither empty nor "rating" (the raw export's
//     "open" rows, answers to open questions) is skipped;
//   - round is a whole number from 1 to 1000; rating is a whole number on
//     the scale ("7" or "7.0"), "unable" in any case for unable to rate, or
//     empty or "NA" for no answer;
//   - each (expert, round, statement) appears at most once, and an expert's
//     group and country are the same on every row that gives them.
//
// The first problem is returned as a *ParseError naming the line, the
// column, the value and the reason. Statements keep their order of first
// appearance; rounds are sorted by number.
//
// The file is read in chunks of whole records, which GOMAXPROCS goroutines
// parse in parallel; a single goroutine then merges the rows in file order,
// so the result and the first error reported do not depend on the chunking.
func ReadRatings(r io.Reader, sc analysis.Scale) (*Ratings, error) {
	return readRatings(r, sc, readOptions{chunkSize: 512 << 10, workers: runtime.GOMAXPROCS(0)})
}

// ParseRatings is ReadRatings on a file held in memory.
func ParseRatings(data []byte, sc analysis.Scale) (*Ratings, error) {
	return ReadRatings(bytes.NewReader(data), sc)
}

// readOptions tune the pipeline; tests use tiny chunks to cut records at
// every possible place.
type readOptions struct {
	chunkSize int
	workers   int
}

// header is what the header row tells: the separator, the number of
// columns and where each known column is (-1 when absent).
type header struct {
	delim                                            byte
	nCols                                            int
	expert, round, statement, rating, group, country int
	kind                                             int // -1: none
}

func readRatings(r io.Reader, sc analysis.Scale, o readOptions) (*Ratings, error) {
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	// A seekable input can be read again to point at the first of two
	// duplicate rows.
	rs, seekable := r.(io.ReadSeeker)
	var start int64
	if seekable {
		var err error
		if start, err = rs.Seek(0, io.SeekCurrent); err != nil {
			seekable = false
		}
	}
	k := &chunker{r: r, size: max(o.chunkSize, 16), line: 1}
	first := newChunk()
	if err := k.next(first); err != nil {
		return nil, fmt.Errorf("report: read ratings: %w", err)
	}
	first.data = bytes.TrimPrefix(first.data, []byte("\xef\xbb\xbf"))
	h, pos, line, err := readHeader(first.data, first.firstLine)
	for err == errNoHeader && !first.last { // a chunk of blank lines
		if err := k.next(first); err != nil {
			return nil, fmt.Errorf("report: read ratings: %w", err)
		}
		h, pos, line, err = readHeader(first.data, first.firstLine)
	}
	if err == errNoHeader {
		return nil, parseErrf(1, "", "the file is empty; it needs a header row with the columns expert, round, statement, rating")
	}
	if err != nil {
		return nil, err
	}
	first.data, first.firstLine = first.data[pos:], line

	m := newMerger(sc)
	workers := max(o.workers, 1)
	nbuf := workers + 2
	var (
		free    = make(chan *chunk, nbuf)
		jobs    = make(chan *chunk, nbuf)
		pending = make(chan *chunk, nbuf)
		stop    = make(chan struct{})
		wg      sync.WaitGroup
	)
	// The reader cuts the input into chunks of whole records and hands each
	// to the workers and, in order, to the merger.
	wg.Go(func() {
		defer close(pending)
		defer close(jobs)
		c, allocated := first, 1
		for {
			// Once sent, c belongs to the workers and the merger.
			last := c.last
			select {
			case jobs <- c:
			case <-stop:
				return
			}
			select {
			case pending <- c:
			case <-stop:
				return
			}
			if last {
				return
			}
			select {
			case c = <-free:
			case <-stop:
				return
			default:
				if allocated < nbuf {
					c, allocated = newChunk(), allocated+1
				} else {
					select {
					case c = <-free:
					case <-stop:
						return
					}
				}
			}
			if err := k.next(c); err != nil {
				c.data, c.last, c.readErr = nil, true, fmt.Errorf("report: read ratings: %w", err)
			}
		}
	})
	for range workers {
		wg.Go(func() {
			for c := range jobs {
				c.parse(&h, sc)
				close(c.done)
			}
		})
	}
	var mergeErr error
	for c := range pending {
		<-c.done
		if mergeErr != nil {
			continue // drain until the reader stops
		}
		if mergeErr = m.merge(c); mergeErr != nil {
			close(stop)
			continue
		}
		c.reset()
		free <- c
	}
	wg.Wait()
	if dup, ok := mergeErr.(*duplicateError); ok {
		firstLine := 0
		if seekable {
			firstLine = firstAnswerLine(rs, start, dup)
		}
		return nil, dup.parseError(firstLine)
	}
	if mergeErr != nil {
		return nil, mergeErr
	}
	if m.rows == 0 {
		return nil, parseErrf(k.line, "", "the file has a header but no ratings")
	}
	return m.finish(), nil
}

// errNoHeader: the chunk holds only blank records.
var errNoHeader = errors.New("no header")

// readHeader finds the header row in the first chunk, picks the separator
// from it and locates the columns. It returns the offset and the line just
// after the header.
func readHeader(d []byte, firstLine int) (header, int, int, error) {
	h := header{expert: -1, round: -1, statement: -1, rating: -1, group: -1, country: -1, kind: -1}
	h.delim = detectDelim(d)
	t := tokenizer{d: d, line: firstLine, delim: h.delim}
	var fields [][]byte
	var start int
	for {
		var ok bool
		var err error
		fields, start, ok, err = t.next()
		if err != nil {
			return h, 0, 0, err
		}
		if !ok {
			return h, 0, 0, errNoHeader
		}
		if !blank(fields) {
			break
		}
	}
	h.nCols = len(fields)
	names := make([]string, len(fields))
	for i, f := range fields {
		name := string(bytes.ToLower(bytes.TrimSpace(f)))
		names[i] = name
		var dst *int
		switch name {
		case colExpert:
			dst = &h.expert
		case colRound:
			dst = &h.round
		case colStatement:
			dst = &h.statement
		case colRating:
			dst = &h.rating
		case colGroup:
			dst = &h.group
		case colCountry:
			dst = &h.country
		case colKind:
			dst = &h.kind
		default:
			continue // other columns are ignored
		}
		if *dst >= 0 {
			return h, 0, 0, parseErrf(start, name, "the header names this column twice")
		}
		*dst = i
	}
	for _, req := range []struct {
		name string
		idx  int
	}{{colExpert, h.expert}, {colRound, h.round}, {colStatement, h.statement}, {colRating, h.rating}} {
		if req.idx < 0 {
			return h, 0, 0, parseErrf(start, "", "missing required column %q (the header has: %s)", req.name, joinNames(names))
		}
	}
	return h, t.pos, t.line, nil
}

// detectDelim picks the separator: a comma unless the first non-blank line
// has none and has semicolons (Excel in many European locales) or tabs.
func detectDelim(d []byte) byte {
	rest := d
	var first []byte
	for len(rest) > 0 {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		if len(bytes.TrimSpace(line)) > 0 {
			first = line
			break
		}
	}
	switch {
	case bytes.IndexByte(first, ',') >= 0:
		return ','
	case bytes.IndexByte(first, ';') >= 0:
		return ';'
	case bytes.IndexByte(first, '\t') >= 0:
		return '\t'
	}
	return ','
}

func joinNames(names []string) string {
	var b bytes.Buffer
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", n)
	}
	return b.String()
}

func blank(fields [][]byte) bool {
	for _, f := range fields {
		if len(bytes.TrimSpace(f)) > 0 {
			return false
		}
	}
	return true
}

// merger builds the Ratings from the chunks' rows, in file order.
type merger struct {
	sc         analysis.Scale
	experts    []Expert
	expertIdx  map[string]int32
	statements []string
	stmtIdx    map[string]int32
	rounds     []*roundCells
	lastRound  int
	rows       int
	// groupLine and countryLine: the line that set an expert's group or
	// country, to point at it when another row disagrees.
	groupLine, countryLine []int
	hasGroup, hasCountry   bool
	emap, smap             []int32 // scratch: chunk-local to global IDs
}

// roundCells collects one round's answers: resp[s] is nil until statement
// s has a row in the round, then holds one entry per expert seen so far,
// absent where the expert has no row.
type roundCells struct {
	number int
	resp   [][]analysis.Response
}

// absent marks a cell without a row while parsing. It is neither a rating
// on any valid scale nor one of the analysis codes, and finish turns it into
// analysis.Missing; it never leaves this file.
const absent = analysis.Response(math.MinInt32 + 2)

// duplicateError is a second row for one cell. readRatings completes it with
// the line of the first row once the pipeline has stopped.
type duplicateError struct {
	line              int
	expert, statement string
	round             int
}

func (d *duplicateError) Error() string { return d.parseError(0).Error() }

// parseError words the problem; first is the line of the first answer, or
// 0 when unknown (the input could not be read again).
func (d *duplicateError) parseError(first int) *ParseError {
	msg := fmt.Sprintf("a second answer from expert %q to statement %q in round %d", d.expert, d.statement, d.round)
	if first > 0 {
		msg += fmt.Sprintf(" (the first is on line %d)", first)
	}
	return parseErrf(d.line, "", "%s", msg)
}

func newMerger(sc analysis.Scale) *merger {
	return &merger{sc: sc, expertIdx: map[string]int32{}, stmtIdx: map[string]int32{}, lastRound: -1}
}

func (m *merger) merge(c *chunk) error {
	if c.readErr != nil {
		return c.readErr
	}
	// Chunk-local IDs are in order of first appearance in the chunk, and
	// chunks come in file order, so new global IDs keep file order.
	m.emap = m.emap[:0]
	for _, id := range c.experts.keys {
		m.emap = append(m.emap, m.expert(id))
	}
	m.smap = m.smap[:0]
	for _, id := range c.stmts.keys {
		m.smap = append(m.smap, m.statement(id))
	}
	for i := range c.rows {
		row := &c.rows[i]
		e, s := m.emap[row.expert], m.smap[row.stmt]
		line := int(row.line)
		if row.group >= 0 {
			if err := m.attr(line, colGroup, e, c.groups.keys[row.group]); err != nil {
				return err
			}
		}
		if row.country >= 0 {
			if err := m.attr(line, colCountry, e, c.countries.keys[row.country]); err != nil {
				return err
			}
		}
		if err := m.store(line, m.round(int(row.round)), s, e, row.resp); err != nil {
			return err
		}
	}
	m.rows += len(c.rows)
	if c.err != nil {
		return c.err
	}
	return nil
}

// expert returns the global ID of an expert, adding it.
func (m *merger) expert(id string) int32 {
	e, ok := m.expertIdx[id]
	if !ok {
		e = int32(len(m.experts))
		m.expertIdx[id] = e
		m.experts = append(m.experts, Expert{ID: id})
		m.groupLine = append(m.groupLine, 0)
		m.countryLine = append(m.countryLine, 0)
	}
	return e
}

// statement returns the global ID of a statement, adding it.
func (m *merger) statement(id string) int32 {
	s, ok := m.stmtIdx[id]
	if !ok {
		s = int32(len(m.statements))
		m.stmtIdx[id] = s
		m.statements = append(m.statements, id)
		for _, rc := range m.rounds {
			rc.resp = append(rc.resp, nil)
		}
	}
	return s
}

// round returns the index of round number n in m.rounds, adding it.
func (m *merger) round(n int) int {
	if r := m.lastRound; r >= 0 && m.rounds[r].number == n {
		return r
	}
	for i, rc := range m.rounds {
		if rc.number == n {
			m.lastRound = i
			return i
		}
	}
	m.rounds = append(m.rounds, &roundCells{number: n, resp: make([][]analysis.Response, len(m.statements))})
	m.lastRound = len(m.rounds) - 1
	return m.lastRound
}

// attr records an expert's group or country.
func (m *merger) attr(line int, col string, e int32, v string) error {
	ex := &m.experts[e]
	dst, setAt := &ex.Group, &m.groupLine[e]
	m.hasGroup = m.hasGroup || col == colGroup
	if col == colCountry {
		dst, setAt = &ex.Country, &m.countryLine[e]
		m.hasCountry = true
	}
	switch *dst {
	case v:
		return nil
	case "":
		*dst, *setAt = v, line
		return nil
	}
	return parseErrf(line, col, "%q conflicts with %q given for expert %q on line %d", v, *dst, ex.ID, *setAt)
}

// store puts one answer in its round's column, growing the column as new
// experts appear.
func (m *merger) store(line, rd int, s, e int32, resp analysis.Response) error {
	rc := m.rounds[rd]
	col := rc.resp[s]
	if int(e) >= len(col) {
		old, n := len(col), max(int(e)+1, len(m.experts))
		col = slices.Grow(col, n-old)[:n]
		for i := old; i < n; i++ {
			col[i] = absent
		}
		rc.resp[s] = col
	}
	if col[e] != absent {
		return &duplicateError{line: line, expert: m.experts[e].ID, statement: m.statements[s], round: rc.number}
	}
	col[e] = resp
	return nil
}

// finish turns the collected cells into Ratings: every presented column gets
// one entry per expert, Missing where the file has no row.
func (m *merger) finish() *Ratings {
	out := &Ratings{
		Experts:    m.experts,
		Statements: m.statements,
		HasGroup:   m.hasGroup,
		HasCountry: m.hasCountry,
	}
	slices.SortFunc(m.rounds, func(a, b *roundCells) int { return a.number - b.number })
	nE := len(m.experts)
	for _, rc := range m.rounds {
		r := Round{Number: rc.number, Responses: make([][]analysis.Response, len(m.statements))}
		for s, col := range rc.resp {
			if col == nil {
				continue
			}
			full := slices.Grow(col, nE-len(col))[:nE]
			for e, x := range full {
				if e >= len(col) || x == absent {
					full[e] = analysis.Missing
				}
			}
			r.Responses[s] = full
		}
		out.Rounds = append(out.Rounds, r)
	}
	return out
}

// firstAnswerLine reads the input again, when it can, to find the line of
// the first row for the cell of a duplicate. It runs only on that error path.
func firstAnswerLine(rs io.ReadSeeker, start int64, d *duplicateError) int {
	if _, err := rs.Seek(start, io.SeekStart); err != nil {
		return 0
	}
	k := &chunker{r: rs, size: 1 << 20, line: 1}
	c := newChunk()
	if k.next(c) != nil {
		return 0
	}
	c.data = bytes.TrimPrefix(c.data, []byte("\xef\xbb\xbf"))
	h, pos, line, err := readHeader(c.data, c.firstLine)
	for err == errNoHeader && !c.last {
		if k.next(c) != nil {
			return 0
		}
		h, pos, line, err = readHeader(c.data, c.firstLine)
	}
	if err != nil {
		return 0
	}
	c.data, c.firstLine = c.data[pos:], line
	need := max(h.expert, h.statement, h.round)
	for {
		t := tokenizer{d: c.data, line: c.firstLine, delim: h.delim}
		for {
			f, at, ok, err := t.next()
			if err != nil || !ok {
				break
			}
			if len(f) <= need || string(f[h.expert]) != d.expert || string(f[h.statement]) != d.statement {
				continue
			}
			if n, ok := parseUint(f[h.round]); ok && n == d.round {
				return at
			}
		}
		if c.last || k.next(c) != nil {
			return 0
		}
	}
}

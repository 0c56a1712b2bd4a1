package report

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/delphi-platform/delphi/analysis"
)

// chunk is a piece of the input made of whole records, and what a worker
// made of it. Chunks are recycled, so their buffers and tables are
// allocated once per ReadRatings.
type chunk struct {
	buf       []byte
	data      []byte // the records: buf[:n], or part of it for the first chunk
	firstLine int    // line number of data[0]
	last      bool   // the input ends with this chunk
	readErr   error

	rows                              []rawRow
	experts, stmts, groups, countries localTable
	err                               error // first problem in the chunk; rows before it are kept
	done                              chan struct{}
	tok                               tokenizer
}

// rawRow is one parsed row with chunk-local IDs.
type rawRow struct {
	line           int32
	expert, stmt   int32
	group, country int32 // -1: not given
	round          int32
	resp           analysis.Response
}

func newChunk() *chunk {
	c := &chunk{done: make(chan struct{})}
	for _, t := range []*localTable{&c.experts, &c.stmts, &c.groups, &c.countries} {
		t.ids = map[string]int32{}
		t.last = -1
	}
	return c
}

// reset readies a merged chunk for reuse.
func (c *chunk) reset() {
	c.rows = c.rows[:0]
	c.err, c.readErr, c.last = nil, nil, false
	c.done = make(chan struct{})
	for _, t := range []*localTable{&c.experts, &c.stmts, &c.groups, &c.countries} {
		clear(t.ids)
		t.keys = t.keys[:0]
		t.last = -1
	}
}

// localTable numbers the distinct values of a column within a chunk.
type localTable struct {
	ids  map[string]int32
	keys []string
	last int32
}

// id returns the value's number and whether it is new. Rows usually repeat
// the previous value (expert) or move to the next one (statement), so both
// are tried before the map.
func (t *localTable) id(b []byte) (int32, bool) {
	if l := t.last; l >= 0 {
		if string(b) == t.keys[l] {
			return l, false
		}
		if n := l + 1; int(n) < len(t.keys) && string(b) == t.keys[n] {
			t.last = n
			return n, false
		}
	}
	if id, ok := t.ids[string(b)]; ok {
		t.last = id
		return id, false
	}
	id := int32(len(t.keys))
	s := string(b)
	t.ids[s] = id
	t.keys = append(t.keys, s)
	t.last = id
	return id, true
}

// chunker cuts the input into chunks that end at a record boundary: a line
// break outside quotes.
type chunker struct {
	r       io.Reader
	size    int
	eof     bool
	carry   []byte // bytes after the last cut, the start of the next chunk
	line    int    // line number of the next chunk's first byte
	started bool   // the first chunk has been read
}

// next fills c with the next chunk. At the end of the input c.last is set
// (c.data may then be empty).
func (k *chunker) next(c *chunk) error {
	if cap(c.buf) < k.size {
		// The first chunk starts small, so a small file costs little; the
		// others are full size.
		size := k.size
		if !k.started {
			size = min(size, 64<<10)
		}
		c.buf = make([]byte, size)
	}
	k.started = true
	buf := c.buf[:cap(c.buf)]
	n := copy(buf, k.carry)
	if n < len(k.carry) { // a record longer than the chunk size
		buf = append(buf[:n], k.carry[n:]...)
		buf = buf[:cap(buf)]
		n = len(k.carry)
	}
	k.carry = k.carry[:0]
	for {
		for !k.eof && n < len(buf) {
			m, err := k.r.Read(buf[n:])
			n += m
			if err == io.EOF {
				k.eof = true
			} else if err != nil {
				return err
			}
		}
		if k.eof {
			c.buf, c.data, c.last = buf, buf[:n], true
			break
		}
		if cut := lastRecordEnd(buf[:n]); cut >= 0 {
			k.carry = append(k.carry, buf[cut:n]...)
			c.buf, c.data, c.last = buf, buf[:cut], false
			break
		}
		// No record ends in the buffer: grow it and read on. Doubling
		// keeps the rescans linear overall.
		buf = append(buf[:n], make([]byte, len(buf))...)
		buf = buf[:cap(buf)]
	}
	c.firstLine = k.line
	k.line += bytes.Count(c.data, []byte{'\n'})
	return nil
}

// lastRecordEnd returns the offset just after the last line break of d that
// lies outside quotes, or -1. d starts at a record boundary. Without quotes
// in d this is a single backward search.
func lastRecordEnd(d []byte) int {
	if bytes.IndexByte(d, '"') < 0 {
		if i := bytes.LastIndexByte(d, '\n'); i >= 0 {
			return i + 1
		}
		return -1
	}
	cut, inQuotes := -1, false
	for i, c := range d {
		switch c {
		case '"':
			inQuotes = !inQuotes
		case '\n':
			if !inQuotes {
				cut = i + 1
			}
		}
	}
	return cut
}

// tokenizer splits the records of an in-memory chunk.
type tokenizer struct {
	d      []byte
	pos    int
	line   int // line number of d[pos]
	delim  byte
	fields [][]byte
	unq    []byte
}

// next returns the next record's fields (valid until the following call)
// and the line it starts on; ok is false at the end of d. Unquoted fields
// are trimmed of spaces.
func (t *tokenizer) next() (fields [][]byte, start int, ok bool, err error) {
	if t.pos >= len(t.d) {
		return nil, t.line, false, nil
	}
	start = t.line
	rest := t.d[t.pos:]
	end := bytes.IndexByte(rest, '\n')
	line := rest
	if end >= 0 {
		line = rest[:end]
	}
	if bytes.IndexByte(line, '"') >= 0 {
		fields, err = t.quoted()
		return fields, start, err == nil, err
	}
	if end >= 0 {
		t.pos += end + 1
		t.line++
	} else {
		t.pos = len(t.d)
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	// Fields are short, so a byte loop beats a bytes.IndexByte call per field.
	fields = t.fields[:0]
	from, delim := 0, t.delim
	for i, c := range line {
		if c == delim {
			fields = append(fields, trimField(line[from:i]))
			from = i + 1
		}
	}
	fields = append(fields, trimField(line[from:]))
	t.fields = fields
	return fields, start, true, nil
}

// trimField trims spaces; most fields have none, so check before calling
// bytes.TrimSpace.
func trimField(b []byte) []byte {
	if n := len(b); n > 0 && (b[0] <= ' ' || b[n-1] <= ' ') {
		return bytes.TrimSpace(b)
	}
	return b
}

// quoted parses a record with quoted fields (RFC 4180: "" inside a quoted
// field is a quote; a quoted field may span lines). It is the slow path;
// files that quote everything still parse at a good speed.
func (t *tokenizer) quoted() ([][]byte, error) {
	start := t.line
	t.unq = t.unq[:0]
	type span struct{ lo, hi int } // into t.unq
	var spans []span
	d, i := t.d, t.pos
	isSpace := func(c byte) bool { return (c == ' ' || c == '\t' || c == '\r') && c != t.delim }
	for {
		for i < len(d) && isSpace(d[i]) {
			i++
		}
		lo := len(t.unq)
		if i < len(d) && d[i] == '"' {
			i++
			for {
				if i >= len(d) {
					return nil, parseErrf(start, "", "a quoted field is not closed")
				}
				c := d[i]
				if c == '"' {
					if i+1 < len(d) && d[i+1] == '"' {
						t.unq = append(t.unq, '"')
						i += 2
						continue
					}
					i++
					break
				}
				if c == '\n' {
					t.line++
				}
				t.unq = append(t.unq, c)
				i++
			}
			for i < len(d) && isSpace(d[i]) {
				i++
			}
			if i < len(d) && d[i] != t.delim && d[i] != '\n' {
				return nil, parseErrf(start, "", "unexpected %q after a closing quote", d[i])
			}
		} else {
			j := i
			for j < len(d) && d[j] != t.delim && d[j] != '\n' {
				if d[j] == '"' {
					return nil, parseErrf(start, "", "a quote inside an unquoted field; quote the whole field and double the quote")
				}
				j++
			}
			t.unq = append(t.unq, bytes.TrimSpace(d[i:j])...)
			i = j
		}
		spans = append(spans, span{lo, len(t.unq)})
		if i >= len(d) {
			break
		}
		if d[i] == '\n' {
			i++
			t.line++
			break
		}
		i++ // separator
	}
	t.pos = i
	fields := t.fields[:0]
	for _, s := range spans {
		fields = append(fields, t.unq[s.lo:s.hi])
	}
	t.fields = fields
	return fields, nil
}

// parse turns the chunk's records into rows, stopping at the first problem.
func (c *chunk) parse(h *header, sc analysis.Scale) {
	c.tok = tokenizer{d: c.data, line: c.firstLine, delim: h.delim, fields: c.tok.fields, unq: c.tok.unq}
	for {
		f, line, ok, err := c.tok.next()
		if err != nil {
			c.err = err
			return
		}
		if !ok {
			return
		}
		if blank(f) {
			continue
		}
		if err := c.row(h, sc, line, f); err != nil {
			c.err = err
			return
		}
	}
}

func (c *chunk) row(h *header, sc analysis.Scale, line int, f [][]byte) error {
	if len(f) != h.nCols && (len(f) < h.nCols || !blank(f[h.nCols:])) {
		return parseErrf(line, "", "%d fields, but the header has %d", len(f), h.nCols)
	}
	if h.kind >= 0 { // not a rating (an open answer of the raw export): not read
		if k := bytes.TrimSpace(f[h.kind]); len(k) > 0 && !bytes.EqualFold(k, []byte("rating")) {
			return nil
		}
	}
	e, err := idOf(&c.experts, line, colExpert, "expert", f[h.expert])
	if err != nil {
		return err
	}
	b := f[h.round]
	rd, ok := parseUint(b)
	if !ok || rd < 1 || rd > maxRound {
		return parseErrf(line, colRound, "%q is not a round number (want a whole number from 1 to %d)", b, maxRound)
	}
	s, err := idOf(&c.stmts, line, colStatement, "statement", f[h.statement])
	if err != nil {
		return err
	}
	resp, err := parseResponse(line, f[h.rating], sc)
	if err != nil {
		return err
	}
	row := rawRow{line: int32(line), expert: e, stmt: s, round: int32(rd), resp: resp, group: -1, country: -1}
	if h.group >= 0 && len(f[h.group]) > 0 {
		if row.group, err = idOf(&c.groups, line, colGroup, "", f[h.group]); err != nil {
			return err
		}
	}
	if h.country >= 0 && len(f[h.country]) > 0 {
		if row.country, err = idOf(&c.countries, line, colCountry, "", f[h.country]); err != nil {
			return err
		}
	}
	c.rows = append(c.rows, row)
	return nil
}

// idOf numbers a value in the chunk; what (e.g. "expert") names a required
// ID, "" an optional attribute. New values must be valid UTF-8.
func idOf(t *localTable, line int, col, what string, b []byte) (int32, error) {
	if len(b) == 0 {
		return 0, parseErrf(line, col, `"" is empty; every row needs %s %s ID`, article(what), what)
	}
	id, isNew := t.id(b)
	if isNew && !utf8.Valid(b) {
		return 0, parseErrf(line, col, "%q is not valid UTF-8; save the file as UTF-8", b)
	}
	return id, nil
}

func article(w string) string {
	if strings.HasPrefix(w, "e") {
		return "an"
	}
	return "a"
}

// parseResponse reads a rating cell.
func parseResponse(line int, b []byte, sc analysis.Scale) (analysis.Response, error) {
	if len(b) == 0 || (len(b) == 2 && (b[0]|0x20) == 'n' && (b[1]|0x20) == 'a') {
		return analysis.Missing, nil
	}
	if v, ok := parseRating(b); ok {
		if !sc.Contains(v) {
			return 0, parseErrf(line, colRating, "%q is outside the scale %s", b, sc)
		}
		return analysis.Rating(v), nil
	}
	if len(b) == 6 && strings.EqualFold(string(b), "unable") {
		return analysis.Unable, nil
	}
	return 0, parseErrf(line, colRating, `%q is not a rating (want a whole number on the scale %s, "unable", or empty or NA for no answer)`, b, sc)
}

// parseUint parses a plain non-negative decimal integer of up to 9 digits.
func parseUint(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// parseRating parses an integer with an optional sign, and tolerates a
// zero decimal part ("7.0"), which tools write for numeric columns that
// also hold empty cells.
func parseRating(b []byte) (int, bool) {
	neg := false
	switch {
	case len(b) > 0 && b[0] == '-':
		neg, b = true, b[1:]
	case len(b) > 0 && b[0] == '+':
		b = b[1:]
	}
	if i := bytes.IndexByte(b, '.'); i >= 0 {
		frac := b[i+1:]
		if len(frac) == 0 || len(bytes.Trim(frac, "0")) != 0 {
			return 0, false
		}
		b = b[:i]
	}
	n, ok := parseUint(b)
	if !ok {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

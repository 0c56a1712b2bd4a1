package analysis

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The reference vectors (testdata/vectors.json, made by
// testdata/make_vectors.py, cross-checked against numpy, scipy, R and coin)
// hold every expected value. vcheck compares our results with them and
// records which expected leaves were compared, so that a test can fail on
// any expected value it did not look at: "every value" is then a checked
// claim, not a hope.

const (
	absTol = 1e-9 // descriptive statistics (SPEC §0.3)
	relTol = 1e-6 // p-values
)

// skipLeaves lists expected fields that are intentionally not compared,
// keyed by the last path segment. It is empty: every field of the vectors
// corresponds to a platform output, including the gonum_quantile_* blocks,
// which the tests reproduce by calling gonum's stat.Quantile to document the
// pitfall of SPEC §2.4 (see checkGonumQuantiles).
var skipLeaves = map[string]string{}

type vectorsFile struct {
	Meta  map[string]any `json:"meta"`
	Cases []vectorCase   `json:"cases"`
}

type vectorCase struct {
	ID          string            `json:"id"`
	Kind        string            `json:"kind"`
	Description string            `json:"description"`
	Scale       *vectorScale      `json:"scale"`
	Responses   []*int            `json:"responses"`
	RoundA      []*int            `json:"round_a"`
	RoundB      []*int            `json:"round_b"`
	Groups      map[string][]*int `json:"groups"`
	Matrix      [][]*int          `json:"matrix_rows_are_experts"`
	Experts     []struct {
		ID, Group, Country string
	} `json:"experts"`
	Rounds []struct {
		Round       int               `json:"round"`
		Invited     int               `json:"invited"`
		Respondents []string          `json:"respondents"`
		Ratings     map[string][]*int `json:"ratings"`
	} `json:"rounds"`
	Expected any `json:"expected"`
}

type vectorScale struct {
	Min   int              `json:"min"`
	Max   int              `json:"max"`
	Bands map[string][]int `json:"bands"`
}

func (v *vectorScale) settings() Settings {
	sc := Scale{Min: v.Min, Max: v.Max}
	band := func(name string) Band { return Band{Lo: v.Bands[name][0], Hi: v.Bands[name][1]} }
	return Settings{
		Scale:    sc,
		Bands:    Bands{Disagree: band("disagree"), Neutral: band("neutral"), Agree: band("agree")},
		Quantile: Type6,
		Rule:     DefaultRule(),
	}
}

func loadVectors(t testing.TB) *vectorsFile {
	t.Helper()
	b, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectorsFile
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return &v
}

// responsesOf converts the vectors' coding (null = MISSING, 0 = UNABLE).
func responsesOf(vs []*int) []Response {
	out := make([]Response, len(vs))
	for i, v := range vs {
		switch {
		case v == nil:
			out[i] = Missing
		case *v == 0:
			out[i] = Unable
		default:
			out[i] = Rating(*v)
		}
	}
	return out
}

// vcheck compares values against one case's expected tree.
type vcheck struct {
	t        *testing.T
	root     any
	asserted map[string]bool
	// rel, when set, replaces the spec's tolerances with one relative
	// tolerance for every number (an expected 0 must then be exactly 0).
	rel float64
}

func newVCheck(t *testing.T, expected any) *vcheck {
	return &vcheck{t: t, root: expected, asserted: map[string]bool{}}
}

func join(path ...string) string { return strings.Join(path, ".") }

// lookup finds a dotted path; numeric segments index arrays.
func (c *vcheck) lookup(path string) (any, bool) {
	cur := c.root
	for _, seg := range strings.Split(path, ".") {
		switch node := cur.(type) {
		case map[string]any:
			v, ok := node[seg]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(node) {
				return nil, false
			}
			cur = node[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// has reports whether the expected tree has the path.
func (c *vcheck) has(path string) bool {
	_, ok := c.lookup(path)
	return ok
}

// block handles an expected object that is null when undefined (e.g. the
// consensus blocks at n = 0). It asserts that our gotNull agrees and reports
// whether the block's fields should be compared.
func (c *vcheck) block(path string, gotNull bool) bool {
	v, ok := c.lookup(path)
	if !ok {
		return false
	}
	if v == nil {
		c.asserted[path] = true
		if !gotNull {
			c.t.Errorf("%s: expected null, got a value", path)
		}
		return false
	}
	if gotNull {
		c.t.Errorf("%s: expected a value, got null", path)
	}
	return true
}

func isPValue(path string) bool {
	last := path[strings.LastIndexByte(path, '.')+1:]
	return last == "p" || strings.HasPrefix(last, "p_")
}

// eq compares got with the expected value at path, if the vectors have one.
// got may be an Opt, a number, a bool, a string, a Stringer, or a slice.
func (c *vcheck) eq(path string, got any) {
	c.t.Helper()
	want, ok := c.lookup(path)
	if !ok {
		return
	}
	c.asserted[path] = true
	g, gotNull := normalize(got)
	if want == nil || gotNull {
		if (want == nil) != gotNull {
			c.t.Errorf("%s: want %v, got %v", path, fmtJSON(want), fmtJSON(g))
		}
		return
	}
	if !equalJSON(path, want, g, c.rel) {
		c.t.Errorf("%s: want %v, got %v", path, fmtJSON(want), fmtJSON(g))
	}
}

func fmtJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// optional is implemented by every Opt[T], so normalize can unwrap any of them.
type optional interface{ unwrap() (any, bool) }

func (o Opt[T]) unwrap() (any, bool) { return o.Value, o.Valid }

// normalize turns got into JSON-like values (float64, bool, string, []any)
// and reports null.
func normalize(got any) (any, bool) {
	if o, ok := got.(optional); ok {
		v, valid := o.unwrap()
		if !valid {
			return nil, true
		}
		got = v
	}
	switch v := got.(type) {
	case nil:
		return nil, true
	case Hundredths:
		return v.Float(), false
	case float64:
		return v, false
	case int:
		return float64(v), false
	case int64:
		return float64(v), false
	case bool, string:
		return v, false
	case Band:
		if v.Empty() {
			return nil, true
		}
		return []any{float64(v.Lo), float64(v.Hi)}, false
	case []int:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = float64(x)
		}
		return out, false
	case []float64:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = x
		}
		return out, false
	case []string:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = x
		}
		return out, false
	case fmt.Stringer:
		return v.String(), false
	}
	panic(fmt.Sprintf("vcheck: unsupported type %T", got))
}

func equalJSON(path string, want, got any, rel float64) bool {
	switch w := want.(type) {
	case float64:
		g, ok := got.(float64)
		if !ok {
			return false
		}
		if rel > 0 {
			return math.Abs(g-w) <= rel*math.Abs(w)
		}
		if isPValue(path) {
			return math.Abs(g-w) <= relTol*math.Abs(w) || (w == 0 && g == 0)
		}
		return math.Abs(g-w) <= absTol
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !equalJSON(path, w[i], g[i], rel) {
				return false
			}
		}
		return true
	default:
		return want == got
	}
}

// leaves lists every leaf path of the expected tree. Arrays of scalars are
// leaves; arrays of objects are walked with their indices.
func leaves(v any, prefix string, out *[]string) {
	switch node := v.(type) {
	case map[string]any:
		if len(node) == 0 {
			*out = append(*out, prefix)
		}
		for k, x := range node {
			leaves(x, joinPrefix(prefix, k), out)
		}
	case []any:
		if len(node) > 0 {
			switch node[0].(type) {
			case map[string]any, []any:
				for i, x := range node {
					leaves(x, joinPrefix(prefix, strconv.Itoa(i)), out)
				}
				return
			}
		}
		*out = append(*out, prefix)
	default:
		*out = append(*out, prefix)
	}
}

func joinPrefix(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

// requireAllAsserted fails for every expected leaf that no assertion
// compared, apart from the documented skip list.
func (c *vcheck) requireAllAsserted() {
	c.t.Helper()
	var all []string
	leaves(c.root, "", &all)
	sort.Strings(all)
	var missed []string
	for _, p := range all {
		if c.asserted[p] {
			continue
		}
		last := p[strings.LastIndexByte(p, '.')+1:]
		if _, skip := skipLeaves[last]; skip {
			continue
		}
		missed = append(missed, p)
	}
	if len(missed) > 0 {
		c.t.Errorf("%d expected values were not compared, e.g. %v", len(missed), missed[:min(len(missed), 10)])
	}
}

// count is the number of leaves asserted, for the test log.
func (c *vcheck) count() int { return len(c.asserted) }

// sortedKeys returns a map's keys in order, for deterministic subtests.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func itoa(i int) string { return strconv.Itoa(i) }

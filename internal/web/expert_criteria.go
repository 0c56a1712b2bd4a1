package web

import (
	"database/sql"
	"html/template"
	"math"
	"strconv"
	"strings"

	"github.com/delphi-platform/delphi/internal/i18n"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/rounds"
)

// Several criteria on the expert's page (issue 17): in a rating round of
// a study that rates statements on two or three criteria, each statement
// has one group of radios per criterion, a fieldset whose legend names
// it, and one comment. The radios of criterion 1 are r<id> as in a
// one-criterion study; those of criterion k are r<id>_<k>, and the
// autosave sends them as r2 and r3. A statement is answered when every
// criterion is (rated or "unable to rate").

// pageCriterion is one criterion as the page shows it.
type pageCriterion struct {
	number   int    // 1 to 3
	name     string // in the page's language, or the main one (lang set)
	lang     string
	radios   scaleHTML
	answerOf map[string]string // a form value → its words, for the thank-you page
	scale    rounds.Scale      // the criterion's scale, its labels in the page's language
}

// criterionItem is one criterion of one statement on the page.
type criterionItem struct {
	Number int
	Name   string
	Lang   string        // set when the name falls back to the main language
	Scale  template.HTML // the radios
	Value  string        // "", a scale point or "unable"
}

// pageCriteria lists the criteria of a visit's statements; nil when they
// are rated on one. unable is "unable to rate" in the page's language,
// "" when not offered.
func pageCriteria(v expertVisit, t workflow.Texts, sc rounds.Scale, l *i18n.Localizer, unable string) []pageCriterion {
	if !workflow.RatesCriteria(sc, v.Round) || len(t.Criteria) != len(sc.Criteria()) {
		return nil
	}
	var out []pageCriterion
	for k := range sc.Criteria() {
		ct := t.Criteria[k]
		one := sc.CriterionOf(k)
		pc := pageCriterion{number: k + 1, name: ct.Name.Text, answerOf: map[string]string{"unable": l.T("unable"), "": l.T("thanks.noanswer")}}
		if ct.Name.Fallback {
			pc.lang = v.Study.MainLanguage()
		}
		var points []scalePoint
		for i := range one.Labels {
			if i < len(ct.Labels) {
				one.Labels[i] = ct.Labels[i].Text
			}
			pt := scalePoint{Value: one.Min + i, Str: strconv.Itoa(one.Min + i), Label: one.Labels[i]}
			points = append(points, pt)
			pc.answerOf[pt.Str] = pointText(pt.Str, one.Labels[i])
		}
		pc.scale = one
		pc.radios = newScaleHTML(points, unable)
		if k > 0 {
			pc.radios.suffix = "_" + strconv.Itoa(k+1)
		}
		out = append(out, pc)
	}
	return out
}

// criterionValue is a stored answer on criterion k (1 to 3) as the form
// writes it.
func criterionValue(r store.Rating, k int) string {
	switch k {
	case 2:
		return answerValue(store.Rating{Rating: r.Rating2, Unable: r.Unable2})
	case 3:
		return answerValue(store.Rating{Rating: r.Rating3, Unable: r.Unable3})
	}
	return answerValue(r)
}

// criteriaItems are a statement's criteria on the page, and its answer
// in words for the thank-you page ("Importance: 7 · Critical; …").
func criteriaItems(cs []pageCriterion, id int64, r store.Rating, open bool) ([]criterionItem, string) {
	items := make([]criterionItem, 0, len(cs))
	words := make([]string, 0, len(cs))
	for _, c := range cs {
		it := criterionItem{Number: c.number, Name: c.name, Lang: c.lang, Value: criterionValue(r, c.number)}
		if open {
			it.Scale = c.radios.render(id, it.Value)
		}
		items = append(items, it)
		words = append(words, c.name+": "+c.answerOf[it.Value])
	}
	return items, strings.Join(words, "; ")
}

// answeredOn tells whether an answer is complete on the page's criteria
// (n of them; 0 or 1: criterion 1 alone).
func answeredOn(r store.Rating, n int) bool {
	ok := r.Answered()
	if n >= 2 {
		ok = ok && (r.Rating2.Valid || r.Unable2)
	}
	if n >= 3 {
		ok = ok && (r.Rating3.Valid || r.Unable3)
	}
	return ok
}

// readCriteria reads the ratings on criteria 2 and 3 into x.Extra from
// values such as the form's (get("2") is criterion 2's value); their
// scales are checked by the workflow (workflow.CheckCriteria).
func readCriteria(x *workflow.Answer, get func(k string) string) error {
	for k := 2; k <= rounds.MaxCriteria; k++ {
		rating, unable, err := parseCriterion(get(strconv.Itoa(k)))
		if err != nil {
			return err
		}
		if k == 2 {
			x.Extra.Rating2, x.Extra.Unable2 = rating, unable
		} else {
			x.Extra.Rating3, x.Extra.Unable3 = rating, unable
		}
	}
	return nil
}

// parseCriterion reads one criterion's form value: "", "unable" or a
// whole number (its scale is the workflow's to check).
func parseCriterion(val string) (sql.NullInt64, bool, error) {
	switch val {
	case "":
		return sql.NullInt64{}, false, nil
	case "unable":
		return sql.NullInt64{}, true, nil
	}
	n, err := strconv.Atoi(val)
	if err != nil || strconv.Itoa(n) != val {
		return sql.NullInt64{}, false, errNotOnScale
	}
	return sql.NullInt64{Int64: int64(n), Valid: true}, false, nil
}

// criteriaFeedback writes a statement's feedback on every criterion: one
// block each, titled with the criterion's name, with the group's figures
// and the expert's own earlier rating on it; the statement's comments
// (and its earlier wording, v's) once.
func (b *feedbackBuilder) criteriaFeedback(v *feedbackView, f rounds.Feedback, rs store.RoundStatement, mine store.Rating, answered bool) *feedbackView {
	l := b.l
	title := l.T("fb.title", "Round", f.Round)
	comments := v.Comments
	v.Comments = nil
	blocks := []*feedbackView{v}
	for i, cf := range f.Criteria {
		if i+1 >= len(b.criteria) {
			break
		}
		cb := *b
		cb.sc = b.criteria[i+1].scale
		m := store.Rating{Rating: mine.Rating2, Unable: mine.Unable2}
		if i == 1 {
			m = store.Rating{Rating: mine.Rating3, Unable: mine.Unable3}
		}
		blocks = append(blocks, cb.figures(cf.Feedback, rs, m, answered))
	}
	blocks[len(blocks)-1].Comments = comments
	var out strings.Builder
	for i, bv := range blocks {
		out.WriteString(string(feedbackHTML(bv, b.criteria[i].name+" · "+title, l.T("fb.changed"), l.T("fb.previous", "Round", f.Round),
			l.T("fb.groups"), l.T("fb.group"), l.T("fb.median"), l.T("fb.agree"), l.T("fb.comments"))))
	}
	v.HTML = template.HTML(out.String())
	return v
}

// criteriaKey is the criteria's words in the page's language, for the
// feedback cache's key: a coordinator may change them mid-round.
func criteriaKey(cs []pageCriterion) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString("\x00" + c.name + "\x00" + strings.Join(c.scale.Labels, "\x00"))
	}
	return b.String()
}

// sampleCriteria adds the preview's sample earlier answers on criteria 2
// and 3: each criterion's median, rounded, as for criterion 1.
func sampleCriteria(r *store.Rating, f rounds.Feedback) {
	for i, cf := range f.Criteria {
		if cf.Median == nil {
			continue
		}
		x := sql.NullInt64{Int64: min(max(int64(math.Round(*cf.Median)), int64(cf.Min)), int64(cf.Max)), Valid: true}
		if i == 0 {
			r.Rating2 = x
		} else {
			r.Rating3 = x
		}
	}
}

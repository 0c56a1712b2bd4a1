package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/rounds"
)

// The demo's rounds: 1 and 2 closed with simulated ratings, 3 open, so
// that coordinators and researchers see results and experts in round 3
// see feedback. The ratings are drawn from a seeded generator and written
// through the same service functions as real rounds (createNextRound,
// launchRound, store.SaveRating, closeRound), so the demo's data has the
// shape of a real study's.

// demoSeed fixes the simulated ratings: every `delphi demo` makes the same study.
const demoSeed = 20220401

// demoLean is how a statement tends to be rated on the 1–5 scale (the
// mean of the latent rating) and how much experts differ (its SD). Most
// statements lean towards agreement; the divisive ones named in
// demoTopics sit in the middle with a wide spread, and replacing
// interpreters by mediators leans towards disagreement.
func demoLean(position int) (mean, sd float64) {
	switch position { // 1-based statement positions in demoTopics order
	case 5: // data firewall
		return 3.6, 1.2
	case 15: // routine trauma screening
		return 3.1, 1.1
	case 21: // cultural mediators instead of interpreters
		return 1.9, 0.8
	case 27: // decriminalisation
		return 3.3, 1.3
	case 28: // residence permit after a conviction
		return 3.4, 1.2
	case 13, 19: // women-only spaces; current use and peer work
		return 3.7, 0.9
	}
	return 4.3, 0.65
}

// demoComments are remarks experts leave on the divisive statements.
var demoComments = []string{
	"It depends a lot on the country's legal framework.",
	"Agree in principle, but services cannot guarantee this on their own.",
	"The wording is ambiguous: who decides what counts as routine?",
	"In our service this already works well.",
	"This would need funding that most services do not have.",
	"Screening without follow-up care can do harm.",
}

// demoClock is the demo's time: the study is written 60 days ago, round 1
// runs for three weeks from 58 days ago, round 2 for three weeks from 30
// days ago, and round 3 opened two days ago with its deadline ahead, so
// dates in the results and the methods report look like a real study's.
type demoClock struct {
	start, t time.Time
}

func newDemoClock() *demoClock {
	start := time.Now().UTC().Add(-60 * 24 * time.Hour).Truncate(time.Hour)
	return &demoClock{start: start, t: start}
}

func (c *demoClock) now() time.Time { return c.t }

// at sets the clock to day d of the demo.
func (c *demoClock) at(days float64) {
	c.t = c.start.Add(time.Duration(days * 24 * float64(time.Hour)))
}

// platform is what the demo drives: the store, and the workflows a
// coordinator's clicks would run.
type platform struct {
	store *store.Store
	flow  *workflow.Service
}

// demoRun is the state of one simulated study run.
type demoRun struct {
	a      *platform
	clock  *demoClock
	st     store.Study
	userID int64
	rng    *rand.Rand
	// latent[e] is each expert's own shift (some rate higher, some lower).
	latent map[int64]float64
	// last[expert][statement id] is the expert's previous rating.
	last map[int64]map[int64]int
	// ordinal numbers the original statements 1..30; origin maps a
	// reworded statement to the one it replaced.
	ordinal map[int64]int
	origin  map[int64]int64
}

// demoRounds runs rounds 1 and 2 and opens round 3 for a demo study that
// has no rounds yet; a study with rounds is left as it is.
func demoRounds(ctx context.Context, a *platform, clock *demoClock, st store.Study, userID int64) error {
	existing, err := a.store.RoundsByStudy(ctx, st.ID)
	if err != nil {
		return fmt.Errorf("demo: rounds: %w", err)
	}
	if len(existing) > 0 {
		return nil
	}
	experts, err := a.store.ExpertsByStudy(ctx, st.ID)
	if err != nil {
		return fmt.Errorf("demo: experts: %w", err)
	}
	statements, err := a.store.StatementsByStudy(ctx, st.ID)
	if err != nil {
		return fmt.Errorf("demo: statements: %w", err)
	}
	d := &demoRun{a: a, clock: clock, st: st, userID: userID, rng: rand.New(rand.NewPCG(demoSeed, 1)),
		latent: map[int64]float64{}, last: map[int64]map[int64]int{}, ordinal: map[int64]int{}, origin: map[int64]int64{}}
	for i, s := range statements {
		d.ordinal[s.ID] = i + 1
	}
	for _, e := range experts {
		d.latent[e.ID] = d.rng.NormFloat64() * 0.3
		d.last[e.ID] = map[int64]int{}
	}

	// Round 1: the whole panel; 53 of 57 submit, 2 save without submitting.
	r1, err := d.round(ctx, 2, func(i int) demoAnswer {
		switch {
		case i%19 == 7:
			return demoSilent
		case i%23 == 11:
			return demoSavedOnly
		}
		return demoSubmits
	})
	if err != nil {
		return err
	}
	// The coordinator shows a few comments in the feedback, rewords the
	// statement on trauma screening and adds one prompted by comments.
	clock.at(25)
	if err := d.afterRound1(ctx, r1); err != nil {
		return err
	}
	// Round 2: the respondents of round 1; six of them drop out.
	if _, err := d.round(ctx, 30, func(i int) demoAnswer {
		if i%9 == 4 {
			return demoSilent
		}
		return demoSubmits
	}); err != nil {
		return err
	}
	// Round 3 stays open: two experts have started.
	_, err = d.round(ctx, 58, func(i int) demoAnswer {
		if i < 2 {
			return demoSavedOnly
		}
		return demoSilent
	})
	return err
}

// demoAnswer is what one invited expert does in a simulated round.
type demoAnswer int

const (
	demoSubmits demoAnswer = iota
	demoSavedOnly
	demoSilent
)

// round creates the next round on day day of the demo and launches it
// with a deadline three weeks later; experts answer over two weeks, and
// the round closes at its deadline unless it is the study's last.
func (d *demoRun) round(ctx context.Context, day float64, behaviour func(i int) demoAnswer) (store.Round, error) {
	a := d.a
	d.clock.at(day)
	r, err := a.flow.CreateNextRound(ctx, d.st, d.userID, workflow.RoundInput{Deadline: new(d.clock.now().Add(21 * 24 * time.Hour).Format(time.RFC3339Nano)), ReminderDays: new("7, 2")})
	if err != nil {
		return r, fmt.Errorf("demo: create round: %w", err)
	}
	if _, err := a.flow.LaunchRound(ctx, d.st, r.ID, d.userID); err != nil {
		return r, fmt.Errorf("demo: launch round %d: %w", r.Number, err)
	}
	rss, err := a.store.RoundStatements(ctx, r.ID)
	if err != nil {
		return r, err
	}
	statuses, err := a.store.RoundStatuses(ctx, r.ID)
	if err != nil {
		return r, err
	}
	for i, es := range statuses {
		b := behaviour(i)
		if b == demoSilent {
			continue
		}
		d.clock.at(day + 0.1 + 14*float64(i)/float64(len(statuses)))
		for _, rs := range rss {
			if err := d.answer(ctx, r, es, rs); err != nil {
				return r, err
			}
		}
		if b == demoSubmits {
			if err := a.store.SubmitInvitation(ctx, es.InvitationID); err != nil {
				return r, err
			}
		}
	}
	if r.Number < d.st.MaxRounds {
		d.clock.at(day + 21)
		if err := a.flow.CloseRound(ctx, d.st, r.ID, d.userID); err != nil {
			return r, fmt.Errorf("demo: close round %d: %w", r.Number, err)
		}
	}
	return r, nil
}

// answer draws one expert's answer to one statement. In round 1 it is the
// statement's lean plus the expert's shift and noise; later an expert
// keeps the earlier rating or moves one point towards the panel's median,
// as Delphi panels tend to converge.
func (d *demoRun) answer(ctx context.Context, r store.Round, es store.ExpertStatus, rs store.RoundStatement) error {
	key := d.lineageKey(rs)
	mean, sd := demoLean(d.position(rs))
	prev, seen := d.last[es.ExpertID][key]
	var x int
	switch {
	case d.rng.Float64() < 0.02:
		return d.a.store.SaveRating(ctx, es.InvitationID, rs.ID, nil, true, "", store.Extra{})
	case !seen:
		x = demoClamp(mean + d.latent[es.ExpertID] + d.rng.NormFloat64()*sd)
	default:
		x = prev
		target := int(math.Round(mean))
		if x != target && d.rng.Float64() < 0.45 {
			if x < target {
				x++
			} else {
				x--
			}
		}
	}
	d.last[es.ExpertID][key] = x
	comment := ""
	if sd > 0.7 && d.rng.Float64() < 0.12 {
		comment = demoComments[d.rng.IntN(len(demoComments))]
	}
	return d.a.store.SaveRating(ctx, es.InvitationID, rs.ID, &x, false, comment, store.Extra{})
}

// lineageKey follows a round statement back to the statement of round 1,
// so that a carried or reworded statement continues the expert's rating.
func (d *demoRun) lineageKey(rs store.RoundStatement) int64 {
	if orig, ok := d.origin[rs.StatementID]; ok {
		return orig
	}
	return rs.StatementID
}

// position is the statement's place among the original 30 (1-based), for
// its lean; 0 for a statement added later.
func (d *demoRun) position(rs store.RoundStatement) int { return d.ordinal[d.lineageKey(rs)] }

func demoClamp(v float64) int { return int(math.Max(1, math.Min(5, math.Round(v)))) }

// afterRound1 does what a coordinator does between rounds 1 and 2: show
// some comments in the feedback, reword the statement on trauma screening
// that comments found ambiguous, and add a statement the comments prompted.
func (d *demoRun) afterRound1(ctx context.Context, r1 store.Round) error {
	a := d.a
	ratings, err := a.store.RatingsByRound(ctx, r1.ID)
	if err != nil {
		return err
	}
	rss, err := a.store.RoundStatements(ctx, r1.ID)
	if err != nil {
		return err
	}
	var screening store.RoundStatement
	for _, rs := range rss {
		if d.ordinal[rs.StatementID] == 15 {
			screening = rs
		}
	}
	var sources []store.CommentRef
	shown := 0
	for _, rr := range ratings {
		if rr.Comment == "" || !rr.Submitted.Valid {
			continue
		}
		if shown < 12 {
			if err := a.store.SetCommentShown(ctx, rr.InvitationID, rr.RoundStatementID, true); err != nil {
				return err
			}
			shown++
		}
		if rr.RoundStatementID == screening.ID && len(sources) < 3 {
			sources = append(sources, store.CommentRef{InvitationID: rr.InvitationID, RoundStatementID: rr.RoundStatementID})
		}
	}
	if screening.ID == 0 {
		return nil
	}
	decisions, err := a.store.DecisionsByRound(ctx, r1.ID)
	if err != nil {
		return err
	}
	if decisions[screening.ID].Decision != string(rounds.ProposeCarry) {
		return nil
	}
	newer, err := a.store.ReplaceStatements(ctx, d.st.ID, d.userID, rounds.OriginReworded, []int64{screening.StatementID},
		[]string{"Drug services should offer every migrant client a voluntary trauma screening at intake, with follow-up care available."},
		"comments: \"routine\" was ambiguous, and screening without follow-up care can do harm")
	if err != nil {
		return fmt.Errorf("demo: reword: %w", err)
	}
	d.origin[newer[0].ID] = screening.StatementID
	if len(sources) > 0 {
		if _, err := a.store.AddStatementFromComments(ctx, d.st.ID, d.userID,
			"Services should have a referral route to trauma care before they screen for trauma.",
			screening.SectionTitle, sources); err != nil {
			return fmt.Errorf("demo: add statement: %w", err)
		}
	}
	return nil
}

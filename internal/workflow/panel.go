package workflow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/export"
	"github.com/delphi-platform/delphi/internal/fault"
	"github.com/delphi-platform/delphi/internal/mail"
	"github.com/delphi-platform/delphi/internal/panelcsv"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/rounds"
)

// PanelImport is what importing a panel file does to the panel: the rows
// that add experts, those that change experts already in it, and how many
// rows match an expert without changing anything.
type PanelImport struct {
	New       []panelcsv.Expert
	Updated   []ExpertChange
	Unchanged int
	// Warnings are rows that import but deserve a look: an expert whose
	// language the study does not offer reads the study's main language.
	Warnings []panelcsv.Problem
	// Fingerprint identifies exactly these changes: applying a previewed
	// import with its fingerprint fails with ErrPanelChanged when the
	// panel has changed since so that the file would now do something else.
	Fingerprint string
}

// ExpertChange is one row that changes an expert already in the panel.
type ExpertChange struct {
	Row     int
	Expert  store.Expert // as it is now
	Changes []FieldChange
	// Invited is true when the expert was invited to a round: a new
	// e-mail address then matters (EmailChanged).
	Invited bool
	update  store.ExpertUpdate
}

// FieldChange is one changed value; Field is "e-mail", "name", "group",
// "country", "language" or the name of an extra column.
type FieldChange struct {
	Field, Old, New string
}

// EmailChanged reports whether the row gives the expert a new address.
func (c ExpertChange) EmailChanged() bool {
	return slices.ContainsFunc(c.Changes, func(f FieldChange) bool { return f.Field == "e-mail" })
}

// EmailChangeNote says what a new address means for an expert already
// invited; the preview shows it next to such a change.
const EmailChangeNote = "From now on, e-mails go to the new address: reminders, the next round's invitation, and any e-mail not yet delivered. " +
	"The personal links already sent to the old address keep working; if that address is no longer the expert's, revoke those links on the round's page and send a new link."

// ImportOptions says whether ImportPanel writes.
type ImportOptions struct {
	// DryRun only computes what the import would do.
	DryRun bool
	// Fingerprint, when not empty, is the PanelImport.Fingerprint of the
	// preview the user confirmed.
	Fingerprint string
}

// ErrPanelChanged refuses to apply a previewed import after the panel changed.
var ErrPanelChanged = fault.New(fault.Conflict, "the panel changed since the preview, so the file would now do something else; check the new preview and apply it again")

// ImportPanel reads a panel file against the study's panel: a row whose
// expert_id or e-mail address (case does not matter) is an expert's
// updates that expert, any other row adds one, and experts not in the file
// stay as they are. Only when every row is valid, and unless opt.DryRun,
// it writes all of it in one transaction; otherwise it writes nothing and
// returns every problem by row and column. The panel page (with a preview
// first) and POST /api/v1/studies/{id}/panel call it.
func (w *Service) ImportPanel(ctx context.Context, st store.Study, userID int64, r io.Reader, opt ImportOptions) (PanelImport, []panelcsv.Problem, error) {
	plan, problems, err := w.planPanelImport(ctx, st, r)
	if err != nil || len(problems) > 0 || opt.DryRun {
		return plan, problems, err
	}
	if opt.Fingerprint != "" && opt.Fingerprint != plan.Fingerprint {
		return plan, nil, ErrPanelChanged
	}
	if len(plan.New) == 0 && len(plan.Updated) == 0 {
		return plan, nil, nil
	}
	add := make([]store.NewExpert, len(plan.New))
	for i, e := range plan.New {
		add[i] = store.NewExpert{Email: e.Email, Name: e.Name, Group: e.Group, Country: e.Country, Language: e.Language, Attributes: e.Attributes}
	}
	update := make([]store.ExpertUpdate, len(plan.Updated))
	for i, c := range plan.Updated {
		update[i] = c.update
	}
	err = w.store.ApplyPanelImport(ctx, st.ID, userID, add, update)
	if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
		// Someone changed the panel between the check and the write.
		return plan, []panelcsv.Problem{{Message: "the panel was changed by someone else meanwhile; nothing was imported, please try again"}}, nil
	}
	return plan, nil, err
}

// planPanelImport parses the file and matches its rows to the panel.
func (w *Service) planPanelImport(ctx context.Context, st store.Study, r io.Reader) (PanelImport, []panelcsv.Problem, error) {
	var plan PanelImport
	rows, problems := panelcsv.Parse(r, panelcsv.Options{DefaultLanguage: st.MainLanguage()})
	if len(problems) > 0 {
		return plan, problems, nil
	}
	panel, err := w.store.ExpertsByStudy(ctx, st.ID)
	if err != nil {
		return plan, nil, err
	}
	invs, err := w.store.PanelInvitations(ctx, st.ID)
	if err != nil {
		return plan, nil, err
	}
	invited := map[int64]bool{}
	for _, inv := range invs {
		invited[inv.ExpertID] = true
	}
	byID := make(map[int64]store.Expert, len(panel))
	byEmail := make(map[string]store.Expert, len(panel))
	for _, e := range panel {
		byID[e.ID] = e
		if !e.ErasedAt.Valid {
			byEmail[e.Email] = e
		}
	}
	matched := map[int64]int{} // expert → row
	for _, row := range rows {
		email := strings.ToLower(row.Email)
		cur, found := byEmail[email]
		if row.ID != 0 {
			cur, found = byID[row.ID]
			switch {
			case !found:
				problems = append(problems, panelcsv.Problem{Row: row.Row, Column: panelcsv.ColExpertID,
					Message: fmt.Sprintf("there is no expert %d in this study's panel; leave the cell empty to add a new expert", row.ID)})
				continue
			case cur.ErasedAt.Valid:
				problems = append(problems, panelcsv.Problem{Row: row.Row, Column: panelcsv.ColExpertID,
					Message: fmt.Sprintf("expert %d's personal data were erased; they cannot be given details again", row.ID)})
				continue
			}
			if other, taken := byEmail[email]; taken && other.ID != cur.ID {
				problems = append(problems, panelcsv.Problem{Row: row.Row, Column: panelcsv.ColEmail,
					Message: fmt.Sprintf("%q is the address of another expert in the panel (expert %d)", row.Email, other.ID)})
				continue
			}
		}
		if !found {
			plan.New = append(plan.New, row)
			continue
		}
		if first, dup := matched[cur.ID]; dup {
			problems = append(problems, panelcsv.Problem{Row: row.Row, Column: panelcsv.ColEmail,
				Message: fmt.Sprintf("this row and row %d are both about expert %d (%s)", first, cur.ID, cur.Email)})
			continue
		}
		matched[cur.ID] = row.Row
		if c, changed := expertChange(cur, row); changed {
			c.Invited = invited[cur.ID]
			plan.Updated = append(plan.Updated, c)
		} else {
			plan.Unchanged++
		}
	}
	if len(problems) > 0 {
		slices.SortStableFunc(problems, func(a, b panelcsv.Problem) int { return a.Row - b.Row })
		return PanelImport{}, problems, nil
	}
	plan.Warnings = languageWarnings(st, plan)
	plan.Fingerprint = plan.fingerprint()
	return plan, nil, nil
}

// expertChange compares an expert with a row of the file. A row without a
// language keeps the expert's; extra columns are set, other attributes kept.
func expertChange(cur store.Expert, row panelcsv.Expert) (ExpertChange, bool) {
	next := store.NewExpert{Email: strings.ToLower(row.Email), Name: row.Name, Group: row.Group, Country: row.Country, Language: row.Language}
	if row.LanguageDefaulted {
		next.Language = cur.Language
	}
	c := ExpertChange{Row: row.Row, Expert: cur}
	for _, f := range []FieldChange{
		{"e-mail", cur.Email, next.Email}, {"name", cur.Name, next.Name}, {"group", cur.Group, next.Group},
		{"country", cur.Country, next.Country}, {"language", cur.Language, next.Language},
	} {
		if f.Old != f.New {
			c.Changes = append(c.Changes, f)
		}
	}
	attrs := cur.AttributeMap()
	for _, k := range slices.Sorted(maps.Keys(row.Attributes)) {
		if old, v := attrs[k], row.Attributes[k]; old != v {
			c.Changes = append(c.Changes, FieldChange{k, old, v})
			attrs[k] = v
			next.Attributes = attrs
		}
	}
	c.update = store.ExpertUpdate{ID: cur.ID, NewExpert: next}
	return c, len(c.Changes) > 0
}

// fingerprint hashes what the import would write.
func (p PanelImport) fingerprint() string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	for _, e := range p.New {
		_ = enc.Encode([]any{"new", e.Email, e.Name, e.Group, e.Country, e.Language, e.Attributes})
	}
	for _, c := range p.Updated {
		_ = enc.Encode([]any{"update", c.Expert.ID, c.Changes})
	}
	_ = enc.Encode(p.Unchanged)
	return hex.EncodeToString(h.Sum(nil))
}

// ErrNoOpenRound refuses a late invitation while no round is open.
var ErrNoOpenRound = fault.New(fault.Conflict, "no round is open, so there is no round to invite the expert to; the launch of a round invites the experts its invite scope names")

// OpenRound returns the study's open rating round, or ok false.
func (w *Service) OpenRound(ctx context.Context, studyID int64) (store.Round, bool, error) {
	all, err := w.store.RoundsByStudy(ctx, studyID)
	if err != nil {
		return store.Round{}, false, err
	}
	for _, r := range all {
		if r.Status == rounds.Open {
			return r, true, nil
		}
	}
	return store.Round{}, false, nil
}

// InviteToOpenRound invites one expert, typically a late recruit, to the
// study's open round, as LaunchRound invites the others: an invitation,
// a personal link and the invitation e-mail, in one transaction,
// audit-logged. It refuses an expert already invited to the round (the
// round's page sends such an expert a new link), one who declined or was
// erased, and a round whose deadline has passed. It returns the round.
func (w *Service) InviteToOpenRound(ctx context.Context, st store.Study, expertID, userID int64) (store.Round, error) {
	r, ok, err := w.OpenRound(ctx, st.ID)
	if err != nil {
		return r, err
	}
	if !ok {
		return r, ErrNoOpenRound
	}
	if r.Deadline.Valid && !r.Deadline.Time.After(w.store.Now()) {
		return r, fault.New(fault.Conflict, fmt.Sprintf("round %d's deadline has passed, so a new expert could not answer any more", r.Number))
	}
	e, err := w.store.ExpertByID(ctx, st.ID, expertID)
	if err != nil {
		return r, err
	}
	switch {
	case e.ErasedAt.Valid:
		return r, fault.New(fault.Conflict, "this expert's personal data were erased; they cannot be invited")
	case e.Status != "active":
		return r, fault.New(fault.Conflict, e.Name+" declined further e-mails about this study, so they cannot be invited")
	}
	alreadyInvited := fault.New(fault.Conflict, fmt.Sprintf("%s was already invited to round %d; to send the invitation again, use “Send a new link” on the round's page", e.Name, r.Number))
	if _, err := w.store.InvitationFor(ctx, r.ID, e.ID); err == nil {
		return r, alreadyInvited
	} else if !errors.Is(err, store.ErrNotFound) {
		return r, err
	}
	statements, err := w.store.StatementCount(ctx, r.ID)
	if err != nil {
		return r, err
	}
	m, err := w.mailerFor(ctx, w.store, st)
	if err != nil {
		return r, err
	}
	token, hash := auth.NewToken()
	msg, err := m.composeMessage(r, e, mail.KindInvitation, token, statements)
	if err != nil {
		return r, err
	}
	_, err = w.store.InviteExpert(ctx, r.ID, userID, store.NewInvitation{ExpertID: e.ID, TokenHash: hash, Message: msg})
	if errors.Is(err, store.ErrConflict) { // invited meanwhile, by someone else
		return r, alreadyInvited
	}
	if err == nil {
		w.notify()
	}
	return r, err
}

// The statuses of an expert in one round, in the panel export and the
// panel page's filter.
const (
	RoundNotInvited   = "not invited"
	RoundInvited      = "invited"       // the round is open; no answer yet
	RoundConsented    = "consented"     // opened the link and agreed, not submitted
	RoundSubmitted    = "submitted"     //
	RoundDeclined     = "declined"      // declined further e-mails before submitting
	RoundLinkRevoked  = "link revoked"  //
	RoundNotResponded = "not responded" // the round closed without an answer
)

// PanelStatuses returns the panel (without erased experts) with each
// expert's status in each launched round, for the panel export.
func (w *Service) PanelStatuses(ctx context.Context, studyID int64) (export.PanelTable, error) {
	var t export.PanelTable
	experts, err := w.store.ExpertsByStudy(ctx, studyID)
	if err != nil {
		return t, err
	}
	all, err := w.store.RoundsByStudy(ctx, studyID)
	if err != nil {
		return t, err
	}
	invs, err := w.store.PanelInvitations(ctx, studyID)
	if err != nil {
		return t, err
	}
	byExpert := map[int64]map[int]store.PanelInvitation{}
	for _, inv := range invs {
		if byExpert[inv.ExpertID] == nil {
			byExpert[inv.ExpertID] = map[int]store.PanelInvitation{}
		}
		byExpert[inv.ExpertID][inv.RoundNumber] = inv
	}
	var launched []store.Round
	for _, r := range all {
		if r.Status != rounds.Draft {
			launched = append(launched, r)
			t.Rounds = append(t.Rounds, r.Number)
		}
	}
	for _, e := range experts {
		if e.ErasedAt.Valid {
			continue
		}
		row := export.PanelRow{ID: e.ID, Email: e.Email, Name: e.Name, Group: e.Group, Country: e.Country, Language: e.Language}
		for _, r := range launched {
			inv, ok := byExpert[e.ID][r.Number]
			row.Rounds = append(row.Rounds, roundStatus(e, r, inv, ok))
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}

// roundStatus is how far an expert got in a round.
func roundStatus(e store.Expert, r store.Round, inv store.PanelInvitation, invited bool) string {
	// An expert who declined after the round closed had their say in it.
	declined := e.DeclinedAt.Valid && (r.Status == rounds.Open || !r.ClosedAt.Valid || !e.DeclinedAt.Time.After(r.ClosedAt.Time))
	switch {
	case !invited:
		return RoundNotInvited
	case inv.SubmittedAt.Valid:
		return RoundSubmitted
	case declined:
		return RoundDeclined
	case inv.Revoked:
		return RoundLinkRevoked
	case inv.OpenedAt.Valid && e.ConsentedAt.Valid:
		return RoundConsented
	case r.Status == rounds.Open:
		return RoundInvited
	}
	return RoundNotResponded
}

// ExportPanelCSV writes the panel with each expert's status per round as
// CSV (PanelStatuses), and records the download in the audit log: the file
// holds every expert's e-mail address.
func (w *Service) ExportPanelCSV(ctx context.Context, st store.Study, userID int64, out io.Writer) error {
	t, err := w.PanelStatuses(ctx, st.ID)
	if err != nil {
		return err
	}
	if err := w.store.Audit(ctx, st.ID, userID, "export panel", "", "", pluralExperts(len(t.Rows)), ""); err != nil {
		return err
	}
	return export.WritePanelCSV(out, t)
}

func pluralExperts(n int) string {
	if n == 1 {
		return "1 expert"
	}
	return fmt.Sprintf("%d experts", n)
}

// PanelFilter selects experts on the panel page and in GET
// /api/v1/studies/{id}/panel; empty fields select everyone.
type PanelFilter struct {
	Query   string // part of the name or e-mail address, any case
	Group   string // the stakeholder group, exactly ("-" for none)
	Country string // the country code ("-" for none)
	Status  string // "active", "declined", or of the open round: "invited", "not invited"
}

// PanelStatusFilters are the values of PanelFilter.Status.
var PanelStatusFilters = []string{"active", "declined", "invited", "not invited"}

// Active reports whether the filter selects anything less than everyone.
func (f PanelFilter) Active() bool { return f != PanelFilter{} }

// Match reports whether an expert passes the filter; invitedOpen tells
// whether they were invited to the open round.
func (f PanelFilter) Match(e store.Expert, invitedOpen bool) bool {
	if q := strings.ToLower(strings.TrimSpace(f.Query)); q != "" &&
		!strings.Contains(strings.ToLower(e.Name), q) && !strings.Contains(e.Email, q) {
		return false
	}
	if f.Group != "" && !(f.Group == e.Group || f.Group == "-" && e.Group == "") {
		return false
	}
	if f.Country != "" && !(strings.EqualFold(f.Country, e.Country) || f.Country == "-" && e.Country == "") {
		return false
	}
	switch f.Status {
	case "active", "declined":
		return e.Status == f.Status
	case "invited":
		return invitedOpen
	case "not invited":
		return !invitedOpen
	}
	return true
}

// OpenRoundInvitations returns the study's open round, or nil, and the
// experts invited to it, for the panel's "Invite to round N" and its
// filter by invitation.
func (w *Service) OpenRoundInvitations(ctx context.Context, studyID int64) (*store.Round, map[int64]bool, error) {
	invited := map[int64]bool{}
	r, ok, err := w.OpenRound(ctx, studyID)
	if err != nil || !ok {
		return nil, invited, err
	}
	invs, err := w.store.PanelInvitations(ctx, studyID)
	if err != nil {
		return nil, nil, err
	}
	for _, inv := range invs {
		if inv.RoundNumber == r.Number {
			invited[inv.ExpertID] = true
		}
	}
	return &r, invited, nil
}

// languageWarnings names each new or updated expert whose language is not
// one of the study's: accepted, but they will read the main language.
func languageWarnings(st store.Study, plan PanelImport) []panelcsv.Problem {
	var out []panelcsv.Problem
	warn := func(row int, name, lang string) {
		if lang != "" && !slices.Contains(st.LanguageList(), lang) {
			out = append(out, panelcsv.Problem{Row: row, Column: panelcsv.ColLanguage, Message: fmt.Sprintf(
				"%s's language %q is not one of the study's languages (%s): they will read the study's main language, %s",
				name, lang, strings.Join(st.LanguageList(), ", "), st.MainLanguage())})
		}
	}
	for _, e := range plan.New {
		warn(e.Row, e.Name, e.Language)
	}
	for _, c := range plan.Updated {
		for _, f := range c.Changes {
			if f.Field == "language" {
				warn(c.Row, c.Expert.Name, f.New)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b panelcsv.Problem) int { return a.Row - b.Row })
	return out
}

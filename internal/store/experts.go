package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/delphi-platform/delphi/internal/fault"
)

// Expert is a member of a study's panel. Experts have no account: they
// reach their pages through personal links.
type Expert struct {
	ID          int64        `db:"id"`
	StudyID     int64        `db:"study_id"`
	Email       string       `db:"email"`
	Name        string       `db:"name"`
	Group       string       `db:"stakeholder_group"`
	Country     string       `db:"country"`
	Language    string       `db:"language"`
	Attributes  string       `db:"attributes"` // JSON object of extra CSV columns
	Status      string       `db:"status"`     // active or declined
	DeclinedAt  sql.NullTime `db:"declined_at"`
	ConsentedAt sql.NullTime `db:"consented_at"`
	CreatedAt   time.Time    `db:"created_at"`
	ErasedAt    sql.NullTime `db:"erased_at"` // personal data erased: a tombstone
	// PseudonymNumber is drawn at random when the expert joins the panel
	// (drawPseudonyms); 0 only for a row an older instance added during
	// an upgrade, until EnsurePseudonyms fills it.
	PseudonymNumber int `db:"pseudonym"`
}

// Pseudonym is the code the expert goes by in every export and wherever
// researchers see them: "E" and their random number (E417), stable for
// the study, unrelated to their database id or the order they joined.
func (e Expert) Pseudonym() string { return PseudonymCode(e.PseudonymNumber) }

// PseudonymCode writes a pseudonym number as its code.
func PseudonymCode(n int) string { return fmt.Sprintf("E%03d", n) }

// expertColumns are the columns of experts that Expert maps, for a query
// that calls the table e (see "Column lists" in store.go).
const expertColumns = "e.id, e.study_id, e.email, e.name, e.stakeholder_group, e.country, e.language, e.attributes, e.status, e.declined_at, e.consented_at, e.created_at, e.erased_at, COALESCE(e.pseudonym, 0) AS pseudonym"

// AttributeMap decodes the extra columns kept from the import.
func (e Expert) AttributeMap() map[string]string {
	m := map[string]string{}
	_ = json.Unmarshal([]byte(e.Attributes), &m)
	return m
}

// NewExpert is an expert to add to a panel.
type NewExpert struct {
	Email, Name, Group, Country, Language string
	Attributes                            map[string]string
}

// ExpertsByStudy lists a panel in order of addition.
func (s *Store) ExpertsByStudy(ctx context.Context, studyID int64) ([]Expert, error) {
	var es []Expert
	err := s.sel(ctx, &es, `SELECT `+expertColumns+` FROM experts e WHERE study_id = ? ORDER BY id`, studyID)
	return es, wrap("experts by study", err)
}

// ExpertByID returns one expert of a study.
func (s *Store) ExpertByID(ctx context.Context, studyID, id int64) (Expert, error) {
	var e Expert
	err := s.get(ctx, &e, `SELECT `+expertColumns+` FROM experts e WHERE id = ? AND study_id = ?`, id, studyID)
	return e, wrap("expert by id", err)
}

// ExpertEmails returns the lower-cased e-mails already in a panel.
func (s *Store) ExpertEmails(ctx context.Context, studyID int64) (map[string]bool, error) {
	var emails []string
	if err := s.sel(ctx, &emails, `SELECT email FROM experts WHERE study_id = ?`, studyID); err != nil {
		return nil, wrap("expert emails", err)
	}
	m := make(map[string]bool, len(emails))
	for _, e := range emails {
		m[e] = true
	}
	return m, nil
}

// ImportExperts adds all experts in one transaction, or none: a duplicate
// e-mail (also one added meanwhile by someone else) fails the whole import
// with ErrConflict.
func (s *Store) ImportExperts(ctx context.Context, studyID, userID int64, experts []NewExpert) (int, error) {
	err := s.Transact(ctx, func(tx *Store) error {
		numbers, err := tx.drawPseudonyms(ctx, studyID, len(experts))
		if err != nil {
			return err
		}
		for i, e := range experts {
			if _, err := tx.addExpert(ctx, studyID, e, numbers[i]); err != nil {
				return fmt.Errorf("%s: %w", e.Email, err)
			}
		}
		return tx.Audit(ctx, studyID, userID, "import panel", "", "", pluralCount(len(experts), "expert"), "")
	})
	if err != nil {
		return 0, wrap("import experts", err)
	}
	return len(experts), nil
}

// CreateExpert adds one expert to a panel.
func (s *Store) CreateExpert(ctx context.Context, studyID, userID int64, e NewExpert) (Expert, error) {
	var out Expert
	err := s.Transact(ctx, func(tx *Store) error {
		numbers, err := tx.drawPseudonyms(ctx, studyID, 1)
		if err != nil {
			return err
		}
		id, err := tx.addExpert(ctx, studyID, e, numbers[0])
		if err != nil {
			return err
		}
		if out, err = tx.ExpertByID(ctx, studyID, id); err != nil {
			return err
		}
		return tx.Audit(ctx, studyID, userID, "add expert", "", "", fmt.Sprintf("expert %d", id), "")
	})
	return out, wrap("create expert", err)
}

func (s *Store) addExpert(ctx context.Context, studyID int64, e NewExpert, pseudonym int) (int64, error) {
	attrs := e.Attributes
	if attrs == nil {
		attrs = map[string]string{}
	}
	js, _ := json.Marshal(attrs)
	return s.insert(ctx, `INSERT INTO experts (study_id, email, name, stakeholder_group, country, language, attributes, status, created_at, pseudonym)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)`, studyID, strings.ToLower(strings.TrimSpace(e.Email)), strings.TrimSpace(e.Name),
		strings.TrimSpace(e.Group), strings.ToUpper(strings.TrimSpace(e.Country)), strings.ToLower(strings.TrimSpace(e.Language)), string(js), s.now(), pseudonym)
}

// drawPseudonyms draws n pseudonym numbers for experts joining a study's
// panel, each at random among those the panel does not use yet, from 1 to
// 999 (9999, … once the panel would fill more than half of them). A
// number never follows from the order experts joined, so a researcher who
// learns when someone joined cannot find their answers. It runs in the
// transaction that adds the experts, the study locked.
func (s *Store) drawPseudonyms(ctx context.Context, studyID int64, n int) ([]int, error) {
	if err := s.lockStudy(ctx, studyID); err != nil {
		return nil, err
	}
	var used []int
	if err := s.sel(ctx, &used, `SELECT pseudonym FROM experts WHERE study_id = ? AND pseudonym IS NOT NULL`, studyID); err != nil {
		return nil, err
	}
	taken := make(map[int]bool, len(used)+n)
	for _, u := range used {
		taken[u] = true
	}
	limit := 999
	for 2*(len(used)+n) > limit {
		limit = limit*10 + 9
	}
	out := make([]int, n)
	for i := range out {
		for {
			x, err := rand.Int(rand.Reader, big.NewInt(int64(limit)))
			if err != nil {
				return nil, err
			}
			if v := int(x.Int64()) + 1; !taken[v] {
				taken[v], out[i] = true, v
				break
			}
		}
	}
	return out, nil
}

// EnsurePseudonyms gives a pseudonym to each expert of a study without one
// (added by an older instance during an upgrade), before they are shown
// or exported.
func (s *Store) EnsurePseudonyms(ctx context.Context, studyID int64) error {
	var missing []int64
	if err := s.sel(ctx, &missing, `SELECT id FROM experts WHERE study_id = ? AND pseudonym IS NULL ORDER BY id`, studyID); err != nil || len(missing) == 0 {
		return wrap("ensure pseudonyms", err)
	}
	return wrap("ensure pseudonyms", s.Transact(ctx, func(tx *Store) error {
		numbers, err := tx.drawPseudonyms(ctx, studyID, len(missing))
		if err != nil {
			return err
		}
		for i, id := range missing {
			if _, err := tx.exec(ctx, `UPDATE experts SET pseudonym = ? WHERE id = ? AND pseudonym IS NULL`, numbers[i], id); err != nil {
				return err
			}
		}
		return nil
	}))
}

// UpdateExpert changes an expert's details (not their attributes). An
// erased expert cannot get details again (ErrAlreadyErased).
func (s *Store) UpdateExpert(ctx context.Context, studyID, id int64, e NewExpert) error {
	return wrap("update expert", s.Transact(ctx, func(tx *Store) error {
		old, err := tx.ExpertByID(ctx, studyID, id)
		if err != nil {
			return err
		}
		if old.ErasedAt.Valid {
			return ErrAlreadyErased
		}
		return tx.setExpertDetails(ctx, studyID, id, e)
	}))
}

// setExpertDetails writes an expert's details, and their attributes when
// e.Attributes is not nil, inside the caller's transaction.
func (s *Store) setExpertDetails(ctx context.Context, studyID, id int64, e NewExpert) error {
	email, name := strings.ToLower(strings.TrimSpace(e.Email)), strings.TrimSpace(e.Name)
	if err := s.execOne(ctx, `UPDATE experts SET email = ?, name = ?, stakeholder_group = ?, country = ?, language = ?
		WHERE id = ? AND study_id = ? AND erased_at IS NULL`, email, name, strings.TrimSpace(e.Group),
		strings.ToUpper(strings.TrimSpace(e.Country)), strings.ToLower(strings.TrimSpace(e.Language)), id, studyID); err != nil {
		return err
	}
	if e.Attributes != nil {
		js, _ := json.Marshal(e.Attributes)
		if err := s.execOne(ctx, `UPDATE experts SET attributes = ? WHERE id = ? AND study_id = ?`, string(js), id, studyID); err != nil {
			return err
		}
	}
	// E-mails not yet delivered go to the corrected address: a typo in
	// the panel file is fixed here, then a failed invitation is sent
	// again. (Their text stays in the language they were written in.)
	_, err := s.exec(ctx, `UPDATE outbox SET to_address = ?, to_name = ?
		WHERE expert_id = ? AND study_id = ? AND status IN ('pending', 'failed', 'uncertain')`, email, name, id, studyID)
	return err
}

// ErrExpertInvited refuses to delete an expert who was invited to a round.
var ErrExpertInvited = fault.New(fault.Conflict, "this expert was invited to a round, so their answers are part of the study's results; erase their personal data instead")

// ExpertInvited tells whether the expert was invited to a round (they
// can then not be deleted: ErrExpertInvited).
func (s *Store) ExpertInvited(ctx context.Context, id int64) (bool, error) {
	var n int
	err := s.get(ctx, &n, `SELECT COUNT(*) FROM invitations WHERE expert_id = ?`, id)
	return n > 0, wrap("expert invited", err)
}

// DeleteExpert removes an expert who was never invited from the panel.
// Deleting an invited one would cascade into their answers and change
// closed rounds under their results snapshots (ErrExpertInvited).
func (s *Store) DeleteExpert(ctx context.Context, studyID, userID, id int64) error {
	return wrap("delete expert", s.Transact(ctx, func(tx *Store) error {
		// Not in this study: not found, whatever the expert is elsewhere
		// (whether they were invited must not leak across studies).
		if _, err := tx.ExpertByID(ctx, studyID, id); err != nil {
			return err
		}
		var invited []int64
		if err := tx.sel(ctx, &invited, `SELECT id FROM invitations WHERE expert_id = ? LIMIT 1`, id); err != nil {
			return err
		}
		if len(invited) > 0 {
			return ErrExpertInvited
		}
		if err := tx.execOne(ctx, `DELETE FROM experts WHERE id = ? AND study_id = ?`, id, studyID); err != nil {
			return err
		}
		return tx.Audit(ctx, studyID, userID, "remove expert", "", fmt.Sprintf("expert %d", id), "", "")
	}))
}

// Count is a label with a number, for panel composition tables.
type Count struct {
	Label string `db:"label" json:"label"`
	N     int    `db:"n" json:"n"`
}

// PanelComposition counts a panel's experts by stakeholder group and by country.
func (s *Store) PanelComposition(ctx context.Context, studyID int64) (byGroup, byCountry []Count, err error) {
	if err = s.sel(ctx, &byGroup, `SELECT stakeholder_group AS label, COUNT(*) AS n FROM experts WHERE study_id = ?
		GROUP BY stakeholder_group ORDER BY n DESC, label`, studyID); err != nil {
		return nil, nil, wrap("panel composition", err)
	}
	err = s.sel(ctx, &byCountry, `SELECT country AS label, COUNT(*) AS n FROM experts WHERE study_id = ?
		GROUP BY country ORDER BY n DESC, label`, studyID)
	return byGroup, byCountry, wrap("panel composition", err)
}

func pluralCount(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// ConsentExpert records when the expert accepted the information sheet;
// the first time counts.
func (s *Store) ConsentExpert(ctx context.Context, expertID int64) error {
	_, err := s.exec(ctx, `UPDATE experts SET consented_at = ? WHERE id = ? AND consented_at IS NULL`, s.now(), expertID)
	return wrap("consent expert", err)
}

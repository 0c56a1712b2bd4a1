package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
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
}

// expertColumns are the columns of experts that Expert maps, for a query
// that calls the table e (see "Column lists" in store.go).
const expertColumns = "e.id, e.study_id, e.email, e.name, e.stakeholder_group, e.country, e.language, e.attributes, e.status, e.declined_at, e.consented_at, e.created_at, e.erased_at"

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
		for _, e := range experts {
			if _, err := tx.addExpert(ctx, studyID, e); err != nil {
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
		id, err := tx.addExpert(ctx, studyID, e)
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

func (s *Store) addExpert(ctx context.Context, studyID int64, e NewExpert) (int64, error) {
	attrs := e.Attributes
	if attrs == nil {
		attrs = map[string]string{}
	}
	js, _ := json.Marshal(attrs)
	return s.insert(ctx, `INSERT INTO experts (study_id, email, name, stakeholder_group, country, language, attributes, status, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?)`, studyID, strings.ToLower(strings.TrimSpace(e.Email)), strings.TrimSpace(e.Name),
		strings.TrimSpace(e.Group), strings.ToUpper(strings.TrimSpace(e.Country)), strings.ToLower(strings.TrimSpace(e.Language)), string(js), s.now())
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
		email, name := strings.ToLower(strings.TrimSpace(e.Email)), strings.TrimSpace(e.Name)
		if err := tx.execOne(ctx, `UPDATE experts SET email = ?, name = ?, stakeholder_group = ?, country = ?, language = ?
			WHERE id = ? AND study_id = ? AND erased_at IS NULL`, email, name, strings.TrimSpace(e.Group),
			strings.ToUpper(strings.TrimSpace(e.Country)), strings.ToLower(strings.TrimSpace(e.Language)), id, studyID); err != nil {
			return err
		}
		// E-mails not yet delivered go to the corrected address: a typo in
		// the panel file is fixed here, then a failed invitation is sent
		// again. (Their text stays in the language they were written in.)
		_, err = tx.exec(ctx, `UPDATE outbox SET to_address = ?, to_name = ?
			WHERE expert_id = ? AND study_id = ? AND status IN ('pending', 'failed', 'uncertain')`, email, name, id, studyID)
		return err
	}))
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
	Label string `db:"label"`
	N     int    `db:"n"`
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

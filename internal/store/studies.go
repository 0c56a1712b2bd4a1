package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/delphi-platform/delphi/analysis"
	"github.com/delphi-platform/delphi/internal/fault"

	"github.com/delphi-platform/delphi/rounds"
)

// Study is a Delphi study with its settings.
type Study struct {
	ID               int64        `db:"id"`
	OwnerID          int64        `db:"owner_id"`
	Title            string       `db:"title"`
	Description      string       `db:"description"`
	Languages        string       `db:"languages"` // comma-separated ISO 639-1 codes, the main language first
	ContactEmail     string       `db:"contact_email"`
	MaxRounds        int          `db:"max_rounds"`
	ScaleMin         int          `db:"scale_min"`
	ScaleMax         int          `db:"scale_max"`
	ScaleLabels      string       `db:"scale_labels"` // JSON array, one label per point
	Bands            string       `db:"bands"`        // "1-3,4-6,7-9"
	AllowUnable      bool         `db:"allow_unable"`
	RequireAll       bool         `db:"require_all"`
	ConsensusRule    string       `db:"consensus_rule"` // "percent:75", "comet", …
	QuantileType     string       `db:"quantile_type"`
	FinalNoConsensus string       `db:"final_no_consensus"`
	SettingsLockedAt sql.NullTime `db:"settings_locked_at"`
	CreatedAt        time.Time    `db:"created_at"`
	UpdatedAt        time.Time    `db:"updated_at"`
	// ErasurePolicy is ErasureAnonymise or ErasureDelete: what erasing an
	// expert does to their answers (docs/privacy.md).
	ErasurePolicy string `db:"erasure_policy"`
	// RetentionDays after the study ends, the panel's personal data is
	// erased by the background job; NULL keeps it until erased by hand.
	RetentionDays sql.NullInt64 `db:"retention_days"`
	Mode          string        `db:"mode"` // rounds.ModeClassic or rounds.ModeRealtime (realtime.go)
	// TimeZone is an IANA name ("Europe/Athens"): deadlines are entered
	// and shown in it (Location).
	TimeZone string `db:"time_zone"`
	// Criteria (issue 17): criterion 1 is the scale above, named
	// CriterionName ("" in a study of one unnamed criterion); Criteria
	// holds criteria 2 and 3 as JSON ("" for none); Combine ("all" or
	// "any") says when a statement rated on several is in.
	CriterionName string `db:"criterion_name"`
	Criteria      string `db:"criteria"`
	Combine       string `db:"combine"`
}

// studyColumns are the columns of studies that Study maps, for a query that
// calls the table s (see "Column lists" in store.go).
const studyColumns = "s.id, s.owner_id, s.title, s.description, s.languages, s.contact_email, s.max_rounds, s.scale_min, s.scale_max, s.scale_labels, s.bands, s.allow_unable, s.require_all, s.consensus_rule, s.quantile_type, s.final_no_consensus, s.settings_locked_at, s.created_at, s.updated_at, s.erasure_policy, s.retention_days, s.mode, s.time_zone, s.criterion_name, s.criteria, s.combine"

// Location is the study's time zone; UTC when its name is not known to
// this machine (the name was checked when it was set).
func (st Study) Location() *time.Location {
	if loc, err := time.LoadLocation(st.TimeZone); err == nil && st.TimeZone != "" {
		return loc
	}
	return time.UTC
}

// SetStudyTimeZone sets the zone deadlines are entered and shown in (an
// IANA name, checked by the caller), audit-logged when it changes.
func (s *Store) SetStudyTimeZone(ctx context.Context, studyID, userID int64, zone string) error {
	return wrap("set study time zone", s.Transact(ctx, func(tx *Store) error {
		old, err := tx.StudyByID(ctx, studyID)
		if err != nil || old.TimeZone == zone {
			return err
		}
		if err := tx.execOne(ctx, `UPDATE studies SET time_zone = ?, updated_at = ? WHERE id = ?`, zone, tx.now(), studyID); err != nil {
			return err
		}
		return tx.Audit(ctx, studyID, userID, "edit study", "time_zone", old.TimeZone, zone, "")
	}))
}

// LanguageList returns the offered languages, main language first.
func (st Study) LanguageList() []string { return strings.Split(st.Languages, ",") }

// MainLanguage is the language statements are written in first.
func (st Study) MainLanguage() string { return st.LanguageList()[0] }

// Locked tells whether round 1 has launched, fixing the scale and rule.
func (st Study) Locked() bool { return st.SettingsLockedAt.Valid }

// Scale returns the study's scale and consensus settings as domain values.
func (st Study) Scale() (rounds.Scale, error) {
	sc := rounds.Scale{Min: st.ScaleMin, Max: st.ScaleMax, AllowUnable: st.AllowUnable,
		Quantile: st.QuantileType, FinalNoConsensus: st.FinalNoConsensus, Name: st.CriterionName, Combine: st.Combine}
	if err := json.Unmarshal([]byte(st.ScaleLabels), &sc.Labels); err != nil {
		return sc, fmt.Errorf("store: study %d labels: %w", st.ID, err)
	}
	var err error
	if sc.Bands, err = rounds.ParseBands(st.Bands, st.ScaleMin, st.ScaleMax); err != nil {
		return sc, fmt.Errorf("store: study %d bands: %w", st.ID, err)
	}
	if sc.Rule, err = rounds.ParseRule(st.ConsensusRule, st.ScaleMin, st.ScaleMax); err != nil {
		return sc, fmt.Errorf("store: study %d rule: %w", st.ID, err)
	}
	if sc.More, err = rounds.DecodeCriteria(st.Criteria); err != nil {
		return sc, fmt.Errorf("store: study %d: %w", st.ID, err)
	}
	return sc, nil
}

// AnalysisSettings are the study's scale, bands, rule and quartile
// definition as the analysis package takes them.
func (st Study) AnalysisSettings() (analysis.Settings, error) {
	sc, err := st.Scale()
	if err != nil {
		return analysis.Settings{}, err
	}
	return sc.AnalysisSettings()
}

// setScale copies a domain scale into the study's columns.
func (st *Study) setScale(sc rounds.Scale) {
	labels, _ := json.Marshal(sc.Labels)
	st.ScaleMin, st.ScaleMax, st.ScaleLabels = sc.Min, sc.Max, string(labels)
	st.Bands, st.AllowUnable, st.ConsensusRule = sc.Bands.String(), sc.AllowUnable, sc.Rule.String()
	st.QuantileType, st.FinalNoConsensus = sc.Quantile, sc.FinalNoConsensus
	st.CriterionName, st.Criteria, st.Combine = strings.TrimSpace(sc.Name), rounds.EncodeCriteria(sc.More), sc.Combine
	if st.Combine == "" {
		st.Combine = rounds.CombineAll
	}
}

// StudyInfo is what a coordinator may edit at any time.
type StudyInfo struct {
	Title        string
	Description  string
	Languages    []string
	ContactEmail string
	MaxRounds    int
	RequireAll   bool
	// ErasurePolicy: ErasureAnonymise (the default when empty) or ErasureDelete.
	ErasurePolicy string
	// RetentionDays: 0 keeps personal data until a coordinator erases it.
	RetentionDays int
}

// CreateStudy adds a study owned by ownerID with the given scale settings.
func (s *Store) CreateStudy(ctx context.Context, ownerID int64, info StudyInfo, sc rounds.Scale) (Study, error) {
	now := s.now()
	st := Study{OwnerID: ownerID, CreatedAt: now, UpdatedAt: now}
	st.setInfo(info)
	st.setScale(sc)
	err := s.Transact(ctx, func(tx *Store) error {
		id, err := tx.insert(ctx, `INSERT INTO studies (owner_id, title, description, languages, contact_email, max_rounds,
			scale_min, scale_max, scale_labels, bands, allow_unable, require_all, consensus_rule, quantile_type,
			final_no_consensus, created_at, updated_at, erasure_policy, retention_days, criterion_name, criteria, combine)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			st.OwnerID, st.Title, st.Description, st.Languages, st.ContactEmail, st.MaxRounds,
			st.ScaleMin, st.ScaleMax, st.ScaleLabels, st.Bands, st.AllowUnable, st.RequireAll, st.ConsensusRule,
			st.QuantileType, st.FinalNoConsensus, st.CreatedAt, st.UpdatedAt, st.ErasurePolicy, st.RetentionDays,
			st.CriterionName, st.Criteria, st.Combine)
		if err != nil {
			return err
		}
		st.ID = id
		return tx.Audit(ctx, id, ownerID, "create study", "", "", st.Title, "")
	})
	return st, wrap("create study", err)
}

func (st *Study) setInfo(info StudyInfo) {
	st.Title = strings.TrimSpace(info.Title)
	st.Description = strings.TrimSpace(info.Description)
	st.Languages = strings.Join(info.Languages, ",")
	st.ContactEmail = strings.TrimSpace(info.ContactEmail)
	st.MaxRounds = info.MaxRounds
	st.RequireAll = info.RequireAll
	st.ErasurePolicy = info.ErasurePolicy
	if st.ErasurePolicy == "" {
		st.ErasurePolicy = ErasureAnonymise
	}
	st.RetentionDays = sql.NullInt64{Int64: int64(info.RetentionDays), Valid: info.RetentionDays > 0}
}

// StudyByID returns one study.
func (s *Store) StudyByID(ctx context.Context, id int64) (Study, error) {
	var st Study
	err := s.get(ctx, &st, `SELECT `+studyColumns+` FROM studies s WHERE id = ?`, id)
	return st, wrap("study by id", err)
}

// ResultsVersion is a number that moves, in the same transaction, with
// every change to what a study's results are computed from (its settings,
// rounds, statements and their lineage, the panel's groups and countries,
// erasures, decisions, real-time snapshots, the methods narrative). The
// database's triggers move it (migration 0013), so no writer can forget
// to, whichever instance or version of the code it runs in; the answers,
// which change on every autosave, are not watched: the results read only
// closed rounds', which change with nothing but a watched erasure. Read it
// before the data it stands for: the data read after it are at least as
// new.
func (s *Store) ResultsVersion(ctx context.Context, studyID int64) (int64, error) {
	var v int64
	err := s.get(ctx, &v, `SELECT COALESCE((SELECT version FROM results_versions WHERE study_id = ?), 0)`, studyID)
	return v, wrap("results version", err)
}

// StudyWithRole is a study as one user sees it in the study list.
type StudyWithRole struct {
	Study
	Role     string `db:"role"`
	Finished bool   `db:"finished"` // see finishedSQL
}

// Phase is the study's phase: PhasePreparation, PhaseRunning or PhaseFinished.
func (st StudyWithRole) Phase() string { return phaseOf(st.Study, st.Finished) }

// A study's phases, as the study list, the overview and the API name them.
const (
	PhasePreparation = "in preparation" // round 1 not launched
	PhaseRunning     = "running"
	PhaseFinished    = "finished" // its last planned round closed
)

// finishedSQL is true for a study (called s) that is finished: a round
// numbered max_rounds or later (a real-time study's one round) is
// closed, and no round is open or in draft.
const finishedSQL = `(EXISTS (SELECT 1 FROM rounds fr WHERE fr.study_id = s.id AND fr.status = 'closed' AND (fr.number >= s.max_rounds OR s.mode = 'realtime'))
	AND NOT EXISTS (SELECT 1 FROM rounds fo WHERE fo.study_id = s.id AND fo.status <> 'closed'))`

func phaseOf(st Study, finished bool) string {
	switch {
	case finished:
		return PhaseFinished
	case st.Locked():
		return PhaseRunning
	}
	return PhasePreparation
}

// StudyPhase is one study's phase (PhasePreparation, PhaseRunning or
// PhaseFinished).
func (s *Store) StudyPhase(ctx context.Context, st Study) (string, error) {
	var finished bool
	err := s.get(ctx, &finished, `SELECT `+finishedSQL+` FROM studies s WHERE s.id = ?`, st.ID)
	return phaseOf(st, finished), wrap("study phase", err)
}

// StudiesForUser lists the studies a user owns or collaborates on.
func (s *Store) StudiesForUser(ctx context.Context, userID int64) ([]StudyWithRole, error) {
	var sts []StudyWithRole
	err := s.sel(ctx, &sts, `SELECT `+studyColumns+`, 'owner' AS role, `+finishedSQL+` AS finished FROM studies s WHERE s.owner_id = ?
		UNION ALL SELECT `+studyColumns+`, m.role, `+finishedSQL+` AS finished FROM studies s JOIN study_members m ON m.study_id = s.id WHERE m.user_id = ? AND s.owner_id <> ? AND m.pending = FALSE
		ORDER BY id DESC`, userID, userID, userID)
	return sts, wrap("studies for user", err)
}

// Roles a user can have in a study.
const (
	RoleOwner       = "owner"
	RoleCoordinator = "coordinator"
	RoleResearcher  = "researcher"
)

// RoleInStudy returns the user's role in the study, or ErrNotFound when the
// user has none (the study is then invisible to them). An invitation the
// user has not accepted is no role.
func (s *Store) RoleInStudy(ctx context.Context, studyID, userID int64) (string, error) {
	var role string
	err := s.get(ctx, &role, `SELECT 'owner' FROM studies WHERE id = ? AND owner_id = ?
		UNION ALL SELECT role FROM study_members WHERE study_id = ? AND user_id = ? AND pending = FALSE`, studyID, userID, studyID, userID)
	return role, wrap("role in study", err)
}

// Member is a collaborator on a study.
type Member struct {
	UserID  int64  `db:"user_id"`
	Email   string `db:"email"`
	Name    string `db:"name"`
	Role    string `db:"role"`
	Pending bool   `db:"pending"` // invited, not accepted yet
}

// MembersByStudy lists the owner and collaborators, invited ones too.
func (s *Store) MembersByStudy(ctx context.Context, studyID int64) ([]Member, error) {
	var ms []Member
	err := s.sel(ctx, &ms, `SELECT u.id AS user_id, u.email, u.name, 'owner' AS role, FALSE AS pending FROM studies s JOIN users u ON u.id = s.owner_id WHERE s.id = ?
		UNION ALL SELECT u.id, u.email, u.name, m.role, m.pending FROM study_members m JOIN users u ON u.id = m.user_id WHERE m.study_id = ?
		ORDER BY role DESC, name`, studyID, studyID)
	return ms, wrap("members by study", err)
}

// AddStudyMember gives an existing account a role in the study at once,
// with no invitation to accept: for tests and tools that act for the
// account's owner. The pages invite instead (InviteExistingMember).
func (s *Store) AddStudyMember(ctx context.Context, studyID, byUserID int64, email, role string) error {
	return wrap("add study member", s.Transact(ctx, func(tx *Store) error {
		u, err := tx.UserByEmail(ctx, email)
		if err != nil {
			return err
		}
		if _, err := tx.RoleInStudy(ctx, studyID, u.ID); err == nil {
			return ErrConflict
		}
		if _, err := tx.exec(ctx, `INSERT INTO study_members (study_id, user_id, role) VALUES (?, ?, ?)`, studyID, u.ID, role); err != nil {
			return err
		}
		return tx.Audit(ctx, studyID, byUserID, "add member", role, "", u.Email, "")
	}))
}

// InviteExistingMember invites an existing account to a role in the study: the
// membership is pending, and gives no access, until the account's owner
// accepts it (AcceptMembership). ErrConflict when the account has a role
// or an invitation in the study already.
func (s *Store) InviteExistingMember(ctx context.Context, studyID, byUserID int64, email, role string) (User, error) {
	var u User
	err := s.Transact(ctx, func(tx *Store) error {
		var err error
		if u, err = tx.UserByEmail(ctx, email); err != nil {
			return err
		}
		var n int
		if err := tx.get(ctx, &n, `SELECT (SELECT COUNT(*) FROM studies WHERE id = ? AND owner_id = ?)
			+ (SELECT COUNT(*) FROM study_members WHERE study_id = ? AND user_id = ?)`, studyID, u.ID, studyID, u.ID); err != nil {
			return err
		}
		if n > 0 {
			return ErrConflict
		}
		if _, err := tx.exec(ctx, `INSERT INTO study_members (study_id, user_id, role, pending) VALUES (?, ?, ?, TRUE)`, studyID, u.ID, role); err != nil {
			return err
		}
		return tx.Audit(ctx, studyID, byUserID, "invite member", role, "", u.Email, "")
	})
	return u, wrap("invite existing member", err)
}

// StudyInvitation is a study that invited the user, not accepted yet.
type StudyInvitation struct {
	StudyID    int64  `db:"study_id"`
	StudyTitle string `db:"title"`
	Role       string `db:"role"`
	OwnerName  string `db:"owner_name"`
}

// InvitationsForUser lists the user's pending memberships.
func (s *Store) InvitationsForUser(ctx context.Context, userID int64) ([]StudyInvitation, error) {
	var is []StudyInvitation
	err := s.sel(ctx, &is, `SELECT m.study_id, s.title, m.role, u.name AS owner_name FROM study_members m
		JOIN studies s ON s.id = m.study_id JOIN users u ON u.id = s.owner_id
		WHERE m.user_id = ? AND m.pending = TRUE ORDER BY m.study_id`, userID)
	return is, wrap("invitations for user", err)
}

// ErrUnconfirmedAccount refuses an invitation to an account whose owner
// has not proved the address (see User.Confirmed).
var ErrUnconfirmedAccount = fault.New(fault.Forbidden, "this account was set up through a link that was shown to a coordinator, so it cannot join another study yet: first choose a new password through the link that \"Forgot your password?\" on the login page e-mails to you (or ask whoever runs the server to set one)")

// AcceptMembership makes the user's invitation to the study a role
// (accept) or removes it (decline); audit-logged. ErrNotFound when there
// is no such invitation; accepting from an unconfirmed account is
// ErrUnconfirmedAccount, because whoever set that account up may know its
// password.
func (s *Store) AcceptMembership(ctx context.Context, studyID, userID int64, accept bool) error {
	return wrap("accept membership", s.Transact(ctx, func(tx *Store) error {
		u, err := tx.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		var role string
		if err := tx.get(ctx, &role, `SELECT role FROM study_members WHERE study_id = ? AND user_id = ? AND pending = TRUE`, studyID, userID); err != nil {
			return err
		}
		if !accept {
			if err := tx.execOne(ctx, `DELETE FROM study_members WHERE study_id = ? AND user_id = ? AND pending = TRUE`, studyID, userID); err != nil {
				return err
			}
			return tx.Audit(ctx, studyID, userID, "decline invitation", role, u.Email, "", "")
		}
		if !u.Confirmed {
			return ErrUnconfirmedAccount
		}
		if err := tx.execOne(ctx, `UPDATE study_members SET pending = FALSE WHERE study_id = ? AND user_id = ? AND pending = TRUE`, studyID, userID); err != nil {
			return err
		}
		return tx.Audit(ctx, studyID, userID, "accept invitation", role, "", u.Email, "")
	}))
}

// SetStudyMemberRole changes a collaborator's role, or with role ""
// removes them from the study; audit-logged. The owner's role is not a
// membership and cannot be changed (ErrNotFound, as for an account that
// is no member).
func (s *Store) SetStudyMemberRole(ctx context.Context, studyID, byUserID, userID int64, role string) error {
	return wrap("set member role", s.Transact(ctx, func(tx *Store) error {
		var m Member
		if err := tx.get(ctx, &m, `SELECT u.id AS user_id, u.email, u.name, m.role FROM study_members m JOIN users u ON u.id = m.user_id
			WHERE m.study_id = ? AND m.user_id = ?`, studyID, userID); err != nil {
			return err
		}
		if role == m.Role {
			return nil
		}
		if role == "" {
			if err := tx.execOne(ctx, `DELETE FROM study_members WHERE study_id = ? AND user_id = ?`, studyID, userID); err != nil {
				return err
			}
			return tx.Audit(ctx, studyID, byUserID, "remove member", m.Role, m.Email, "", "")
		}
		if err := tx.execOne(ctx, `UPDATE study_members SET role = ? WHERE study_id = ? AND user_id = ?`, role, studyID, userID); err != nil {
			return err
		}
		return tx.Audit(ctx, studyID, byUserID, "change member role", m.Email, m.Role, role, "")
	}))
}

// UpdateStudyInfo changes the title, description, languages, contact,
// planned rounds and answer requirement; these never lock.
func (s *Store) UpdateStudyInfo(ctx context.Context, studyID, userID int64, info StudyInfo) error {
	var st Study
	st.setInfo(info)
	return wrap("update study info", s.Transact(ctx, func(tx *Store) error {
		old, err := tx.StudyByID(ctx, studyID)
		if err != nil {
			return err
		}
		if err := tx.execOne(ctx, `UPDATE studies SET title = ?, description = ?, languages = ?, contact_email = ?,
			max_rounds = ?, require_all = ?, erasure_policy = ?, retention_days = ?, updated_at = ? WHERE id = ?`,
			st.Title, st.Description, st.Languages, st.ContactEmail, st.MaxRounds, st.RequireAll,
			st.ErasurePolicy, st.RetentionDays, tx.now(), studyID); err != nil {
			return err
		}
		if old.Title != st.Title {
			if err := tx.Audit(ctx, studyID, userID, "edit study", "title", old.Title, st.Title, ""); err != nil {
				return err
			}
		}
		// Privacy settings are part of what the ethics approval promised.
		if old.ErasurePolicy != st.ErasurePolicy {
			if err := tx.Audit(ctx, studyID, userID, "edit study", "erasure_policy", old.ErasurePolicy, st.ErasurePolicy, ""); err != nil {
				return err
			}
		}
		if old.RetentionDays != st.RetentionDays {
			return tx.Audit(ctx, studyID, userID, "edit study", "retention_days", retentionText(old.RetentionDays), retentionText(st.RetentionDays), "")
		}
		return nil
	}))
}

// ErrRangeLocked refuses a new scale range once round 1 has launched.
var ErrRangeLocked = fault.New(fault.Conflict, "the scale's range cannot change once ratings were collected on it")

// UpdateStudyScale changes the scale, bands and consensus definition.
// Before round 1 launches this is a plain edit. Afterwards it is a protocol
// amendment: it needs a reason, and every changed setting is written to the
// audit log with its old and new value; without a reason it fails with
// rounds.ErrSettingsLocked.
func (s *Store) UpdateStudyScale(ctx context.Context, studyID, userID int64, sc rounds.Scale, reason string) error {
	return wrap("update study scale", s.Transact(ctx, func(tx *Store) error {
		old, err := tx.StudyByID(ctx, studyID)
		if err != nil {
			return err
		}
		reason = strings.TrimSpace(reason)
		if old.Locked() && reason == "" {
			return rounds.ErrSettingsLocked
		}
		if old.Locked() && (sc.Min != old.ScaleMin || sc.Max != old.ScaleMax) {
			return ErrRangeLocked
		}
		next := old
		next.setScale(sc)
		if err := tx.execOne(ctx, `UPDATE studies SET scale_min = ?, scale_max = ?, scale_labels = ?, bands = ?,
			allow_unable = ?, consensus_rule = ?, quantile_type = ?, final_no_consensus = ?,
			criterion_name = ?, criteria = ?, combine = ?, updated_at = ? WHERE id = ?`,
			next.ScaleMin, next.ScaleMax, next.ScaleLabels, next.Bands, next.AllowUnable, next.ConsensusRule,
			next.QuantileType, next.FinalNoConsensus, next.CriterionName, next.Criteria, next.Combine, tx.now(), studyID); err != nil {
			return err
		}
		action := "edit settings"
		if old.Locked() {
			action = "protocol amendment"
		}
		changes := []struct{ field, old, new string }{
			{"scale", fmt.Sprintf("%d-%d", old.ScaleMin, old.ScaleMax), fmt.Sprintf("%d-%d", next.ScaleMin, next.ScaleMax)},
			{"labels", old.ScaleLabels, next.ScaleLabels},
			{"bands", old.Bands, next.Bands},
			{"allow_unable", fmt.Sprint(old.AllowUnable), fmt.Sprint(next.AllowUnable)},
			{"consensus_rule", old.ConsensusRule, next.ConsensusRule},
			{"quantile_type", old.QuantileType, next.QuantileType},
			{"final_no_consensus", old.FinalNoConsensus, next.FinalNoConsensus},
			{"criterion_name", old.CriterionName, next.CriterionName},
			{"criteria", old.Criteria, next.Criteria},
			{"combine", old.Combine, next.Combine},
		}
		for _, c := range changes {
			if c.old != c.new {
				if err := tx.Audit(ctx, studyID, userID, action, c.field, c.old, c.new, reason); err != nil {
					return err
				}
			}
		}
		return nil
	}))
}

// LockStudySettings fixes the scale and consensus definition; launching
// round 1 calls it. Locking twice keeps the first time.
func (s *Store) LockStudySettings(ctx context.Context, studyID, userID int64) error {
	return wrap("lock study settings", s.Transact(ctx, func(tx *Store) error {
		res, err := tx.exec(ctx, `UPDATE studies SET settings_locked_at = ? WHERE id = ? AND settings_locked_at IS NULL`, tx.now(), studyID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return tx.Audit(ctx, studyID, userID, "lock settings", "", "", "", "round 1 launched")
		}
		return nil
	}))
}

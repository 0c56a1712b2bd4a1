package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/delphi-platform/delphi/internal/fault"
)

// Erasure policies: what erasing an expert does to their answers.
const (
	// ErasureAnonymise keeps every rating and comment, detached from the
	// person: the expert row stays as a tombstone without name, e-mail or
	// attributes.
	ErasureAnonymise = "anonymise"
	// ErasureDelete also removes the answers of rounds that are not closed
	// yet. Closed rounds keep them, anonymised: their results snapshot and
	// the decisions taken on it counted them (docs/privacy.md).
	ErasureDelete = "delete"
)

// ErrAlreadyErased is returned when an expert's personal data was erased before.
var ErrAlreadyErased = fault.New(fault.Conflict, "this expert's personal data was already erased")

// Erasure reports what erasing one expert did.
type Erasure struct {
	ExpertID         int64     `json:"expert_id"`
	Policy           string    `json:"policy"`
	RatingsKept      int       `json:"ratings_kept"`
	RatingsDeleted   int       `json:"ratings_deleted"`
	ProposalsKept    int       `json:"proposals_kept"`    // round 0
	ProposalsDeleted int       `json:"proposals_deleted"` // round 0
	LinksRevoked     int       `json:"links_revoked"`     // of rounds and of round 0
	EmailsCancelled  int       `json:"emails_cancelled"`
	ErasedAt         time.Time `json:"erased_at"`
}

// scrubbed replaces what identified the person in free text.
const scrubbed = "[removed]"

// EraseExpert erases one expert's personal data (GDPR art. 17) under the
// study's erasure policy, in one transaction, and records who did it in
// the audit log (userID 0: the retention job).
//
// The expert row stays as a tombstone: name and attributes emptied, the
// e-mail replaced by "erased-<id>", status declined (nothing is ever sent
// to it again); stakeholder group, country and language stay, because the
// subgroup statistics of the results use them. Their invitations, to
// rounds and to round 0, are revoked and their links deleted; their
// e-mails in the outbox are cancelled if not sent yet, and every one loses
// its address and bodies. Their round-0 proposals follow the policy as
// their ratings do. Their name and e-mail are also removed from the free
// text that could hold them: their own comments and proposals, and the
// comments frozen into the feedback and results of the study's rounds.
func (s *Store) EraseExpert(ctx context.Context, studyID, userID, expertID int64) (Erasure, error) {
	var out Erasure
	err := s.Transact(ctx, func(tx *Store) error {
		st, err := tx.StudyByID(ctx, studyID)
		if err != nil {
			return err
		}
		out, err = tx.eraseExpert(ctx, st, expertID, st.ErasurePolicy)
		if err != nil {
			return err
		}
		return tx.Audit(ctx, studyID, userID, "erase expert", "", "", "expert "+itoa(expertID), out.summary())
	})
	return out, wrap("erase expert", err)
}

func (e Erasure) summary() string {
	return fmt.Sprintf("policy %s: %d ratings kept anonymously, %d deleted; %d round-0 proposals kept anonymously, %d deleted; %d links revoked, %d e-mails cancelled",
		e.Policy, e.RatingsKept, e.RatingsDeleted, e.ProposalsKept, e.ProposalsDeleted, e.LinksRevoked, e.EmailsCancelled)
}

func (s *Store) eraseExpert(ctx context.Context, st Study, expertID int64, policy string) (Erasure, error) {
	now := s.now()
	out := Erasure{ExpertID: expertID, Policy: policy, ErasedAt: now}
	e, err := s.ExpertByID(ctx, st.ID, expertID)
	if err != nil {
		return out, err
	}
	if e.ErasedAt.Valid {
		return out, ErrAlreadyErased
	}
	// Claim the row first: of two concurrent erasures (two instances'
	// retention jobs) the second finds nothing left to do.
	res, err := s.exec(ctx, `UPDATE experts SET name = '', email = ?, attributes = '{}', status = 'declined',
		declined_at = COALESCE(declined_at, ?), erased_at = ? WHERE id = ? AND erased_at IS NULL`,
		"erased-"+itoa(expertID), now, now, expertID)
	if err != nil {
		return out, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return out, ErrAlreadyErased
	}
	scrub := scrubber(e)

	// Background answers describe the person (sector, role, region…): they
	// go whatever the policy.
	if _, err := s.exec(ctx, `DELETE FROM background_answers WHERE expert_id = ?`, expertID); err != nil {
		return out, err
	}

	for _, k := range []personalLink{roundLinks, ideaLinks} {
		n, err := k.revokeLinks(ctx, s, expertID)
		if err != nil {
			return out, err
		}
		out.LinksRevoked += n
	}

	// E-mails: not sent yet means never sent; every row loses the address
	// and the bodies (the greeting names the expert).
	res, err = s.exec(ctx, `UPDATE outbox SET status = 'cancelled' WHERE expert_id = ? AND status IN ('pending', 'failed', 'uncertain')`, expertID)
	if err != nil {
		return out, err
	}
	n, _ := res.RowsAffected()
	out.EmailsCancelled = int(n)
	var subjects []struct {
		ID      int64  `db:"id"`
		Subject string `db:"subject"`
	}
	if err := s.sel(ctx, &subjects, `SELECT id, subject FROM outbox WHERE expert_id = ?`, expertID); err != nil {
		return out, err
	}
	for _, m := range subjects {
		if _, err := s.exec(ctx, `UPDATE outbox SET to_address = '', to_name = '', subject = ?, text_body = '', html_body = '',
			list_unsubscribe = '', secret = '', last_error = 'personal data erased' WHERE id = ?`, scrub(m.Subject), m.ID); err != nil {
			return out, err
		}
	}

	// Answers, by policy.
	if policy == ErasureDelete {
		res, err := s.exec(ctx, `DELETE FROM ratings WHERE invitation_id IN (SELECT i.id FROM invitations i
			JOIN rounds r ON r.id = i.round_id WHERE i.expert_id = ? AND r.status <> 'closed')`, expertID)
		if err != nil {
			return out, err
		}
		n, _ := res.RowsAffected()
		out.RatingsDeleted = int(n)
	}
	var comments []struct {
		InvitationID     int64  `db:"invitation_id"`
		RoundStatementID int64  `db:"round_statement_id"`
		Comment          string `db:"comment"`
	}
	if err := s.sel(ctx, &comments, `SELECT invitation_id, round_statement_id, comment FROM ratings
		WHERE invitation_id IN (SELECT id FROM invitations WHERE expert_id = ?)`, expertID); err != nil {
		return out, err
	}
	out.RatingsKept = len(comments)
	for _, c := range comments {
		if clean := scrub(c.Comment); clean != c.Comment {
			if _, err := s.exec(ctx, `UPDATE ratings SET comment = ? WHERE invitation_id = ? AND round_statement_id = ?`,
				clean, c.InvitationID, c.RoundStatementID); err != nil {
				return out, err
			}
		}
	}
	if err := s.eraseOpenAnswers(ctx, expertID, policy, scrub); err != nil {
		return out, err
	}
	if out.ProposalsKept, out.ProposalsDeleted, err = s.eraseProposals(ctx, expertID, policy, scrub); err != nil {
		return out, err
	}
	// Comments shown in later rounds' feedback, or kept in results.
	for _, place := range []struct{ table, key, col string }{
		{"round_statements", "id", "feedback"},
		{"round_results", "round_id", "results"},
	} {
		var rows []struct {
			Key  int64  `db:"k"`
			Text string `db:"t"`
		}
		if err := s.sel(ctx, &rows, `SELECT x.`+place.key+` AS k, x.`+place.col+` AS t FROM `+place.table+` x
			JOIN rounds r ON r.id = x.round_id WHERE r.study_id = ?`, st.ID); err != nil {
			return out, err
		}
		for _, r := range rows {
			if clean := scrub(r.Text); clean != r.Text {
				if _, err := s.exec(ctx, `UPDATE `+place.table+` SET `+place.col+` = ? WHERE `+place.key+` = ?`, clean, r.Key); err != nil {
					return out, err
				}
			}
		}
	}
	return out, nil
}

// eraseProposals applies the erasure policy to an expert's round-0
// proposals as to their ratings: under "delete", those of a round 0 that
// is not closed are deleted (with the statements' links to them); the
// others are kept, linked only to the tombstone, with the expert's name
// and e-mail removed from their text.
func (s *Store) eraseProposals(ctx context.Context, expertID int64, policy string, scrub func(string) string) (kept, deleted int, err error) {
	mine := `(SELECT i.id FROM idea_invitations i JOIN idea_rounds r ON r.id = i.idea_round_id WHERE i.expert_id = ?`
	if policy == ErasureDelete {
		res, err := s.exec(ctx, `DELETE FROM idea_proposals WHERE idea_invitation_id IN `+mine+` AND r.status <> 'closed')`, expertID)
		if err != nil {
			return 0, 0, err
		}
		n, _ := res.RowsAffected()
		deleted = int(n)
	}
	var ps []struct {
		ID   int64  `db:"id"`
		Text string `db:"text"`
	}
	if err := s.sel(ctx, &ps, `SELECT id, text FROM idea_proposals WHERE idea_invitation_id IN `+mine+`)`, expertID); err != nil {
		return 0, 0, err
	}
	for _, p := range ps {
		if clean := scrub(p.Text); clean != p.Text {
			if _, err := s.exec(ctx, `UPDATE idea_proposals SET text = ? WHERE id = ?`, clean, p.ID); err != nil {
				return 0, 0, err
			}
		}
	}
	return len(ps), deleted, nil
}

// scrubber returns a function that removes an expert's full name and
// e-mail from text: ignoring case, also where JSON escaped them, and only
// as whole words, so that other people's words stay intact.
func scrubber(e Expert) func(string) string {
	var pats []string
	for _, v := range []string{e.Email, e.Name} {
		if len([]rune(v)) < 3 { // too short to identify anyone
			continue
		}
		pats = append(pats, regexp.QuoteMeta(v))
		if js, err := json.Marshal(v); err == nil {
			if q := string(js[1 : len(js)-1]); q != v {
				pats = append(pats, regexp.QuoteMeta(q))
			}
		}
	}
	if len(pats) == 0 {
		return func(s string) string { return s }
	}
	re := regexp.MustCompile(`(?i)(?:` + strings.Join(pats, "|") + `)`)
	return func(s string) string {
		var b strings.Builder
		last := 0
		for _, m := range re.FindAllStringIndex(s, -1) {
			before, _ := utf8.DecodeLastRuneInString(s[:m[0]])
			after, _ := utf8.DecodeRuneInString(s[m[1]:])
			if isWordRune(before) || isWordRune(after) {
				continue
			}
			b.WriteString(s[last:m[0]])
			b.WriteString(scrubbed)
			last = m[1]
		}
		if last == 0 {
			return s
		}
		b.WriteString(s[last:])
		return b.String()
	}
}

func isWordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// ExpiredPanel is a study whose retention period is over while some of
// its experts still have personal data.
type ExpiredPanel struct {
	StudyID int64
	EndedAt time.Time
}

// ExpiredPanels lists studies whose panel's personal data is due for
// erasure: a retention period is set, the study ended (its last planned
// round, number max_rounds or later, closed, and no round is open) at
// least that many days ago, and some expert is not erased yet.
func (s *Store) ExpiredPanels(ctx context.Context) ([]ExpiredPanel, error) {
	var rows []struct {
		StudyID  int64        `db:"study_id"`
		Days     int64        `db:"retention_days"`
		ClosedAt sql.NullTime `db:"closed_at"`
	}
	err := s.sel(ctx, &rows, `SELECT s.id AS study_id, s.retention_days, r.closed_at FROM studies s JOIN rounds r ON r.study_id = s.id
		WHERE s.retention_days IS NOT NULL AND r.status = 'closed' AND r.number >= s.max_rounds
		AND NOT EXISTS (SELECT 1 FROM rounds o WHERE o.study_id = s.id AND o.status = 'open')
		AND EXISTS (SELECT 1 FROM experts e WHERE e.study_id = s.id AND e.erased_at IS NULL)
		ORDER BY s.id`)
	if err != nil {
		return nil, wrap("expired panels", err)
	}
	now := s.now()
	var out []ExpiredPanel
	for _, r := range rows {
		if !r.ClosedAt.Valid || now.Before(r.ClosedAt.Time.Add(time.Duration(r.Days)*24*time.Hour)) {
			continue
		}
		if len(out) > 0 && out[len(out)-1].StudyID == r.StudyID {
			continue
		}
		out = append(out, ExpiredPanel{StudyID: r.StudyID, EndedAt: r.ClosedAt.Time})
	}
	return out, nil
}

// ErasePanel erases the personal data of every expert of a study whose
// retention period is over. Answers are kept anonymously whatever the
// erasure policy: at the end of a study they are the research data. It
// works in transactions of up to 200 experts and writes one audit entry
// per transaction (userID 0: the retention job). It returns how many
// experts it erased.
func (s *Store) ErasePanel(ctx context.Context, studyID, userID int64, reason string) (int, error) {
	total := 0
	for {
		n, found := 0, 0
		err := s.Transact(ctx, func(tx *Store) error {
			st, err := tx.StudyByID(ctx, studyID)
			if err != nil {
				return err
			}
			var ids []int64
			if err := tx.sel(ctx, &ids, `SELECT id FROM experts WHERE study_id = ? AND erased_at IS NULL ORDER BY id LIMIT 200`, studyID); err != nil {
				return err
			}
			found = len(ids)
			for _, id := range ids {
				_, err := tx.eraseExpert(ctx, st, id, ErasureAnonymise)
				if errors.Is(err, ErrAlreadyErased) {
					continue
				}
				if err != nil {
					return err
				}
				n++
			}
			if n == 0 {
				return nil
			}
			return tx.Audit(ctx, studyID, userID, "erase panel", "", "", pluralCount(n, "expert")+" erased", reason)
		})
		total += n
		// Another instance may have erased this batch meanwhile: go on
		// until none is left.
		if err != nil || found == 0 {
			return total, wrap("erase panel", err)
		}
	}
}

func retentionText(days sql.NullInt64) string {
	if !days.Valid {
		return "kept until erased"
	}
	return strconv.FormatInt(days.Int64, 10) + " days after the study ends"
}

// eraseOpenAnswers applies the erasure policy to an expert's answers to
// open questions as to their comments: under "delete", those of rounds
// that are not closed are deleted; the others are kept, linked only to
// the tombstone, with the expert's name and e-mail removed from the text.
func (s *Store) eraseOpenAnswers(ctx context.Context, expertID int64, policy string, scrub func(string) string) error {
	if policy == ErasureDelete {
		if _, err := s.exec(ctx, `DELETE FROM question_answers WHERE invitation_id IN (SELECT i.id FROM invitations i
			JOIN rounds r ON r.id = i.round_id WHERE i.expert_id = ? AND r.status <> 'closed')`, expertID); err != nil {
			return err
		}
	}
	var answers []struct {
		InvitationID int64  `db:"invitation_id"`
		QuestionID   int64  `db:"question_id"`
		Text         string `db:"text"`
	}
	if err := s.sel(ctx, &answers, `SELECT invitation_id, question_id, text FROM question_answers
		WHERE invitation_id IN (SELECT id FROM invitations WHERE expert_id = ?)`, expertID); err != nil {
		return err
	}
	for _, a := range answers {
		if clean := scrub(a.Text); clean != a.Text {
			if _, err := s.exec(ctx, `UPDATE question_answers SET text = ? WHERE invitation_id = ? AND question_id = ?`,
				clean, a.InvitationID, a.QuestionID); err != nil {
				return err
			}
		}
	}
	return nil
}

package store

import (
	"context"
	"reflect"
	"strings"
)

// Visit is what every request of an expert needs: the invitation behind
// their personal link, its round, the study and the expert. A round-0
// link (IdeaVisitByTokenHash) fills IdeaInvitation and IdeaRound instead
// of Invitation and Round.
type Visit struct {
	Invitation     Invitation     `db:"i"`
	Round          Round          `db:"r"`
	IdeaInvitation IdeaInvitation `db:"ii"`
	IdeaRound      IdeaRound      `db:"ir"`
	Study          Study          `db:"st"`
	Expert         Expert         `db:"e"`
}

// personalLink names the tables behind one kind of personal link: a
// round's, or round 0's, which has tables of its own (ideas.go). Both
// kinds are looked up, revoked and erased by the same code below, so a
// link works under the same conditions whichever kind it is.
type personalLink struct {
	links, invitations, rounds string // the tables
	parent                     string // "" or "idea_": links name their invitation, invitations their round, <parent>invitation_id, <parent>round_id
	inv, round                 string // the aliases of the Visit fields they fill
	invStruct, roundStruct     any
}

var (
	roundLinks = personalLink{"invitation_links", "invitations", "rounds", "", "i", "r", Invitation{}, Round{}}
	ideaLinks  = personalLink{"idea_links", "idea_invitations", "idea_rounds", "idea_", "ii", "ir", IdeaInvitation{}, IdeaRound{}}
)

// from joins a link (l) to its invitation, round, study (st) and expert (e).
func (k personalLink) from() string {
	return k.links + ` l JOIN ` + k.invitations + ` ` + k.inv + ` ON ` + k.inv + `.id = l.` + k.parent + `invitation_id
	JOIN ` + k.rounds + ` ` + k.round + ` ON ` + k.round + `.id = ` + k.inv + `.` + k.parent + `round_id
	JOIN studies st ON st.id = ` + k.round + `.study_id JOIN experts e ON e.id = ` + k.inv + `.expert_id`
}

// visitQuery reads a Visit in one query instead of four: it runs on every
// autosave, the hot path of a round. A link opens nothing once its
// invitation is revoked or its expert erased. The column list is made
// from the structs' db tags, so a column added to a table and its struct
// is picked up here too.
func (k personalLink) visitQuery() string {
	return `SELECT ` + columns(k.inv, k.invStruct) + `, ` + columns(k.round, k.roundStruct) + `, ` +
		columns("st", Study{}) + `, ` + columns("e", Expert{}) + `
	FROM ` + k.from() + `
	WHERE l.token_hash = ? AND ` + k.inv + `.revoked_at IS NULL AND e.erased_at IS NULL`
}

var (
	visitQuery     = roundLinks.visitQuery()
	ideaVisitQuery = ideaLinks.visitQuery()
)

// columns lists a struct's columns as `alias.col AS "alias.col"`, the
// names sqlx maps into the Visit field tagged alias.
func columns(alias string, v any) string {
	t := reflect.TypeOf(v)
	var cs []string
	for i := 0; i < t.NumField(); i++ {
		if col := t.Field(i).Tag.Get("db"); col != "" && col != "-" {
			cs = append(cs, alias+"."+col+` AS "`+alias+"."+col+`"`)
		}
	}
	return strings.Join(cs, ", ")
}

// VisitByTokenHash finds an unrevoked invitation by the hash of one of its
// links, with its round, study and expert.
func (s *Store) VisitByTokenHash(ctx context.Context, hash string) (Visit, error) {
	var v Visit
	err := s.get(ctx, &v, visitQuery, hash)
	return v, wrap("visit by token", err)
}

// IdeaVisitByTokenHash is VisitByTokenHash for a round-0 link: the
// unrevoked round-0 invitation, round 0, the study and the expert.
func (s *Store) IdeaVisitByTokenHash(ctx context.Context, hash string) (Visit, error) {
	var v Visit
	err := s.get(ctx, &v, ideaVisitQuery, hash)
	return v, wrap("round 0 visit by token", err)
}

// LinkContact returns the contact address of the study a link of either
// kind belongs to, revoked or not, for the page that says the link no
// longer works; "" for a token that was never issued (or was erased).
func (s *Store) LinkContact(ctx context.Context, hash string) (string, error) {
	var contacts []string
	err := s.sel(ctx, &contacts, `SELECT st.contact_email FROM `+roundLinks.from()+` WHERE l.token_hash = ?
		UNION ALL SELECT st.contact_email FROM `+ideaLinks.from()+` WHERE l.token_hash = ?`, hash, hash)
	if err != nil || len(contacts) == 0 {
		return "", wrap("link contact", err)
	}
	return contacts[0], nil
}

// revokeLinks revokes every invitation of an expert to rounds of this
// kind and deletes their links; it returns how many links it deleted.
func (k personalLink) revokeLinks(ctx context.Context, s *Store, expertID int64) (int, error) {
	mine := `(SELECT id FROM ` + k.invitations + ` WHERE expert_id = ?)`
	res, err := s.exec(ctx, `DELETE FROM `+k.links+` WHERE `+k.parent+`invitation_id IN `+mine, expertID)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	_, err = s.exec(ctx, `UPDATE `+k.invitations+` SET revoked_at = ? WHERE expert_id = ? AND revoked_at IS NULL`, s.now(), expertID)
	return int(n), err
}

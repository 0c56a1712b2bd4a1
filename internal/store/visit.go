package store

import (
	"context"
	"reflect"
	"strings"
)

// Visit is what every request of an expert needs: the invitation behind
// their personal link, its round, the study and the expert.
type Visit struct {
	Invitation Invitation `db:"i"`
	Round      Round      `db:"r"`
	Study      Study      `db:"st"`
	Expert     Expert     `db:"e"`
}

// visitQuery reads a Visit in one query instead of four: it runs on every
// autosave, the hot path of a round. The column list is made from the
// structs' db tags, so a column added to a table and its struct is
// picked up here too.
var visitQuery = `SELECT ` + columns("i", Invitation{}) + `, ` + columns("r", Round{}) + `, ` +
	columns("st", Study{}) + `, ` + columns("e", Expert{}) + `
	FROM invitation_links l JOIN invitations i ON i.id = l.invitation_id JOIN rounds r ON r.id = i.round_id
	JOIN studies st ON st.id = r.study_id JOIN experts e ON e.id = i.expert_id
	WHERE l.token_hash = ? AND i.revoked_at IS NULL`

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

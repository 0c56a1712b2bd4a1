package store

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var coalesced = regexp.MustCompile(`COALESCE\((\w+)\.(\w+), [^)]*\) AS (\w+)`)

// TestColumnListsMatchStructs checks that each column list names, in the
// struct's order, exactly the columns its struct maps, less those a
// query adds from a join: a field added to a struct without its column
// in the list would silently stay zero.
func TestColumnListsMatchStructs(t *testing.T) {
	for _, c := range []struct {
		name, list, alias string
		of                any
		joined            []string // mapped by the struct, read from another table
	}{
		{"userColumns", userColumns, "u", User{}, nil},
		{"apiTokenColumns", apiTokenColumns, "t", APIToken{}, nil},
		{"studyColumns", studyColumns, "s", Study{}, nil},
		{"expertColumns", expertColumns, "e", Expert{}, nil},
		{"auditColumns", auditColumns, "a", AuditEntry{}, []string{"user_name"}},
		{"ideaRoundColumns", ideaRoundColumns, "r", IdeaRound{}, nil},
		{"ideaQuestionColumns", ideaQuestionColumns, "q", IdeaQuestion{}, []string{"section_title"}},
		{"ideaInvitationColumns", ideaInvitationColumns, "i", IdeaInvitation{}, nil},
		{"proposalColumns", proposalColumns, "p", Proposal{}, nil},
		{"invitationColumns", invitationColumns, "i", Invitation{}, nil},
		{"statementLinkColumns", statementLinkColumns, "l", StatementLink{}, nil},
		{"methodsNarrativeColumns", methodsNarrativeColumns, "m", MethodsNarrative{}, nil},
		{"outboxColumns", outboxColumns, "o", OutboxMessage{}, nil},
		{"ratingColumns", ratingColumns, "r", Rating{}, nil},
		{"revisionColumns", revisionColumns, "v", RevisionRow{}, []string{"expert_id"}},
		{"snapshotColumns", snapshotColumns, "sn", Snapshot{}, nil},
		{"roundColumns", roundColumns, "r", Round{}, nil},
		{"roundStatementColumns", roundStatementColumns, "rs", RoundStatement{}, nil},
		{"roundResultsColumns", roundResultsColumns, "rr", RoundResults{}, nil},
		{"decisionColumns", decisionColumns, "d", Decision{}, nil},
		{"sectionColumns", sectionColumns, "sec", Section{}, nil},
		{"statementColumns", statementColumns, "st", Statement{}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var want []string
			for _, col := range dbColumns(reflect.TypeOf(c.of)) {
				if !slices.Contains(c.joined, col) {
					want = append(want, c.alias+"."+col)
				}
			}
			// "COALESCE(e.x, 0) AS x" reads the column x.
			for _, m := range coalesced.FindAllStringSubmatch(c.list, -1) {
				if m[2] != m[3] {
					t.Errorf("%s reads %s.%s as %s", c.name, m[1], m[2], m[3])
				}
			}
			got := strings.Split(coalesced.ReplaceAllString(c.list, "$1.$2"), ", ")
			if !slices.Equal(got, want) {
				t.Errorf("%s = %q\nwant      %q", c.name, c.list, strings.Join(want, ", "))
			}
		})
	}
}

// dbColumns lists the db tags of a struct's fields in order, those of an
// embedded struct (Rating's Extra) in its place, as sqlx maps them.
func dbColumns(ty reflect.Type) []string {
	var cols []string
	for i := 0; i < ty.NumField(); i++ {
		f := ty.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct && f.Tag.Get("db") == "" {
			cols = append(cols, dbColumns(f.Type)...)
			continue
		}
		if col := f.Tag.Get("db"); col != "" && col != "-" {
			cols = append(cols, col)
		}
	}
	return cols
}

package demo

import (
	"bytes"
	"context"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/delphi-platform/delphi/internal/auth"
	"github.com/delphi-platform/delphi/internal/panelcsv"
	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/store/storetest"
	"github.com/delphi-platform/delphi/rounds"
)

// demoLogin is what Load prints, every time.
const demoLogin = "Demo study ready: \"" + demoTitle + "\" (57 experts, 30 statements; rounds 1 and 2 closed, round 3 open)\n" +
	"Log in as " + Email + " with password " + Password + "\n"

func TestLoadDemoTwice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for run := 1; run <= 2; run++ {
			var out bytes.Buffer
			if err := Load(ctx, s, auth.HashPassword, "http://127.0.0.1:8080", &out); err != nil {
				t.Fatalf("run %d: %v", run, err)
			}
			if out.String() != demoLogin {
				t.Errorf("run %d printed\n%s\nwant\n%s", run, out.String(), demoLogin)
			}
		}
		if n := demoCount(t, s, "users"); n != 1 {
			t.Errorf("%d users, want 1", n)
		}
		if n := demoCount(t, s, "studies"); n != 1 {
			t.Errorf("%d studies, want 1", n)
		}
		if n := demoCount(t, s, "statement_translations"); n != 12 {
			t.Errorf("%d translations, want 12", n)
		}

		u, err := s.UserByEmail(ctx, Email)
		if err != nil {
			t.Fatal(err)
		}
		if err := auth.CheckPassword(u.PasswordHash, Password); err != nil {
			t.Errorf("the printed password does not log in: %v", err)
		}
		if err := auth.CheckPasswordStrength(Password); err != nil {
			t.Errorf("demo password: %v", err)
		}
		studies, err := s.StudiesForUser(ctx, u.ID)
		if err != nil || len(studies) != 1 {
			t.Fatalf("studies of the coordinator: %d, %v", len(studies), err)
		}
		st := studies[0].Study
		if st.Title != demoTitle || st.MaxRounds != 3 || st.MainLanguage() != "en" || st.ContactEmail != Email {
			t.Errorf("study = %q, %d rounds, main language %q, contact %q", st.Title, st.MaxRounds, st.MainLanguage(), st.ContactEmail)
		}
		sc, err := st.Scale()
		if err != nil {
			t.Fatal(err)
		}
		if fe := sc.Validate(); len(fe) > 0 {
			t.Errorf("scale: %v", fe)
		}
		if sc.Rule != rounds.DefaultRule {
			t.Errorf("rule = %v, want %v", sc.Rule, rounds.DefaultRule)
		}

		demoCheckPanel(t, s, st)
		demoCheckStatements(t, s, st)
	})
}

func demoCheckPanel(t *testing.T, s *store.Store, st store.Study) {
	t.Helper()
	experts, err := s.ExpertsByStudy(context.Background(), st.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(experts) != 57 {
		t.Errorf("%d experts, want 57", len(experts))
	}
	offered := map[string]bool{}
	for _, l := range st.LanguageList() {
		offered[l] = true
	}
	groups := map[string]int{}
	countries := map[string]int{}
	emails := map[string]bool{}
	names := map[string]bool{}
	address := regexp.MustCompile(`^[a-z]+(-[a-z]+)*\.[a-z]+(-[a-z]+)*@example\.org$`)
	for _, e := range experts {
		if err := panelcsv.ValidateEmail(e.Email); err != nil || !address.MatchString(e.Email) {
			t.Errorf("%s: e-mail %q is not a lower-case first.last@example.org address (%v)", e.Name, e.Email, err)
		}
		if emails[e.Email] || names[e.Name] {
			t.Errorf("%s <%s> is in the panel twice", e.Name, e.Email)
		}
		emails[e.Email], names[e.Name] = true, true
		if code, err := panelcsv.ParseCountry(e.Country); err != nil || code != e.Country {
			t.Errorf("%s: country %q: %v", e.Name, e.Country, err)
		}
		if !offered[e.Language] {
			t.Errorf("%s: language %q is not one of the study's %s", e.Name, e.Language, st.Languages)
		}
		attrs := e.AttributeMap()
		if attrs["organisation_type"] == "" || attrs["years_experience"] == "" {
			t.Errorf("%s: attributes %v lost", e.Name, attrs)
		}
		groups[e.Group]++
		countries[e.Country]++
	}
	if len(countries) != 24 {
		t.Errorf("%d countries, want 24: %v", len(countries), countries)
	}
	for _, g := range []string{demoHarmReduction, demoMigrantOrgs, demoResearch, demoPeers} {
		if groups[g] < 10 {
			t.Errorf("group %q has %d experts, want at least 10", g, groups[g])
		}
	}
	if len(groups) != 4 {
		t.Errorf("groups = %v, want 4", groups)
	}
}

func demoCheckStatements(t *testing.T, s *store.Store, st store.Study) {
	t.Helper()
	ctx := context.Background()
	sections, err := s.SectionsByStudy(ctx, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.StatementsByStudy(ctx, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The questionnaire as written: the statements of round 1 (rounds
	// later add a rewording and a statement prompted by comments).
	rs, err := s.RoundsByStudy(ctx, st.ID)
	if err != nil || len(rs) == 0 {
		t.Fatalf("rounds: %d, %v", len(rs), err)
	}
	first, err := s.RoundStatements(ctx, rs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	inRound1 := map[int64]bool{}
	for _, x := range first {
		inRound1[x.StatementID] = true
	}
	var statements []store.Statement
	for _, x := range all {
		if inRound1[x.ID] {
			statements = append(statements, x)
		}
	}
	translations, err := s.TranslationsByStudy(ctx, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(sections) != 4 || len(statements) != 30 {
		t.Fatalf("%d sections, %d statements; want 4 and 30", len(sections), len(statements))
	}
	topics := demoTopics()
	perSection := map[int64]int{}
	for i, stmt := range statements {
		if !stmt.SectionID.Valid {
			t.Errorf("statement %q has no section", stmt.Text)
			continue
		}
		perSection[stmt.SectionID.Int64]++
		if tr := translations[stmt.ID]; len(tr) > 1 || (len(tr) == 1 && tr["nl"] == "") {
			t.Errorf("statement %d: translations %v, want Dutch only", i+1, tr)
		}
	}
	topicTr, err := s.SectionTranslationsByStudy(ctx, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i, sec := range sections {
		if tr := topicTr[sec.ID]; len(tr) != 1 || tr["nl"] != topics[i].nl || tr["nl"] == "" {
			t.Errorf("topic %q: translations %v, want its Dutch title", sec.Title, tr)
		}
		if sec.Title != topics[i].title || perSection[sec.ID] != len(topics[i].statements) {
			t.Errorf("section %d = %q with %d statements, want %q with %d",
				i+1, sec.Title, perSection[sec.ID], topics[i].title, len(topics[i].statements))
		}
		// The first statement of every topic has a Dutch translation.
		for _, stmt := range statements {
			if stmt.SectionID.Int64 == sec.ID {
				if translations[stmt.ID]["nl"] == "" {
					t.Errorf("the first statement of %q has no Dutch translation", sec.Title)
				}
				break
			}
		}
	}
}

func TestLoadDemoCreatesStudyForExistingCoordinator(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, err := s.CreateUser(ctx, Email, "Someone", "kept-hash")
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := Load(ctx, s, auth.HashPassword, "http://127.0.0.1:8080", &out); err != nil {
			t.Fatal(err)
		}
		if out.String() != demoLogin {
			t.Errorf("printed\n%s", out.String())
		}
		studies, err := s.StudiesForUser(ctx, u.ID)
		if err != nil || len(studies) != 1 || studies[0].Title != demoTitle {
			t.Errorf("studies of the existing coordinator: %+v, %v", studies, err)
		}
		got, err := s.UserByID(ctx, u.ID)
		if err != nil || got.PasswordHash != "kept-hash" {
			t.Errorf("existing password hash replaced: %q, %v", got.PasswordHash, err)
		}
		if n := demoCount(t, s, "users"); n != 1 {
			t.Errorf("%d users, want 1", n)
		}
	})
}

func TestLoadDemoErrors(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name     string
		hash     func(string) (string, error)
		out      io.Writer
		keepData bool // printing comes after the commit
	}{
		{"hashing fails", func(string) (string, error) { return "", boom }, io.Discard, false},
		{"printing fails", auth.HashPassword, failingWriter{boom}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := storetest.Open(t, "sqlite")
			err := Load(context.Background(), s, tt.hash, "http://127.0.0.1:8080", tt.out)
			if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "demo: ") {
				t.Fatalf("err = %v, want a demo: error wrapping %v", err, boom)
			}
			want := 0
			if tt.keepData {
				want = 1
			}
			if u, st := demoCount(t, s, "users"), demoCount(t, s, "studies"); u != want || st != want {
				t.Errorf("%d users and %d studies after the error, want %d of each", u, st, want)
			}
		})
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func demoCount(t *testing.T, s *store.Store, table string) int {
	t.Helper()
	var n int
	if err := s.DB().GetContext(context.Background(), &n, "SELECT COUNT(*) FROM "+table); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDemoASCII(t *testing.T) {
	for in, want := range map[string]string{
		"Dvořáková":  "dvorakova",
		"Sørensen":   "sorensen",
		"El Idrissi": "elidrissi",
		"O'Sullivan": "osullivan",
		"Bērziņa":    "berzina",
		"van Dijk":   "vandijk",
		"Łukasz":     "lukasz",
	} {
		if got := demoASCII(in); got != want {
			t.Errorf("demoASCII(%q) = %q, want %q", in, got, want)
		}
	}
}

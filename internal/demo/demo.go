// Package demo loads the demo study: a fictional panel modelled on the
// SEMID-EU Delphi (2022), with rounds 1 and 2 run and closed through the
// same workflows a coordinator uses, and round 3 open.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/rounds"
)

// The demo study is modelled on the civil-society Delphi study of the
// SEMID-EU project (Services for vulnerable Migrants who use Drugs in the
// EU): between April and September 2022, 57 experts working in 24 countries
// took part in a three-stage Delphi on drug use and migrants' access to health
// services (van Selm et al., International Journal of Drug Policy, 2023).
// The panel and the statements here are our own invention: no real person
// is named, and every address is under example.org, a domain reserved for
// examples (RFC 2606) that accepts no mail.

// The coordinator login that `delphi demo` prints. The password is fixed and
// public: it is for trying the platform out only, never for a study with
// real experts.
const (
	Email     = "coordinator@example.org"
	Password  = "delphi-demo-only"
	demoName  = "Demo coordinator"
	demoTitle = "Drug use and migrants' access to health services (demo)"
)

// demoDescription is what experts read about the study.
const demoDescription = `This is a demonstration study. Its panel is fictional; it is modelled on the civil-society Delphi study that the SEMID-EU project ran in 2022.

Purpose: to find out where people who work with migrants who use drugs agree on how to improve these migrants' access to health and harm-reduction services in the European Union, and where they do not.

Anonymity: no one on the panel sees who gave which rating or comment. Feedback between rounds shows the results of the whole panel, and the report names no one.

Rounds: there are up to three rounds. In each round you rate every statement from 1 (strongly disagree) to 5 (strongly agree), or say that you cannot judge it. From round 2 on you see how the panel rated each statement and may change your rating. A statement reaches consensus when at least 75 % of the panel agree (4 or 5) or disagree (1 or 2).

Each round takes about 10 minutes.`

// demoScale is a 1–5 agreement scale with consensus at 75 % agreement, not
// the 1–9 GRADE scale: GRADE rates how important an outcome is, whereas
// every statement here is a claim or recommendation that one agrees or
// disagrees with, and the SEMID-EU panel's results were reported as
// percentages of agreement. Five labelled points are also easier to
// translate and quicker to answer in a panel with many languages than nine.
func demoScale() rounds.Scale { return rounds.DefaultScale(1, 5) }

// Load loads the demo study and its coordinator, once: when an account
// with the demo e-mail already owns a study with the demo title, it changes
// nothing. Either everything is created or, on error, nothing is. It prints
// the study and the login to stdout. baseURL starts the personal links in
// the demo rounds' e-mails.
func Load(ctx context.Context, s *store.Store, hashPassword func(string) (string, error), baseURL string, stdout io.Writer) error {
	var experts, statements int
	clock := newDemoClock()
	err := s.Transact(ctx, func(tx *store.Store) error {
		// The demo happens over the past two months (demoClock).
		tx = tx.WithClock(clock.now)
		u, err := demoCoordinator(ctx, tx, hashPassword)
		if err != nil {
			return err
		}
		st, err := demoStudy(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		if err := demoRounds(ctx, &platform{store: tx, flow: workflow.New(tx, baseURL, slog.New(slog.DiscardHandler), nil)}, clock, st, u.ID); err != nil {
			return err
		}
		es, err := tx.ExpertsByStudy(ctx, st.ID)
		if err != nil {
			return fmt.Errorf("demo: count experts: %w", err)
		}
		rs, err := tx.RoundsByStudy(ctx, st.ID)
		if err != nil || len(rs) == 0 {
			return fmt.Errorf("demo: rounds: %d, %w", len(rs), err)
		}
		sts, err := tx.RoundStatements(ctx, rs[0].ID)
		if err != nil {
			return fmt.Errorf("demo: count statements: %w", err)
		}
		experts, statements = len(es), len(sts)
		return nil
	})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "Demo study ready: \"%s\" (%d experts, %d statements; rounds 1 and 2 closed, round 3 open)\nLog in as %s with password %s\n",
		demoTitle, experts, statements, Email, Password)
	if err != nil {
		return fmt.Errorf("demo: print login: %w", err)
	}
	return nil
}

// demoCoordinator returns the demo account, creating it when missing. An
// existing account keeps its password.
func demoCoordinator(ctx context.Context, s *store.Store, hashPassword func(string) (string, error)) (store.User, error) {
	u, err := s.UserByEmail(ctx, Email)
	if err == nil {
		return u, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return u, fmt.Errorf("demo: find coordinator: %w", err)
	}
	hash, err := hashPassword(Password)
	if err != nil {
		return u, fmt.Errorf("demo: hash password: %w", err)
	}
	if u, err = s.CreateUser(ctx, Email, demoName, hash); err != nil {
		return u, fmt.Errorf("demo: create coordinator: %w", err)
	}
	return u, nil
}

// demoStudy returns the demo study the coordinator owns, creating it with
// its panel, statements and translations when missing.
func demoStudy(ctx context.Context, s *store.Store, ownerID int64) (store.Study, error) {
	owned, err := s.StudiesForUser(ctx, ownerID)
	if err != nil {
		return store.Study{}, fmt.Errorf("demo: find study: %w", err)
	}
	for _, st := range owned {
		if st.Role == store.RoleOwner && st.Title == demoTitle {
			return st.Study, nil
		}
	}

	info := store.StudyInfo{
		Title:        demoTitle,
		Description:  demoDescription,
		Languages:    []string{"en", "nl", "el", "de", "fr", "es"},
		ContactEmail: Email,
		MaxRounds:    3,
	}
	st, err := s.CreateStudy(ctx, ownerID, info, demoScale())
	if err != nil {
		return st, fmt.Errorf("demo: create study: %w", err)
	}
	if _, err := s.ImportExperts(ctx, st.ID, ownerID, demoExperts()); err != nil {
		return st, fmt.Errorf("demo: import experts: %w", err)
	}

	var items []store.NewStatement
	var dutch []string // the Dutch text of items[i], or ""
	for _, topic := range demoTopics() {
		for _, stmt := range topic.statements {
			items = append(items, store.NewStatement{Text: stmt.en, Section: topic.title})
			dutch = append(dutch, stmt.nl)
		}
	}
	added, err := s.AddStatements(ctx, st.ID, ownerID, items)
	if err != nil {
		return st, fmt.Errorf("demo: add statements: %w", err)
	}
	for i, stmt := range added {
		if dutch[i] == "" {
			continue
		}
		if err := s.SetTranslation(ctx, st.ID, stmt.ID, "nl", dutch[i]); err != nil {
			return st, fmt.Errorf("demo: translate statement %d: %w", stmt.Position, err)
		}
	}
	secs, err := s.SectionsByStudy(ctx, st.ID)
	if err != nil {
		return st, fmt.Errorf("demo: topics: %w", err)
	}
	for i, topic := range demoTopics() {
		if err := s.SetSectionTranslation(ctx, st.ID, secs[i].ID, "nl", topic.nl); err != nil {
			return st, fmt.Errorf("demo: translate topic %q: %w", topic.title, err)
		}
	}
	return st, nil
}

// The panel's stakeholder groups.
const (
	demoHarmReduction = "Harm-reduction services"
	demoMigrantOrgs   = "Migrant organisations"
	demoResearch      = "Research"
	demoPeers         = "Peer and community workers"
)

// demoPanelist is one fictional expert. Language is the one they read the
// study in; when empty, it follows the country.
type demoPanelist struct {
	name, country, language, group, organisation string
	years                                        int
}

// demoExperts returns the fictional panel: 57 experts working in 24 EU
// countries, in four stakeholder groups.
func demoExperts() []store.NewExpert {
	panel := []demoPanelist{
		{"Sanne de Vries", "NL", "", demoHarmReduction, "Low-threshold service", 12},
		{"Samir Haddad", "NL", "", demoPeers, "Migrant-led organisation", 6},
		{"Marloes Bakker", "NL", "", demoResearch, "University", 9},
		{"Joost van Dijk", "NL", "", demoMigrantOrgs, "NGO", 15},
		{"Lieve Peeters", "BE", "nl", demoHarmReduction, "NGO", 18},
		{"Mamadou Diallo", "BE", "fr", demoPeers, "Community organisation", 5},
		{"Camille Dubois", "BE", "fr", demoResearch, "University", 7},
		{"Katharina Schneider", "DE", "", demoHarmReduction, "Municipal service", 14},
		{"Tobias Wagner", "DE", "", demoResearch, "Public health institute", 11},
		{"Aylin Demir", "DE", "", demoMigrantOrgs, "Migrant-led organisation", 8},
		{"Jonas Becker", "DE", "", demoPeers, "Drug user organisation", 4},
		{"Claire Moreau", "FR", "", demoHarmReduction, "Low-threshold service", 16},
		{"Karim Benali", "FR", "", demoPeers, "Community organisation", 7},
		{"Élodie Laurent", "FR", "", demoMigrantOrgs, "NGO", 10},
		{"Nicolas Girard", "FR", "", demoResearch, "Public health institute", 13},
		{"Lucía Fernández", "ES", "", demoHarmReduction, "NGO", 11},
		{"Javier Morales", "ES", "", demoResearch, "University", 15},
		{"Fatima El Idrissi", "ES", "", demoMigrantOrgs, "Migrant-led organisation", 6},
		{"Inês Carvalho", "PT", "", demoHarmReduction, "NGO", 9},
		{"Tiago Ferreira", "PT", "", demoPeers, "Drug user organisation", 5},
		{"Ana Sousa", "PT", "", demoResearch, "University", 12},
		{"Giulia Romano", "IT", "", demoHarmReduction, "Low-threshold service", 10},
		{"Marco Esposito", "IT", "", demoMigrantOrgs, "NGO", 14},
		{"Eleni Papadopoulou", "GR", "", demoHarmReduction, "NGO", 13},
		{"Dimitris Georgiou", "GR", "", demoResearch, "University", 16},
		{"Ahmad Rahimi", "GR", "", demoPeers, "Community organisation", 3},
		{"Katerina Nikolaou", "GR", "", demoMigrantOrgs, "NGO", 8},
		{"Agnieszka Kowalska", "PL", "", demoHarmReduction, "NGO", 17},
		{"Piotr Wiśniewski", "PL", "", demoResearch, "Public health institute", 10},
		{"Tereza Dvořáková", "CZ", "", demoHarmReduction, "Low-threshold service", 8},
		{"Jan Novák", "CZ", "", demoPeers, "Drug user organisation", 6},
		{"Zuzana Horváthová", "SK", "", demoMigrantOrgs, "NGO", 7},
		{"Martin Kováč", "SK", "", demoHarmReduction, "Low-threshold service", 11},
		{"Eszter Nagy", "HU", "", demoResearch, "University", 9},
		{"Gábor Szabó", "HU", "", demoPeers, "Community organisation", 12},
		{"Ioana Popescu", "RO", "", demoHarmReduction, "NGO", 10},
		{"Andrei Dumitrescu", "RO", "", demoMigrantOrgs, "NGO", 6},
		{"Desislava Petrova", "BG", "", demoResearch, "Public health institute", 9},
		{"Georgi Dimitrov", "BG", "", demoHarmReduction, "NGO", 14},
		{"Ivana Horvat", "HR", "", demoPeers, "Community organisation", 5},
		{"Luka Babić", "HR", "", demoResearch, "University", 8},
		{"Maja Novak", "SI", "", demoHarmReduction, "NGO", 12},
		{"Nejc Kranjc", "SI", "", demoMigrantOrgs, "NGO", 4},
		{"Lena Gruber", "AT", "", demoMigrantOrgs, "NGO", 7},
		{"Florian Huber", "AT", "", demoHarmReduction, "Municipal service", 15},
		{"Elin Lindqvist", "SE", "", demoResearch, "University", 11},
		{"Yonas Tesfaye", "SE", "", demoPeers, "Migrant-led organisation", 6},
		{"Aino Virtanen", "FI", "", demoHarmReduction, "Municipal service", 9},
		{"Mikko Korhonen", "FI", "", demoResearch, "Public health institute", 13},
		{"Mette Sørensen", "DK", "", demoPeers, "Drug user organisation", 10},
		{"Rasmus Nielsen", "DK", "", demoMigrantOrgs, "NGO", 5},
		{"Aoife Byrne", "IE", "", demoHarmReduction, "NGO", 8},
		{"Ciarán O'Sullivan", "IE", "", demoMigrantOrgs, "NGO", 12},
		{"Rūta Kazlauskienė", "LT", "", demoResearch, "University", 7},
		{"Tomas Petrauskas", "LT", "", demoPeers, "Drug user organisation", 9},
		{"Ilze Bērziņa", "LV", "", demoMigrantOrgs, "NGO", 6},
		{"Kadri Tamm", "EE", "", demoPeers, "Community organisation", 5},
	}
	experts := make([]store.NewExpert, len(panel))
	for i, p := range panel {
		lang := p.language
		if lang == "" {
			lang = demoLanguage(p.country)
		}
		first, last, _ := strings.Cut(p.name, " ")
		experts[i] = store.NewExpert{
			Email:    demoASCII(first) + "." + demoASCII(last) + "@example.org",
			Name:     p.name,
			Group:    p.group,
			Country:  p.country,
			Language: lang,
			Attributes: map[string]string{
				"organisation_type": p.organisation,
				"years_experience":  strconv.Itoa(p.years),
			},
		}
	}
	return experts
}

// demoLanguage is the study language an expert working in country reads:
// the country's own when the study offers it, English otherwise. Belgium,
// with two of the study's languages, is decided per expert.
func demoLanguage(country string) string {
	switch country {
	case "NL":
		return "nl"
	case "DE", "AT":
		return "de"
	case "FR":
		return "fr"
	case "ES":
		return "es"
	case "GR":
		return "el"
	}
	return "en"
}

// demoASCII turns part of a name into part of an e-mail address: lower
// case, accents dropped ("Dvořáková" gives "dvorakova"), spaces and
// apostrophes removed ("El Idrissi" gives "elidrissi").
func demoASCII(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case 'a' <= r && r <= 'z', r == '-':
			b.WriteRune(r)
		case r == 'ø':
			b.WriteByte('o')
		case r == 'ł':
			b.WriteByte('l')
		case r == 'đ':
			b.WriteByte('d')
		case r == 'æ':
			b.WriteString("ae")
		case r == 'ß':
			b.WriteString("ss")
		}
	}
	return b.String()
}

// demoTopic is a section of the questionnaire, with its Dutch title;
// demoStatement a statement with, for some, its Dutch translation.
type demoTopic struct {
	title, nl  string
	statements []demoStatement
}

type demoStatement struct{ en, nl string }

// demoTopics returns the 30 statements in four topics. Most are likely to
// find agreement; some are meant to divide the panel (a data firewall,
// decriminalisation, residence permits after a conviction, cultural
// mediators instead of interpreters, routine trauma screening).
func demoTopics() []demoTopic {
	return []demoTopic{
		{"Barriers to access", "Drempels voor toegang", []demoStatement{
			{"A person without an identity document should still be able to receive drug treatment and harm-reduction services.",
				"Ook wie geen identiteitsbewijs heeft, moet drugsbehandeling en schadebeperkende hulp kunnen krijgen."},
			{"Services should not ask about a person's residence status before giving care.",
				"Diensten zouden niet naar iemands verblijfsstatus moeten vragen voordat zij zorg verlenen."},
			{"Undocumented migrants who use drugs should have the same access to publicly funded drug treatment as citizens.",
				"Ongedocumenteerde migranten die drugs gebruiken, zouden dezelfde toegang tot publiek gefinancierde drugsbehandeling moeten hebben als staatsburgers."},
			{"Lack of health insurance is one of the main reasons why migrants who use drugs do not receive treatment.", ""},
			{"Health and social services should be forbidden by law to share clients' personal data with immigration authorities.", ""},
			{"Fear of the police or of immigration enforcement keeps many migrants who use drugs away from services.", ""},
			{"Harm-reduction services should be free of charge at the point of use, whatever a person's insurance status.", ""},
			{"Registration for drug services should be simple enough that a person can be helped on their first visit.", ""},
		}},
		{"Trauma-informed, culturally sensitive and multilingual care", "Traumasensitieve, cultuursensitieve en meertalige zorg", []demoStatement{
			{"Drug services should offer professional interpreters, free of charge, to clients who need them.",
				"De drughulpverlening zou cliënten die dat nodig hebben kosteloos een professionele tolk moeten aanbieden."},
			{"Family members, and children in particular, should not be asked to interpret in drug services.",
				"In de drughulpverlening zou niet aan familieleden, en zeker niet aan kinderen, gevraagd moeten worden om te tolken."},
			{"Information on services, risks and rights should be available in the languages most spoken by migrant clients.",
				"Informatie over het hulpaanbod, over risico's en over rechten zou beschikbaar moeten zijn in de talen die cliënten met een migratieachtergrond het meest spreken."},
			{"All staff in drug services should be trained in trauma-informed care.", ""},
			{"Services should offer women-only spaces or opening hours.", ""},
			{"Clients should be told, in a language they understand, what personal information is recorded and who can see it.", ""},
			{"Drug services should screen every migrant client for trauma at intake.", ""},
		}},
		{"Peer navigators and cultural mediators", "Ervaringsdeskundige wegwijzers en culturele bemiddelaars", []demoStatement{
			{"Services for migrants who use drugs should include peer navigators with lived experience of migration and drug use.",
				"Diensten voor migranten die drugs gebruiken, zouden peerwerkers moeten inzetten met eigen ervaring met migratie en drugsgebruik."},
			{"Peer navigators and cultural mediators should be paid staff with a contract, not volunteers.",
				"Peerwerkers en interculturele bemiddelaars zouden betaalde medewerkers met een contract moeten zijn, geen vrijwilligers."},
			{"Peer navigators should receive accredited training and regular supervision.",
				"Peerwerkers zouden een erkende opleiding en regelmatige supervisie moeten krijgen."},
			{"Peer navigators should be able to accompany clients to appointments with other health and social services.", ""},
			{"Current drug use should not in itself exclude a person from working as a peer navigator.", ""},
			{"Migrants who use drugs should take part in designing and evaluating the services meant for them.", ""},
			{"In most consultations, a trained cultural mediator can replace a professional interpreter.", ""},
		}},
		{"Harm reduction and an adequate standard of living as human rights", "Schadebeperking en een behoorlijke levensstandaard als mensenrechten", []demoStatement{
			{"Opioid substitution treatment should be available to everyone who needs it, regardless of residence status.",
				"Substitutiebehandeling voor opioïdafhankelijkheid zou beschikbaar moeten zijn voor iedereen die ze nodig heeft, ongeacht de verblijfsstatus."},
			{"Needle and syringe programmes should be open to everyone without registration, regardless of residence status.",
				"Spuitomruilprogramma's zouden zonder registratie open moeten staan voor iedereen, ongeacht de verblijfsstatus."},
			{"Naloxone should be handed out free of charge and without prescription to people who use opioids and to those around them.",
				"Naloxon zou kosteloos en zonder recept verstrekt moeten worden aan mensen die opioïden gebruiken en aan hun naasten."},
			{"Drug consumption rooms should be open to people without a residence permit.", ""},
			{"Homeless migrants who use drugs should have access to Housing First, regardless of residence status.", ""},
			{"Possession of drugs for personal use should not be a criminal offence.", ""},
			{"A conviction for drug use or possession should never lead to the loss of a residence permit.", ""},
			{"Using drugs should not in itself reduce a migrant's entitlement to shelter, food aid or income support.", ""},
		}},
	}
}

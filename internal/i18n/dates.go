package i18n

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Day and month names for the languages the e-mails are written in.
// Greek months are in the genitive, as dates are written.
var (
	weekdays = map[string][7]string{
		"en": {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		"nl": {"zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"},
		"de": {"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"},
		"fr": {"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
		"es": {"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"},
		"el": {"Κυριακή", "Δευτέρα", "Τρίτη", "Τετάρτη", "Πέμπτη", "Παρασκευή", "Σάββατο"},
	}
	months = map[string][12]string{
		"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		"nl": {"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"},
		"de": {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
		"fr": {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		"es": {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
		"el": {"Ιανουαρίου", "Φεβρουαρίου", "Μαρτίου", "Απριλίου", "Μαΐου", "Ιουνίου", "Ιουλίου", "Αυγούστου", "Σεπτεμβρίου", "Οκτωβρίου", "Νοεμβρίου", "Δεκεμβρίου"},
	}
)

// ShortDate writes day and month as the language does: "4 December",
// "4. Dezember", "4 de diciembre".
func ShortDate(t time.Time, lang string) string {
	m, ok := months[lang]
	if !ok {
		lang, m = "en", months["en"]
	}
	day, month := strconv.Itoa(t.Day()), m[t.Month()-1]
	switch lang {
	case "de":
		return day + ". " + month
	case "es":
		return day + " de " + month
	}
	return day + " " + month
}

// LongDate adds the weekday and year: "Friday 4 December 2026",
// "Freitag, 4. Dezember 2026", "viernes, 4 de diciembre de 2026".
func LongDate(t time.Time, lang string) string {
	w, ok := weekdays[lang]
	if !ok {
		lang, w = "en", weekdays["en"]
	}
	wd, year := w[t.Weekday()], strconv.Itoa(t.Year())
	switch lang {
	case "de":
		return wd + ", " + ShortDate(t, lang) + " " + year
	case "es":
		return wd + ", " + ShortDate(t, lang) + " de " + year
	}
	return wd + " " + ShortDate(t, lang) + " " + year
}

// DateTime is a moment as deadlines are stated, in UTC, in the language:
// "Friday 4 December 2026, 18:00 UTC".
func DateTime(t time.Time, lang string) string {
	return LongDate(t.UTC(), lang) + ", " + t.UTC().Format("15:04") + " UTC"
}

// DateTimeIn is a deadline as an expert reads it: in the study's time
// zone, naming the zone's place and its offset from UTC, so that nobody
// needs to know the zone's rules: "Friday 4 December 2026, 18:00 (Athens,
// UTC+2)". In UTC it is DateTime.
func DateTimeIn(t time.Time, loc *time.Location, lang string) string {
	if loc == nil || loc == time.UTC || loc.String() == "UTC" {
		return DateTime(t, lang)
	}
	t = t.In(loc)
	return LongDate(t, lang) + ", " + t.Format("15:04") + " (" + Place(loc) + ", " + UTCOffset(t) + ")"
}

// Place is the place an IANA zone is named after: "Athens" for
// Europe/Athens, "Buenos Aires" for America/Argentina/Buenos_Aires.
func Place(loc *time.Location) string {
	name := loc.String()
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	return strings.ReplaceAll(name, "_", " ")
}

// UTCOffset is a moment's offset from UTC in its zone: "UTC+2",
// "UTC+5:30", "UTC-3", "UTC".
func UTCOffset(t time.Time) string {
	_, off := t.Zone()
	if off == 0 {
		return "UTC"
	}
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	s := "UTC" + sign + strconv.Itoa(off/3600)
	if m := off % 3600 / 60; m != 0 {
		s += fmt.Sprintf(":%02d", m)
	}
	return s
}

package i18n

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ShortDate writes day and month as the language does (CLDR's MMMMd):
// "4 December", "4. Dezember", "4 de diciembre", "4. prosince",
// "december 4.", "gruodžio 4 d.".
func ShortDate(t time.Time, lang string) string {
	return formatDate(t, formOf(lang).short, formOf(lang))
}

// LongDate adds the weekday and year (CLDR's full date): "Friday 4
// December 2026", "Freitag, 4. Dezember 2026", "2026. december 4.,
// péntek".
func LongDate(t time.Time, lang string) string {
	return formatDate(t, formOf(lang).long, formOf(lang))
}

func formatDate(t time.Time, pattern string, f localeForm) string {
	return strings.NewReplacer(
		"{weekday}", f.weekdays[t.Weekday()],
		"{day}", strconv.Itoa(t.Day()),
		"{month}", f.months[t.Month()-1],
		"{year}", strconv.Itoa(t.Year()),
	).Replace(pattern)
}

// Clock writes the time of day on the 24-hour clock as the language does:
// "18:05", "7:05" in Czech, "18.05" in Danish and Finnish.
func Clock(t time.Time, lang string) string {
	pattern := formOf(lang).clock
	h := strconv.Itoa(t.Hour())
	if strings.HasPrefix(pattern, "HH") && t.Hour() < 10 {
		h = "0" + h
	}
	sep := pattern[strings.IndexAny(pattern, ":."):][:1]
	return h + sep + fmt.Sprintf("%02d", t.Minute())
}

// DateTime is a moment as deadlines are stated, in UTC, in the language:
// "Friday 4 December 2026, 18:00 UTC". Date and time are joined by a
// comma in every language rather than by CLDR's "at" patterns ("um",
// "à", "klo"), so that the time and its zone read as one unit after the
// date, whatever the sentence around it.
func DateTime(t time.Time, lang string) string {
	return LongDate(t.UTC(), lang) + ", " + Clock(t.UTC(), lang) + " UTC"
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
	if lang != "en" {
		// The zone's place is named in English ("Brussels"): other
		// languages get the offset alone rather than an English word.
		return LongDate(t, lang) + ", " + Clock(t, lang) + " (" + UTCOffset(t) + ")"
	}
	return LongDate(t, lang) + ", " + Clock(t, lang) + " (" + Place(loc) + ", " + UTCOffset(t) + ")"
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

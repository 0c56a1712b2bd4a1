package i18n

// The way each language writes dates and numbers, in one table, from the
// Unicode CLDR (version 48, as ICU 78 ships it):
//   - weekdays: the wide weekday names of the full date pattern;
//   - months: the wide month names in the "format" context, as they stand
//     next to a day number: genitive where the language declines them (cs
//     "4. prosince", pl "4 grudnia", hr "4. prosinca", lt "gruodžio 4 d.",
//     el "4 Δεκεμβρίου", sk "4. decembra"), partitive in Finnish ("4.
//     joulukuuta"), nominative elsewhere (lv "4. decembris", as CLDR has it);
//   - short: the day-and-month pattern (CLDR skeleton MMMMd); long: the
//     full date pattern (weekday, day, month, year) — English follows
//     en-IE, "Friday 4 December 2026";
//   - clock: the 24-hour time (CLDR skeleton Hm), "H" unpadded where CLDR
//     writes the hour without a leading zero, "." between hour and minutes
//     in Danish and Finnish. Greek and English write 12-hour times in
//     CLDR's short format but 24-hour ones in Hm; deadlines are 24-hour in
//     every language, so that no "p.m." can be misread;
//   - decimal: the decimal separator; minus: the minus sign (U+2212 where
//     CLDR uses it); percent: what follows the number in a percentage, a
//     no-break space (U+00A0) before "%" where CLDR puts one (French
//     included: CLDR's French percent uses U+00A0, not the narrow U+202F
//     of its digit groups).
//
// Numbers are written without digit grouping: they are medians, ranges and
// percentages, never in the thousands.
//
// Patterns use {weekday}, {day}, {month} and {year}.
type localeForm struct {
	weekdays       [7]string // Sunday first, as time.Weekday counts
	months         [12]string
	short, long    string
	clock          string // "HH:mm", "H:mm", "HH.mm" or "H.mm"
	decimal, minus string
	percent        string
}

const (
	nbsp  = "\u00a0"
	minus = "\u2212"
)

// forms has every language in Languages (tested), and more: the dates and
// numbers of all 24 official EU languages.
var forms = map[string]localeForm{
	"bg": {
		weekdays: [7]string{"неделя", "понеделник", "вторник", "сряда", "четвъртък", "петък", "събота"},
		months:   [12]string{"януари", "февруари", "март", "април", "май", "юни", "юли", "август", "септември", "октомври", "ноември", "декември"},
		short:    "{day} {month}", long: "{weekday}, {day} {month} {year} г.", clock: "H:mm",
		decimal: ",", minus: "-", percent: "%",
	},
	"cs": {
		weekdays: [7]string{"neděle", "pondělí", "úterý", "středa", "čtvrtek", "pátek", "sobota"},
		months:   [12]string{"ledna", "února", "března", "dubna", "května", "června", "července", "srpna", "září", "října", "listopadu", "prosince"},
		short:    "{day}. {month}", long: "{weekday} {day}. {month} {year}", clock: "H:mm",
		decimal: ",", minus: "-", percent: nbsp + "%",
	},
	"da": {
		weekdays: [7]string{"søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"},
		months:   [12]string{"januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december"},
		short:    "{day}. {month}", long: "{weekday} den {day}. {month} {year}", clock: "HH.mm",
		decimal: ",", minus: "-", percent: nbsp + "%",
	},
	"de": {
		weekdays: [7]string{"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"},
		months:   [12]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
		short:    "{day}. {month}", long: "{weekday}, {day}. {month} {year}", clock: "HH:mm",
		decimal: ",", minus: "-", percent: nbsp + "%",
	},
	"el": {
		weekdays: [7]string{"Κυριακή", "Δευτέρα", "Τρίτη", "Τετάρτη", "Πέμπτη", "Παρασκευή", "Σάββατο"},
		months:   [12]string{"Ιανουαρίου", "Φεβρουαρίου", "Μαρτίου", "Απριλίου", "Μαΐου", "Ιουνίου", "Ιουλίου", "Αυγούστου", "Σεπτεμβρίου", "Οκτωβρίου", "Νοεμβρίου", "Δεκεμβρίου"},
		short:    "{day} {month}", long: "{weekday} {day} {month} {year}", clock: "HH:mm",
		decimal: ",", minus: "-", percent: "%",
	},
	"en": {
		weekdays: [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		months:   [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		short:    "{day} {month}", long: "{weekday} {day} {month} {year}", clock: "HH:mm",
		decimal: ".", minus: "-", percent: "%",
	},
	"es": {
		weekdays: [7]string{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"},
		months:   [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
		short:    "{day} de {month}", long: "{weekday}, {day} de {month} de {year}", clock: "H:mm",
		decimal: ",", minus: "-", percent: nbsp + "%",
	},
	"et": {
		weekdays: [7]string{"pühapäev", "esmaspäev", "teisipäev", "kolmapäev", "neljapäev", "reede", "laupäev"},
		months:   [12]string{"jaanuar", "veebruar", "märts", "aprill", "mai", "juuni", "juuli", "august", "september", "oktoober", "november", "detsember"},
		short:    "{day}. {month}", long: "{weekday}, {day}. {month} {year}", clock: "HH:mm",
		decimal: ",", minus: minus, percent: "%",
	},
	"fi": {
		weekdays: [7]string{"sunnuntai", "maanantai", "tiistai", "keskiviikko", "torstai", "perjantai", "lauantai"},
		months:   [12]string{"tammikuuta", "helmikuuta", "maaliskuuta", "huhtikuuta", "toukokuuta", "kesäkuuta", "heinäkuuta", "elokuuta", "syyskuuta", "lokakuuta", "marraskuuta", "joulukuuta"},
		short:    "{day}. {month}", long: "{weekday} {day}. {month} {year}", clock: "H.mm",
		decimal: ",", minus: minus, percent: nbsp + "%",
	},
	"fr": {
		weekdays: [7]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
		months:   [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		short:    "{day} {month}", long: "{weekday} {day} {month} {year}", clock: "HH:mm",
		decimal: ",", minus: "-", percent: nbsp + "%",
	},
	"ga": {
		weekdays: [7]string{"Dé Domhnaigh", "Dé Luain", "Dé Máirt", "Dé Céadaoin", "Déardaoin", "Dé hAoine", "Dé Sathairn"},
		months:   [12]string{"Eanáir", "Feabhra", "Márta", "Aibreán", "Bealtaine", "Meitheamh", "Iúil", "Lúnasa", "Meán Fómhair", "Deireadh Fómhair", "Samhain", "Nollaig"},
		short:    "{day} {month}", long: "{weekday} {day} {month} {year}", clock: "HH:mm",
		decimal: ".", minus: "-", percent: "%",
	},
	"hr": {
		weekdays: [7]string{"nedjelja", "ponedjeljak", "utorak", "srijeda", "četvrtak", "petak", "subota"},
		months:   [12]string{"siječnja", "veljače", "ožujka", "travnja", "svibnja", "lipnja", "srpnja", "kolovoza", "rujna", "listopada", "studenoga", "prosinca"},
		short:    "{day}. {month}", long: "{weekday}, {day}. {month} {year}.", clock: "HH:mm",
		decimal: ",", minus: minus, percent: nbsp + "%",
	},
	"hu": {
		weekdays: [7]string{"vasárnap", "hétfő", "kedd", "szerda", "csütörtök", "péntek", "szombat"},
		months:   [12]string{"január", "február", "március", "április", "május", "június", "július", "augusztus", "szeptember", "október", "november", "december"},
		short:    "{month} {day}.", long: "{year}. {month} {day}., {weekday}", clock: "H:mm",
		decimal: ",", minus: "-", percent: "%",
	},
	"it": {
		weekdays: [7]string{"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"},
		months:   [12]string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"},
		short:    "{day} {month}", long: "{weekday} {day} {month} {year}", clock: "HH:mm",
		decimal: ",", minus: "-", percent: "%",
	},
	"lt": {
		weekdays: [7]string{"sekmadienis", "pirmadienis", "antradienis", "trečiadienis", "ketvirtadienis", "penktadienis", "šeštadienis"},
		months:   [12]string{"sausio", "vasario", "kovo", "balandžio", "gegužės", "birželio", "liepos", "rugpjūčio", "rugsėjo", "spalio", "lapkričio", "gruodžio"},
		short:    "{month} {day} d.", long: "{year} m. {month} {day} d., {weekday}", clock: "HH:mm",
		decimal: ",", minus: minus, percent: nbsp + "%",
	},
	"lv": {
		weekdays: [7]string{"svētdiena", "pirmdiena", "otrdiena", "trešdiena", "ceturtdiena", "piektdiena", "sestdiena"},
		months:   [12]string{"janvāris", "februāris", "marts", "aprīlis", "maijs", "jūnijs", "jūlijs", "augusts", "septembris", "oktobris", "novembris", "decembris"},
		short:    "{day}. {month}", long: "{weekday}, {year}. gada {day}. {month}", clock: "HH:mm",
		decimal: ",", minus: "-", percent: "%",
	},
	"mt": {
		weekdays: [7]string{"Il-Ħadd", "It-Tnejn", "It-Tlieta", "L-Erbgħa", "Il-Ħamis", "Il-Ġimgħa", "Is-Sibt"},
		months:   [12]string{"Jannar", "Frar", "Marzu", "April", "Mejju", "Ġunju", "Lulju", "Awwissu", "Settembru", "Ottubru", "Novembru", "Diċembru"},
		short:    "{day} ta’ {month}", long: "{weekday}, {day} ta’ {month} {year}", clock: "HH:mm",
		decimal: ".", minus: "-", percent: "%",
	},
	"nl": {
		weekdays: [7]string{"zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"},
		months:   [12]string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"},
		short:    "{day} {month}", long: "{weekday} {day} {month} {year}", clock: "HH:mm",
		decimal: ",", minus: "-", percent: "%",
	},
	"pl": {
		weekdays: [7]string{"niedziela", "poniedziałek", "wtorek", "środa", "czwartek", "piątek", "sobota"},
		months:   [12]string{"stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września", "października", "listopada", "grudnia"},
		short:    "{day} {month}", long: "{weekday}, {day} {month} {year}", clock: "HH:mm",
		decimal: ",", minus: "-", percent: "%",
	},
	"pt": {
		weekdays: [7]string{"domingo", "segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado"},
		months:   [12]string{"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"},
		short:    "{day} de {month}", long: "{weekday}, {day} de {month} de {year}", clock: "HH:mm",
		decimal: ",", minus: "-", percent: "%",
	},
	"ro": {
		weekdays: [7]string{"duminică", "luni", "marți", "miercuri", "joi", "vineri", "sâmbătă"},
		months:   [12]string{"ianuarie", "februarie", "martie", "aprilie", "mai", "iunie", "iulie", "august", "septembrie", "octombrie", "noiembrie", "decembrie"},
		short:    "{day} {month}", long: "{weekday}, {day} {month} {year}", clock: "HH:mm",
		decimal: ",", minus: "-", percent: nbsp + "%",
	},
	"sk": {
		weekdays: [7]string{"nedeľa", "pondelok", "utorok", "streda", "štvrtok", "piatok", "sobota"},
		months:   [12]string{"januára", "februára", "marca", "apríla", "mája", "júna", "júla", "augusta", "septembra", "októbra", "novembra", "decembra"},
		short:    "{day}. {month}", long: "{weekday} {day}. {month} {year}", clock: "H:mm",
		decimal: ",", minus: "-", percent: nbsp + "%",
	},
	"sl": {
		weekdays: [7]string{"nedelja", "ponedeljek", "torek", "sreda", "četrtek", "petek", "sobota"},
		months:   [12]string{"januar", "februar", "marec", "april", "maj", "junij", "julij", "avgust", "september", "oktober", "november", "december"},
		short:    "{day}. {month}", long: "{weekday}, {day}. {month} {year}", clock: "HH:mm",
		decimal: ",", minus: minus, percent: nbsp + "%",
	},
	"sv": {
		weekdays: [7]string{"söndag", "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag"},
		months:   [12]string{"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"},
		short:    "{day} {month}", long: "{weekday} {day} {month} {year}", clock: "HH:mm",
		decimal: ",", minus: minus, percent: nbsp + "%",
	},
}

// formOf is a language's form; English for a language without one.
func formOf(lang string) localeForm {
	if f, ok := forms[lang]; ok {
		return f
	}
	return forms["en"]
}

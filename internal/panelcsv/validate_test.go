package panelcsv

import (
	"slices"
	"strings"
	"testing"
)

func TestValidateEmail(t *testing.T) {
	for _, tc := range []struct {
		in, want string // want "" means valid
	}{
		{"ana@x.org", ""},
		{"Ana.Silva+delphi@sub.example.co.uk", ""},
		{"o'brien@tcd.ie", ""},
		{"jo@münchen.de", ""},
		{"józef@przykład.pl", ""},
		{`"ana silva"@x.org`, `"\"ana silva\"@x.org" is not a valid e-mail address`},
		{`"ana"@x.org`, `"\"ana\"@x.org" is not a valid e-mail address; write only the address, such as "ana@x.org"`},
		{"a@b-c.de", ""},
		{"", "the e-mail address is missing"},
		{"bob@", `"bob@" is not a valid e-mail address`},
		{"@x.org", `"@x.org" is not a valid e-mail address`},
		{"bob", `"bob" is not a valid e-mail address`},
		{"bob@x", `"bob@x" is not a valid e-mail address`},
		{"bob@x.", `"bob@x." is not a valid e-mail address`},
		{"bob@.x.org", `"bob@.x.org" is not a valid e-mail address`},
		{"bob@x..org", `"bob@x..org" is not a valid e-mail address`},
		{"bob@-x.org", `"bob@-x.org" is not a valid e-mail address`},
		{"bob@x_y.org", `"bob@x_y.org" is not a valid e-mail address`},
		{"bob@x!.org", `"bob@x!.org" is not a valid e-mail address`},
		{"bob@[192.0.2.1]", `"bob@[192.0.2.1]" is not a valid e-mail address`},
		{"bob@@x.org", `"bob@@x.org" is not a valid e-mail address`},
		{"bob smith@x.org", `"bob smith@x.org" is not a valid e-mail address`},
		{"bob@x.org, ana@x.org", `"bob@x.org, ana@x.org" is not a valid e-mail address`},
		{"bob@x.org;ana@x.org", `"bob@x.org;ana@x.org" is not a valid e-mail address`},
		{"Bob <bob@x.org>", `"Bob <bob@x.org>" is not a valid e-mail address; write only the address, such as "bob@x.org"`},
		{"<bob@x.org>", `"<bob@x.org>" is not a valid e-mail address; write only the address, such as "bob@x.org"`},
		{"bob@x.org (Bob)", `"bob@x.org (Bob)" is not a valid e-mail address; write only the address, such as "bob@x.org"`},
		{" bob@x.org", `" bob@x.org" is not a valid e-mail address; write only the address, such as "bob@x.org"`},
		{"Bob <bob@x>", `"Bob <bob@x>" is not a valid e-mail address`},
		{"bob\u00a0@x.org", `"bob\u00a0@x.org" is not a valid e-mail address`},
		{"bob@x\u200b.org", `"bob@x\u200b.org" is not a valid e-mail address`},
		{"bob@x.org\u2026", `"bob@x.org…" is not a valid e-mail address`},
		{"bob@x\xff.org", `"bob@x\xff.org" is not a valid e-mail address`},
		{strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + ".org", ""},
		{strings.Repeat("a", 64) + "@" + strings.Repeat("b", 64) + ".org", `"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…" is not a valid e-mail address`},
		{"a@" + strings.Repeat("b.", 126) + "org", `"a@b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.…" is not a valid e-mail address`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got := ""
			if err := ValidateEmail(tc.in); err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("ValidateEmail(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseCountry(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{in: "DE", want: "DE"},
		{in: "de", want: "DE"},
		{in: " Gr ", want: "GR"},
		{in: "GB", want: "GB"},
		{in: "XK", want: "XK"},
		{in: "", err: "the country code is missing"},
		{in: "EU", err: `"EU" is not a country; use the code of the member state, such as "DE" or "FR"`},
		{in: "eu", err: `"eu" is not a country; use the code of the member state, such as "DE" or "FR"`},
		{in: "UK", err: `"UK" is not an ISO 3166-1 code; use "GB" for the United Kingdom`},
		{in: "EL", err: `"EL" is not an ISO 3166-1 code; use "GR" for Greece`},
		{in: "GRC", err: `"GRC" is a three-letter code; use "GR"`},
		{in: "gbr", err: `"gbr" is a three-letter code; use "GB"`},
		{in: "FX", err: `"FX" is no longer in use; use "FR"`},
		{in: "TP", err: `"TP" is no longer in use; use "TL"`},
		{in: "YU", err: `"YU" is not a valid country code; use a two-letter ISO 3166-1 code such as "DE" or "FR"`},
		{in: "EZ", err: `"EZ" is not a valid country code; use a two-letter ISO 3166-1 code such as "DE" or "FR"`},
		{in: "UN", err: `"UN" is not a valid country code; use a two-letter ISO 3166-1 code such as "DE" or "FR"`},
		{in: "QO", err: `"QO" is not a valid country code; use a two-letter ISO 3166-1 code such as "DE" or "FR"`},
		{in: "AA", err: `"AA" is not a valid country code; use a two-letter ISO 3166-1 code such as "DE" or "FR"`},
		{in: "001", err: `"001" is not a valid country code; use a two-letter ISO 3166-1 code such as "DE" or "FR"`},
		{in: "276", err: `"276" is not a valid country code; use a two-letter ISO 3166-1 code such as "DE" or "FR"`},
		{in: "D", err: `"D" is not a valid country code; use a two-letter ISO 3166-1 code such as "DE" or "FR"`},
		{in: "EUR", err: `"EUR" is not a valid country code; use a two-letter ISO 3166-1 code such as "DE" or "FR"`},
		{in: "Deutschland", err: `"Deutschland" is not a valid country code; use a two-letter ISO 3166-1 code such as "DE" or "FR"`},
		{in: "ſe", err: `"ſe" is not a valid country code; use a two-letter ISO 3166-1 code such as "DE" or "FR"`},
		{in: "D-E", err: `"D-E" is not a valid country code; use a two-letter ISO 3166-1 code such as "DE" or "FR"`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseCountry(tc.in)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if got != tc.want || gotErr != tc.err {
				t.Errorf("ParseCountry(%q) = %q, %q; want %q, %q", tc.in, got, gotErr, tc.want, tc.err)
			}
			if ValidCountry(tc.in) != (tc.err == "") {
				t.Errorf("ValidCountry(%q) = %v", tc.in, !(tc.err == ""))
			}
		})
	}
}

// iso3166 lists the 249 codes assigned in ISO 3166-1.
const iso3166 = `AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ
BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU
ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ
LA LB LC LI LK LR LS LT LU LV LY
MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ
VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW`

// TestCountryCodes pins the set of accepted codes: ISO 3166-1 and XK. It
// fails when an update of golang.org/x/text changes what the package
// knows about regions.
func TestCountryCodes(t *testing.T) {
	want := append(strings.Fields(iso3166), "XK")
	slices.Sort(want)
	if n := len(want); n != 250 {
		t.Fatalf("the list has %d codes, want 249 + XK", n)
	}
	var got []string
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			if code := string([]rune{a, b}); ValidCountry(code) {
				got = append(got, code)
			}
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("accepted codes:\n got %v\nwant %v", got, want)
	}
}

func TestParseLanguage(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{in: "en", want: "en"},
		{in: "EN", want: "en"},
		{in: " de ", want: "de"},
		{in: "pt-BR", want: "pt"},
		{in: "pt_br", want: "pt"},
		{in: "zh-Hant-TW", want: "zh"},
		{in: "sr-Latn", want: "sr"},
		{in: "de-CH-1901", want: "de"},
		{in: "en-US-x-twain", want: "en"},
		{in: "ga", want: "ga"},
		{in: "mt", want: "mt"},
		{in: "nb", want: "nb"},
		{in: "tl", want: "tl"},
		{in: "iw", want: "he"},
		{in: "in", want: "id"},
		{in: "mo", want: "ro"},
		{in: "deu", want: "de"},
		{in: "por", want: "pt"},
		{in: "", err: "the language code is missing"},
		{in: "xx", err: `"xx" is not a valid language code; use a two-letter ISO 639-1 code such as "en" or "de"`},
		{in: "fil", err: `"fil" is not a valid language code; use a two-letter ISO 639-1 code such as "en" or "de"`},
		{in: "und", err: `"und" is not a valid language code; use a two-letter ISO 639-1 code such as "en" or "de"`},
		{in: "i-klingon", err: `"i-klingon" is not a valid language code; use a two-letter ISO 639-1 code such as "en" or "de"`},
		{in: "x-foo", err: `"x-foo" is not a valid language code; use a two-letter ISO 639-1 code such as "en" or "de"`},
		{in: "e", err: `"e" is not a valid language code; use a two-letter ISO 639-1 code such as "en" or "de"`},
		{in: "en-", err: `"en-" is not a valid language code; use a two-letter ISO 639-1 code such as "en" or "de"`},
		{in: "English", err: `"English" is not a valid language code; use a two-letter ISO 639-1 code such as "en" or "de"`},
		{in: "en,de", err: `"en,de" is not a valid language code; use a two-letter ISO 639-1 code such as "en" or "de"`},
		{in: "él", err: `"él" is not a valid language code; use a two-letter ISO 639-1 code such as "en" or "de"`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseLanguage(tc.in)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if got != tc.want || gotErr != tc.err {
				t.Errorf("ParseLanguage(%q) = %q, %q; want %q, %q", tc.in, got, gotErr, tc.want, tc.err)
			}
			if ValidLanguage(tc.in) != (tc.err == "") {
				t.Errorf("ValidLanguage(%q) = %v", tc.in, !(tc.err == ""))
			}
		})
	}
}

// iso639 lists the ISO 639-1 codes, including the deprecated "bh" and "sh"
// but not the withdrawn "in", "iw", "ji", "jw", "mo" (which ParseLanguage
// replaces with "id", "he", "yi", "jv", "ro").
const iso639 = `aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs
ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy
ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv
ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv
mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os
pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg sh si sk sl sm sn so sq sr ss st su sv sw
ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu`

// TestLanguageCodes pins the set of accepted two-letter codes and checks
// that ParseLanguage returns codes it accepts unchanged.
func TestLanguageCodes(t *testing.T) {
	want := strings.Fields(iso639)
	var got []string
	for a := 'a'; a <= 'z'; a++ {
		for b := 'a'; b <= 'z'; b++ {
			in := string([]rune{a, b})
			code, err := ParseLanguage(in)
			if err != nil {
				continue
			}
			if again, err := ParseLanguage(code); again != code || err != nil {
				t.Errorf("ParseLanguage(%q) = %q, %v; ParseLanguage(%q) = %q, %v", in, code, nil, code, again, err)
			}
			if code == in {
				got = append(got, code)
			}
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("accepted codes:\n got %v\nwant %v", got, want)
	}
}

func TestCountryName(t *testing.T) {
	for _, tc := range []struct{ code, lang, want string }{
		{"DE", "en", "Germany"},
		{"de", "fr", "Allemagne"},
		{"GR", "de", "Griechenland"},
		{"GR", "el", "Ελλάδα"},
		{"DE", "pt-BR", "Alemanha"},
		{"XK", "en", "Kosovo"},
		{"XK", "yo", "Kosovo"}, // no Yoruba name: English
		{"DE", "", "Germany"},
		{"DE", "not a language", "Germany"},
		{"UK", "en", "UK"},
		{"", "en", ""},
		{"Atlantis", "en", "Atlantis"},
	} {
		if got := CountryName(tc.code, tc.lang); got != tc.want {
			t.Errorf("CountryName(%q, %q) = %q, want %q", tc.code, tc.lang, got, tc.want)
		}
	}
}

func TestLanguageName(t *testing.T) {
	for _, tc := range []struct{ code, lang, want string }{
		{"de", "en", "German"},
		{"de", "fr", "allemand"},
		{"DE", "de", "Deutsch"},
		{"pt-BR", "en", "Portuguese"},
		{"el", "el", "Ελληνικά"},
		{"ga", "en", "Irish"},
		{"iw", "en", "Hebrew"},
		{"de", "", "German"},
		{"de", "und", "German"},
		{"xx", "en", "xx"},
		{"", "en", ""},
	} {
		if got := LanguageName(tc.code, tc.lang); got != tc.want {
			t.Errorf("LanguageName(%q, %q) = %q, want %q", tc.code, tc.lang, got, tc.want)
		}
	}
}

func TestValidateNameAndGroup(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"name", ValidateName("Siobhán Ó Briain"), ""},
		{"name of 200", ValidateName(strings.Repeat("ł", 200)), ""},
		{"name of 201", ValidateName(strings.Repeat("ł", 201)), "the name has 201 characters; the limit is 200"},
		{"empty name", ValidateName(""), "the name is missing"},
		{"name with tab", ValidateName("Ana\tSilva"), "the name contains a line break or another control character"},
		{"group", ValidateGroup("Patients' organisations"), ""},
		{"empty group", ValidateGroup(""), ""},
		{"group of 100", ValidateGroup(strings.Repeat("g", 100)), ""},
		{"group of 101", ValidateGroup(strings.Repeat("g", 101)), "the stakeholder group has 101 characters; the limit is 100"},
		{"group with CR", ValidateGroup("a\rb"), "the stakeholder group contains a line break or another control character"},
	} {
		got := ""
		if tc.err != nil {
			got = tc.err.Error()
		}
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

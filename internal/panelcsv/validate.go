package panelcsv

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// The errors returned by ValidateEmail, ValidateName, ValidateGroup,
// ParseCountry and ParseLanguage are sentences meant to be shown to the
// user as they are.

// maxEmailLen is the longest address that fits in an SMTP path (RFC 5321).
const maxEmailLen = 254

// ValidateEmail reports whether s is an e-mail address that can be added to
// a panel: a bare address (no display name, no angle brackets, no comment,
// no surrounding white space: trim first) whose domain is a host name
// containing a dot.
func ValidateEmail(s string) error {
	if s == "" {
		return errors.New("the e-mail address is missing")
	}
	if isBareAddress(s) {
		return nil
	}
	if len(s) > maxEmailLen {
		return fmt.Errorf("%s is not a valid e-mail address", quote(s))
	}
	// "Ana <ana@x.org>", "<ana@x.org>", "ana@x.org (Ana)".
	if addr, err := mail.ParseAddress(s); err == nil && isBareAddress(addr.Address) {
		return fmt.Errorf("%s is not a valid e-mail address; write only the address, such as %s",
			quote(s), quote(addr.Address))
	}
	return fmt.Errorf("%s is not a valid e-mail address", quote(s))
}

// isBareAddress reports whether s is an address that ValidateEmail accepts.
// Quoted local parts (`"ana silva"@x.org`) are not accepted: net/mail
// returns them unquoted.
func isBareAddress(s string) bool {
	if len(s) > maxEmailLen {
		return false
	}
	addr, err := mail.ParseAddress(s)
	return err == nil && addr.Name == "" && addr.Address == s &&
		validDomain(s) && !strings.ContainsFunc(s, strangeRune)
}

// strangeRune reports whether r is a non-ASCII rune other than a letter,
// mark or digit. net/mail accepts any such rune, including the no-break
// and zero-width spaces that copying addresses from documents brings along.
func strangeRune(r rune) bool {
	return r >= utf8.RuneSelf && !unicode.IsLetter(r) && !unicode.IsMark(r) && !unicode.IsNumber(r)
}

// validDomain reports whether the domain of addr is a host name with at
// least two labels, made of letters, digits and hyphens (non-ASCII letters
// are allowed for internationalised domains).
func validDomain(addr string) bool {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return false
	}
	labels := strings.Split(addr[at+1:], ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if r < 0x80 && r != '-' && !isASCIILetter(r) && !('0' <= r && r <= '9') {
				return false
			}
		}
	}
	return true
}

func isASCIILetter(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
}

func isASCIILetters(s string) bool {
	for _, r := range s {
		if !isASCIILetter(r) {
			return false
		}
	}
	return s != ""
}

// ValidateName reports whether s, trimmed, can be the name of an expert:
// not empty, at most MaxNameLen characters and without control characters
// (a line break in a name would break the headers of e-mails to it).
func ValidateName(s string) error {
	if s == "" {
		return errors.New("the name is missing")
	}
	return checkText("name", s, MaxNameLen)
}

// ValidateGroup reports whether s, trimmed, can be the stakeholder group of
// an expert: empty, or at most MaxGroupLen characters without control
// characters.
func ValidateGroup(s string) error {
	return checkText("stakeholder group", s, MaxGroupLen)
}

func checkText(what, s string, limit int) error {
	if n := utf8.RuneCountInString(s); n > limit {
		return fmt.Errorf("the %s has %d characters; the limit is %d", what, n, limit)
	}
	if strings.ContainsFunc(s, unicode.IsControl) {
		return fmt.Errorf("the %s contains a line break or another control character", what)
	}
	return nil
}

// ParseCountry returns the ISO 3166-1 alpha-2 code in s (trimmed, any case)
// in upper case. Codes that are reserved but not assigned to a country (the
// "exceptionally" and "transitionally reserved" ones such as "EU", "UK",
// "EL", "SU", "YU"; "UK" and "EL" are common mistakes for "GB" and "GR") are
// rejected with a hint. "XK" (Kosovo), a user-assigned code used by the
// European Commission, is accepted.
func ParseCountry(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("the country code is missing")
	}
	invalid := fmt.Errorf(`%s is not a valid country code; use a two-letter ISO 3166-1 code such as "DE" or "FR"`, quote(s))
	// Upper-case only ASCII letters: strings.ToUpper maps some other
	// letters ("ſ", "ı") to ASCII ones.
	if !isASCIILetters(s) {
		return "", invalid
	}
	code := strings.ToUpper(s)
	switch code {
	case "EU":
		return "", fmt.Errorf(`%s is not a country; use the code of the member state, such as "DE" or "FR"`, quote(s))
	case "UK":
		return "", fmt.Errorf(`%s is not an ISO 3166-1 code; use "GB" for the United Kingdom`, quote(s))
	case "EL":
		return "", fmt.Errorf(`%s is not an ISO 3166-1 code; use "GR" for Greece`, quote(s))
	}
	if len(code) != 2 && len(code) != 3 {
		return "", invalid
	}
	r, err := language.ParseRegion(code)
	if err != nil {
		return "", invalid
	}
	if len(code) == 3 {
		if isCountry(r) {
			return "", fmt.Errorf("%s is a three-letter code; use %q", quote(s), r.String())
		}
		return "", invalid
	}
	if isCountry(r) {
		return code, nil
	}
	if c := r.Canonicalize(); c != r && isCountry(c) {
		return "", fmt.Errorf("%s is no longer in use; use %q", quote(s), c.String())
	}
	return "", invalid
}

// isCountry reports whether r is a country code assigned in ISO 3166-1, or
// XK. The package golang.org/x/text/language also knows CLDR's regions,
// deprecated codes and codes that ISO 3166-1 reserves without assigning;
// TestCountryCodes pins the accepted set.
func isCountry(r language.Region) bool {
	if !r.IsCountry() || r.Canonicalize() != r {
		return false
	}
	switch r.String() {
	case "AC", "CP", "CQ", "DG", "EA", "EZ", "IC", "TA", "UN", // exceptionally reserved
		"AN", "CS", "FQ", "NT", "PC", "SU", "YU": // transitionally reserved
		return false
	}
	return true
}

// ValidCountry reports whether ParseCountry accepts code. Forms should store
// the value ParseCountry returns.
func ValidCountry(code string) bool {
	_, err := ParseCountry(code)
	return err == nil
}

// ParseLanguage returns the ISO 639-1 code of the language in s (trimmed,
// any case) in lower case. A longer BCP 47 tag is accepted and reduced to
// its language: "pt-BR" and "pt_BR" give "pt". Deprecated codes are
// replaced ("iw" gives "he"), and ISO 639-2 codes that have an ISO 639-1
// equivalent are accepted ("deu" gives "de"). Languages without a
// two-letter code ("fil", "und") are rejected.
func ParseLanguage(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("the language code is missing")
	}
	tag, err := language.Deprecated.Parse(strings.ReplaceAll(s, "_", "-"))
	if err == nil {
		base, _, _ := tag.Raw()
		if code := base.String(); len(code) == 2 {
			return code, nil
		}
	}
	return "", fmt.Errorf(`%s is not a valid language code; use a two-letter ISO 639-1 code such as "en" or "de"`, quote(s))
}

// ValidLanguage reports whether ParseLanguage accepts code. Forms should
// store the value ParseLanguage returns.
func ValidLanguage(code string) bool {
	_, err := ParseLanguage(code)
	return err == nil
}

// CountryName returns the name of the country with the given code in the
// language lang (a BCP 47 tag such as "de" or "pt-BR"), falling back to
// English and then to code itself.
func CountryName(code, lang string) string {
	c, err := ParseCountry(code)
	if err != nil {
		return code
	}
	if name := displayName(lang, display.Regions, language.MustParseRegion(c)); name != "" {
		return name
	}
	return code
}

// LanguageName returns the name of the language with the given code in the
// language lang, falling back to English and then to code itself.
func LanguageName(code, lang string) string {
	c, err := ParseLanguage(code)
	if err != nil {
		return code
	}
	if name := displayName(lang, display.Languages, language.MustParseBase(c)); name != "" {
		return name
	}
	return code
}

// displayName names x in the language lang, or else in English.
func displayName(lang string, namer func(language.Tag) display.Namer, x any) string {
	t, err := language.Parse(lang)
	if err != nil {
		t = language.English
	}
	for _, t := range []language.Tag{t, language.English} {
		if n := namer(t); n != nil {
			if name := n.Name(x); name != "" {
				return name
			}
		}
	}
	return ""
}

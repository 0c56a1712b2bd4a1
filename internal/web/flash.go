package web

import "encoding/base64"

// Flash messages travel in a cookie; base64 keeps any text cookie-safe.
// They are only ever shown through html/template, which escapes them.
func encodeFlash(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func decodeFlash(s string) string {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return ""
	}
	return string(b)
}

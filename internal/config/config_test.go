package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseDefaults(t *testing.T) {
	c, err := Parse(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:8080" || c.BaseURL != "http://127.0.0.1:8080" || c.DatabaseURL != "sqlite:./data/delphi.db" {
		t.Errorf("defaults: %+v", c)
	}
	if c.SecureCookies || c.SessionLifetime != 12*time.Hour || c.MailRate != 10 {
		t.Errorf("defaults: %+v", c)
	}
}

func TestParseHTTPSBaseURLMakesCookiesSecure(t *testing.T) {
	c, err := Parse(env(map[string]string{"DELPHI_BASE_URL": "https://delphi.example.org/"}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.SecureCookies || c.BaseURL != "https://delphi.example.org" {
		t.Errorf("got %+v", c)
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	_, err := Parse(env(map[string]string{
		"DELPHI_BASE_URL":     "ftp://x",
		"DELPHI_DATABASE_URL": "mysql://x",
		"DELPHI_SMTP_URL":     "smtp://host?tls=maybe",
		"DELPHI_LOG_LEVEL":    "loud",
		"DELPHI_LOG_FORMAT":   "xml",
		"DELPHI_MAIL_RATE":    "0",
	}))
	if err == nil {
		t.Fatal("want error")
	}
	for _, name := range []string{"DELPHI_BASE_URL", "DELPHI_DATABASE_URL", "DELPHI_SMTP_URL", "DELPHI_LOG_LEVEL", "DELPHI_LOG_FORMAT", "DELPHI_MAIL_RATE"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}
}

func TestParseSMTPURL(t *testing.T) {
	tests := []struct {
		in   string
		want SMTP
	}{
		{"smtp://u:p%40ss@mail.example.org:2525?tls=none", SMTP{Host: "mail.example.org", Port: 2525, Username: "u", Password: "p@ss", TLS: "none"}},
		{"smtp://mail.example.org", SMTP{Host: "mail.example.org", Port: 587, TLS: "starttls"}},
		{"smtp://mail.example.org?tls=tls", SMTP{Host: "mail.example.org", Port: 465, TLS: "tls"}},
	}
	for _, tt := range tests {
		got, err := ParseSMTPURL(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseSMTPURL(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"http://x", "smtp://", "smtp://h:99999", "smtp://h?tls=ssl"} {
		if _, err := ParseSMTPURL(bad); err == nil {
			t.Errorf("ParseSMTPURL(%q): want error", bad)
		}
	}
}

// TestParseTrustedProxies: networks and single addresses are read; an
// empty list trusts no proxy; a typo is reported, not ignored.
func TestParseTrustedProxies(t *testing.T) {
	c, err := Parse(env(nil))
	if err != nil || len(c.TrustedProxies) != 0 {
		t.Fatalf("default: %v %v", c.TrustedProxies, err)
	}
	c, err = Parse(env(map[string]string{"DELPHI_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7 ,::1,fd00::/8"}))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range c.TrustedProxies {
		got = append(got, n.String())
	}
	if strings.Join(got, " ") != "10.0.0.0/8 192.0.2.7/32 ::1/128 fd00::/8" {
		t.Errorf("parsed %v", got)
	}
	if _, err := Parse(env(map[string]string{"DELPHI_TRUSTED_PROXIES": "10.0.0.0/8,proxy.local"})); err == nil || !strings.Contains(err.Error(), `DELPHI_TRUSTED_PROXIES: "proxy.local"`) {
		t.Errorf("bad entry: %v", err)
	}
}

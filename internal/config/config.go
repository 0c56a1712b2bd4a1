// Package config reads the platform's settings from DELPHI_* environment
// variables, once, into a value that is passed down. Nothing else in the
// program reads the environment.
package config

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is the parsed configuration. The README documents every field.
type Config struct {
	Listen      string // DELPHI_LISTEN, host:port to listen on
	BaseURL     string // DELPHI_BASE_URL, public URL used in e-mailed links, no trailing slash
	DatabaseURL string // DELPHI_DATABASE_URL, sqlite:PATH or postgres://…
	SMTPURL     string // DELPHI_SMTP_URL, smtp://user:pass@host:port?tls=starttls|tls|none; empty keeps mail in the outbox
	SMTPFrom    string // DELPHI_SMTP_FROM, sender address of invitations
	MailRate    int    // DELPHI_MAIL_RATE, messages per second the dispatcher sends at most

	SessionLifetime time.Duration // DELPHI_SESSION_LIFETIME, coordinator login lifetime
	// SecureCookies is true when BaseURL is https: cookies then carry the
	// Secure flag and responses send HSTS.
	SecureCookies bool

	LogLevel  slog.Level // DELPHI_LOG_LEVEL: debug, info, warn, error
	LogFormat string     // DELPHI_LOG_FORMAT: text or json

	// TrustedProxies (DELPHI_TRUSTED_PROXIES, comma-separated CIDRs or
	// addresses) are the reverse proxies whose X-Forwarded-For is believed.
	// Empty: the client is the socket's peer and the header is ignored, so
	// no client can pick the address its rate limits are counted under.
	TrustedProxies []*net.IPNet
}

// Parse reads the configuration through getenv (os.Getenv in production, a
// map in tests) and reports every invalid variable at once.
func Parse(getenv func(string) string) (Config, error) {
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	var problems []string
	c := Config{
		Listen:      get("DELPHI_LISTEN", "127.0.0.1:8080"),
		DatabaseURL: get("DELPHI_DATABASE_URL", "sqlite:./data/delphi.db"),
		SMTPURL:     get("DELPHI_SMTP_URL", ""),
		SMTPFrom:    get("DELPHI_SMTP_FROM", "Delphi study <delphi@localhost>"),
		LogFormat:   get("DELPHI_LOG_FORMAT", "text"),
	}
	c.BaseURL = strings.TrimRight(get("DELPHI_BASE_URL", "http://"+c.Listen), "/")
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		problems = append(problems, fmt.Sprintf("DELPHI_BASE_URL: %q is not an http(s) URL", c.BaseURL))
	} else {
		c.SecureCookies = u.Scheme == "https"
	}
	if !strings.HasPrefix(c.DatabaseURL, "sqlite:") && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		problems = append(problems, fmt.Sprintf("DELPHI_DATABASE_URL: %q must start with sqlite: or postgres://", c.DatabaseURL))
	}
	if c.SMTPURL != "" {
		if _, err := ParseSMTPURL(c.SMTPURL); err != nil {
			problems = append(problems, "DELPHI_SMTP_URL: "+err.Error())
		}
	}
	rate, err := strconv.Atoi(get("DELPHI_MAIL_RATE", "10"))
	if err != nil || rate < 1 {
		problems = append(problems, "DELPHI_MAIL_RATE: must be a whole number of messages per second, at least 1")
	}
	c.MailRate = rate
	c.SessionLifetime, err = time.ParseDuration(get("DELPHI_SESSION_LIFETIME", "12h"))
	if err != nil || c.SessionLifetime < time.Minute {
		problems = append(problems, "DELPHI_SESSION_LIFETIME: must be a duration such as 12h, at least 1m")
	}
	if err := c.LogLevel.UnmarshalText([]byte(get("DELPHI_LOG_LEVEL", "info"))); err != nil {
		problems = append(problems, "DELPHI_LOG_LEVEL: must be debug, info, warn or error")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		problems = append(problems, "DELPHI_LOG_FORMAT: must be text or json")
	}
	if c.TrustedProxies, err = parseCIDRs(get("DELPHI_TRUSTED_PROXIES", "")); err != nil {
		problems = append(problems, "DELPHI_TRUSTED_PROXIES: "+err.Error())
	}
	if len(problems) > 0 {
		return c, fmt.Errorf("config: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

// parseCIDRs reads a comma-separated list of networks (10.0.0.0/8) or
// single addresses (192.0.2.7, ::1).
func parseCIDRs(list string) ([]*net.IPNet, error) {
	var nets []*net.IPNet
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if !strings.Contains(item, "/") {
			ip := net.ParseIP(item)
			if ip == nil {
				return nil, fmt.Errorf("%q is neither an address nor a network such as 10.0.0.0/8", item)
			}
			bits := 128
			if ip.To4() != nil {
				ip, bits = ip.To4(), 32
			}
			nets = append(nets, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
			continue
		}
		_, n, err := net.ParseCIDR(item)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a network such as 10.0.0.0/8", item)
		}
		nets = append(nets, n)
	}
	return nets, nil
}

// SMTP is a parsed DELPHI_SMTP_URL.
type SMTP struct {
	Host     string
	Port     int
	Username string
	Password string
	TLS      string // starttls, tls or none
}

// ParseSMTPURL parses smtp://user:pass@host:port?tls=starttls|tls|none.
// The default TLS mode is starttls, and the default port follows it.
func ParseSMTPURL(raw string) (SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "smtp" || u.Hostname() == "" {
		return SMTP{}, fmt.Errorf("%q is not of the form smtp://user:pass@host:port?tls=starttls", raw)
	}
	s := SMTP{Host: u.Hostname(), TLS: u.Query().Get("tls")}
	if s.TLS == "" {
		s.TLS = "starttls"
	}
	defaultPort := map[string]int{"starttls": 587, "tls": 465, "none": 25}
	port, ok := defaultPort[s.TLS]
	if !ok {
		return SMTP{}, fmt.Errorf("tls=%q must be starttls, tls or none", s.TLS)
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port < 1 || port > 65535 {
			return SMTP{}, fmt.Errorf("port %q is not a port number", p)
		}
	}
	s.Port = port
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	return s, nil
}

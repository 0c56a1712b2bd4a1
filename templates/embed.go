// Package templates holds the HTML pages, e-mails and static files, embedded
// in the binary. Each page is parsed once at start together with the layout
// and partials (see server/render.go).
package templates

import "embed"

// FS holds layout.html, partials/*.html, pages/*.html, static/* and the
// e-mails' default texts, email/defaults/<lang>/<kind>.txt.
//
//go:embed layout.html partials/*.html pages/*.html static/* email/*
var FS embed.FS

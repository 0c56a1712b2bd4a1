package web

import (
	"net"

	"github.com/labstack/echo/v4"
)

// clientIP is how c.RealIP() finds the client's address, which keys every
// rate limit. Without trusted proxies it is the socket's peer and any
// X-Forwarded-For or X-Real-IP header is ignored: otherwise a client could
// name a fresh address on each request and never be limited. With them,
// X-Forwarded-For is read from the right, skipping only the listed
// proxies, so what a client writes at its left end is never believed.
// echo's own defaults would also trust every private and loopback
// address; here only the listed networks are trusted.
func clientIP(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

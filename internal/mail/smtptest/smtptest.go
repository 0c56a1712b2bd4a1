// Package smtptest runs a real SMTP server over TCP inside tests, built on
// github.com/emersion/go-smtp, to receive the platform's e-mails and to
// simulate a server that refuses messages or connections.
package smtptest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/delphi-platform/delphi/internal/config"
)

// Message is one e-mail the server accepted, with its parts decoded.
type Message struct {
	From     string
	To       []string
	Raw      []byte
	Header   mail.Header
	Subject  string
	Text     string
	HTML     string
	Received time.Time // when the server accepted it
}

// Server is a test SMTP server on 127.0.0.1.
type Server struct {
	addr string

	mu          sync.Mutex
	srv         *smtp.Server // nil while stopped
	ln          net.Listener
	messages    []Message
	refuseNext  int
	refuseCode  int
	refuseConns bool
	arrived     chan struct{}
}

// Start runs a server until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{addr: ln.Addr().String(), arrived: make(chan struct{}, 1)}
	s.serve(ln)
	t.Cleanup(func() { s.Stop() })
	return s
}

func (s *Server) serve(ln net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "smtptest.local"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.mu.Lock()
	s.srv, s.ln = srv, ln
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// Stop shuts the server down, as a crashed or unreachable mail server:
// new connections are refused by the operating system (ECONNREFUSED) and
// open ones are cut. Messages received so far are kept.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, ln := s.srv, s.ln
	s.srv, s.ln = nil, nil
	s.mu.Unlock()
	if srv != nil {
		// Close the listener too: Serve may not have registered it yet.
		_ = ln.Close()
		_ = srv.Close()
	}
}

// Restart listens again on the same address after Stop.
func (s *Server) Restart() error {
	s.mu.Lock()
	running := s.srv != nil
	s.mu.Unlock()
	if running {
		return errors.New("smtptest: restart: the server is running")
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("smtptest: restart: %w", err)
	}
	s.serve(ln)
	return nil
}

// URL is the DELPHI_SMTP_URL of the server.
func (s *Server) URL() string { return "smtp://" + s.addr + "?tls=none" }

// SMTP is the parsed configuration of the server.
func (s *Server) SMTP() config.SMTP {
	c, _ := config.ParseSMTPURL(s.URL())
	return c
}

// RefuseNextMessages answers the next n messages' DATA with code (451:
// try again later, 550: rejected for good).
func (s *Server) RefuseNextMessages(n, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuseNext, s.refuseCode = n, code
}

// SetRefuseConnections makes the server turn away every new connection
// (421 at the greeting), as an overloaded or down server does.
func (s *Server) SetRefuseConnections(refuse bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuseConns = refuse
}

// Messages returns the messages received so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Reset forgets the messages received and any failure injection.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages, s.refuseNext, s.refuseConns = nil, 0, false
}

// WaitForMessages waits until at least n messages arrived or the timeout
// passed, and returns what arrived.
func (s *Server) WaitForMessages(n int, timeout time.Duration) []Message {
	deadline := time.After(timeout)
	for {
		if ms := s.Messages(); len(ms) >= n {
			return ms
		}
		select {
		case <-s.arrived:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			return s.Messages()
		}
	}
}

func (s *Server) newSession(*smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refuseConns {
		return nil, &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Service not available, try later"}
	}
	return &session{s: s}, nil
}

type session struct {
	s    *Server
	from string
	to   []string
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }
func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if x.s.refuseNext > 0 {
		x.s.refuseNext--
		code := x.s.refuseCode
		enh := smtp.EnhancedCode{4, 3, 0}
		if code >= 500 {
			enh = smtp.EnhancedCode{5, 7, 1}
		}
		return &smtp.SMTPError{Code: code, EnhancedCode: enh, Message: fmt.Sprintf("test server refuses this message (%d)", code)}
	}
	m, err := parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "unparsable message: " + err.Error()}
	}
	m.From, m.To, m.Received = x.from, append([]string(nil), x.to...), time.Now()
	x.s.messages = append(x.s.messages, m)
	select {
	case x.s.arrived <- struct{}{}:
	default:
	}
	return nil
}

// parse reads a message and decodes its text and HTML parts.
func parse(raw []byte) (Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, err
	}
	m := Message{Raw: raw, Header: msg.Header}
	dec := new(mime.WordDecoder)
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return m, err
	}
	err = walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, &m)
	return m, err
}

func walk(contentType, encoding string, body io.Reader, m *Message) error {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return err
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, m); err != nil {
				return err
			}
		}
	}
	var r io.Reader = body
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = newBase64Reader(body)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	switch mediaType {
	case "text/plain":
		m.Text = string(b)
	case "text/html":
		m.HTML = string(b)
	}
	return nil
}

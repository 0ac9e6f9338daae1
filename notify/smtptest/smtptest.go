// Package smtptest runs a real SMTP server (github.com/emersion/go-smtp)
// in a test, on a port of its own, and keeps what it receives, decoded as
// a mail reader would: the recipients, the subject's RFC 2047 words, the
// body's transfer encoding. It can be taken down and brought up again on
// the same port, as a mail server that was down comes back.
package smtptest

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is a message the server accepted.
type Message struct {
	From    string
	To      []string
	Subject string // decoded
	Body    string // decoded
	Raw     []byte
}

// Server is a running SMTP server.
type Server struct {
	Host string
	Port int

	mu       sync.Mutex
	srv      *smtp.Server
	l        net.Listener
	messages []Message
	arrived  chan struct{}
}

// Start starts a server on a free port of 127.0.0.1, stopped at the end of
// the test.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{Host: "127.0.0.1", arrived: make(chan struct{}, 1000)}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Port = l.Addr().(*net.TCPAddr).Port
	s.serve(l)
	t.Cleanup(s.Down)
	return s
}

func (s *Server) serve(l net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "smtptest.local"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	s.mu.Lock()
	s.srv, s.l = srv, l
	s.mu.Unlock()
	go srv.Serve(l)
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Down stops the server: nothing listens on its port until Up.
func (s *Server) Down() {
	s.mu.Lock()
	srv, l := s.srv, s.l
	s.srv, s.l = nil, nil
	s.mu.Unlock()
	if srv != nil {
		// The listener is closed here, not left to the server, which
		// knows of it only once its Serve has begun.
		l.Close()
		srv.Close()
	}
}

// Up listens on the server's port again.
func (s *Server) Up(t testing.TB) {
	t.Helper()
	l, err := net.Listen("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	s.serve(l)
}

// Messages are the messages received so far, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Wait waits until n messages have arrived in all, or ctx ends.
func (s *Server) Wait(ctx context.Context, n int) ([]Message, error) {
	for {
		if m := s.Messages(); len(m) >= n {
			return m, nil
		}
		select {
		case <-s.arrived:
		case <-ctx.Done():
			return s.Messages(), ctx.Err()
		}
	}
}

// WaitFor waits until a message of which ok holds has arrived, or ctx ends.
func (s *Server) WaitFor(ctx context.Context, ok func(Message) bool) (Message, error) {
	for {
		for _, m := range s.Messages() {
			if ok(m) {
				return m, nil
			}
		}
		select {
		case <-s.arrived:
		case <-ctx.Done():
			return Message{}, ctx.Err()
		}
	}
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
	m := Message{From: x.from, To: x.to, Raw: raw}
	parsed, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	if m.Subject, err = new(mime.WordDecoder).DecodeHeader(parsed.Header.Get("Subject")); err != nil {
		return err
	}
	body, err := io.ReadAll(parsed.Body)
	if err != nil {
		return err
	}
	if strings.EqualFold(parsed.Header.Get("Content-Transfer-Encoding"), "base64") {
		if body, err = base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(body))); err != nil {
			return errors.New("smtptest: the body is not base64: " + err.Error())
		}
	}
	m.Body = string(body)
	x.s.mu.Lock()
	x.s.messages = append(x.s.messages, m)
	x.s.mu.Unlock()
	x.s.arrived <- struct{}{}
	return nil
}

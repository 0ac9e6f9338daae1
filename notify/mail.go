package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"strconv"
	"strings"
	"time"
)

// Mail is an e-mail to send: one recipient, a subject and a plain-text body.
type Mail struct {
	To, Subject, Body string
}

// Mailer sends e-mail. An error means it was not sent (the job retries).
type Mailer interface {
	Send(ctx context.Context, m Mail) error
}

// Texter sends text messages (SMS). No provider is built in: LogTexter
// writes them to the log; a provider's gateway implements Texter.
type Texter interface {
	Text(ctx context.Context, phone, text string) error
}

// SMTP sends e-mail through a mail server (serve and worker's --smtp-*
// flags, docs/deploy.md).
type SMTP struct {
	Host string
	Port int    // 587 when 0
	From string // the sender's address: "政策兑现平台 <noreply@example.gov.cn>"
	// User and Password, when set, sign in (AUTH PLAIN, only over TLS or
	// to localhost, as net/smtp insists).
	User, Password string
	// StartTLS requires the server to offer STARTTLS and uses it; without
	// it the connection is upgraded only if the server offers it.
	StartTLS bool
	// Timeout bounds one delivery (30 s when 0).
	Timeout time.Duration
	// TLS is the TLS configuration for STARTTLS (tests give their CA);
	// nil: the system's roots, the server's name from Host.
	TLS *tls.Config
}

// Check reports a configuration that cannot work.
func (c *SMTP) Check() error {
	if c.Host == "" {
		return errors.New("no SMTP host")
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("the sender %q is not an address: %v", c.From, err)
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("port %d", c.Port)
	}
	return nil
}

// Send delivers m: one SMTP conversation per message.
func (c *SMTP) Send(ctx context.Context, m Mail) error {
	// The address goes into a header as it is: one that is not a plain
	// address (a line break would start a header of its own) is refused.
	if a, err := mail.ParseAddress(m.To); err != nil || a.Address != m.To {
		return fmt.Errorf("smtp: %q is not an address", m.To)
	}
	from, err := mail.ParseAddress(c.From)
	if err != nil {
		return err
	}
	port, timeout := c.Port, c.Timeout
	if port == 0 {
		port = 587
	}
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", net.JoinHostPort(c.Host, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	cl, err := smtp.NewClient(conn, c.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp: %w", err)
	}
	defer cl.Close()
	if ok, _ := cl.Extension("STARTTLS"); ok {
		cfg := c.TLS
		if cfg == nil {
			cfg = &tls.Config{ServerName: c.Host}
		}
		if err := cl.StartTLS(cfg); err != nil {
			return fmt.Errorf("smtp: STARTTLS: %w", err)
		}
	} else if c.StartTLS {
		return fmt.Errorf("smtp: %s does not offer STARTTLS", c.Host)
	}
	if c.User != "" {
		if err := cl.Auth(smtp.PlainAuth("", c.User, c.Password, c.Host)); err != nil {
			return fmt.Errorf("smtp: sign in: %w", err)
		}
	}
	if err := cl.Mail(from.Address); err != nil {
		return fmt.Errorf("smtp: MAIL FROM: %w", err)
	}
	if err := cl.Rcpt(m.To); err != nil {
		return fmt.Errorf("smtp: RCPT TO %s: %w", m.To, err)
	}
	w, err := cl.Data()
	if err != nil {
		return fmt.Errorf("smtp: DATA: %w", err)
	}
	if _, err := w.Write(compose(from, m, time.Now())); err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp: the server did not take the message: %w", err)
	}
	return cl.Quit()
}

// compose writes the message: UTF-8 text, base64 lines of 76, the subject
// and the sender's name encoded as RFC 2047 words (Chinese in a header).
func compose(from *mail.Address, m Mail, now time.Time) []byte {
	var b bytes.Buffer
	sender := from.Address
	if from.Name != "" {
		sender = mime.BEncoding.Encode("UTF-8", from.Name) + " <" + from.Address + ">"
	}
	fmt.Fprintf(&b, "From: %s\r\n", sender)
	fmt.Fprintf(&b, "To: %s\r\n", m.To)
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.BEncoding.Encode("UTF-8", m.Subject))
	fmt.Fprintf(&b, "Date: %s\r\n", now.Format(time.RFC1123Z))
	b.WriteString("MIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: text/plain; charset=UTF-8\r\n")
	b.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
	body := base64.StdEncoding.EncodeToString([]byte(strings.ReplaceAll(m.Body, "\n", "\r\n")))
	for len(body) > 76 {
		b.WriteString(body[:76] + "\r\n")
		body = body[76:]
	}
	b.WriteString(body + "\r\n")
	return b.Bytes()
}

// LogTexter "sends" text messages to a log: the SMS interface without a
// provider (serve --sms-log), for the demo and tests.
type LogTexter struct {
	Log *slog.Logger
}

// Text logs the message.
func (l LogTexter) Text(_ context.Context, phone, text string) error {
	log := l.Log
	if log == nil {
		log = slog.Default()
	}
	log.Info("sms", "to", phone, "text", text)
	return nil
}

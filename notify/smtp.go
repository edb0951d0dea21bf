package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"
)

// SMTP sends email through an SMTP relay (mailpit locally). Without Auth
// it sends unauthenticated, which only suits a local or trusted relay;
// STARTTLS is used whenever the server offers it.
type SMTP struct {
	Addr string // host:port
	From string
	Auth smtp.Auth
	// Hello is the name sent in EHLO (default "localhost").
	Hello string
	// Timeout bounds the whole exchange when ctx has no deadline (default 30s).
	Timeout time.Duration
	// Now stamps the Date header (default time.Now).
	Now func() time.Time
	// TLSConfig is used for STARTTLS (default: verify the server as host).
	TLSConfig *tls.Config
}

// SendEmail delivers one message. A 5xx reply is permanent.
func (s *SMTP) SendEmail(ctx context.Context, m Email) error {
	if m.To == "" || strings.ContainsAny(m.To, "\r\n") || strings.ContainsAny(m.Subject, "\r\n") {
		return fmt.Errorf("%w: invalid recipient or subject", ErrPermanent)
	}
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("notify: smtp dial: %w", err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	host, _, _ := net.SplitHostPort(s.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return smtpErr("greeting", err)
	}
	defer c.Close()
	hello := s.Hello
	if hello == "" {
		hello = "localhost"
	}
	if err := c.Hello(hello); err != nil {
		return smtpErr("hello", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		tc := s.TLSConfig
		if tc == nil {
			tc = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		}
		if err := c.StartTLS(tc); err != nil {
			return smtpErr("starttls", err)
		}
	}
	if s.Auth != nil {
		if err := c.Auth(s.Auth); err != nil {
			return smtpErr("auth", err)
		}
	}
	if err := c.Mail(s.From); err != nil {
		return smtpErr("mail from", err)
	}
	if err := c.Rcpt(m.To); err != nil {
		return smtpErr("rcpt to", err)
	}
	w, err := c.Data()
	if err != nil {
		return smtpErr("data", err)
	}
	if _, err := w.Write(s.compose(m)); err != nil {
		return smtpErr("data", err)
	}
	if err := w.Close(); err != nil {
		return smtpErr("data", err)
	}
	return smtpErr("quit", c.Quit())
}

func (s *SMTP) compose(m Email) []byte {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\n", s.From)
	fmt.Fprintf(&b, "To: %s\r\n", m.To)
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", m.Subject))
	fmt.Fprintf(&b, "Date: %s\r\n", now().UTC().Format(time.RFC1123Z))
	if m.MessageID != "" {
		fmt.Fprintf(&b, "Message-ID: <%s>\r\n", strings.NewReplacer("<", "", ">", "", "\r", "", "\n", "").Replace(m.MessageID))
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	body := strings.ReplaceAll(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\n", "\r\n")
	b.WriteString(body)
	if !strings.HasSuffix(body, "\r\n") {
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

// smtpErr classifies a 5xx reply as permanent; everything else is
// transient and worth a retry.
func smtpErr(step string, err error) error {
	if err == nil {
		return nil
	}
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return fmt.Errorf("%w: smtp %s: %d", ErrPermanent, step, te.Code)
	}
	return fmt.Errorf("notify: smtp %s: %w", step, err)
}

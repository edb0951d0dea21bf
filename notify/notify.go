// Package notify delivers patient messages: email over SMTP and SMS through
// a provider interface with a Twilio implementation over its REST API.
//
// Callers compose messages that carry the minimum necessary information
// (first name or initials, date and time, location, instructions); this
// package never logs message bodies or recipients.
package notify

import (
	"context"
	"errors"
)

// Email is one plain-text message.
type Email struct {
	To      string
	Subject string
	Body    string
	// MessageID, when set, becomes the Message-ID header so a retried send
	// can be recognised downstream (a key, not PHI).
	MessageID string
}

// SMS is one text message to an E.164 number.
type SMS struct {
	To   string
	Body string
}

// Mailer sends email.
type Mailer interface {
	SendEmail(ctx context.Context, m Email) error
}

// SMSSender sends text messages and returns the provider's message ID.
type SMSSender interface {
	SendSMS(ctx context.Context, m SMS) (string, error)
}

// ErrPermanent marks a delivery failure that retrying cannot fix (a
// rejected number, bad credentials, a malformed request).
var ErrPermanent = errors.New("notify: permanent delivery failure")

// ErrOptedOut means the recipient replied STOP: the provider refuses to
// deliver until they reply START. It wraps ErrPermanent.
var ErrOptedOut = &permanentError{msg: "notify: recipient has opted out of SMS"}

type permanentError struct{ msg string }

func (e *permanentError) Error() string        { return e.msg }
func (e *permanentError) Is(target error) bool { return target == ErrPermanent }

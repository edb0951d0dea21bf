package main

import (
	"context"
	"errors"
	"net"
	"net/smtp"
	"strings"
	"time"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/api"
	"github.com/claimflow/claimflow/notify"
	"github.com/claimflow/claimflow/paylink"
	"github.com/claimflow/claimflow/payments"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/webhooks"
	"github.com/claimflow/claimflow/workflows"
)

// engagement builds the patient-engagement activities: reminders by email
// (SMTP) and SMS (Twilio, when configured), waitlist backfill over the
// records store, statements paid through Stripe.
func (m *Main) engagement() (*activities.Engagement, error) {
	opts, err := workflows.ParseReminderOptions(m.Config.ReminderOffsets, m.Config.SMSQuietHours)
	if err != nil {
		return nil, err
	}
	m.reminderOptions = opts
	var auth smtp.Auth
	if m.Config.SMTPUsername != "" {
		host, _, _ := net.SplitHostPort(m.Config.SMTPAddr)
		auth = smtp.PlainAuth("", m.Config.SMTPUsername, m.Config.SMTPPassword, host)
	}
	e := &activities.Engagement{
		Scheduling:  &activities.RecordsScheduling{Store: m.Store, DefaultTimeZone: m.Config.DefaultTimeZone},
		Ledger:      &activities.StoreLedger{Store: m.Store},
		Mail:        &notify.SMTP{Addr: m.Config.SMTPAddr, From: m.Config.SMTPFrom, Auth: auth},
		Payments:    payments.New(payments.Options{APIBase: m.Config.StripeAPIBase, SecretKey: m.Config.StripeSecretKey}),
		OfficePhone: m.Config.OfficePhone,
		PayURL:      m.Config.PayURL,
		Statements:  m.Store,
		PayLinks:    &paylink.Links{Sealer: m.Keyring},
	}
	if u := m.Config.AppointmentURL; u != "" && u != "-" {
		e.ManageURL, e.ManageLinks = u, &paylink.Links{Sealer: m.Keyring, Purpose: "appointment"}
	}
	if m.Config.TwilioAccountSID != "" {
		e.SMS = &notify.Twilio{AccountSID: m.Config.TwilioAccountSID, AuthToken: m.Config.TwilioAuthToken, From: m.Config.TwilioFrom}
	}
	return e, nil
}

// mountPayPage serves the patient payment page the statement emails link
// to. It pays the statement's PaymentIntent through Stripe; with a test
// secret key (sk_test_..., stripe-mock locally) it pays with Stripe's test
// card.
func (m *Main) mountPayPage() {
	st := payments.New(payments.Options{APIBase: m.Config.StripeAPIBase, SecretKey: m.Config.StripeSecretKey})
	p := api.PayPage{
		Links:      &paylink.Links{Sealer: m.Keyring},
		Statements: m.Store,
		Confirm: func(ctx context.Context, pi, pm, key string) (string, int64, error) {
			in, err := st.ConfirmPaymentIntent(ctx, payments.ConfirmRequest{PaymentIntentID: pi, PaymentMethod: pm, IdempotencyKey: key})
			return in.Status, in.AmountCents, err
		},
		Temporal:    m.Temporal,
		OfficePhone: m.Config.OfficePhone,
		IsExpired:   func(err error) bool { return errors.Is(err, paylink.ErrExpired) },
	}
	if strings.HasPrefix(m.Config.StripeSecretKey, "sk_test_") {
		p.TestPaymentMethod = "pm_card_visa"
	}
	m.API.MountPayPage(p)
}

// mountAppointmentPage serves the page where a patient without SMS confirms
// or cancels from the reminder email's link.
func (m *Main) mountAppointmentPage() {
	sched := &activities.RecordsScheduling{Store: m.Store, DefaultTimeZone: m.Config.DefaultTimeZone}
	m.API.MountAppointmentPage(api.AppointmentPage{
		Links: &paylink.Links{Sealer: m.Keyring, Purpose: "appointment"},
		Appointment: func(ctx context.Context, id string) (api.PatientAppointment, error) {
			v, err := sched.Appointment(ctx, id)
			if errors.Is(err, activities.ErrRecordNotFound) {
				return api.PatientAppointment{}, rcm.ErrNotFound
			}
			if err != nil {
				return api.PatientAppointment{}, err
			}
			at := v.StartsAt
			if loc, err := time.LoadLocation(v.TimeZone); err == nil {
				at = at.In(loc)
			}
			return api.PatientAppointment{ID: v.ID, OrgID: v.OrgID, PatientID: v.PatientID, StartsAt: at, Location: v.Location, Status: v.Status}, nil
		},
		Temporal:    m.Temporal,
		OfficePhone: m.Config.OfficePhone,
		IsExpired:   func(err error) bool { return errors.Is(err, paylink.ErrExpired) },
	})
}

// mountWebhooks serves the Twilio inbound SMS and Stripe event webhooks
// (each verifies its provider's signature and ignores replays).
func (m *Main) mountWebhooks() {
	r := m.API.Router()
	r.Method("POST", "/webhooks/twilio/sms", webhooks.Twilio(webhooks.TwilioOptions{ValidSignature: notify.ValidTwilioSignature, AuthToken: m.Config.TwilioAuthToken,
		PublicURL: m.Config.TwilioWebhookURL, Threads: m.Store, Events: m.Store, Temporal: m.Temporal, Logger: m.Log}))
	r.Method("POST", "/webhooks/stripe", webhooks.Stripe(webhooks.StripeOptions{ParseEvent: payments.ParseEvent, Secret: m.Config.StripeWebhookKey,
		Statements: m.Store, Events: m.Store, Temporal: m.Temporal, Logger: m.Log}))
}

package main

import (
	"net"
	"net/smtp"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/notify"
	"github.com/claimflow/claimflow/payments"
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
	}
	if m.Config.TwilioAccountSID != "" {
		e.SMS = &notify.Twilio{AccountSID: m.Config.TwilioAccountSID, AuthToken: m.Config.TwilioAuthToken, From: m.Config.TwilioFrom}
	}
	return e, nil
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

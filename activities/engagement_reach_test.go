package activities_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/notify"
)

// fakeScheduling serves one appointment and one patient's contact.
type fakeScheduling struct {
	activities.Scheduling
	ap activities.AppointmentView
	c  activities.Contact
}

func (f *fakeScheduling) Appointment(context.Context, string) (activities.AppointmentView, error) {
	return f.ap, nil
}
func (f *fakeScheduling) PatientContact(context.Context, string) (activities.Contact, error) {
	return f.c, nil
}

type mailbox struct{ sent []notify.Email }

func (m *mailbox) SendEmail(_ context.Context, e notify.Email) error {
	m.sent = append(m.sent, e)
	return nil
}

type texts struct{ sent []notify.SMS }

func (t *texts) SendSMS(_ context.Context, s notify.SMS) (string, error) {
	t.sent = append(t.sent, s)
	return "SM1", nil
}

// fakeLedger answers the SMS opt-out question.
type fakeLedger struct {
	activities.EngagementLedger
	optedOut bool
}

func (l *fakeLedger) SMSOptedOut(context.Context, string) (bool, error) { return l.optedOut, nil }
func (l *fakeLedger) RecordOutboundSMS(context.Context, string, string, string) error {
	return nil
}

// Issue 16: reminder emails told patients to reply to a text message even
// when they could get none. The email must offer what works.
func TestReminderEmailOffersWhatThePatientCanUse(t *testing.T) {
	ap := activities.AppointmentView{ID: "ap-1", PatientID: "pt-1", StartsAt: time.Date(2030, 3, 8, 15, 0, 0, 0, time.UTC),
		TimeZone: "America/New_York", Location: "Test Clinic", Status: activities.AppointmentBooked}
	cases := []struct {
		name     string
		phone    string
		sms      bool
		optedOut bool
		byText   bool
	}{
		{"SMS on, mobile on file", "+15550100001", true, false, true},
		{"SMS disabled", "+15550100001", false, false, false},
		{"no mobile on file", "", true, false, false},
		{"opted out of texts", "+15550100001", true, true, false},
	}
	for _, kind := range []string{activities.KindReminder, activities.KindConfirmed} {
		for _, tc := range cases {
			t.Run(kind+"/"+tc.name, func(t *testing.T) {
				mb := &mailbox{}
				e := &activities.Engagement{Scheduling: &fakeScheduling{ap: ap, c: activities.Contact{FirstName: "Testa", Email: "testa@example.invalid", Phone: tc.phone}},
					Mail: mb, Ledger: &fakeLedger{optedOut: tc.optedOut}, OfficePhone: "555-0100"}
				if tc.sms {
					e.SMS = &texts{}
				}
				res, err := e.SendAppointmentReminder(context.Background(), activities.ReminderSend{AppointmentID: ap.ID, Kind: kind,
					Delivery: activities.Delivery{Key: "24h0m0s/email", Channel: activities.ChannelEmail}})
				if err != nil || !res.Sent || len(mb.sent) != 1 {
					t.Fatalf("sent %v, %d emails, err %v", res, len(mb.sent), err)
				}
				body := mb.sent[0].Body
				if got := strings.Contains(body, "text message"); got != tc.byText {
					t.Errorf("mentions replying by text: %v, want %v\n%s", got, tc.byText, body)
				}
				if !tc.byText && !strings.Contains(body, "call the office at 555-0100") {
					t.Errorf("does not say to call the office:\n%s", body)
				}
			})
		}
	}
}

// Without an office phone the email still says how to reach the practice,
// never "reply to our text".
func TestReminderEmailWithoutSMSOrPhone(t *testing.T) {
	m := activities.ReminderMessage("Testa", time.Date(2030, 3, 8, 10, 0, 0, 0, nyc), "Test Clinic", "", activities.KindReminder, false, "")
	if strings.Contains(m.Email, "text") || !strings.Contains(m.Email, "contact the office") {
		t.Errorf("email: %q", m.Email)
	}
}

// A waitlist offer can only be taken by text (the workflow books on the
// reply): without SMS no email asks for a reply it cannot get.
func TestWaitlistOfferNeedsText(t *testing.T) {
	slot := activities.Slot{ProviderID: "pr-1", StartsAt: time.Date(2030, 3, 8, 15, 0, 0, 0, time.UTC), TimeZone: "UTC"}
	for _, sms := range []bool{true, false} {
		mb := &mailbox{}
		e := &activities.Engagement{Scheduling: &fakeScheduling{c: activities.Contact{Email: "testa@example.invalid", Phone: "+15550100001"}},
			Mail: mb, Ledger: &fakeLedger{}}
		if sms {
			e.SMS = &texts{}
		}
		res, err := e.SendWaitlistOffer(context.Background(), activities.WaitlistOffer{EntryID: "wl-1", PatientID: "pt-1", Slot: slot, ExpiresAt: slot.StartsAt.Add(-time.Hour)})
		if err != nil || res.Sent != sms || len(mb.sent) != map[bool]int{true: 1, false: 0}[sms] {
			t.Errorf("sms %v: result %+v, %d emails, err %v", sms, res, len(mb.sent), err)
		}
	}
}

type numberedLinks struct{ ids []string }

func (l *numberedLinks) Mint(_ context.Context, id string) (string, error) {
	l.ids = append(l.ids, id)
	return "tok-opaque", nil
}

// With the appointment page configured, a patient without SMS gets a
// confirm-or-cancel link (a token, never the appointment ID); a patient
// who can text does not need one.
func TestReminderEmailLinksToAppointmentPage(t *testing.T) {
	ap := activities.AppointmentView{ID: "ap-2", PatientID: "pt-2", StartsAt: time.Date(2030, 3, 8, 15, 0, 0, 0, time.UTC),
		TimeZone: "UTC", Status: activities.AppointmentBooked}
	for _, sms := range []bool{false, true} {
		mb, links := &mailbox{}, &numberedLinks{}
		e := &activities.Engagement{Scheduling: &fakeScheduling{ap: ap, c: activities.Contact{Email: "t@example.invalid", Phone: "+15550100002"}},
			Mail: mb, Ledger: &fakeLedger{}, OfficePhone: "555-0100", ManageURL: "https://clinic.example.invalid/appointment", ManageLinks: links}
		if sms {
			e.SMS = &texts{}
		}
		if _, err := e.SendAppointmentReminder(context.Background(), activities.ReminderSend{AppointmentID: ap.ID, Kind: activities.KindReminder,
			Delivery: activities.Delivery{Key: "24h0m0s/email", Channel: activities.ChannelEmail}}); err != nil || len(mb.sent) != 1 {
			t.Fatalf("sms %v: %d emails, %v", sms, len(mb.sent), err)
		}
		body := mb.sent[0].Body
		hasLink := strings.Contains(body, "https://clinic.example.invalid/appointment?t=tok-opaque")
		if hasLink == sms || strings.Contains(body, "ap-2") {
			t.Errorf("sms %v: link %v in\n%s", sms, hasLink, body)
		}
		if !sms && (len(links.ids) != 1 || links.ids[0] != "ap-2" || !strings.Contains(body, "call the office at 555-0100")) {
			t.Errorf("minted for %v; body\n%s", links.ids, body)
		}
	}
}
